"""Charts for the ASGSF therapy trends analysis (themed through `nps_analysis.plotting`)."""

from __future__ import annotations

import math
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
    n: int, ncols: int = 3, width: float = 12, row_height: float = 2.8
) -> tuple[Figure, list]:
    nrows = max(1, math.ceil(n / ncols))
    fig, ax = new_figure(width, row_height * nrows)
    ax.remove()
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for extra in axes[n:]:
        extra.set_visible(False)
    return fig, axes[:n]


def therapy_trends(fits: dict[str, TrendFit], counts: pd.DataFrame, area: str) -> Figure:
    """Small multiples: observed packages per therapy with the fitted trend line and growth rate."""
    names = list(fits)
    fig, axes = _grid(len(names))
    all_years = [str(y) for y in counts.index]
    starts_all = np.array([fy_start(y) for y in all_years])
    from nps_analysis.asgsf.categories import COMPARABLE_KEYS, COMPARABLE_LABEL, therapy_key

    # suppressed cells (NaN) make a derived total missing rather than understated
    merged = [c for c in counts.columns if therapy_key(c) in COMPARABLE_KEYS]
    derived = {
        TOTAL_LABEL: counts.sum(axis=1, skipna=False),
        COMPARABLE_LABEL: counts[merged].sum(axis=1, skipna=False),
    }
    for ax, name in zip(axes, names, strict=True):
        fit = fits[name]
        observed = derived[name] if name in derived else counts[name]
        ax.plot(starts_all, observed.to_numpy(), "o", color=PALETTE[0], ms=4, label="observed")
        if fit.fitted_ok:
            s = np.array([fy_start(y) for y in fit.years])
            ax.plot(s, fit.mean(s), "-", color=PALETTE[3], label="fitted")
            lo, hi = fit.growth_ci()
            ax.set_title(
                f"{name}\n{fit.growth_pct():+.1f}%/yr (95% CI {lo:+.1f} to {hi:+.1f}), {fit.model}",
                fontsize=8,
            )
        else:
            ax.set_title(f"{name}\n{fit.note}", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.set_xticks(starts_all[:: max(1, len(starts_all) // 5)])
        ax.set_xticklabels(
            [all_years[i] for i in range(0, len(all_years), max(1, len(all_years) // 5))]
        )
        ax.set_ylim(bottom=0)
    fig.suptitle(
        f"ASGSF packages by therapy with fitted log-linear trends - {area}", fontweight="bold"
    )
    fig.tight_layout()
    return fig


def forecast_fan(
    totals: pd.DataFrame, forecast: pd.DataFrame, area: str, series: str = TOTAL_LABEL
) -> Figure:
    """Fan chart: observed packages then the scenario forecast with 50/80/95% prediction intervals."""
    fig, ax = new_figure(9, 4.5)
    obs_x = np.array([fy_start(y) for y in totals["financial_year"]])
    ax.plot(obs_x, totals["packages"], "o-", color=PALETTE[0], label="observed")
    fc = forecast[(forecast["therapy_type"] == series) & forecast["financial_year"].notna()]
    if not fc.empty:
        fx = np.r_[obs_x[-1], [fy_start(y) for y in fc["financial_year"]]]
        last = float(totals["packages"].iloc[-1])
        for lv, alpha in (("95", 0.15), ("80", 0.25), ("50", 0.4)):
            lo, hi = f"pi{lv}_low", f"pi{lv}_high"
            if lo in fc:
                ax.fill_between(
                    fx,
                    np.r_[last, fc[lo]],
                    np.r_[last, fc[hi]],
                    color=PALETTE[3],
                    alpha=alpha,
                    linewidth=0,
                    label=f"{lv}% prediction interval",
                )
        ax.plot(fx, np.r_[last, fc["forecast"]], "--", color=PALETTE[3], label="trend scenario")
    labels = list(totals["financial_year"]) + list(fc["financial_year"])
    xs = np.r_[obs_x, [fy_start(y) for y in fc["financial_year"]]]
    ax.set_xticks(xs, labels, rotation=45, fontsize=8)
    ax.set_ylabel("Packages funded")
    ax.set_ylim(bottom=0)
    ax.set_title(f"ASGSF packages: trend scenario ({series}) - {area}")
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
