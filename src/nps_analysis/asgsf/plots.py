"""Charts for the ASGSF therapy trends analysis (themed through `nps_analysis.plotting`)."""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nps_analysis.asgsf.rounding import REPORT_ROUNDING, format_pct
from nps_analysis.asgsf.trends import TOTAL_LABEL, TrendFit
from nps_analysis.asgsf.years import fy_start
from nps_analysis.plotting import PALETTE, new_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


def totals_by_year(totals: pd.DataFrame, area: str) -> Figure:
    """Bar chart of packages per financial year, labelled with year-on-year growth."""
    fig, ax = new_figure(9, 4.5)
    x = np.arange(len(totals))
    ax.bar(x, totals["packages"], color=PALETTE[0])
    for xi, (n, g) in enumerate(zip(totals["packages"], totals["yoy_growth_pct"], strict=True)):
        count = f"{n:,.0f}" if np.isfinite(n) else "c"
        label = (
            count
            if not np.isfinite(g)
            else f"{count}\n({'+' if g >= 0 else ''}{format_pct(g, 1, REPORT_ROUNDING)})"
        )
        ax.annotate(
            label,
            (xi, n),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 2),
            textcoords="offset points",
        )
    ax.set_xticks(x, totals["financial_year"], rotation=45 if len(totals) > 6 else 0)
    ax.set_ylabel("Packages funded")
    ax.set_title(f"ASGSF therapeutic packages by financial year - {area}")
    ax.margins(y=0.15)
    return fig


def therapy_mix(by_year: pd.DataFrame, area: str) -> Figure:
    """100% stacked bars: share of packages by therapy within each year."""
    wide = by_year.pivot(index="financial_year", columns="therapy_type", values="share_pct").fillna(
        0
    )
    order = (
        by_year.groupby("therapy_type", sort=False)["packages"]
        .sum()
        .sort_values(ascending=False)
        .index
    )
    wide = wide[[c for c in order if c in wide.columns]]
    fig, ax = new_figure(10, 5)
    bottom = np.zeros(len(wide))
    colours = [PALETTE[i % len(PALETTE)] for i in range(wide.shape[1])]
    hatches = ["", "", "", "", "", "", "", "", "//", "\\\\", "..", "xx"]
    for i, col in enumerate(wide.columns):
        ax.bar(
            wide.index,
            wide[col],
            bottom=bottom,
            label=col,
            color=colours[i],
            hatch=hatches[i % len(hatches)],
            edgecolor="white",
            linewidth=0.5,
        )
        bottom += wide[col].to_numpy()
    ax.set_ylabel("Share of packages (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"ASGSF therapy mix by financial year - {area}")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    ax.tick_params(axis="x", rotation=45 if len(wide) > 6 else 0)
    return fig


def _grid(
    n: int, ncols: int = 3, width: float = 12, row_height: float = 3.3
) -> tuple[Figure, list]:
    nrows = max(1, math.ceil(n / ncols))
    fig, ax = new_figure(width, row_height * nrows)
    ax.remove()
    fig.set_layout_engine("constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for extra in axes[n:]:
        extra.set_visible(False)
    return fig, axes[:n]


def _wrap(text: str, width: int = 44) -> str:
    return "\n".join(textwrap.wrap(text, width)) if text else ""


def _by_year(
    df: pd.DataFrame | None, years: list[str], series: str | None = None
) -> pd.Series | None:
    """Released packages per financial year (suppressed cells NaN), from a long released table."""
    if df is None:
        return None
    rows = df if series is None else df[df["series"] == series]
    values = pd.to_numeric(rows.set_index("financial_year")["packages"], errors="coerce")
    return values.reindex(years)


def rate_label(fit: TrendFit) -> str:
    """`+30.2%/yr (95% CI +12.3 to +50.9)` and `n = 5 years, df = 3, negative_binomial`."""
    lo, hi = fit.growth_ci()
    return (
        f"{fit.growth_pct():+.1f}%/yr (95% CI {lo:+.1f} to {hi:+.1f})\n"
        f"n = {len(fit.years)} years, df = {fit.df_resid}, {fit.model}"
    )


def therapy_trends(
    fits: dict[str, TrendFit],
    counts: pd.DataFrame,
    area: str,
    *,
    totals: pd.DataFrame | None = None,
    comparable: pd.DataFrame | None = None,
) -> Figure:
    """Small multiples: observed packages per therapy with the fitted trend line and growth rate.

    Observed points come from released tables: `counts` (year x therapy, from the released shares
    by year), `totals` (released `annual_totals`) for All packages and `comparable` (released
    `comparable_series`) for the comparable series; without `totals` / `comparable` those two are
    summed from `counts`, which leaves a year blank if any of its cells was suppressed. Years not
    modelled (the November 2018 change) are drawn as open circles.
    """
    from nps_analysis.asgsf.categories import COMPARABLE_KEYS, COMPARABLE_LABEL, therapy_key

    names = list(fits)
    fig, axes = _grid(len(names))
    all_years = [str(y) for y in counts.index]
    starts_all = np.array([fy_start(y) for y in all_years])
    # suppressed cells (NaN) make a derived total missing rather than understated
    merged = [c for c in counts.columns if therapy_key(c) in COMPARABLE_KEYS]
    observed_of = {
        TOTAL_LABEL: _by_year(totals, all_years)
        if totals is not None
        else counts.sum(axis=1, skipna=False),
        COMPARABLE_LABEL: _by_year(comparable, all_years, COMPARABLE_LABEL)
        if comparable is not None
        else counts[merged].sum(axis=1, skipna=False),
    }
    step = max(1, math.ceil(len(all_years) / 5))
    for ax, name in zip(axes, names, strict=True):
        fit = fits[name]
        observed = (observed_of[name] if name in observed_of else counts[name]).to_numpy(float)
        modelled = (
            np.isin(all_years, fit.years) if fit.fitted_ok else np.zeros(len(all_years), bool)
        )
        ax.plot(starts_all[modelled], observed[modelled], "o", color=PALETTE[0], ms=4)
        ax.plot(starts_all[~modelled], observed[~modelled], "o", mfc="none", color=PALETTE[0], ms=4)
        if fit.fitted_ok:
            s = fit.starts
            ax.plot(s, fit.mean(s), "-", color=PALETTE[3])
            ax.set_title(f"{_wrap(name)}\n{rate_label(fit)}", fontsize=7.5)
        else:
            ax.set_title(f"{_wrap(name)}\nno model", fontsize=7.5)
            ax.text(
                0.5,
                0.5,
                _wrap(fit.note, 52),
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=6.5,
                color=PALETTE[4],
            )
        ax.tick_params(labelsize=7)
        ax.set_xlim(starts_all[0] - 0.5, starts_all[-1] + 0.5)
        ax.set_xticks(starts_all[::step], all_years[::step])
        ax.set_ylim(bottom=0)
    fig.suptitle(
        f"ASGSF packages by therapy with fitted log-linear trends - {area}\n"
        "filled: years modelled; open: not modelled (November 2018 category change); "
        "95% CIs use t with the residual df",
        fontsize=10,
    )
    return fig


def _pick(forecast: pd.DataFrame, series: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The preferred trend's forecast rows for `series`, and the other trends' rows."""
    fc = forecast[(forecast["therapy_type"] == series) & forecast["financial_year"].notna()]
    fc = fc[pd.to_numeric(fc["forecast"], errors="coerce").notna()]
    if "preferred" not in fc or fc.empty:
        return fc, fc.iloc[0:0]
    best = fc["preferred"].fillna(False).astype(bool)
    return fc[best], fc[~best]


def _num(rows: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(rows[col], errors="coerce").to_numpy(float)


def backtest_line(rows: pd.DataFrame) -> str:
    """`backtest (1 origin: 2022/23): damped 8.6% error, log_linear 27.7%, no change 14.2%`."""
    firsts = rows.drop_duplicates("trend")
    if "backtest_mape_pct" not in firsts or firsts.empty:
        return "no forecast beside a backtest"
    errors = ", ".join(
        f"{r.trend} {float(r.backtest_mape_pct):.1f}%"
        for r in firsts.itertuples()
        if pd.notna(pd.to_numeric(r.backtest_mape_pct, errors="coerce"))
    )
    head = firsts.iloc[0]
    return (
        f"1-step backtest ({int(head['backtest_origins'])} origin(s): {head['backtest_years']}) "
        f"mean abs. error: {errors}; no change "
        f"{float(pd.to_numeric(head['naive_mape_pct'], errors='coerce')):.1f}%"
    )


def forecast_fan(
    totals: pd.DataFrame, forecast: pd.DataFrame, area: str, series: str = TOTAL_LABEL
) -> Figure:
    """Fan chart: observed packages, then the preferred trend's scenario with 50/80/95% intervals.

    The fan and the central lines start at the last observed (released) year when the forecast
    follows it; the other trend's central scenario is dotted. The subtitle gives each trend's
    1-step backtest error beside the no-change benchmark's.
    """
    fig, ax = new_figure(9, 4.8)
    obs_x = np.array([fy_start(y) for y in totals["financial_year"]], dtype=float)
    obs_y = _num(totals, "packages")
    ax.plot(obs_x, obs_y, "o-", color=PALETTE[0], label="observed")
    chosen, others = _pick(forecast, series)
    fc_years = list(chosen["financial_year"])
    if fc_years:
        fx = np.array([fy_start(y) for y in fc_years], dtype=float)
        anchor = fx[0] == obs_x[-1] + 1 and np.isfinite(obs_y[-1])
        x0, y0 = ([obs_x[-1]], [obs_y[-1]]) if anchor else ([], [])
        xs = np.r_[x0, fx]
        for lv, shade in (("95", 0.15), ("80", 0.25), ("50", 0.4)):
            if f"pi{lv}_low" in chosen:
                ax.fill_between(
                    xs,
                    np.r_[y0, _num(chosen, f"pi{lv}_low")],
                    np.r_[y0, _num(chosen, f"pi{lv}_high")],
                    color=PALETTE[3],
                    alpha=shade,
                    linewidth=0,
                    label=f"{lv}% prediction interval",
                )
        trend = chosen["trend"].iloc[0] if "trend" in chosen else "trend"
        ax.plot(
            xs,
            np.r_[y0, _num(chosen, "forecast")],
            "--",
            color=PALETTE[3],
            label=f"{trend} trend (preferred: lower backtest error)",
        )
        for name, rows in others.groupby("trend", sort=False):
            ox = np.array([fy_start(y) for y in rows["financial_year"]], dtype=float)
            ax.plot(
                np.r_[x0, ox],
                np.r_[y0, _num(rows, "forecast")],
                ":",
                color=PALETTE[2],
                label=f"{name} trend (central)",
            )
    labels = list(totals["financial_year"]) + fc_years
    ax.set_xticks(np.r_[obs_x, [fy_start(y) for y in fc_years]], labels, rotation=45, fontsize=8)
    ax.set_ylabel("Packages funded")
    ax.set_ylim(bottom=0)
    subtitle = backtest_line(pd.concat([chosen, others])) if fc_years else "no forecast"
    ax.set_title(
        f"ASGSF packages: trend scenario ({series}) - {area}\n{_wrap(subtitle, 100)}",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    return fig


def regional_cost_chart(costs: pd.DataFrame, area: str) -> Figure:
    """Heat-map style chart of regional mean cost per package relative to the national mean."""
    wide = costs.pivot(index="therapy_type", columns="region", values="ratio_to_national")
    fig, ax = new_figure(10, 0.45 * len(wide) + 1.5)
    im = ax.imshow(wide.to_numpy(dtype=float), cmap="RdBu_r", vmin=0.5, vmax=1.5, aspect="auto")
    ax.set_xticks(range(wide.shape[1]), wide.columns, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(wide.shape[0]), wide.index, fontsize=8)
    ax.grid(False)
    fig.colorbar(im, ax=ax, label="Mean cost / national mean")
    for tick in ax.get_xticklabels():
        if tick.get_text() == area:
            tick.set_fontweight("bold")
            tick.set_color(PALETTE[2])
    suffix = f" ({area} in bold)" if area in wide.columns else ""
    ax.set_title(f"Mean cost per package vs national, by region and therapy{suffix}")
    return fig
