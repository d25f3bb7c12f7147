"""In-house delivery opportunity (s9 recommendation: RAAs delivering ASGSF interventions in-house).

Each skill is mapped to the ASGSF therapy categories it could substitute (an editable mapping table
kept as data, `skill_therapy_map.csv`). Per pan-region and skill, demand (funded packages and spend
in those categories) is set against the practitioner FTE trained in the skill (`capacity.py`: only
practitioner roles, each person's FTE split across their skills), and an indicative in-house
capacity and its value net of the staff time it uses are worked out from stated ASSUMPTIONS
(params.yaml `workforce:`). The mapping is many-to-many, so demand is NOT additive across skills:
a Therapeutic parenting package counts under every skill mapped to that category.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nps_analysis.workforce.capacity import check_roles, practitioner_fte
from nps_analysis.workforce.common import flag, pct, present_skills, skills
from nps_analysis.workforce.settings import min_responders_to_rank, rankable, workforce_params
from nps_analysis.workforce.skills import coverage_by

SKILL_MAP_FILE = Path(__file__).with_name("skill_therapy_map.csv")
MAP_COLUMNS = ["skill", "therapy_type", "rationale"]

CAPACITY_COLUMNS = [
    "capacity_packages",
    "coverage_pct",
    "inhouse_packages",
    "indicative_inhouse_gbp",
    "staff_cost_gbp",
    "net_value_gbp",
]
"""The columns worked out from the practitioner FTE: in-house capacity, its coverage and value."""

OPPORTUNITY_COLUMNS = [
    "region",
    "skill",
    "raas_training_data",
    "trained_staff",
    "trained_fte",
    "practitioner_staff",
    "practitioner_fte",
    "packages_all",
    "spend_all_gbp",
    "packages",
    "spend_gbp",
    "cost_per_package_gbp",
    "packages_per_practitioner_fte",
    "sessions_per_package",
    *CAPACITY_COLUMNS,
]
"""Output contract of tables/inhouse_opportunity.csv (region x skill)."""

CALIBRATED = "calibrated"
"""params.yaml value of sessions_per_package meaning: mean package cost / session_cost_gbp."""
OBSERVED = "observed"
"""params.yaml value of cost_per_package_gbp meaning: the observed mean cost of mapped packages."""


def _default(name: str) -> Any:
    value = workforce_params()[name]
    return tuple(value) if isinstance(value, list) else value


@dataclass(frozen=True)
class InHouseAssumptions:
    """ASSUMPTIONS of the indicative in-house capacity and its value (none is a published figure).

    Defaults come from params.yaml `workforce:`. sessions_per_fte: sessions a year one trained
    practitioner FTE could deliver in-house, using `inhouse_time_share` of their time.
    sessions_per_package: None (or "calibrated") = cost per package / session_cost_gbp.
    cost_per_package_gbp: value of a package delivered in-house instead of commissioned (None or
    "observed" = the observed mean cost of the mapped packages). session_cost_gbp: commissioned
    price of one delivered session. staff_cost_per_fte_gbp: a year's cost of one practitioner FTE.
    practitioner_roles: the roles whose trained FTE counts as capacity.
    """

    sessions_per_fte: float = field(default_factory=partial(_default, "sessions_per_fte"))
    sessions_per_package: float | str | None = field(
        default_factory=partial(_default, "sessions_per_package")
    )
    cost_per_package_gbp: float | str | None = field(
        default_factory=partial(_default, "cost_per_package_gbp")
    )
    session_cost_gbp: float = field(default_factory=partial(_default, "session_cost_gbp"))
    inhouse_time_share: float = field(default_factory=partial(_default, "inhouse_time_share"))
    staff_cost_per_fte_gbp: float = field(
        default_factory=partial(_default, "staff_cost_per_fte_gbp")
    )
    practitioner_roles: tuple[str, ...] = field(
        default_factory=partial(_default, "practitioner_roles")
    )

    def __post_init__(self) -> None:
        if self.sessions_per_package in (None, CALIBRATED):
            object.__setattr__(self, "sessions_per_package", None)
        if self.cost_per_package_gbp in (None, OBSERVED):
            object.__setattr__(self, "cost_per_package_gbp", None)
        object.__setattr__(self, "practitioner_roles", tuple(self.practitioner_roles))
        fixed = self.sessions_per_package
        if not self.sessions_per_fte > 0 or (fixed is not None and not float(fixed) > 0):
            raise ValueError("sessions_per_fte and sessions_per_package must be positive")
        if self.cost_per_package_gbp is not None and float(self.cost_per_package_gbp) < 0:
            raise ValueError("cost_per_package_gbp must be >= 0 (or None for the observed mean)")
        if not self.session_cost_gbp > 0 or not self.staff_cost_per_fte_gbp >= 0:
            raise ValueError("session_cost_gbp must be positive, staff_cost_per_fte_gbp >= 0")
        if not 0 < self.inhouse_time_share <= 1:
            raise ValueError("inhouse_time_share must be in (0, 1]")
        check_roles(self.practitioner_roles)

    @property
    def packages_per_fte(self) -> float:
        """Packages one trained FTE could deliver in a year (only with a fixed package size)."""
        if self.sessions_per_package is None:
            raise ValueError("sessions per package are calibrated per region: see the table")
        return self.sessions_per_fte / float(self.sessions_per_package)

    @property
    def staff_cost_per_session_gbp(self) -> float:
        """Cost of the staff time one in-house session uses (the break-even session price)."""
        return self.staff_cost_per_fte_gbp * self.inhouse_time_share / self.sessions_per_fte

    def sessions_for(self, cost_per_package: pd.Series) -> pd.Series:
        """Sessions per package: the fixed number, or cost per package / session cost."""
        if self.sessions_per_package is not None:
            return pd.Series(float(self.sessions_per_package), index=cost_per_package.index)
        return cost_per_package.astype(float) / self.session_cost_gbp

    def table(self) -> pd.DataFrame:
        """The assumptions as a table: parameter, value, meaning."""
        rows = [
            (
                "practitioner_roles",
                "; ".join(self.practitioner_roles),
                "roles whose trained FTE counts as in-house capacity",
            ),
            (
                "sessions_per_fte",
                self.sessions_per_fte,
                "sessions a year one trained practitioner FTE could deliver in-house",
            ),
            (
                "inhouse_time_share",
                self.inhouse_time_share,
                "share of that FTE's time those sessions use",
            ),
            (
                "sessions_per_package",
                CALIBRATED if self.sessions_per_package is None else self.sessions_per_package,
                "sessions in a package (calibrated = cost per package / session cost)",
            ),
            (
                "session_cost_gbp",
                self.session_cost_gbp,
                "commissioned price of one delivered session",
            ),
            (
                "cost_per_package_gbp",
                OBSERVED if self.cost_per_package_gbp is None else self.cost_per_package_gbp,
                "value of a package delivered in-house (observed = mean cost of mapped packages)",
            ),
            (
                "staff_cost_per_fte_gbp",
                self.staff_cost_per_fte_gbp,
                "a year's cost of one practitioner FTE (salary and on-costs)",
            ),
            (
                "staff_cost_per_session_gbp",
                self.staff_cost_per_session_gbp,
                "derived: staff cost per FTE x time share / sessions per FTE",
            ),
        ]
        out = pd.DataFrame(rows, columns=["parameter", "value", "meaning"])
        out["value"] = out["value"].map(lambda v: f"{v:g}" if isinstance(v, float | int) else v)
        return out


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
    flags = [flag(s) for s in present_skills(workforce)]
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
    """Demand in mapped ASGSF categories against trained practitioner FTE, per region and skill.

    `packages_all`/`spend_all_gbp`: all RAAs of the region. `packages`/`spend_gbp`: the
    `raas_training_data` RAAs that recorded staff training, so demand per FTE compares like with
    like. `trained_staff`/`trained_fte`: every trained member of staff, whole FTE (as in the
    coverage table); `practitioner_*`: practitioner roles only, FTE split across each person's
    skills (the capacity basis). capacity_packages = practitioner_fte x sessions_per_fte /
    sessions_per_package; inhouse_packages = min(capacity, packages); indicative_inhouse_gbp =
    inhouse_packages x cost per package; staff_cost_gbp = the staff time those packages use
    (inhouse_packages x sessions_per_package x staff cost per session); net_value_gbp = the
    difference.
    """
    a = assumptions or InHouseAssumptions()
    year = year or latest_year(packages)
    skill_list = [s for s in present_skills(workforce) if s in set(mapping["skill"])]
    grid = pd.MultiIndex.from_product([regions, skill_list], names=["region", "skill"])
    cov = coverage_by(workforce, ["region"]).set_index(["region", "skill"])
    prac = practitioner_fte(workforce, a.practitioner_roles, ["region"]).set_index(
        ["region", "skill"]
    )
    training = responding_raas(workforce)
    per_region = (
        workforce.loc[workforce["raa"].astype(str).isin(training)]
        .assign(region=lambda d: d["region"].astype(str), raa=lambda d: d["raa"].astype(str))
        .groupby("region")["raa"]
        .nunique()
    )
    out = pd.DataFrame(index=grid)
    out["raas_training_data"] = per_region.reindex(
        grid.get_level_values("region"), fill_value=0
    ).to_numpy(dtype="int64")
    out["trained_staff"] = cov["trained_staff"].reindex(grid, fill_value=0).astype("int64")
    out["trained_fte"] = cov["trained_fte"].reindex(grid, fill_value=0.0).astype(float)
    out["practitioner_staff"] = (
        prac["practitioner_staff"].reindex(grid, fill_value=0).astype("int64")
    )
    out["practitioner_fte"] = prac["practitioner_fte"].reindex(grid, fill_value=0.0).astype(float)
    every = mapped_demand(packages, mapping, year).set_index(["region", "skill"])
    resp = mapped_demand(packages, mapping, year, training).set_index(["region", "skill"])
    out["packages_all"] = every["packages"].reindex(grid, fill_value=0).astype("int64")
    out["spend_all_gbp"] = every["spend_gbp"].reindex(grid, fill_value=0.0).astype(float)
    out["packages"] = resp["packages"].reindex(grid, fill_value=0).astype("int64")
    out["spend_gbp"] = resp["spend_gbp"].reindex(grid, fill_value=0.0).astype(float)
    demand = out["packages"].where(out["packages"] > 0)
    if a.cost_per_package_gbp is None:
        out["cost_per_package_gbp"] = out["spend_gbp"] / demand
    else:
        out["cost_per_package_gbp"] = float(a.cost_per_package_gbp)
    fte = out["practitioner_fte"].where(out["practitioner_fte"] > 0)
    out["packages_per_practitioner_fte"] = out["packages"] / fte
    out["sessions_per_package"] = a.sessions_for(out["cost_per_package_gbp"])
    out["capacity_packages"] = (
        out["practitioner_fte"] * a.sessions_per_fte / out["sessions_per_package"]
    )
    inhouse = np.minimum(out["capacity_packages"], out["packages"]).where(out["packages"] > 0)
    out["coverage_pct"] = pct(inhouse, out["packages"])
    out["inhouse_packages"] = inhouse
    out["indicative_inhouse_gbp"] = inhouse * out["cost_per_package_gbp"]
    out["staff_cost_gbp"] = inhouse * out["sessions_per_package"] * a.staff_cost_per_session_gbp
    out["net_value_gbp"] = out["indicative_inhouse_gbp"] - out["staff_cost_gbp"]
    out = out.reset_index()
    counts = ("region", "skill", "raas_training_data", "trained_staff", "practitioner_staff")
    for col in OPPORTUNITY_COLUMNS:
        if col not in (*counts, "packages_all", "packages"):
            out[col] = out[col].astype(float)
    out.attrs["financial_year"] = year
    return out[OPPORTUNITY_COLUMNS]


PRIORITY_COLUMNS = [
    "region",
    "skill",
    "raas_training_data",
    "packages_per_practitioner_fte",
    "rank_demand_per_fte",
    "gap_pct",
    "raas_with_gap",
    "raas_responding",
    "rank_gap",
    "rank_note",
]


def priorities(
    opportunity: pd.DataFrame, gaps_by_region: pd.DataFrame, min_responders: int | None = None
) -> pd.DataFrame:
    """Rank pan-region x skill by demand per practitioner FTE and by share of RAAs naming a gap.

    Works on released tables: suppressed cells ('c') are left unranked. A cell is ranked on demand
    only when at least `min_responders` of its RAAs gave staff-level training data, and on gaps
    only when at least `min_responders` RAAs indicated their gaps; otherwise `rank_note` says why
    not (default: params.yaml `workforce.min_responders_to_rank`). Rank 1 = highest value (ties
    share the lower rank). Columns: PRIORITY_COLUMNS.
    """
    min_responders = min_responders_to_rank(min_responders)
    cols = ["region", "skill", "raas_training_data", "packages_per_practitioner_fte"]
    o = opportunity[cols].copy()
    o = o.loc[o["region"].isin(set(gaps_by_region["region"]))]  # pan-regions only, no area total
    o["packages_per_practitioner_fte"] = pd.to_numeric(
        o["packages_per_practitioner_fte"], errors="coerce"
    )
    g = gaps_by_region[["region", "skill", "pct", "raas_with_gap", "raas_responding"]].rename(
        columns={"pct": "gap_pct"}
    )
    g = g.assign(gap_pct=pd.to_numeric(g["gap_pct"], errors="coerce"))
    out = o.merge(g, on=["region", "skill"], how="left")
    demand_ok = rankable(out["raas_training_data"], min_responders)
    gap_ok = rankable(out["raas_responding"], min_responders)
    out["rank_demand_per_fte"] = (
        out["packages_per_practitioner_fte"]
        .where(demand_ok)
        .rank(method="min", ascending=False)
        .astype("Int64")
    )
    out["rank_gap"] = (
        out["gap_pct"].where(gap_ok).rank(method="min", ascending=False).astype("Int64")
    )
    notes = pd.Series("", index=out.index, dtype=object)
    few = f"fewer than {min_responders} responding RAAs"
    notes[~demand_ok] = f"demand not ranked: {few} gave training data"
    notes[~gap_ok] = notes[~gap_ok].map(
        lambda t: f"{t}; gaps not ranked: {few}" if t else f"gaps not ranked: {few}"
    )
    out["rank_note"] = notes.astype(str)
    return (
        out[PRIORITY_COLUMNS]
        .sort_values(["rank_demand_per_fte", "rank_gap"], na_position="last", kind="mergesort")
        .reset_index(drop=True)
    )
