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


def gaps_with_ci(gaps: pd.DataFrame, area: str) -> Figure:
    """Share of responding RAAs naming a gap per skill, with Wilson 95% intervals."""
    fig, ax = new_figure(8, 4.5)
    p, lo, hi = _num(gaps["pct"]), _num(gaps["ci_low"]), _num(gaps["ci_high"])
    x = np.arange(len(gaps))
    ax.errorbar(x, p, yerr=[p - lo, hi - p], fmt="o", color=PALETTE[0], capsize=4)
    for xi, k, n in zip(x, gaps["raas_with_gap"], gaps["raas_responding"], strict=True):
        ax.annotate(
            f"{k} of {n}",
            (xi, 0),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 2),
            textcoords="offset points",
            color="#555555",
        )
    ax.set_xticks(x, gaps["skill"])
    ax.set_ylim(0, 100)
    ax.set_ylabel("RAAs naming a gap (% of responding, Wilson 95% CI)")
    ax.set_title(f"Skills gaps named by RAAs - {area}")
    return fig


def demand_vs_capacity(opp: pd.DataFrame, year: str, packages_per_fte: float) -> Figure:
    """Per pan-region and skill: mapped ASGSF packages (responding RAAs) against trained FTE.

    Dashed lines: each skill's England ratio (national runs); dotted grey: where the assumed
    in-house capacity (trained FTE x packages_per_fte) would equal demand.
    """
    from nps_analysis.regions import region_names

    regional = opp["region"].isin(region_names())
    fte, pk = _num(opp["trained_fte"]), _num(opp["packages"])
    ok = fte.notna() & pk.notna()
    fig, ax = new_figure(9, 5.5)
    xmax = float(fte[ok & regional].max()) if (ok & regional).any() else 1.0
    xs = np.array([0.0, xmax * 1.1])
    for i, skill in enumerate(dict.fromkeys(opp["skill"])):
        colour = PALETTE[i % len(PALETTE)]
        m = ok & regional & (opp["skill"] == skill)
        ax.scatter(fte[m], pk[m], color=colour, label=skill, s=40)
        for f, k, r in zip(fte[m], pk[m], opp.loc[m, "region"], strict=True):
            ax.annotate(r, (f, k), fontsize=6, xytext=(3, 2), textcoords="offset points")
        eng = ok & ~regional & (opp["skill"] == skill)
        if eng.any() and float(fte[eng].iloc[0]) > 0:
            ratio = float(pk[eng].iloc[0]) / float(fte[eng].iloc[0])
            ax.plot(xs, ratio * xs, ls="--", lw=0.8, color=colour, alpha=0.6)
    ax.plot(xs, packages_per_fte * xs, ls=":", color="#777777", label="assumed in-house capacity")
    if (~regional).any():
        ax.plot([], [], ls="--", color="#999999", label="England ratio (per skill)")
    ax.set_xlabel("FTE trained in the skill (RAAs giving training data)")
    ax.set_ylabel(f"ASGSF packages in mapped categories, {year}")
    ax.set_title("In-house opportunity: demand vs trained capacity, by pan-region and skill")
    ax.legend(fontsize=8, frameon=False)
    ax.set_xlim(0, xs[-1])
    ax.set_ylim(bottom=0)
    _suppressed_note(ax, int((~ok & regional).sum()))
    return fig
