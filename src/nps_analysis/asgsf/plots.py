"""Charts for the ASGSF therapy trends analysis, following the Analysis Function through
`nps_analysis.plotting`: at most four AF colours, never colour alone (value labels, markers, line
styles, hatching), text of at least 12 px, and a headline title, subtitle, alt text and caption
generated from the released tables each chart is drawn from (suppressed cells say so)."""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nps_analysis.asgsf.rounding import REPORT_ROUNDING, format_pct
from nps_analysis.asgsf.trends import TOTAL_LABEL, TrendFit
from nps_analysis.asgsf.years import fy_start
from nps_analysis.plotting import (
    HATCHES,
    LABEL_PT,
    MARKERS,
    MIN_FONT_PT,
    PALETTE,
    change_phrase,
    describe,
    describe_series,
    direct_label,
    new_figure,
    not_shown,
    segment_labels,
    thousands,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

SOURCE = "ASGSF (Adoption and Special Guardianship Support Fund) package records"
OTHERS = "All other therapies"
MIX_GROUPS = 3
"""Therapies drawn on their own in the therapy mix (the rest are one group: four colours)."""


def totals_by_year(totals: pd.DataFrame, area: str) -> Figure:
    """Bar chart of packages per financial year, each bar labelled with its count and growth."""
    fig, ax = new_figure(9, 4.8)
    x = np.arange(len(totals))
    packages = pd.to_numeric(totals["packages"], errors="coerce").to_numpy(float)
    growth = pd.to_numeric(totals["yoy_growth_pct"], errors="coerce").to_numpy(float)
    ax.bar(x, np.nan_to_num(packages), color=PALETTE[0])
    for xi, (n, g) in enumerate(zip(packages, growth, strict=True)):
        count = f"{n:,.0f}" if np.isfinite(n) else "[c]"
        label = (
            count
            if not np.isfinite(g)
            else f"{count}\n({'+' if g >= 0 else ''}{format_pct(g, 1, REPORT_ROUNDING)})"
        )
        ax.annotate(
            label,
            (xi, n if np.isfinite(n) else 0),
            ha="center",
            va="bottom",
            fontsize=LABEL_PT,
            xytext=(0, 2),
            textcoords="offset points",
        )
    ax.set_xticks(x, totals["financial_year"], rotation=45 if len(totals) > 6 else 0)
    ax.set_xlabel("Financial year")
    ax.set_ylabel("Packages funded")
    thousands(ax)
    ax.margins(y=0.2)
    shown = totals.assign(_n=packages).dropna(subset=["_n"])
    if len(shown) >= 2:
        first, last = shown.iloc[0], shown.iloc[-1]
        title = (
            f"ASGSF funded packages in {area} {change_phrase(first['_n'], last['_n'])} between "
            f"{first['financial_year']} and {last['financial_year']}"
        )
    else:
        title = f"ASGSF funded packages in {area}, by financial year"
    alt = describe_series(
        totals.assign(packages=packages),
        "financial_year",
        "packages",
        what=f"ASGSF therapeutic packages funded, {area}",
        kind="Bar chart",
    )
    return describe(
        fig,
        title=title,
        subtitle=f"Therapeutic packages funded each financial year, {area}; labels give the "
        "count and the change on the year before",
        alt=alt,
        caption=f"Source: {SOURCE} (table annual_totals).{not_shown(int(np.isnan(packages).sum()))}",
    )


def therapy_mix(by_year: pd.DataFrame, area: str) -> Figure:
    """100% stacked bars: share of packages of the three largest therapies and of all others,
    in each year; segments are hatched differently and labelled with their share, and each
    group is named beside the last bar (no legend to decode by colour)."""
    order = (
        by_year.groupby("therapy_type", sort=False)["packages"]
        .sum()
        .sort_values(ascending=False, kind="mergesort")
        .index.tolist()
    )
    top = order[:MIX_GROUPS]
    rest = order[MIX_GROUPS:]
    share = pd.to_numeric(by_year["share_pct"], errors="coerce")
    wide = by_year.assign(_s=share).pivot(
        index="financial_year", columns="therapy_type", values="_s"
    )
    wide = wide.reindex(columns=order)
    groups = wide[top].copy()
    hidden = int(wide[top].isna().sum().sum())
    if rest:  # the others' share is what the largest three leave (suppressed cells included)
        groups[OTHERS] = 100 - wide[top].sum(axis=1, skipna=False)
    years = list(groups.index)
    fig, ax = new_figure(10, 5.2)
    bottom = np.zeros(len(groups))
    x = np.arange(len(groups))
    for i, col in enumerate(groups.columns):
        values = groups[col].to_numpy(float)
        bars = ax.bar(
            x,
            np.nan_to_num(values),
            bottom=bottom,
            width=0.7,
            color=PALETTE[i],
            hatch=HATCHES[i],
            edgecolor="white",
            linewidth=0.8,
        )
        segment_labels(
            ax, bars, [f"{v:.0f}%" if np.isfinite(v) and v >= 6 else "" for v in values], PALETTE[i]
        )
        mid = bottom[-1] + np.nan_to_num(values[-1]) / 2
        ax.annotate(
            _wrap(col, 26),
            (x[-1] + 0.4, mid),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=LABEL_PT,
            color=PALETTE[i],
            fontweight="bold",
        )
        bottom += np.nan_to_num(values)
    ax.set_xticks(x, years, rotation=45 if len(years) > 6 else 0)
    ax.set_xlim(-0.5, len(years) + 1.6)
    ax.set_xlabel("Financial year")
    ax.set_ylabel("Share of packages (%)")
    ax.set_ylim(0, 100)
    long = groups.reset_index().melt(
        id_vars="financial_year", var_name="therapy", value_name="share"
    )
    alt = describe_series(
        long,
        "financial_year",
        "share",
        series="therapy",
        what=f"the share of ASGSF packages by therapy, {area}",
        unit="%",
        dp=1,
        kind="Stacked bar chart",
    )
    lead = top[0] if top else "No therapy"
    last = groups.iloc[-1] if len(groups) else None
    share_text = (
        f" ({format_pct(float(last[lead]), 0, REPORT_ROUNDING)} in {years[-1]})"
        if last is not None and np.isfinite(last[lead])
        else ""
    )
    others = f"; '{OTHERS}' are {', '.join(rest)}" if rest else ""
    return describe(
        fig,
        title=f"{lead} was the largest share of ASGSF packages in {area}{share_text}",
        subtitle=f"Share of therapeutic packages by therapy in each financial year, {area}: "
        f"the {len(top)} largest therapies and all others",
        alt=alt,
        caption=f"Source: {SOURCE} (table therapy_shares_by_year){others}. Shares under 6% are "
        f"not labelled.{not_shown(hidden, 'share')}",
    )


def _grid(
    n: int, ncols: int = 3, width: float = 10, row_height: float = 3.6, *, sharex: bool = False
) -> tuple[Figure, list]:
    nrows = max(1, math.ceil(n / ncols))
    fig, ax = new_figure(width, row_height * nrows)
    ax.remove()
    fig.set_layout_engine("constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=sharex).ravel().tolist()
    for extra in axes[n:]:
        extra.set_visible(False)
    return fig, axes[:n]


def _wrap(text: str, width: int = 44) -> str:
    return "\n".join(textwrap.wrap(text, width)) if text else ""


def _by_year(df: pd.DataFrame, years: list[str], series: str | None = None) -> pd.Series:
    """Released packages per financial year (suppressed cells NaN), from a long released table."""
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


def _rate_sentence(name: str, fit: TrendFit) -> str:
    if not fit.fitted_ok:
        return f"{name}: no model ({fit.note})"
    lo, hi = fit.growth_ci()
    return (
        f"{name}: {fit.growth_pct():+.1f}% a year (95% CI {lo:+.1f} to {hi:+.1f}; n = "
        f"{len(fit.years)} years, df = {fit.df_resid}, {fit.model.replace('_', ' ')})"
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
    missing = 0
    parts = []
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
    step = max(1, math.ceil(len(all_years) / 3))  # year labels 10 pt wide: three per panel
    for ax, name in zip(axes, names, strict=True):
        fit = fits[name]
        observed = (observed_of[name] if name in observed_of else counts[name]).to_numpy(float)
        modelled = (
            np.isin(all_years, fit.years) if fit.fitted_ok else np.zeros(len(all_years), bool)
        )
        missing += int(np.isnan(observed).sum())
        ax.plot(starts_all[modelled], observed[modelled], "o", color=PALETTE[0], ms=5)
        ax.plot(starts_all[~modelled], observed[~modelled], "o", mfc="none", color=PALETTE[0], ms=5)
        if fit.fitted_ok:
            s = fit.starts
            ax.plot(s, fit.mean(s), "--", color=PALETTE[3], lw=2)
            ax.set_title(f"{_wrap(name, 34)}\n{rate_label(fit)}", fontsize=MIN_FONT_PT, loc="left")
        else:
            ax.set_title(f"{_wrap(name, 34)}\nno model", fontsize=MIN_FONT_PT, loc="left")
            ax.text(
                0.5,
                0.5,
                _wrap(fit.note, 34),
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=MIN_FONT_PT,
                color="#3D3D3D",
            )
        shown = [f"{v:,.0f} in {y}" for y, v in zip(all_years, observed, strict=True) if v == v]
        parts.append(
            _rate_sentence(name, fit)
            + (f"; observed {shown[0]} to {shown[-1]}" if len(shown) > 1 else "")
        )
        ax.tick_params(labelsize=MIN_FONT_PT)
        ax.set_xlim(starts_all[0] - 0.5, starts_all[-1] + 0.5)
        ax.set_xticks(starts_all[::step], all_years[::step])
        ax.set_ylim(bottom=0)
        thousands(ax)
    total = fits.get(TOTAL_LABEL)
    if total is not None and total.fitted_ok:
        lo, hi = total.growth_ci()
        title = (
            f"ASGSF packages in {area} grew by an estimated {total.growth_pct():.1f}% a year "
            f"(95% CI {lo:.1f}% to {hi:.1f}%)"
        )
    else:
        title = f"ASGSF packages in {area} by therapy, with fitted trends"
    return describe(
        fig,
        title=title,
        subtitle=f"Packages funded per financial year by therapy (dots) and the fitted "
        f"log-linear trend (dashed line), {area}",
        alt=f"Small multiple chart of ASGSF packages by therapy with fitted trends, {area}: "
        f"{len(names)} panels. " + ". ".join(parts) + ".",
        caption=f"Source: {SOURCE} (tables therapy_trends, therapy_shares_by_year, "
        "annual_totals, comparable_series). Filled dots: years modelled; open dots: years not "
        "modelled (November 2018 category change). 95% confidence intervals use Student's t "
        f"with the residual degrees of freedom (df).{not_shown(missing)}",
    )


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
    fig, ax = new_figure(10, 5.2)
    obs_x = np.array([fy_start(y) for y in totals["financial_year"]], dtype=float)
    obs_y = _num(totals, "packages")
    ax.plot(obs_x, obs_y, "o-", color=PALETTE[0], label="observed", lw=2)
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
        central = np.r_[y0, _num(chosen, "forecast")]
        ax.plot(
            xs,
            central,
            "--",
            color=PALETTE[3],
            marker=MARKERS[1],
            lw=2,
            label=f"{trend} trend (preferred: lower backtest error)",
        )
        direct_label(ax, xs[-1], central[-1], f"{trend}: {central[-1]:,.0f}", PALETTE[3])
        for name, rows in others.groupby("trend", sort=False):
            ox = np.array([fy_start(y) for y in rows["financial_year"]], dtype=float)
            line = np.r_[y0, _num(rows, "forecast")]
            ax.plot(
                np.r_[x0, ox],
                line,
                ":",
                color=PALETTE[2],
                marker=MARKERS[2],
                lw=2,
                label=f"{name} trend (central)",
            )
            direct_label(ax, ox[-1], line[-1], f"{name}: {line[-1]:,.0f}", PALETTE[2])
    labels = list(totals["financial_year"]) + fc_years
    ax.set_xticks(np.r_[obs_x, [fy_start(y) for y in fc_years]], labels, rotation=45)
    ax.set_xlabel("Financial year")
    ax.set_ylabel("Packages funded")
    ax.set_ylim(bottom=0)
    thousands(ax)
    ax.margins(x=0.12)
    ax.legend(fontsize=LABEL_PT, loc="upper left", frameon=False)
    observed = totals.assign(packages=obs_y)
    alt = describe_series(
        observed, "financial_year", "packages", what=f"ASGSF packages ({series}), {area}"
    )
    if not fc_years:
        return describe(
            fig,
            title=f"No trend scenario for ASGSF packages in {area}",
            subtitle=f"Observed packages funded per financial year ({series}), {area}",
            alt=alt.replace("Chart of", "Line chart of"),
            caption=f"Source: {SOURCE} (tables annual_totals, forecast).",
        )
    last = chosen.iloc[-1]
    lo95, hi95 = (
        float(pd.to_numeric(last.get(f"pi95_{e}"), errors="coerce")) for e in ("low", "high")
    )
    band = f" (95% prediction interval {lo95:,.0f} to {hi95:,.0f})" if np.isfinite(lo95) else ""
    scenario = "; ".join(
        f"{r.trend} trend {float(r.forecast):,.0f} in {r.financial_year}"
        for r in pd.concat([chosen, others]).itertuples()
    )
    return describe(
        fig,
        title=f"If the {trend} trend held, {series.lower()} in {area} would be about "
        f"{float(last['forecast']):,.0f} in {last['financial_year']}{band}",
        subtitle=backtest_line(pd.concat([chosen, others])),
        alt=alt.replace("Chart of", "Line chart of")
        + f" Trend scenarios: {scenario}{band.replace(' (', ', last year ').rstrip(')')}.",
        caption=f"Source: {SOURCE} (tables annual_totals, forecast). A scenario from the "
        "trend of the observed years, not a forecast of demand; shaded bands are 50%, 80% and "
        "95% prediction intervals (darkest 50%).",
    )


def regional_cost_chart(costs: pd.DataFrame, area: str) -> Figure:
    """Mean cost per package relative to the national mean, one panel per therapy: a labelled
    bar per region (the heat map it replaces carried its values by colour alone); the area's
    own bar is hatched and its name bold, suppressed cells are labelled [c]."""
    ratio = pd.to_numeric(costs["ratio_to_national"], errors="coerce")
    wide = costs.assign(_r=ratio).pivot(index="region", columns="therapy_type", values="_r")
    regions, therapies = list(wide.index), list(wide.columns)
    fig, axes = _grid(len(therapies), row_height=0.3 * len(regions) + 1.2, sharex=True)
    y = np.arange(len(regions))[::-1]
    top = float(np.nanmax(wide.to_numpy(float))) if np.isfinite(wide.to_numpy(float)).any() else 1
    for k, (ax, therapy) in enumerate(zip(axes, therapies, strict=True)):
        values = wide[therapy].to_numpy(float)
        own = np.array([r == area for r in regions])
        ax.barh(y[~own], np.nan_to_num(values[~own]), color=PALETTE[0], height=0.7)
        ax.barh(y[own], np.nan_to_num(values[own]), color=PALETTE[1], hatch="//", height=0.7)
        for yi, v in zip(y, values, strict=True):
            ax.annotate(
                f"{v:.2f}" if np.isfinite(v) else "[c]",
                (v if np.isfinite(v) else 0, yi),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=MIN_FONT_PT,
            )
        ax.axvline(1, color="#0b0c0c", lw=1, ls="--")
        ax.set_title(_wrap(therapy, 30), fontsize=MIN_FONT_PT, loc="left")
        ax.set_yticks(y, regions if k % 3 == 0 else [""] * len(regions), fontsize=MIN_FONT_PT)
        for tick in ax.get_yticklabels():
            if tick.get_text() == area:
                tick.set_fontweight("bold")
        ax.set_xlim(0, max(top, 1) * 1.35)
        ax.tick_params(axis="x", labelsize=MIN_FONT_PT)
        ax.grid(axis="y", visible=False)
    for ax in axes[-3:]:
        ax.set_xlabel("Mean cost / national mean", fontsize=MIN_FONT_PT)
    long = costs.assign(_r=ratio)
    parts = []
    for therapy, rows in long.groupby("therapy_type", sort=False):
        shown = rows.dropna(subset=["_r"])
        if shown.empty:
            parts.append(f"{therapy}: all values suppressed")
            continue
        hi, lo = shown.loc[shown["_r"].idxmax()], shown.loc[shown["_r"].idxmin()]
        own_ratio = shown.loc[shown["region"] == area, "_r"]
        mine = f", {area} {float(own_ratio.iloc[0]):.2f}" if len(own_ratio) else ""
        parts.append(
            f"{therapy}: highest {hi['region']} {hi['_r']:.2f}, lowest {lo['region']} "
            f"{lo['_r']:.2f}{mine}"
        )
    spread = long.dropna(subset=["_r"])
    if spread.empty:
        title = "Regional mean cost per package compared with the national mean"
    else:
        far = spread.loc[(spread["_r"] - 1).abs().idxmax()]
        title = (
            f"Mean cost per package ranged from {spread['_r'].min():.2f} to "
            f"{spread['_r'].max():.2f} times the national mean; furthest: {far['therapy_type']} "
            f"in {far['region']}"
        )
    focus = f"; {area} hatched and in bold" if area in regions else ""
    return describe(
        fig,
        title=title,
        subtitle="Regional mean cost per ASGSF package divided by the national mean, by "
        f"therapy (1 = the national mean, dashed line){focus}",
        alt="Bar charts, one per therapy, of each region's mean cost per package relative to "
        "the national mean. " + ". ".join(parts) + ".",
        caption=f"Source: {SOURCE} (table regional_costs).{not_shown(int(ratio.isna().sum()))}",
    )
