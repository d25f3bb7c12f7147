"""Skills gaps (s5.2 'Summary of Skills Gap'): how many of an area's RAAs have a gap in each skill.

Estimand: K, the number of the N RAAs of the area (30 in England) with a gap in the skill. What is
observed is k of the n RAAs that indicated their gaps (17 nationally: self-selected, not a random
sample). So every row carries k/n and the bounds on K that need no assumption about the
non-responders (k if none of them has the gap, k + N - n if all do); its interval (`ci_low`,
`ci_high`, in % of the N RAAs) is the exact hypergeometric one, valid only under the stated
assumption that responding was unrelated to having the gap (`finite_population.py`).
The unit is the RAA (an organisation), not a member of staff.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.workforce.common import pct, skill_grid, skills
from nps_analysis.workforce.finite_population import hypergeometric_count_ci, no_assumption_bounds

GAPS_COLUMNS = ["skill", "raas_with_gap", "raas_responding", "pct", "ci_low", "ci_high"]
"""Output contract of tables/skills_gaps.csv (ci_low/ci_high: hypergeometric, % of the N RAAs)."""

ESTIMAND_COLUMNS = [
    "skill",
    "raas_with_gap",
    "raas_responding",
    "raas_in_area",
    "pct",
    "gap_raas_min",
    "gap_raas_max",
    "bound_low_pct",
    "bound_high_pct",
    "ci_raas_low",
    "ci_raas_high",
    "ci_low",
    "ci_high",
]
"""Columns of tables/skills_gaps_bounds.csv and skills_gaps_by_region.csv (after the `by` columns).

raas_with_gap = k, raas_responding = n, raas_in_area = N; pct = 100 k / n; gap_raas_min/max =
no-assumption bounds on K (bound_*_pct = 100 K / N); ci_raas_low/high = hypergeometric interval
for K under random response (ci_low/high = 100 K / N). The interval is blank where n = 0.
"""


def area_sizes(raas: pd.DataFrame, by: list[str]) -> pd.DataFrame | int:
    """RAAs in the area (an int) or in each `by` group (a frame with column raas_in_area)."""
    names = raas.assign(raa=raas["raa"].astype(str))
    if not by:
        return int(names["raa"].nunique())
    keyed = names.assign(**{c: names[c].astype(str) for c in by})
    return keyed.groupby(by, sort=False)["raa"].nunique().rename("raas_in_area").reset_index()


def gap_estimates(
    gaps: pd.DataFrame,
    by: list[str] | None = None,
    alpha: float = 0.05,
    raas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """k of n responding RAAs with the gap, no-assumption bounds and hypergeometric interval on K.

    `raas` lists the RAAs of the area (columns raa and the `by` columns): N per group. Default:
    the RAAs in the gaps file. Every skill of the file (in reference order) appears in every `by`
    group, with zero counts where none responded. Columns: *by, then ESTIMAND_COLUMNS.
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
    g = g.reindex(skill_grid(gaps, by, order), fill_value=0).reset_index()
    g["raas_with_gap"] = g["raas_with_gap"].astype("int64")
    g["raas_responding"] = g["raas_responding"].astype("int64")
    sizes = area_sizes(gaps if raas is None else raas, by)
    if by:
        g = g.merge(sizes, on=by, how="left")
        g["raas_in_area"] = g["raas_in_area"].fillna(0).astype("int64")
    else:
        g["raas_in_area"] = np.int64(sizes)
    if (g["raas_responding"] > g["raas_in_area"]).any():
        raise ValueError("more RAAs responded than the area has: check the RAA reference list")
    k, n, big_n = (g[c].to_numpy() for c in ("raas_with_gap", "raas_responding", "raas_in_area"))
    g["pct"] = pct(g["raas_with_gap"], g["raas_responding"])
    g["gap_raas_min"], g["gap_raas_max"] = no_assumption_bounds(k, n, big_n)
    g["bound_low_pct"] = pct(g["gap_raas_min"], g["raas_in_area"])
    g["bound_high_pct"] = pct(g["gap_raas_max"], g["raas_in_area"])
    low, high = hypergeometric_count_ci(k, n, big_n, alpha)
    unanswered = n == 0  # no responders: no interval (the bounds say 0 to N)
    g["ci_raas_low"] = pd.Series(low, index=g.index, dtype="Int64").mask(unanswered)
    g["ci_raas_high"] = pd.Series(high, index=g.index, dtype="Int64").mask(unanswered)
    g["ci_low"] = pct(g["ci_raas_low"].astype("Float64"), g["raas_in_area"])
    g["ci_high"] = pct(g["ci_raas_high"].astype("Float64"), g["raas_in_area"])
    return g[[*by, *ESTIMAND_COLUMNS]]


def skills_gaps(
    gaps: pd.DataFrame,
    by: list[str] | None = None,
    alpha: float = 0.05,
    raas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The contract table: *by, skill, raas_with_gap, raas_responding, pct, ci_low, ci_high.

    pct is of the responding RAAs; ci_low/ci_high is the hypergeometric (1 - alpha) interval for
    the % of the area's RAAs with the gap under random response (see `gap_estimates`).
    """
    return gap_estimates(gaps, by, alpha, raas)[[*(by or []), *GAPS_COLUMNS]]


def gap_reporting(gaps: pd.DataFrame) -> dict[str, int]:
    """RAAs in the file and RAAs that indicated any skills gap information ('17 of the thirty')."""
    raa = gaps["raa"].astype(str)
    return {
        "raas_in_file": int(raa.nunique()),
        "raas_indicating_gaps": int(raa[gaps["gap_identified"].notna()].nunique()),
        "raas_naming_a_gap": int(raa[gaps["gap_identified"].fillna(False).astype(bool)].nunique()),
    }
