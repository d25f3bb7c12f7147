"""Skills gaps (s5.2 'Summary of Skills Gap'): RAAs naming a gap per skill, with Wilson 95% CIs.

The unit is the RAA (an organisation), not a member of staff. The denominator of each skill is
the RAAs that indicated their gaps for it (a blank `gap_identified` = not indicated).
"""

from __future__ import annotations

import pandas as pd

from nps_analysis.workforce.common import pct, skills, wilson_ci

GAPS_COLUMNS = ["skill", "raas_with_gap", "raas_responding", "pct", "ci_low", "ci_high"]
"""Output contract of tables/skills_gaps.csv."""


def skills_gaps(
    gaps: pd.DataFrame, by: list[str] | None = None, alpha: float = 0.05
) -> pd.DataFrame:
    """RAAs naming a gap in each skill out of RAAs responding, with Wilson (1 - alpha) CIs (%).

    Columns: *by, skill, raas_with_gap, raas_responding, pct, ci_low, ci_high. Every skill of the
    file (in reference order) appears in every `by` group, with zero counts where none responded.
    """
    by = list(by or [])
    df = gaps.assign(skill=gaps["skill"].astype(str), raa=gaps["raa"].astype(str))
    for col in by:
        df[col] = df[col].astype(str)
    df = df.drop_duplicates([*by, "raa", "skill"])
    known = df["gap_identified"].notna()
    df["responded_raa"] = df["raa"].where(known)
    df["gap_raa"] = df["raa"].where(known & df["gap_identified"].fillna(False).astype(bool))
    keys = [*by, "skill"]
    g = df.groupby(keys, sort=False).agg(
        raas_with_gap=("gap_raa", "nunique"), raas_responding=("responded_raa", "nunique")
    )
    order = [s for s in skills() if s in set(df["skill"])] + sorted(
        set(df["skill"]) - set(skills())
    )
    if by:
        groups = gaps[by].drop_duplicates().sort_values(by).astype(str)
        index = pd.MultiIndex.from_frame(groups.merge(pd.DataFrame({"skill": order}), how="cross"))
    else:
        index = pd.Index(order, name="skill")
    g = g.reindex(index, fill_value=0).reset_index()
    g["raas_with_gap"] = g["raas_with_gap"].astype("int64")
    g["raas_responding"] = g["raas_responding"].astype("int64")
    g["pct"] = pct(g["raas_with_gap"], g["raas_responding"])
    g["ci_low"], g["ci_high"] = wilson_ci(g["raas_with_gap"], g["raas_responding"], alpha)
    return g[[*by, *GAPS_COLUMNS]]


def gap_reporting(gaps: pd.DataFrame) -> dict[str, int]:
    """RAAs in the file and RAAs that indicated any skills gap information ('17 of the thirty')."""
    raa = gaps["raa"].astype(str)
    return {
        "raas_in_file": int(raa.nunique()),
        "raas_indicating_gaps": int(raa[gaps["gap_identified"].notna()].nunique()),
        "raas_naming_a_gap": int(raa[gaps["gap_identified"].fillna(False).astype(bool)].nunique()),
    }
