"""Skills coverage (s5.2): share of FTE trained in each therapeutic model, and RAAs holding it.

The base of every share is stated with it: the FTE (and RAAs) whose training was recorded for that
skill. Staff with a blank training flag (RAAs unable to give staff-level numbers) are left out of
both numerator and base, as the report does ("data provided by 18 RAAs on 224.89 FTE").
"""

from __future__ import annotations

import pandas as pd

from nps_analysis.workforce.common import flag, pct, present_skills, skill_grid

COVERAGE_COLUMNS = [
    "skill",
    "trained_fte",
    "base_fte",
    "share_pct",
    "raas_with_skill",
    "raas_responding",
]
"""Output contract of tables/skills_coverage.csv."""

HIDDEN_COUNTS = ["trained_staff", "base_staff"]
"""Staff counts behind the coverage FTE sums: checked by disclosure control, not released."""

STATUS_RECORDS_TRAINED = "trained (staff records)"
STATUS_RECORDS_NONE = "none trained (staff records)"
STATUS_STATED_TRAINED = "trained (stated)"
STATUS_STATED_NONE = "not stated"
STATUS_NOT_REPORTED = "not reported"
STATUS_ORDER = [
    STATUS_RECORDS_TRAINED,
    STATUS_STATED_TRAINED,
    STATUS_RECORDS_NONE,
    STATUS_STATED_NONE,
    STATUS_NOT_REPORTED,
]


def skill_long(workforce: pd.DataFrame) -> pd.DataFrame:
    """One row per staff record and skill with a recorded flag: raa, region, skill, fte, trained."""
    parts = []
    for skill in present_skills(workforce):
        col = workforce[flag(skill)]
        known = col.notna().to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "raa": workforce["raa"].astype(str).to_numpy()[known],
                    "region": workforce["region"].astype(str).to_numpy()[known],
                    "skill": skill,
                    "fte": workforce["fte"].to_numpy(dtype=float)[known],
                    "trained": col.to_numpy(dtype=bool, na_value=False)[known],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["raa", "region", "skill", "fte", "trained"])
    return pd.concat(parts, ignore_index=True)


def coverage_by(workforce: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Share of recorded FTE trained per skill (optionally within `by` groups, e.g. ["region"]).

    Columns: *by, skill, trained_fte, base_fte, share_pct, raas_with_skill, raas_responding,
    trained_staff, base_staff. Every skill of the reference list with a flag column is present.
    """
    by = list(by or [])
    long = skill_long(workforce)
    keys = [*by, "skill"]
    long["trained_fte"] = long["fte"].where(long["trained"], 0.0)
    long["trained_raa"] = long["raa"].where(long["trained"])
    g = long.groupby(keys, sort=False).agg(
        trained_fte=("trained_fte", "sum"),
        base_fte=("fte", "sum"),
        raas_with_skill=("trained_raa", "nunique"),
        raas_responding=("raa", "nunique"),
        trained_staff=("trained", "sum"),
        base_staff=("fte", "size"),
    )
    skills = present_skills(workforce)
    g = g.reindex(skill_grid(workforce, by, skills), fill_value=0).reset_index()
    for col in ("raas_with_skill", "raas_responding", "trained_staff", "base_staff"):
        g[col] = g[col].astype("int64")
    for col in ("trained_fte", "base_fte"):
        g[col] = g[col].astype(float)
    g["share_pct"] = pct(g["trained_fte"], g["base_fte"])
    return g[[*by, *COVERAGE_COLUMNS, *HIDDEN_COUNTS]]


def skills_coverage(workforce: pd.DataFrame) -> pd.DataFrame:
    """National (or area) coverage: the contract columns plus the hidden staff counts."""
    return coverage_by(workforce)


def skills_stated(gaps: pd.DataFrame) -> pd.DataFrame:
    """RAAs stating they hold each skill without staff-level numbers (s5.2, 'nine RAAs').

    Uses the optional `has_trained_staff` column of the skills-gaps file. Columns: skill,
    raas_stating_skill, raas_stating (RAAs that stated any training type). Empty when the column
    is absent.
    """
    cols = ["skill", "raas_stating_skill", "raas_stating"]
    if "has_trained_staff" not in gaps.columns:
        return pd.DataFrame(columns=cols)
    known = gaps.loc[gaps["has_trained_staff"].notna()]
    stating = known["raa"].astype(str).nunique()
    yes = known.loc[known["has_trained_staff"].astype(bool)]
    counts = (
        yes.assign(skill=yes["skill"].astype(str)).groupby("skill", sort=False)["raa"].nunique()
    )
    from nps_analysis.workforce.common import skills

    order = [s for s in skills() if s in set(gaps["skill"].astype(str))]
    out = (
        counts.reindex(order, fill_value=0)
        .rename("raas_stating_skill")
        .rename_axis("skill")
        .reset_index()
    )
    out["raas_stating_skill"] = out["raas_stating_skill"].astype("int64")
    out["raas_stating"] = int(stating)
    return out[cols]


def raa_skill_status(
    workforce: pd.DataFrame, gaps: pd.DataFrame | None, raas: pd.DataFrame
) -> pd.DataFrame:
    """Per RAA and skill: whether staff are trained (from records or stated) and any gap named.

    `raas` lists the RAAs of the area (region, raa) in report order. Columns: region, raa, skill,
    status (see STATUS_ORDER), gap ("gap" / "no gap" / "not indicated"). Organisation-level
    presence/absence only: no staff counts or FTE.
    """
    skill_list = present_skills(workforce)
    grid = raas[["region", "raa"]].merge(pd.DataFrame({"skill": skill_list}), how="cross")
    long = skill_long(workforce)
    rec = long.groupby(["raa", "skill"], sort=False)["trained"].any().rename("records_trained")
    grid = grid.merge(rec.reset_index(), on=["raa", "skill"], how="left")
    status = pd.Series(STATUS_NOT_REPORTED, index=grid.index, dtype=object)
    has_records = grid["records_trained"].notna()
    status[has_records] = grid.loc[has_records, "records_trained"].map(
        {True: STATUS_RECORDS_TRAINED, False: STATUS_RECORDS_NONE}
    )
    gap = pd.Series("not indicated", index=grid.index, dtype=object)
    if gaps is not None and not gaps.empty:
        g = gaps.assign(raa=gaps["raa"].astype(str), skill=gaps["skill"].astype(str))
        g = g.drop_duplicates(["raa", "skill"])
        cols = ["raa", "skill", "gap_identified"] + (
            ["has_trained_staff"] if "has_trained_staff" in g.columns else []
        )
        grid = grid.merge(g[cols], on=["raa", "skill"], how="left")
        if "has_trained_staff" in grid.columns:
            stated = grid["has_trained_staff"]
            use = ~has_records & stated.notna()
            status[use] = (
                stated[use]
                .astype(bool)
                .map({True: STATUS_STATED_TRAINED, False: STATUS_STATED_NONE})
            )
        known_gap = grid["gap_identified"].notna()
        gap[known_gap] = (
            grid.loc[known_gap, "gap_identified"].astype(bool).map({True: "gap", False: "no gap"})
        )
    return pd.DataFrame(
        {
            "region": grid["region"].astype(str),
            "raa": grid["raa"].astype(str),
            "skill": grid["skill"],
            "status": status.astype(str),
            "gap": gap.astype(str),
        }
    )
