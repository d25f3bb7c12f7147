"""Charts for the workforce analysis, each drawn from a released table (suppressed cells = 'c').

Following the Analysis Function through `nps_analysis.plotting`: at most four AF colours, never
colour alone (value labels, hatching, markers), text of at least 12 px, and a headline title,
subtitle, alt text and caption generated from the released table (suppressed cells say so).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nps_analysis.plotting import (
    HATCHES,
    LABEL_PT,
    MARKERS,
    MIN_FONT_PT,
    PALETTE,
    describe,
    new_figure,
    not_shown,
    segment_labels,
    thousands,
)
from nps_analysis.workforce.skills import STATUS_NOT_REPORTED, STATUS_ORDER

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

SOURCE = "Adoption England skills audit of RAA staff"


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype(float)


def _pct(v: float) -> str:
    return f"{v:.1f}%" if np.isfinite(v) else "[c]"


def role_mix(by_role: pd.DataFrame, by_unit_role: pd.DataFrame, unit: str) -> Figure:
    """100% stacked bars of the FTE role mix: the area first, then each region or RAA. Roles are
    hatched differently and labelled with their share; suppressed shares are a white hatched
    segment labelled [c]."""
    area = str(by_role["area"].iloc[0]) if len(by_role) else ""
    top = by_role.rename(columns={"area": unit})[[unit, "role", "share_pct"]]
    data = pd.concat([top, by_unit_role[[unit, "role", "share_pct"]]], ignore_index=True)
    data["share"] = _num(data["share_pct"])
    suppressed = int(data["share"].isna().sum())
    units = list(dict.fromkeys(data[unit].astype(str)))
    roles = list(dict.fromkeys(data["role"].astype(str)))
    if len(roles) > len(PALETTE[:4]):
        raise ValueError(f"{len(roles)} roles: group them into at most four for the chart")
    wide = data.pivot_table(index=unit, columns="role", values="share", aggfunc="first", sort=False)
    wide = wide.reindex(index=units, columns=roles)
    fig, ax = new_figure(10, 0.5 * len(units) + 2.2)
    left = np.zeros(len(units))
    y = np.arange(len(units))[::-1]
    for i, role in enumerate(roles):
        values = wide[role].to_numpy(float)
        bars = ax.barh(
            y,
            np.nan_to_num(values),
            left=left,
            color=PALETTE[i],
            hatch=HATCHES[i],
            label=role,
            edgecolor="white",
        )
        segment_labels(
            ax, bars, [f"{v:.0f}%" if np.isfinite(v) and v >= 8 else "" for v in values], PALETTE[i]
        )
        left += np.nan_to_num(values)
    rest = np.where(wide.isna().any(axis=1).to_numpy(), 100 - left, 0)
    if rest.any():
        bars = ax.barh(
            y,
            rest,
            left=left,
            color="white",
            hatch="//",
            edgecolor="#505a5f",
            label="[c] suppressed",
        )
        segment_labels(ax, bars, ["[c]" if r > 0 else "" for r in rest], "white")
    ax.set_yticks(y, [f"{u} (all)" if u == area else u for u in units], fontsize=LABEL_PT)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of FTE (%)")
    ax.grid(axis="y", visible=False)
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=min(len(roles) + 1, 3),
        fontsize=LABEL_PT,
        frameon=False,
    )
    lead = by_role.assign(_s=_num(by_role["share_pct"])).dropna(subset=["_s"])
    first = lead.loc[lead["_s"].idxmax()] if len(lead) else None
    title = (
        f"{str(first['role']).capitalize()} were {first['_s']:.0f}% of adoption support FTE in "
        f"{area}"
        if first is not None
        else f"Adoption support staff by role in {area}"
    )
    parts = []
    for u in units:
        row = wide.loc[u]
        parts.append(f"{u}: " + ", ".join(f"{r} {_pct(float(row[r]))}" for r in roles))
    return describe(
        fig,
        title=title,
        subtitle=f"Share of full-time equivalent (FTE) staff by role: {area} and each {unit}",
        alt=f"Stacked bar chart of the share of FTE by role, {area} and by {unit}. "
        + "; ".join(parts)
        + ".",
        caption=f"Source: {SOURCE} (tables fte_by_role, fte_by_area_role). Shares under 8% are "
        f"not labelled.{not_shown(suppressed, 'share')}",
    )


def skills_coverage(coverage: pd.DataFrame, show_published: bool = True) -> Figure:
    """Share of recorded FTE trained per skill (labelled bars), with the published share where
    one was printed (a black bar marker, named in the legend)."""
    fig, ax = new_figure(9, 4.8)
    shares = _num(coverage["share_pct"])
    x = np.arange(len(coverage))
    ax.bar(x, shares.fillna(0), color=PALETTE[0], label="reproduced", width=0.6)
    for xi, v in zip(x, shares, strict=True):
        ax.annotate(
            _pct(v),
            (xi, 0 if np.isnan(v) else v),
            ha="center",
            va="bottom",
            fontsize=LABEL_PT,
            xytext=(0, 3),
            textcoords="offset points",
        )
    published = ""
    if show_published:
        from nps_analysis.published import load_published

        pub = load_published("workforce")
        pub = pub[pub["measure"] == "share_of_fte_trained"].set_index("skill")["value"]
        px = [xi for xi, s in zip(x, coverage["skill"], strict=True) if s in pub.index]
        py = [float(pub[s]) for s in coverage["skill"] if s in pub.index]
        ax.scatter(
            px,
            py,
            marker="_",
            s=900,
            color=PALETTE[3],
            linewidths=3,
            label="published (National Picture s5.2)",
            zorder=3,
        )
        ax.legend(fontsize=LABEL_PT, frameon=False, loc="upper right")
        published = " Published shares (s5.2): " + ", ".join(
            f"{s} {float(pub[s]):.0f}%" for s in coverage["skill"] if s in pub.index
        )
        published += "." if len(px) else ""
    base = _num(coverage["base_fte"]).max()
    resp = _num(coverage["raas_responding"]).max()
    ax.set_xticks(x, coverage["skill"])
    ax.set_xlabel("Skill")
    ax.set_ylabel("Share of FTE trained (%)")
    ax.margins(y=0.2)
    ranked = coverage.assign(_s=shares).dropna(subset=["_s"]).sort_values("_s", kind="mergesort")
    title = (
        f"{ranked.iloc[-1]['skill']} was the most widely held skill: {ranked.iloc[-1]['_s']:.0f}% "
        "of recorded FTE trained"
        if len(ranked)
        else "Skills coverage of recorded FTE"
    )
    return describe(
        fig,
        title=title,
        subtitle=f"Share of recorded full-time equivalent (FTE) staff trained in each skill; base "
        f"{base:,.2f} FTE in the {resp:.0f} RAAs giving training data",
        alt="Bar chart of the share of recorded FTE trained, by skill: "
        + ", ".join(f"{s} {_pct(v)}" for s, v in zip(coverage["skill"], shares, strict=True))
        + "."
        + published,
        caption=f"Source: {SOURCE} (table skills_coverage).{not_shown(int(shares.isna().sum()))}",
    )


def skills_heatmap(status: pd.DataFrame) -> Figure:
    """RAAs by skills status, one bar per skill (the colour-coded RAA x skill grid it replaces
    carried its meaning by colour alone: the grid itself is the released table skills_by_raa).
    Each segment is hatched and labelled with its count of RAAs; the RAAs naming the skill as a
    gap are written beside each bar."""
    skills = list(dict.fromkeys(status["skill"]))
    order = [s for s in STATUS_ORDER if s in set(status["status"])] or list(STATUS_ORDER)
    counts = (
        status.groupby(["skill", "status"], sort=False)["raa"]
        .nunique()
        .unstack(fill_value=0)
        .reindex(index=skills, columns=order, fill_value=0)
    )
    gaps = status[status["gap"] == "gap"].groupby("skill")["raa"].nunique()
    gaps = gaps.reindex(skills, fill_value=0)
    total = status["raa"].nunique()
    coloured = [s for s in order if s != STATUS_NOT_REPORTED]
    fig, ax = new_figure(10, 0.6 * len(skills) + 2.4)
    y = np.arange(len(skills))[::-1]
    left = np.zeros(len(skills))
    for s in order:
        values = counts[s].to_numpy(float)
        if s == STATUS_NOT_REPORTED:
            colour, hatch, edge = "white", "//", "#505a5f"
        else:
            i = coloured.index(s)
            colour, hatch, edge = PALETTE[i], HATCHES[i], "white"
        bars = ax.barh(
            y, values, left=left, label=s, height=0.6, color=colour, hatch=hatch, edgecolor=edge
        )
        segment_labels(ax, bars, [f"{v:.0f}" if v >= 1 else "" for v in values], colour)
        left += values
    for yi, g in zip(y, gaps, strict=True):
        ax.annotate(
            f"{g} name it a gap",
            (total, yi),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=LABEL_PT,
        )
    ax.set_yticks(y, skills, fontsize=LABEL_PT)
    ax.set_xlim(0, total * 1.3)
    ax.set_xlabel("RAAs")
    ax.grid(axis="y", visible=False)
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=3,
        fontsize=LABEL_PT,
        frameon=False,
    )
    trained = [s for s in order if s.startswith("trained")]
    held = counts[trained].sum(axis=1)
    most = held.idxmax() if len(held) else ""
    parts = [
        f"{skill}: "
        + ", ".join(f"{int(counts.loc[skill, s])} {s}" for s in order)
        + f"; {int(gaps[skill])} name it a gap"
        for skill in skills
    ]
    return describe(
        fig,
        title=f"{most} was held by the most RAAs: {int(held.get(most, 0))} of {total}"
        if most
        else "Skills held and gaps named by RAAs",
        subtitle=f"Number of RAAs by whether staff are trained in each skill (from staff records "
        f"or as stated), and how many name the skill as a gap; {total} RAAs",
        alt=f"Stacked bar chart of the {total} RAAs by skills status, for each skill. "
        + ". ".join(parts)
        + ".",
        caption=f"Source: {SOURCE} (table skills_by_raa, which lists each RAA). Organisation-"
        "level presence or absence only: no staff counts.",
    )


def gaps_with_ci(bounds: pd.DataFrame, area: str) -> Figure:
    """Per skill, % of the area's RAAs with a gap: no-assumption bounds and hypergeometric 95% CI.

    Drawn from the released skills_gaps_bounds table: the pale hatched bar spans what is
    possible with no assumption about non-responders; the error bar is the interval if they
    answered at random; the dot is the share of responding RAAs (labelled).
    """
    fig, ax = new_figure(10, 5.2)
    x = np.arange(len(bounds))
    lo_b, hi_b = _num(bounds["bound_low_pct"]), _num(bounds["bound_high_pct"])
    p, lo, hi = _num(bounds["pct"]), _num(bounds["ci_low"]), _num(bounds["ci_high"])
    ax.bar(
        x,
        hi_b - lo_b,
        bottom=lo_b,
        width=0.5,
        color=PALETTE[1],
        alpha=0.3,
        hatch="//",
        edgecolor=PALETTE[1],
        label="possible with no assumption about non-responders",
    )
    ax.errorbar(
        x,
        (lo + hi) / 2,
        yerr=[(hi - lo) / 2, (hi - lo) / 2],
        fmt="none",
        ecolor=PALETTE[0],
        capsize=6,
        lw=2,
        label="95% interval if non-response was random (hypergeometric)",
    )
    ax.plot(x, p, MARKERS[3], color=PALETTE[0], ms=8, ls="none", label="share of responding RAAs")
    for xi, v in zip(x, p, strict=True):
        ax.annotate(
            _pct(v),
            (xi, v if np.isfinite(v) else 0),
            xytext=(10, 0),
            textcoords="offset points",
            va="center",
            fontsize=LABEL_PT,
            fontweight="bold",
        )
    labels = [
        f"{skill}\n{k} of {n} responding\n(of {big_n} RAAs)"
        for skill, k, n, big_n in zip(
            bounds["skill"],
            bounds["raas_with_gap"],
            bounds["raas_responding"],
            bounds["raas_in_area"],
            strict=True,
        )
    ]
    ax.set_xticks(x, labels, fontsize=MIN_FONT_PT)
    ax.set_ylim(0, 119)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("RAAs with a gap (% of the area's RAAs)")
    ax.legend(fontsize=MIN_FONT_PT, frameon=False, loc="upper left", ncol=1)
    rows = bounds.assign(p_=p, lo_=lo, hi_=hi, blo_=lo_b, bhi_=hi_b)
    parts = [
        f"{r.skill}: {r.raas_with_gap} of {r.raas_responding} responding RAAs ({_pct(r.p_)}); "
        f"95% interval {_pct(r.lo_)} to {_pct(r.hi_)}; possible range {_pct(r.blo_)} to "
        f"{_pct(r.bhi_)}"
        for r in rows.itertuples()
    ]
    shown = rows.dropna(subset=["p_"])
    top = shown.loc[shown["p_"].idxmax()] if len(shown) else None
    responding = _num(bounds["raas_responding"]).max()
    in_area = _num(bounds["raas_in_area"]).max()
    return describe(
        fig,
        title=f"{top['skill']} was the skill most often named as a gap in {area}: "
        f"{int(top['raas_with_gap'])} of {int(top['raas_responding'])} responding RAAs"
        if top is not None
        else f"Skills gaps named by RAAs in {area}",
        subtitle=f"Share of the area's RAAs naming each skill as a gap; {responding:.0f} of "
        f"{in_area:.0f} RAAs answered, so the bars show what the others could change",
        alt="Chart of the share of RAAs naming each skill as a gap, with intervals. "
        + ". ".join(parts)
        + ".",
        caption=f"Source: {SOURCE} (table skills_gaps_bounds). The 95% interval assumes the "
        "RAAs that did not answer are like those that did (hypergeometric); the hatched range "
        f"assumes nothing about them.{not_shown(int(p.isna().sum()))}",
    )


def demand_vs_capacity(opp: pd.DataFrame, year: str) -> Figure:
    """Per pan-region and skill: mapped ASGSF packages against assumed in-house capacity.

    One panel per skill (one colour; no skill is told apart by colour). Both axes are packages a
    year on log scales (capacity from practitioner FTE and the stated assumptions); points above
    the dotted line have more demand than the assumed capacity could meet. Pan-regions are dots
    labelled with their name, the area total (England) a hollow diamond. Suppressed cells and
    cells with no capacity or no demand are left out and counted.
    """
    from matplotlib.ticker import NullFormatter

    from nps_analysis.regions import region_names

    regional = opp["region"].isin(region_names())
    cap, pk = _num(opp["capacity_packages"]), _num(opp["packages"])
    ok = (cap > 0) & (pk > 0)
    skills = list(dict.fromkeys(opp["skill"]))
    ncols = min(3, max(1, len(skills)))
    nrows = max(1, math.ceil(len(skills) / ncols))
    fig, ax0 = new_figure(10, 3.4 * nrows + 0.6)
    ax0.remove()
    fig.set_layout_engine("constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True).ravel().tolist()
    for extra in axes[len(skills) :]:
        extra.set_visible(False)
    if ok.any():
        lo = float(min(cap[ok].min(), pk[ok].min())) / 1.5
        hi = float(max(cap[ok].max(), pk[ok].max())) * 3
    else:
        lo, hi = 1.0, 10.0
    parts = []
    above_total = 0
    for ax, skill in zip(axes, skills, strict=False):
        this = opp["skill"] == skill
        for rows, marker, fill in ((regional, "o", PALETTE[0]), (~regional, "D", "none")):
            m = ok & rows & this
            if not m.any():
                continue
            ax.scatter(cap[m], pk[m], marker=marker, facecolors=fill, edgecolors=PALETTE[0], s=45)
            for c, k, r in zip(cap[m], pk[m], opp.loc[m, "region"], strict=True):
                ax.annotate(
                    r, (c, k), fontsize=MIN_FONT_PT, xytext=(4, 2), textcoords="offset points"
                )
        ax.plot([lo, hi], [lo, hi], ls=":", color="#505a5f")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        for axis in ("x", "y"):  # plain numbers (no 10^n superscripts below 12 px)
            thousands(ax, axis)
            (ax.xaxis if axis == "x" else ax.yaxis).set_minor_formatter(NullFormatter())
        ax.set_title(str(skill), fontsize=LABEL_PT, loc="left")
        ax.tick_params(labelsize=MIN_FONT_PT)
        m = ok & this
        above = opp.loc[m & (pk > cap), "region"].astype(str).tolist()
        above_total += int((m & regional & (pk > cap)).sum())
        parts.append(
            f"{skill}: {int(m.sum())} shown, demand above capacity in "
            + (", ".join(above) if above else "none")
        )
    for ax in axes[: len(skills)]:
        ax.set_xlabel("Capacity (packages a year)", fontsize=MIN_FONT_PT)
        ax.set_ylabel("Packages", fontsize=MIN_FONT_PT)
    left_out = int((~ok).sum())
    shown_regional = int((ok & regional).sum())
    return describe(
        fig,
        title=f"In {above_total} of {shown_regional} pan-region and skill cells shown, ASGSF "
        f"demand in {year} was above the assumed in-house capacity",
        subtitle=f"ASGSF packages in the categories each skill maps to ({year}) against the "
        "packages trained practitioner FTE could deliver a year under the stated assumptions; "
        "log scales, dotted line: capacity = demand",
        alt="Scatter charts, one per skill, of ASGSF packages against assumed in-house capacity "
        "by pan-region (dots, named) and for the area total (hollow diamond). "
        + ". ".join(parts)
        + ".",
        caption="Source: ASGSF package records and the skills audit (table inhouse_opportunity); "
        "capacity is an ASSUMPTION (params.yaml workforce), not a measured figure."
        + not_shown(left_out, "cell").replace(
            "suppressed by disclosure control [c] or not available",
            "suppressed by disclosure control [c], or no capacity or no demand",
        ),
    )
