"""Charts for the workforce analysis, each drawn from a released table (suppressed cells = 'c')."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nps_analysis.plotting import PALETTE, new_figure
from nps_analysis.workforce.skills import STATUS_ORDER

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype(float)


def _suppressed_note(ax: object, n: int) -> None:
    if n:
        ax.text(  # type: ignore[attr-defined]
            0.0,
            -0.18,
            f"{n} cell(s) suppressed by disclosure control (fewer than the threshold of staff).",
            transform=ax.transAxes,
            fontsize=8,
            color="#555555",  # type: ignore[attr-defined]
        )


def role_mix(by_role: pd.DataFrame, by_unit_role: pd.DataFrame, unit: str) -> Figure:
    """100% stacked bars of the FTE role mix: the area first, then each region or RAA."""
    area = str(by_role["area"].iloc[0]) if len(by_role) else ""
    top = by_role.rename(columns={"area": unit})[[unit, "role", "share_pct"]]
    data = pd.concat([top, by_unit_role[[unit, "role", "share_pct"]]], ignore_index=True)
    data["share"] = _num(data["share_pct"])
    suppressed = int(data["share"].isna().sum())
    units = list(dict.fromkeys(data[unit].astype(str)))
    roles = list(dict.fromkeys(data["role"].astype(str)))
    wide = data.pivot_table(index=unit, columns="role", values="share", aggfunc="first", sort=False)
    wide = wide.reindex(index=units, columns=roles).fillna(0.0)
    fig, ax = new_figure(9, 0.45 * len(units) + 1.8)
    left = np.zeros(len(units))
    y = np.arange(len(units))[::-1]
    for i, role in enumerate(roles):
        ax.barh(
            y, wide[role], left=left, color=PALETTE[i % len(PALETTE)], label=role, edgecolor="white"
        )
        left += wide[role].to_numpy()
    rest = np.where(
        data.groupby(unit, sort=False)["share"].apply(lambda v: v.isna().any()).reindex(units),
        100 - left,
        0,
    )
    if rest.any():
        ax.barh(
            y,
            rest,
            left=left,
            color="#EFEFEF",
            hatch="//",
            edgecolor="#BBBBBB",
            label="suppressed (c)",
        )
    ax.set_yticks(y, [f"{u} (all)" if u == area else u for u in units], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of FTE (%)")
    ax.set_title(f"Adoption support staff by role (share of FTE) - {area}")
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.22),
        ncol=len(roles) + 1,
        fontsize=8,
        frameon=False,
    )
    _suppressed_note(ax, suppressed)
    return fig


def skills_coverage(coverage: pd.DataFrame, show_published: bool = True) -> Figure:
    """Share of recorded FTE trained per skill, with the published share where one was printed."""
    fig, ax = new_figure(8, 4.5)
    shares = _num(coverage["share_pct"])
    x = np.arange(len(coverage))
    ax.bar(x, shares.fillna(0), color=PALETTE[0], label="reproduced")
    for xi, v in zip(x, shares, strict=True):
        ax.annotate(
            "c" if np.isnan(v) else f"{v:.1f}%",
            (xi, 0 if np.isnan(v) else v),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 2),
            textcoords="offset points",
        )
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
            s=600,
            color=PALETTE[2],
            linewidths=3,
            label="published (s5.2)",
            zorder=3,
        )
        ax.legend(fontsize=8, frameon=False)
    base = _num(coverage["base_fte"]).max()
    resp = _num(coverage["raas_responding"]).max()
    ax.set_xticks(x, coverage["skill"])
    ax.set_ylabel("Share of FTE trained (%)")
    ax.set_title(f"Skills coverage: base {base:,.2f} FTE in {resp:.0f} RAAs giving training data")
    ax.margins(y=0.15)
    return fig


def skills_heatmap(status: pd.DataFrame) -> Figure:
    """RAA x skill grid: trained staff (from records or stated), none, or not reported; gaps marked."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    raas = list(dict.fromkeys(status["raa"]))
    skills = list(dict.fromkeys(status["skill"]))
    code = {s: i for i, s in enumerate(STATUS_ORDER)}
    grid = status.pivot(index="raa", columns="skill", values="status").reindex(
        index=raas, columns=skills
    )
    gap = status.pivot(index="raa", columns="skill", values="gap").reindex(
        index=raas, columns=skills
    )
    values = grid.apply(lambda c: c.map(code)).to_numpy(dtype=float)
    colours = [PALETTE[0], PALETTE[1], "#D9D9D9", "#EFEFEF", "#FFFFFF"]
    fig, ax = new_figure(8, 0.32 * len(raas) + 2.2)
    ax.imshow(
        values, aspect="auto", cmap=ListedColormap(colours), vmin=-0.5, vmax=len(colours) - 0.5
    )
    for (i, j), g in np.ndenumerate(gap.to_numpy()):
        if g == "gap":
            ax.text(
                j,
                i,
                "gap",
                ha="center",
                va="center",
                fontsize=7,
                color="#F46A25",
                fontweight="bold",
            )
    ax.set_xticks(range(len(skills)), skills)
    ax.set_yticks(range(len(raas)), raas, fontsize=7)
    ax.grid(False)
    ax.set_title("Skills held and gaps named, by RAA")
    handles = [
        Patch(facecolor=c, edgecolor="#999999", label=s)
        for s, c in zip(STATUS_ORDER, colours, strict=True)
    ]
    ax.legend(
        handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7, frameon=False
    )
    return fig


def gaps_with_ci(bounds: pd.DataFrame, area: str) -> Figure:
    """Per skill, % of the area's RAAs with a gap: no-assumption bounds and hypergeometric 95% CI.

    Drawn from the released skills_gaps_bounds table: the pale bar spans what is possible with no
    assumption about non-responders; the error bar is the interval if they answered at random;
    the dot is the share of responding RAAs.
    """
    fig, ax = new_figure(8, 4.5)
    x = np.arange(len(bounds))
    lo_b, hi_b = _num(bounds["bound_low_pct"]), _num(bounds["bound_high_pct"])
    p, lo, hi = _num(bounds["pct"]), _num(bounds["ci_low"]), _num(bounds["ci_high"])
    ax.bar(
        x,
        hi_b - lo_b,
        bottom=lo_b,
        width=0.5,
        color="#DDDDDD",
        label="possible with no assumption about non-responders",
    )
    ax.errorbar(
        x,
        (lo + hi) / 2,
        yerr=[(hi - lo) / 2, (hi - lo) / 2],
        fmt="none",
        ecolor=PALETTE[0],
        capsize=5,
        lw=2,
        label="95% interval if non-response was random (hypergeometric)",
    )
    ax.scatter(x, p, color=PALETTE[0], zorder=3, label="share of responding RAAs")
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
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("RAAs with a gap (% of the area's RAAs)")
    ax.set_title(f"Skills gaps named by RAAs - {area}")
    ax.legend(fontsize=7, frameon=False, loc="upper right")
    return fig


def demand_vs_capacity(opp: pd.DataFrame, year: str) -> Figure:
    """Per pan-region and skill: mapped ASGSF packages against assumed in-house capacity.

    Both axes are packages a year on log scales (capacity from practitioner FTE and the stated
    assumptions); points above the dotted line have more demand than the assumed capacity could
    meet. Pan-regions are dots, the area total (England) hollow diamonds. Suppressed cells and
    cells with no capacity or no demand are left out and counted.
    """
    from nps_analysis.regions import region_names

    regional = opp["region"].isin(region_names())
    cap, pk = _num(opp["capacity_packages"]), _num(opp["packages"])
    ok = (cap > 0) & (pk > 0)
    fig, ax = new_figure(9, 5.5)
    for i, skill in enumerate(dict.fromkeys(opp["skill"])):
        colour = PALETTE[i % len(PALETTE)]
        for rows, marker, fill in ((regional, "o", colour), (~regional, "D", "none")):
            m = ok & rows & (opp["skill"] == skill)
            if not m.any():
                continue
            ax.scatter(cap[m], pk[m], marker=marker, facecolors=fill, edgecolors=colour, s=40)
            for c, k, r in zip(cap[m], pk[m], opp.loc[m, "region"], strict=True):
                ax.annotate(r, (c, k), fontsize=6, xytext=(3, 2), textcoords="offset points")
        if (ok & (opp["skill"] == skill)).any():
            ax.scatter([], [], color=colour, label=skill)
    if ok.any():
        lo = float(min(cap[ok].min(), pk[ok].min())) / 1.5
        hi = float(max(cap[ok].max(), pk[ok].max())) * 1.5
    else:
        lo, hi = 1.0, 10.0
    ax.plot([lo, hi], [lo, hi], ls=":", color="#777777", label="capacity = demand")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("Assumed in-house capacity (packages a year, trained practitioner FTE)")
    ax.set_ylabel(f"ASGSF packages in mapped categories, {year}")
    ax.set_title("In-house opportunity: demand vs assumed capacity, by pan-region and skill")
    ax.legend(fontsize=8, frameon=False)
    left_out = int((~ok).sum())
    if left_out:
        ax.text(
            0.0,
            -0.18,
            f"{left_out} cell(s) not shown: suppressed by disclosure control, or no capacity or "
            "no demand.",
            transform=ax.transAxes,
            fontsize=8,
            color="#555555",
        )
    return fig
