"""The 2025/26 ASGSF rules applied to a base year's packages: a SCENARIO, not a forecast.

From April 2025 (DfE written ministerial statement HCWS589, as stated in issue #21; rules table
`data/raw/published/rules/asgsf_fund_rules.csv`) the fund pays at most a single £3,000 per child
per year, assessments (up to £2,500) included, with no match funding. This module asks: had those
rules applied to the packages of the base year (default: the last financial year in the data),
which children and packages would exceed the limit, how much would the fund no longer pay (to be
met from RAA budgets or not delivered), how much match funding would end, and whose assessments
would take most of the limit; nationally, the base year's spend under the new rules carried to the
scenario year by the packages forecast, against the fund's budget.

Per-child annual totals need `child_ref` (optional in the packages data contract); a package
without one counts as a child of its own (so exceedance is understated). Every assumption is in
params.yaml `asgsf.scenario_2025` and docs/asgsf-methodology.md ("2025/26 scenario"). The base
year is analysed under its own rules (`spend.rules_for(base_year)`, checked with `require`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from nps_analysis.asgsf.categories import is_assessment
from nps_analysis.asgsf.spend import FairAccessRules, rules_for, therapy_labels
from nps_analysis.asgsf.trends import TOTAL_LABEL
from nps_analysis.asgsf.years import fy_start
from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.vocabulary import PACKAGES
from nps_analysis.sdc import dominated_rows

if TYPE_CHECKING:  # pragma: no cover
    from nps_analysis.outputs import OutputWriter

CHILDREN = "children"
"""Audit population of the scenario's child tables: child-years (one child's ASGSF packages in one
financial year, keyed by `child_ref`; a package without one is a child of its own)."""
SCENARIO_YEAR = "2025/26"
TABLES = ("scenario_2025_summary", "scenario_2025_children", "scenario_2025_packages")
"""Released table names, in the order a notebook shows them."""
NO_CHILD_REF = "package:"
"""Key prefix of a package without `child_ref` (a child of its own)."""

SCENARIO_NOTE = (
    "SCENARIO under stated assumptions, not a forecast: the 2025/26 ASGSF rules (a single £3,000 "
    "limit per child per year including assessments, no match funding) applied to the base year's "
    "packages as recorded; families, RAAs and providers are assumed not to change what they apply "
    "for. Rules for 2025/26 as stated in issue #21, not verified against the WMS text here."
)
SYNTHETIC_NOTE = (
    "SYNTHETIC DATA - the children, packages and amounts are generated (params.yaml synth.asgsf, "
    "including how packages are grouped into children): these figures show how the scenario "
    "works, not what the 2025/26 rules will do."
)


@dataclass(frozen=True)
class Settings:
    """The scenario's ASSUMPTIONS (params.yaml `asgsf.scenario_2025`)."""

    scenario_year: str = SCENARIO_YEAR
    base_year: str | None = None
    assessment_most_share: float = 0.5

    @classmethod
    def from_params(cls, params: dict[str, Any] | None = None) -> Settings:
        """Settings from a mapping, default params.yaml `asgsf.scenario_2025`."""
        if params is None:
            from nps_analysis.config import load_params

            params = dict((load_params().get("asgsf") or {}).get("scenario_2025") or {})
        known = {k: v for k, v in params.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class ScenarioResult:
    """The scenario's tables (before disclosure control) and what they rest on."""

    base_year: str
    base_rules: FairAccessRules
    scenario_rules: FairAccessRules
    children: pd.DataFrame
    packages: pd.DataFrame
    summary: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def fundable(
    therapy_gbp: np.ndarray, assessment_gbp: np.ndarray, rules: FairAccessRules
) -> np.ndarray:
    """Most the fund pays for one child-year within the fair access limits (no match funding):
    separate therapy and assessment limits, or (from 2025/26) assessments up to their cap inside
    the single limit."""
    therapy = np.asarray(therapy_gbp, dtype=float)
    assess = np.minimum(np.asarray(assessment_gbp, dtype=float), rules.assessment_limit_gbp)
    if rules.assessments_within_limit:
        return np.minimum(therapy + assess, rules.therapy_limit_gbp)
    return np.minimum(therapy, rules.therapy_limit_gbp) + assess


def child_keys(packages: pd.DataFrame) -> pd.Series:
    """Each package's child: `child_ref`, or the package itself when it has none."""
    own = NO_CHILD_REF + packages["application_id"].astype(str)
    if "child_ref" not in packages.columns:
        return own.rename("child_key")
    ref = packages["child_ref"].astype("string").str.strip()
    return ref.where(ref.notna() & (ref != ""), own).astype(str).rename("child_key")


def child_years(
    packages: pd.DataFrame, base_rules: FairAccessRules, scenario_rules: FairAccessRules
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per child-year totals under both sets of rules, and the packages with their child's result.

    `packages` must be one financial year's packages with `amount_gbp`; `base_rules` must be that
    year's rules and `scenario_rules` cover their `scenario_year` (RulesYearError otherwise). A
    child's region and therapy type are those of its largest package (first in the data on a tie).
    """
    years = packages["financial_year"].astype(str).unique().tolist()
    if len(years) != 1:
        raise ValueError(f"the scenario takes one base year's packages, got {sorted(years)}")
    base_rules.require(years)
    work = pd.DataFrame(
        {
            "child_key": child_keys(packages).to_numpy(),
            "financial_year": years[0],
            "region": packages["region"].astype(str).to_numpy(),
            "therapy_type": therapy_labels(packages["therapy_type"]).astype(str).to_numpy(),
            "amount_gbp": packages["amount_gbp"].astype(float).to_numpy(),
            "flagged": packages["match_funded"].astype("boolean").fillna(False).to_numpy(bool)
            if "match_funded" in packages.columns
            else False,
        },
        index=packages.index,
    )
    if work["amount_gbp"].isna().any():
        raise ValueError("the scenario needs amount_gbp on every package of the base year")
    labels = work["therapy_type"].unique()
    assess = {lab: is_assessment(lab) for lab in labels}
    work["assessment_gbp"] = np.where(work["therapy_type"].map(assess), work["amount_gbp"], 0.0)
    work["therapy_gbp"] = work["amount_gbp"] - work["assessment_gbp"]
    g = work.groupby("child_key", sort=True)
    lead = work.sort_values("amount_gbp", ascending=False, kind="mergesort").groupby(
        "child_key", sort=True
    )
    cy = pd.DataFrame(
        {
            "financial_year": years[0],
            "region": lead["region"].first(),
            "therapy_type": lead["therapy_type"].first(),
            "packages": g.size(),
            "total_gbp": g["amount_gbp"].sum(),
            "assessment_gbp": g["assessment_gbp"].sum(),
            "therapy_gbp": g["therapy_gbp"].sum(),
            "flagged": g["flagged"].any(),
        }
    )
    old = fundable(cy["therapy_gbp"], cy["assessment_gbp"], base_rules)
    new = fundable(cy["therapy_gbp"], cy["assessment_gbp"], scenario_rules)
    cy["match_gbp"] = np.clip(cy["total_gbp"] - old, 0, None)  # paid only as match funding
    cy["scenario_gbp"] = np.minimum(new, cy["total_gbp"])
    cy["above_limit_gbp"] = cy["total_gbp"] - cy["scenario_gbp"]
    cy["over_limit"] = cy["above_limit_gbp"] > 0
    cy["match_funded"] = cy["flagged"] | (cy["match_gbp"] > 0)
    per_package = work.join(cy[["over_limit", "above_limit_gbp", "total_gbp"]], on="child_key")
    share = np.divide(
        per_package["amount_gbp"],
        per_package["total_gbp"],
        out=np.zeros(len(per_package)),
        where=per_package["total_gbp"].to_numpy() > 0,
    )
    per_package["above_limit_gbp"] = per_package["above_limit_gbp"] * share  # pro rata
    return cy.reset_index(), per_package.reset_index(drop=True)


def run_scenario(
    packages: pd.DataFrame,
    *,
    region: str | None = None,
    settings: Settings | None = None,
    forecast: pd.DataFrame | None = None,
    base_rules: FairAccessRules | None = None,
    scenario_rules: FairAccessRules | None = None,
) -> ScenarioResult:
    """The scenario tables for `region` (None = England, by region) from all `packages` given.

    Child totals are formed over every package given (a child's packages in other regions
    count), then kept for the region of each child's largest package. `forecast` (the ASGSF
    forecast table, `AsgsfResults.forecast`) carries the base year's spend to the scenario year;
    without it, or for a region, the summary has no projection or budget comparison.
    """
    s = settings or Settings.from_params()
    years = sorted(packages["financial_year"].astype(str).unique(), key=fy_start)
    base_year = s.base_year or years[-1]
    if base_year not in years:
        raise ValueError(
            f"base year {base_year} is not in the packages data ({years[0]}-{years[-1]})"
        )
    if fy_start(base_year) >= fy_start(s.scenario_year):
        raise ValueError(f"base year {base_year} is not before the scenario year {s.scenario_year}")
    base = (base_rules or rules_for(base_year)).require(base_year)
    scen = (scenario_rules or rules_for(s.scenario_year)).require(s.scenario_year)
    rows = packages[packages["financial_year"].astype(str) == base_year]
    cy, per_package = child_years(rows, base, scen)
    most = scen.therapy_limit_gbp * float(s.assessment_most_share)
    cy["assessment_most"] = cy["assessment_gbp"] > most
    if region is not None:
        cy = cy[cy["region"] == region]
        per_package = per_package[per_package["region"] == region]
    notes = [
        SCENARIO_NOTE,
        f"Base year {base_year} under its own {base.source}; scenario: {scen.source}.",
        f"An assessment takes most of a child's limit when the child's assessments exceed "
        f"{s.assessment_most_share:.0%} of the £{scen.therapy_limit_gbp:,.0f} limit "
        f"(£{most:,.0f}).",
    ]
    missing_ref = int(cy["child_key"].str.startswith(NO_CHILD_REF).sum())
    if missing_ref:
        notes.append(
            "Packages without child_ref count as a child of their own: children over the limit "
            "are understated where one child has several packages."
        )
    children = _children_table(cy)
    package_table = _packages_table(per_package)
    summary = _summary(cy, per_package, region, base_year, base, scen, forecast, s, notes)
    return ScenarioResult(base_year, base, scen, children, package_table, summary, notes)


def _children_table(cy: pd.DataFrame) -> pd.DataFrame:
    g = cy.groupby(list(KEYS), sort=True)
    out = g.agg(
        children=("child_key", "size"),
        children_over_limit=("over_limit", "sum"),
        gbp_above_limit=("above_limit_gbp", "sum"),
        children_match_funded=("match_funded", "sum"),
        gbp_match_funding_ends=("match_gbp", "sum"),
        children_assessment_most=("assessment_most", "sum"),
    ).reset_index()
    for c in (
        "children",
        "children_over_limit",
        "children_match_funded",
        "children_assessment_most",
    ):
        out[c] = out[c].astype(np.int64)
    return _with_dominance(out, cy, ("above_limit_gbp", "match_gbp"))


def _packages_table(per_package: pd.DataFrame) -> pd.DataFrame:
    g = per_package.groupby(list(KEYS), sort=True)
    out = g.agg(
        packages=("amount_gbp", "size"),
        packages_over_limit=("over_limit", "sum"),
        total_gbp=("amount_gbp", "sum"),
        gbp_above_limit=("above_limit_gbp", "sum"),
    ).reset_index()
    out["packages_over_limit"] = out["packages_over_limit"].astype(np.int64)
    return _with_dominance(out, per_package, ("amount_gbp", "above_limit_gbp"))


KEYS = ("financial_year", "region", "therapy_type")
MAGNITUDES = {
    "total_gbp": "amount_gbp_dominated",
    "gbp_above_limit": "above_limit_gbp_dominated",
    "gbp_match_funding_ends": "match_gbp_dominated",
}
"""Each released amount and the hidden flag that says a few records dominate it (ACRO's n-k or
p% rule; `sdc.dominance_flags`), so that it is suppressed there (`Disclosure.magnitudes`)."""


def _with_dominance(
    out: pd.DataFrame, records: pd.DataFrame, values: tuple[str, ...]
) -> pd.DataFrame:
    """`out` with one dominance flag per amount in `values`, per row of `KEYS`."""
    for value in values:
        positive = records.loc[records[value] > 0]  # who contributes to the amount
        out[f"{value}_dominated"] = dominated_rows(out, positive, KEYS, value)
    return out


def _projection(forecast: pd.DataFrame | None, year: str) -> tuple[float, float, float]:
    """The preferred trend's forecast of all packages in `year` with its 95% interval."""
    if forecast is None or forecast.empty or "preferred" not in forecast.columns:
        return (np.nan, np.nan, np.nan)
    rows = forecast[
        (forecast["therapy_type"] == TOTAL_LABEL)
        & (forecast["financial_year"] == year)
        & (forecast["preferred"].astype("boolean").fillna(False))
    ]
    if rows.empty:
        return (np.nan, np.nan, np.nan)
    r = rows.iloc[0]
    return (float(r["forecast"]), float(r["pi95_low"]), float(r["pi95_high"]))


def _summary(
    cy: pd.DataFrame,
    per_package: pd.DataFrame,
    region: str | None,
    base_year: str,
    base: FairAccessRules,
    scen: FairAccessRules,
    forecast: pd.DataFrame | None,
    s: Settings,
    notes: list[str],
) -> pd.DataFrame:
    packages = len(per_package)
    total = float(cy["total_gbp"].sum())
    scenario = float(cy["scenario_gbp"].sum())
    row: dict[str, Any] = {
        "area": region or "England",
        "financial_year": base_year,
        "base_rules": base.period,
        "scenario_year": scen.period,
        "packages": packages,
        "children": len(cy),
        "children_over_limit": int(cy["over_limit"].sum()),
        "children_match_funded": int(cy["match_funded"].sum()),
        "total_gbp": total,
        "gbp_scenario": scenario,
        "gbp_above_limit": float(cy["above_limit_gbp"].sum()),
        "gbp_match_funding_ends": float(cy["match_gbp"].sum()),
    }
    if region is None:
        fc, low, high = _projection(forecast, scen.valid_from_year)
        per_package_gbp = scenario / packages if packages else np.nan
        row |= {
            "packages_forecast": fc,
            "packages_forecast_low": low,
            "packages_forecast_high": high,
            "gbp_scenario_projected": fc * per_package_gbp,
            "gbp_scenario_projected_low": low * per_package_gbp,
            "gbp_scenario_projected_high": high * per_package_gbp,
            "budget_gbp": float(scen.budget_gbp) if scen.budget_gbp is not None else np.nan,
        }
        row["projected_pct_of_budget"] = row["gbp_scenario_projected"] / row["budget_gbp"] * 100
        if np.isnan(fc):
            notes.append(
                f"No preferred forecast of all packages for {scen.valid_from_year}: the base "
                f"year's spend is not projected (forecast_years must reach {scen.valid_from_year})."
            )
        else:
            notes.append(
                f"Projection to {scen.valid_from_year}: the base year's spend per package under the "
                f"new rules (£{per_package_gbp:,.0f}) times the preferred trend's forecast of all "
                "packages (95% prediction interval); amounts per package and packages per child "
                "are held at the base year's (no price change, no change in applications)."
            )
    return pd.DataFrame([row])


# --- disclosure declarations and writing ---------------------------------------------------------


def _declarations(regional: bool) -> dict[str, Disclosure]:
    grid = (
        ("financial_year", "therapy_type")
        if regional
        else ("financial_year", "region", "therapy_type")
    )
    children = Disclosure(
        population=CHILDREN,
        counts=[
            "children",
            "children_over_limit",
            "children_match_funded",
            "children_assessment_most",
        ],
        derived={
            "gbp_above_limit": "children_over_limit",
            "gbp_match_funding_ends": "children_match_funded",
        },
        members={
            "children_over_limit": {"has_total_over_limit": "yes"},
            "children_match_funded": {"has_match_funding": "yes"},
            "children_assessment_most": {"has_assessment_most_of_limit": "yes"},
        },
        grid=grid,
        magnitudes={c: MAGNITUDES[c] for c in ("gbp_above_limit", "gbp_match_funding_ends")},
    )
    packages = Disclosure(
        population=PACKAGES,
        counts=["packages", "packages_over_limit"],
        derived={"total_gbp": "packages", "gbp_above_limit": "packages_over_limit"},
        members={"packages_over_limit": {"has_child_over_limit": "yes"}},
        grid=grid,
        magnitudes={c: MAGNITUDES[c] for c in ("total_gbp", "gbp_above_limit")},
    )
    projected = (
        "packages_forecast",
        "packages_forecast_low",
        "packages_forecast_high",
        "gbp_scenario_projected",
        "gbp_scenario_projected_low",
        "gbp_scenario_projected_high",
        "budget_gbp",
        "projected_pct_of_budget",
    )
    summary = Disclosure(
        population=PACKAGES,
        counts=["packages", "children", "children_over_limit", "children_match_funded"],
        populations={
            c: CHILDREN for c in ("children", "children_over_limit", "children_match_funded")
        },
        derived={
            "total_gbp": "packages",
            "gbp_scenario": "packages",
            "gbp_above_limit": "children_over_limit",
            "gbp_match_funding_ends": "children_match_funded",
            **({} if regional else dict.fromkeys(projected, "packages")),
        },
        members={
            "children_over_limit": {"has_total_over_limit": "yes"},
            "children_match_funded": {"has_match_funding": "yes"},
        },
        dimensions={"area": "", "base_rules": "", "scenario_year": ""},
        dims=(),
    )
    return {
        "scenario_2025_summary": summary,
        "scenario_2025_children": children,
        "scenario_2025_packages": packages,
    }


def write_outputs(
    res: ScenarioResult, out: OutputWriter, *, regional: bool
) -> dict[str, Path | None]:
    """Write the scenario's tables through `out` with their disclosure declarations."""
    # A region's tables name the region in their title and context: a region column would be
    # blank in the rows the grid adds.
    drop = ["region"] if regional else []
    frames = {
        "scenario_2025_summary": res.summary,
        "scenario_2025_children": res.children.drop(columns=drop),
        "scenario_2025_packages": res.packages.drop(columns=drop),
    }
    declared = _declarations(regional)
    return {
        f"tables/{name}.csv": out.table(frames[name], name, disclosure=declared[name])
        for name in TABLES
    }


def write_regional_outputs(
    out: OutputWriter, packages: pd.DataFrame, region: str, settings: Settings | None = None
) -> ScenarioResult:
    """The scenario for one pan-region's report (children totalled over all `packages` given)."""
    res = run_scenario(packages, region=region, settings=settings)
    write_outputs(res, out, regional=True)
    return res


def write_national_outputs(
    out: OutputWriter,
    packages: pd.DataFrame,
    forecast: pd.DataFrame | None = None,
    settings: Settings | None = None,
) -> ScenarioResult:
    """The scenario for England by region, with the projection against the fund's budget."""
    res = run_scenario(packages, settings=settings, forecast=forecast)
    write_outputs(res, out, regional=False)
    return res


def scenario_heading(data_kind: str) -> str:
    """What the scenario tables are, for this `data_kind`."""
    if str(data_kind) == "synthetic":
        return f"2025/26 rules scenario - {SYNTHETIC_NOTE} {SCENARIO_NOTE}"
    return f"2025/26 rules scenario - {SCENARIO_NOTE}"


__all__ = [
    "CHILDREN",
    "SCENARIO_YEAR",
    "TABLES",
    "ScenarioResult",
    "Settings",
    "child_keys",
    "child_years",
    "fundable",
    "run_scenario",
    "scenario_heading",
    "write_national_outputs",
    "write_outputs",
    "write_regional_outputs",
]
