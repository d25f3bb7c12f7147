"""In-house delivery opportunity (s9 recommendation: RAAs delivering ASGSF interventions in-house).

Each skill is mapped to the ASGSF therapy categories it could substitute (an editable mapping table
kept as data, `skill_therapy_map.csv`). Per pan-region and skill, demand (funded packages and spend
in those categories) is set against the FTE trained in the skill, and an indicative in-house
capacity is worked out from two stated assumptions (sessions a trained FTE could deliver a year,
sessions in a package). The mapping is many-to-many, so demand is NOT additive across skills: a
Therapeutic parenting package counts under every skill mapped to that category.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nps_analysis.workforce.common import pct, present_skills, skills
from nps_analysis.workforce.skills import coverage_by

SKILL_MAP_FILE = Path(__file__).with_name("skill_therapy_map.csv")
MAP_COLUMNS = ["skill", "therapy_type", "rationale"]

OPPORTUNITY_COLUMNS = [
    "region",
    "skill",
    "trained_staff",
    "trained_fte",
    "packages_all",
    "spend_all_gbp",
    "packages",
    "spend_gbp",
    "cost_per_package_gbp",
    "packages_per_trained_fte",
    "capacity_packages",
    "coverage_pct",
    "indicative_inhouse_gbp",
]
"""Output contract of tables/inhouse_opportunity.csv (region x skill)."""


@dataclass(frozen=True)
class InHouseAssumptions:
    """Assumptions of the indicative in-house capacity (none is a published figure).

    sessions_per_fte: direct therapeutic sessions one trained FTE could deliver in a year if part
    of their time were released for in-house delivery. sessions_per_package: sessions in a typical
    ASGSF-funded package. cost_per_package_gbp: value of a package delivered in-house instead of
    commissioned (None = the observed mean cost of the mapped packages in the region).
    """

    sessions_per_fte: float = 100.0
    sessions_per_package: float = 12.0
    cost_per_package_gbp: float | None = None

    def __post_init__(self) -> None:
        if not self.sessions_per_fte > 0 or not self.sessions_per_package > 0:
            raise ValueError("sessions_per_fte and sessions_per_package must be positive")
        if self.cost_per_package_gbp is not None and self.cost_per_package_gbp < 0:
            raise ValueError("cost_per_package_gbp must be >= 0 (or None for the observed mean)")

    @property
    def packages_per_fte(self) -> float:
        """Packages one trained FTE could deliver in a year."""
        return self.sessions_per_fte / self.sessions_per_package


def load_skill_therapy_map(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read and check the skill -> ASGSF therapy category mapping (default: the packaged table).

    Raises ValueError naming every problem: missing columns, unknown skills, therapy types not
    spelled exactly as in the therapy reference list, duplicated pairs, blank rationales.
    """
    from nps_analysis.published import load_reference

    file = Path(path) if path is not None else SKILL_MAP_FILE
    df = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    return check_skill_therapy_map(
        df, list(load_reference("asgsf_therapy_categories")["therapy_type"])
    )


def check_skill_therapy_map(df: pd.DataFrame, therapy_types: list[str]) -> pd.DataFrame:
    """Validate a mapping table against the skills and therapy reference lists."""
    missing = [c for c in MAP_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"skill-therapy map: missing column(s) {missing}; expected {MAP_COLUMNS}")
    out = df[MAP_COLUMNS].astype(str).apply(lambda c: c.str.strip())
    problems = []
    bad_skill = sorted(set(out["skill"]) - set(skills()))
    if bad_skill:
        problems.append(f"unknown skill(s) {bad_skill}; use {list(skills())}")
    bad_type = sorted(set(out["therapy_type"]) - set(therapy_types))
    if bad_type:
        problems.append(
            f"therapy_type(s) {bad_type} are not in the therapy reference list; use exactly one of {therapy_types}"
        )
    dup = out[out.duplicated(["skill", "therapy_type"])]
    if len(dup):
        problems.append(
            f"duplicated skill/therapy_type pair(s): {dup[['skill', 'therapy_type']].values.tolist()}"
        )
    if (out["rationale"] == "").any():
        problems.append("every mapping row needs a rationale")
    if problems:
        raise ValueError("skill-therapy map: " + "; ".join(problems))
    return out.reset_index(drop=True)


def latest_year(packages: pd.DataFrame) -> str:
    """Latest financial year in a packages file (YYYY/YY strings sort chronologically)."""
    years = packages["financial_year"].dropna().astype(str)
    if years.empty:
        raise ValueError("no financial years in the packages data")
    return str(years.max())


def responding_raas(workforce: pd.DataFrame) -> set[str]:
    """RAAs with staff-level training recorded for at least one skill."""
    flags = [f"trained_{s.lower()}" for s in present_skills(workforce)]
    if not flags:
        return set()
    known = workforce[flags].notna().any(axis=1)
    return set(workforce.loc[known, "raa"].astype(str))


def mapped_demand(
    packages: pd.DataFrame, mapping: pd.DataFrame, year: str, raas: set[str] | None = None
) -> pd.DataFrame:
    """Packages and spend in `year` by region and skill over the categories mapped to the skill.

    Columns: region, skill, packages, spend_gbp. With `raas`, only those RAAs' packages count.
    """
    p = packages.loc[packages["financial_year"].astype(str) == year]
    if raas is not None:
        p = p.loc[p["raa"].astype(str).isin(raas)]
    amount = p["amount_gbp"] if "amount_gbp" in p.columns else pd.Series(np.nan, index=p.index)
    p = pd.DataFrame(
        {
            "region": p["region"].astype(str).to_numpy(),
            "therapy_type": p["therapy_type"].astype(str).to_numpy(),
            "amount": amount.astype(float).to_numpy(),
        }
    )
    m = p.merge(mapping[["skill", "therapy_type"]], on="therapy_type", how="inner")
    return (
        m.groupby(["region", "skill"], sort=False)
        .agg(packages=("amount", "size"), spend_gbp=("amount", "sum"))
        .reset_index()
    )


def inhouse_opportunity(
    workforce: pd.DataFrame,
    packages: pd.DataFrame,
    mapping: pd.DataFrame,
    *,
    regions: list[str],
    year: str | None = None,
    assumptions: InHouseAssumptions | None = None,
) -> pd.DataFrame:
    """Demand in mapped ASGSF categories against trained FTE, per region and skill.

    `packages_all`/`spend_all_gbp`: all RAAs of the region. `packages`/`spend_gbp`: the RAAs that
    recorded staff training, so demand per trained FTE compares like with like (RAAs that did not
    report training would otherwise add demand with no counted capacity). Capacity = trained FTE x
    sessions_per_fte / sessions_per_package; coverage_pct = share of that demand the capacity
    could meet (capped at 100); indicative_inhouse_gbp = packages coverable x cost per package.
    """
    a = assumptions or InHouseAssumptions()
    year = year or latest_year(packages)
    skill_list = [s for s in present_skills(workforce) if s in set(mapping["skill"])]
    grid = pd.MultiIndex.from_product([regions, skill_list], names=["region", "skill"])
    cov = coverage_by(workforce, ["region"]).set_index(["region", "skill"])
    out = pd.DataFrame(index=grid)
    out["trained_staff"] = cov["trained_staff"].reindex(grid, fill_value=0).astype("int64")
    out["trained_fte"] = cov["trained_fte"].reindex(grid, fill_value=0.0).astype(float)
    every = mapped_demand(packages, mapping, year).set_index(["region", "skill"])
    resp = mapped_demand(packages, mapping, year, responding_raas(workforce)).set_index(
        ["region", "skill"]
    )
    out["packages_all"] = every["packages"].reindex(grid, fill_value=0).astype("int64")
    out["spend_all_gbp"] = every["spend_gbp"].reindex(grid, fill_value=0.0).astype(float)
    out["packages"] = resp["packages"].reindex(grid, fill_value=0).astype("int64")
    out["spend_gbp"] = resp["spend_gbp"].reindex(grid, fill_value=0.0).astype(float)
    if a.cost_per_package_gbp is None:
        out["cost_per_package_gbp"] = out["spend_gbp"] / out["packages"].where(out["packages"] > 0)
    else:
        out["cost_per_package_gbp"] = float(a.cost_per_package_gbp)
    fte = out["trained_fte"].where(out["trained_fte"] > 0)
    out["packages_per_trained_fte"] = out["packages"] / fte
    out["capacity_packages"] = out["trained_fte"] * a.packages_per_fte
    coverable = np.minimum(out["capacity_packages"], out["packages"])
    out["coverage_pct"] = pct(coverable, out["packages"])
    out["indicative_inhouse_gbp"] = (coverable * out["cost_per_package_gbp"]).where(
        out["packages"] > 0
    )
    out = out.reset_index()
    for col in OPPORTUNITY_COLUMNS:
        if col not in ("region", "skill", "trained_staff", "packages_all", "packages"):
            out[col] = out[col].astype(float)
    out.attrs["financial_year"] = year
    return out[OPPORTUNITY_COLUMNS]


def priorities(opportunity: pd.DataFrame, gaps_by_region: pd.DataFrame) -> pd.DataFrame:
    """Rank pan-region x skill by demand per trained FTE and by share of RAAs naming a gap.

    Works on released tables: suppressed cells ('c') are left unranked. Rank 1 = highest demand
    per trained FTE / highest gap share (ties share the lower rank). Columns: region, skill,
    packages_per_trained_fte, rank_demand_per_fte, gap_pct, raas_with_gap, raas_responding,
    rank_gap.
    """
    o = opportunity[["region", "skill", "packages_per_trained_fte"]].copy()
    o = o.loc[o["region"].isin(set(gaps_by_region["region"]))]  # pan-regions only, no area total
    o["packages_per_trained_fte"] = pd.to_numeric(o["packages_per_trained_fte"], errors="coerce")
    g = gaps_by_region[["region", "skill", "pct", "raas_with_gap", "raas_responding"]].rename(
        columns={"pct": "gap_pct"}
    )
    g = g.assign(gap_pct=pd.to_numeric(g["gap_pct"], errors="coerce"))
    out = o.merge(g, on=["region", "skill"], how="left")
    out["rank_demand_per_fte"] = (
        out["packages_per_trained_fte"].rank(method="min", ascending=False).astype("Int64")
    )
    out["rank_gap"] = out["gap_pct"].rank(method="min", ascending=False).astype("Int64")
    cols = [
        "region",
        "skill",
        "packages_per_trained_fte",
        "rank_demand_per_fte",
        "gap_pct",
        "raas_with_gap",
        "raas_responding",
        "rank_gap",
    ]
    return (
        out[cols]
        .sort_values(["rank_demand_per_fte", "rank_gap"], na_position="last", kind="mergesort")
        .reset_index(drop=True)
    )
