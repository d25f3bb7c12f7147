"""Analyses of real public statistics by pan-region and RAA (see docs/public-data.md).

1. :func:`adoptions_by_region_year` - adoptions from care 2010-2024, suppression shown;
   :func:`england_totals_check` - LA and regional sums against the national series.
2. :func:`adopted_population_estimate` - adopted children under 18/21/25 at 31 March 2024.
3. :func:`demand_rates` - counts per 1,000 estimated adopted children.
4. :func:`asg_snapshot` - 2022/23 children waiting, adopters, sufficiency (ASG workbook).
5. :func:`agency_supply` - Ofsted-registered ASAs and VAAs by pan-region.
6. :func:`national_context` / :func:`stage_durations` - age, ethnicity, time between stages.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from nps_analysis.public import asglb, cla, geography, ofsted, population
from nps_analysis.public.quirks import NATIONAL_ROUNDING_BASE, SUPPRESSED, normalise_name

REFERENCE_YEAR = 2024
"""Population estimates are as at 31 March of this year (end of the latest LA adoption data)."""
AGE_LIMITS = (18, 21, 25)
"""Under 18; under 21 and under 25 are the ASGSF eligibility ages."""
SHARE_BASE_YEARS = (2010, 2011, 2012)
"""Years whose LA shares of national adoptions apportion the national series before 2010."""
ATTRITION_LOW = 0.01
"""Low variant: 1% of adopted children a year lost to emigration from England and mortality."""
PRIMARY_SUPPRESSION_MAX = 5
"""DfE/ASG primary suppression hides counts of 1 to 5."""

AGE_BANDS = pd.DataFrame(
    {
        "characteristic": [
            "Under 1 year",
            "1 to 4 years",
            "5 to 9 years",
            "10 to 15 years",
            "16 years and over",
        ],
        "age_lo": [0.0, 1.0, 5.0, 10.0, 16.0],
        "age_hi": [1.0, 5.0, 10.0, 16.0, 18.0],
    }
)
"""Published age-at-adoption bands, as exact ages [lo, hi)."""

POPULATION_SCHEMA = pa.DataFrameSchema(
    {
        "region": pa.Column(str),
        "raa": pa.Column(str),
        "age_limit": pa.Column(int, pa.Check.isin(list(AGE_LIMITS))),
        "estimate": pa.Column(float, pa.Check.gt(0)),
        "low": pa.Column(float, pa.Check.gt(0)),
        "high": pa.Column(float, pa.Check.gt(0)),
    },
    strict=True,
    checks=[
        pa.Check(
            lambda d: (d["low"] <= d["estimate"]) & (d["estimate"] <= d["high"]),
            error="low <= estimate <= high",
        )
    ],
)


# --------------------------------------------------------------------------- 1. adoptions
def la_adoptions(adoptions: pd.DataFrame | None = None) -> pd.DataFrame:
    """LA-year adoptions with geography and a central/low/high value for suppressed cells.

    A suppressed LA count is imputed from its Government Office Region's published (rounded)
    total: the residual (region total - known LAs) is shared equally among the region's
    suppressed LAs, at least 1 each (central). Low = 1 per cell; high = the larger of 5 and
    (residual + 5) / n (secondary suppression can hide counts above 5).
    LAs not existing that year (flag ``z``) are dropped.
    """
    adoptions = cla.load_all_adoptions() if adoptions is None else adoptions
    la = adoptions[
        (adoptions["geographic_level"] == "Local authority") & adoptions["flag"].fillna("").ne("z")
    ]
    la = geography.attach_geography(la.drop(columns=["region_name"]))
    lookup = geography.la_lookup().set_index("old_la_code")["gor_region"]
    la["gor_region"] = la["old_la_code"].map(lookup)
    regional = adoptions[
        (adoptions["geographic_level"] == "Regional")
        & ~adoptions["region_name"].isin(["Inner London", "Outer London"])
    ]
    reg_total = regional.set_index(["year", "region_name"])["adoptions"].astype(float)
    la["suppressed"] = la["flag"].fillna("").isin([*SUPPRESSED, "blank"]).astype(bool)
    grp = la.groupby(["year", "gor_region"])
    known = grp["adoptions"].transform("sum").astype(float)
    n_sup = grp["suppressed"].transform("sum").astype(float)
    region_pub = (
        pd.Series(list(zip(la["year"], la["gor_region"], strict=True))).map(reg_total).to_numpy()
    )
    residual = region_pub - known.to_numpy()
    share = np.where(n_sup > 0, residual / n_sup.where(n_sup > 0, 1), np.nan)
    value = la["adoptions"].astype(float)
    la["adoptions_est"] = value.where(~la["suppressed"], np.maximum(share, 1.0))
    la["adoptions_low"] = value.where(~la["suppressed"], 1.0)
    high_share = np.maximum(
        PRIMARY_SUPPRESSION_MAX, (residual + NATIONAL_ROUNDING_BASE / 2) / n_sup.where(n_sup > 0, 1)
    )
    la["adoptions_high"] = value.where(~la["suppressed"], high_share)
    return la.reset_index(drop=True)


def _aggregate(la: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = la.groupby(keys, as_index=False).agg(
        adoptions_known=("adoptions", "sum"),
        adoptions=("adoptions_est", "sum"),
        adoptions_low=("adoptions_low", "sum"),
        adoptions_high=("adoptions_high", "sum"),
        la_cells=("old_la_code", "size"),
        suppressed_cells=("suppressed", "sum"),
    )
    out["adoptions_known"] = out["adoptions_known"].astype(float)
    out["share_suppressed"] = out["suppressed_cells"] / out["la_cells"]
    return out


def adoptions_by_region_year(la: pd.DataFrame | None = None) -> pd.DataFrame:
    """Adoptions per year by pan-region and RAA (plus a region total row, ``raa == 'All'``).

    ``adoptions`` is the central value (known + imputed suppressed cells); ``adoptions_known``
    sums only published LA counts; ``share_suppressed`` is the share of LA cells suppressed.
    """
    la = la_adoptions() if la is None else la
    by_raa = _aggregate(la, ["year", "region_order", "region", "raa", "in_report"])
    by_region = _aggregate(la, ["year", "region_order", "region"]).assign(raa="All", in_report=True)
    out = pd.concat([by_raa, by_region], ignore_index=True)
    out["_total"] = out["raa"] == "All"
    out = out.sort_values(["year", "region_order", "_total", "raa"]).drop(columns="_total")
    cols = [
        "year",
        "region",
        "raa",
        "in_report",
        "adoptions",
        "adoptions_low",
        "adoptions_high",
        "adoptions_known",
        "la_cells",
        "suppressed_cells",
        "share_suppressed",
    ]
    return out[cols].reset_index(drop=True)


def england_totals_check(
    adoptions: pd.DataFrame | None = None, la: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per year: national figure (release and time series) vs the sum of regions and of LAs.

    Tolerances: each of the 9 published regions is rounded to 10 (so their sum may differ from
    the rounded national figure by up to 5 x 10 = 50); LA counts are unrounded, so known LAs
    must not exceed national + 5, and known + suppressed bounds must bracket it.
    """
    adoptions = cla.load_all_adoptions() if adoptions is None else adoptions
    la = la_adoptions(adoptions) if la is None else la
    ts = cla.load_national_time_series().set_index("year")["adoptions_national"]
    nat = adoptions[adoptions["geographic_level"] == "National"].set_index("year")["adoptions"]
    reg = adoptions[
        (adoptions["geographic_level"] == "Regional")
        & ~adoptions["region_name"].isin(["Inner London", "Outer London"])
    ]
    sums = la.groupby("year").agg(
        la_known=("adoptions", "sum"),
        la_est=("adoptions_est", "sum"),
        la_low=("adoptions_low", "sum"),
        la_high=("adoptions_high", "sum"),
        la_suppressed=("suppressed", "sum"),
    )
    out = pd.DataFrame(
        {
            "national_release": nat.astype(float),
            "national_time_series": ts.reindex(nat.index).astype(float),
            "sum_of_regions": reg.groupby("year")["adoptions"].sum().astype(float),
            "regions": reg.groupby("year").size(),
        }
    ).join(sums.astype(float))
    half = NATIONAL_ROUNDING_BASE / 2
    out["revision"] = out["national_time_series"] - out["national_release"]
    out["regions_within_rounding"] = (
        out["sum_of_regions"] - out["national_release"]
    ).abs() <= half * out["regions"] + half
    out["la_bounds_bracket_national"] = (out["la_low"] <= out["national_release"] + half) & (
        out["la_high"] >= out["national_release"] - half
    )
    out["la_est_minus_national"] = out["la_est"] - out["national_release"]
    return out.reset_index(names="year")


# ------------------------------------------------------------------ 2. adopted population
def age_at_adoption_shares(national: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of adoptions in each age band: pooled 2020-2024 and each year (long format)."""
    national = cla.load_national_adopted() if national is None else national
    sub = national[
        (national["cla_group"] == "Age at adoption")
        & national["characteristic"].isin(AGE_BANDS["characteristic"])
    ]
    wide = sub.pivot_table(
        index="year", columns="characteristic", values="number", aggfunc="sum"
    ).astype(float)
    wide.loc["pooled"] = wide.sum()
    shares = wide.div(wide.sum(axis=1), axis=0)
    return shares.reset_index(names="variant").melt(
        id_vars="variant", var_name="characteristic", value_name="share"
    )


def _cdf_sum_uniform(s: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """P(X + U < s) for X ~ U[lo, hi) (age at adoption) and U ~ U[0, 1) (time within year)."""

    def g(z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        return np.where(z <= 0, 0.0, np.where(z <= 1, z * z / 2, z - 0.5))

    return (g(s - lo) - g(s - hi)) / (hi - lo)


def _raa_year_adoptions(la: pd.DataFrame, first_year: int) -> pd.DataFrame:
    """RAA x year adoptions (est/low/high) from first_year, apportioning the national series
    before the LA data start by each RAA's share in SHARE_BASE_YEARS (low/high: min/max share)."""
    ts = cla.load_national_time_series().set_index("year")["adoptions_national"].astype(float)
    keys = ["region_order", "region", "raa"]
    raa = la.groupby([*keys, "year"], as_index=False)[
        ["adoptions_est", "adoptions_low", "adoptions_high"]
    ].sum()
    base = raa[raa["year"].isin(SHARE_BASE_YEARS)].copy()
    base["share"] = base["adoptions_est"] / base["year"].map(
        la.groupby("year")["adoptions_est"].sum()
    )
    shares = base.groupby(keys, as_index=False)["share"].agg(
        share="mean", share_low="min", share_high="max"
    )
    early = pd.DataFrame({"year": range(first_year, int(la["year"].min()))})
    early["national"] = early["year"].map(ts)
    early = shares.merge(early, how="cross")
    early["adoptions_est"] = early["share"] * early["national"]
    early["adoptions_low"] = early["share_low"] * early["national"]
    early["adoptions_high"] = early["share_high"] * early["national"]
    return pd.concat([early[raa.columns], raa], ignore_index=True)


def adopted_population_estimate(
    la: pd.DataFrame | None = None,
    national: pd.DataFrame | None = None,
    reference_year: int = REFERENCE_YEAR,
    age_limits: tuple[int, ...] = AGE_LIMITS,
) -> pd.DataFrame:
    """Estimated adopted children (adopted from care in England) below each age limit, by RAA.

    Columns exactly ``region, raa, age_limit, estimate, low, high`` (as at 31 March of
    ``reference_year``). Each year's adoptions are spread over the published age-at-adoption bands
    (uniform within a band, adoptions uniform over the year) and aged forward. Central: pooled
    2020-24 age distribution, central imputation of suppressed cells, no attrition. Low: the
    oldest year's age distribution, low imputation, 1%/year attrition. High: the youngest year's
    distribution, high imputation, no attrition. No migration between regions, no mortality in
    the central estimate.
    """
    la = la_adoptions() if la is None else la
    shares = age_at_adoption_shares(national)
    by_year = shares[shares["variant"] != "pooled"].merge(AGE_BANDS, on="characteristic")
    mean_age = (
        by_year.assign(m=lambda d: d["share"] * (d["age_lo"] + d["age_hi"]) / 2)
        .groupby("variant")["m"]
        .sum()
    )
    variants = {"estimate": "pooled", "low": mean_age.idxmax(), "high": mean_age.idxmin()}
    first_year = reference_year - max(age_limits)
    cohorts = _raa_year_adoptions(la, first_year)
    cohorts = cohorts[cohorts["year"] <= reference_year]
    limits = pd.DataFrame({"age_limit": list(age_limits)})
    results = []
    for col, variant in variants.items():
        dist = shares[shares["variant"] == variant].merge(AGE_BANDS, on="characteristic")
        grid = cohorts.merge(dist, how="cross").merge(limits, how="cross")
        years_since = reference_year - grid["year"]  # adoption in year ending 31 March `year`
        frac = _cdf_sum_uniform(
            (grid["age_limit"] - years_since).to_numpy(),
            grid["age_lo"].to_numpy(),
            grid["age_hi"].to_numpy(),
        )
        source = {"estimate": "adoptions_est", "low": "adoptions_low", "high": "adoptions_high"}[
            col
        ]
        survival = (1 - ATTRITION_LOW) ** (years_since + 0.5) if col == "low" else 1.0
        grid[col] = grid[source] * grid["share"] * frac * survival
        results.append(grid.groupby(["region_order", "region", "raa", "age_limit"])[col].sum())
    out = pd.concat(results, axis=1).reset_index().sort_values(["region_order", "raa", "age_limit"])
    out = out[["region", "raa", "age_limit", "estimate", "low", "high"]].reset_index(drop=True)
    out["age_limit"] = out["age_limit"].astype(int)
    return POPULATION_SCHEMA.validate(out)


def population_by_region(estimate: pd.DataFrame) -> pd.DataFrame:
    """Sum RAA estimates to pan-regions and England (low/high summed: fully correlated bounds)."""
    region = estimate.groupby(["region", "age_limit"], as_index=False, sort=False)[
        ["estimate", "low", "high"]
    ].sum()
    england = (
        estimate.groupby("age_limit", as_index=False)[["estimate", "low", "high"]]
        .sum()
        .assign(region="England")
    )
    return pd.concat([region, england], ignore_index=True)[
        ["region", "age_limit", "estimate", "low", "high"]
    ]


# ----------------------------------------------------------------------- 3. demand rates
def demand_rates(
    counts: pd.DataFrame,
    estimate: pd.DataFrame,
    *,
    value: str = "count",
    by: tuple[str, ...] = ("region",),
    age_limit: int = 18,
) -> pd.DataFrame:
    """Counts (packages, cases...) per 1,000 estimated adopted children, with a low-high range.

    ``counts`` has the ``by`` columns and ``value``; ``estimate`` is the output of
    :func:`adopted_population_estimate` (summed to ``by``). ``rate_low`` uses the high population
    estimate and ``rate_high`` the low one.
    """
    pop = (
        estimate[estimate["age_limit"] == age_limit]
        .groupby(list(by), as_index=False)[["estimate", "low", "high"]]
        .sum()
    )
    out = counts.merge(pop, on=list(by), how="left", validate="many_to_one")
    c = out[value].astype(float)
    out["rate_per_1000"] = 1000 * c / out["estimate"]
    out["rate_low"] = 1000 * c / out["high"]
    out["rate_high"] = 1000 * c / out["low"]
    return out.rename(
        columns={
            "estimate": "adopted_children",
            "low": "adopted_children_low",
            "high": "adopted_children_high",
        }
    )


# ------------------------------------------------------------------- 4. ASG snapshot
_CHILD_MEASURES: dict[str, tuple[str, ...]] = {
    "children_waiting_ado": ("with a best interest decision but not yet placed", "31 Mar 2023"),
    "children_waiting_po": ("with a placement order but not yet placed", "31 Mar 2023"),
    "waiting_over_18m_since_po": ("longer than 18 months since placement order", "31 Mar 2023"),
    "avg_days_waiting_since_care": ("Average number of days spent waiting", "31 Mar 2023"),
    "children_adopted_2022_23": (
        "Progress through the adoption process | Number of children adopted | Q1-Q4",
    ),
}
_ADOPTER_MEASURES: dict[str, tuple[str, ...]] = {
    "registrations_2022_23": ("Number of registrations", "Q1-Q4"),
    "approvals_2022_23": ("Number of approvals", "Q1-Q4"),
    "adopters_approved_waiting": (
        "approved adoptive families waiting to be matched",
        "31 Mar 2023",
    ),
    "adopters_not_yet_approved": ("prospective adoptive families not yet approved", "31 Mar 2023"),
}


def _measures(sheet: pd.DataFrame, spec: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    parts = [
        asglb.counts(sheet, asglb.find_column(sheet, *pats), name) for name, pats in spec.items()
    ]
    return pd.concat([sheet[["row_kind", "code", "name"]], *parts], axis=1)


def asg_snapshot() -> pd.DataFrame:
    """2022/23 adoption system by pan-region and RAA: children waiting and adopters.

    Children: LA rows (children sheet). Adopters: agency rows (RAA rows, LAs outside RAAs, and
    Coram's VAA row for Ambitious for Adoption). ``sufficiency`` = approved adopters waiting per
    child waiting with a placement order (31 March 2023). Suppressed cells ('c') are counted in
    ``*_suppressed`` and left out of sums.
    """
    lookup = geography.la_lookup()
    units = geography.raa_units()
    children = _measures(asglb.read_agency_sheet(sheet=asglb.SHEET_CHILDREN), _CHILD_MEASURES)
    children = children[children["row_kind"] == "la"].merge(
        lookup[["old_la_code", "raa", "region", "region_order"]],
        left_on="code",
        right_on="old_la_code",
        how="inner",
    )
    days, po = children["avg_days_waiting_since_care"], children["children_waiting_po"]
    children["_days_x_n"] = days * po
    children["_n_for_days"] = po.where(days.notna())
    child_cols = [c for c in _CHILD_MEASURES if c != "avg_days_waiting_since_care"]
    keys = ["region_order", "region", "raa"]
    agg = {c: (c, lambda v: v.sum(min_count=1)) for c in [*child_cols, "_days_x_n", "_n_for_days"]}
    agg |= {
        f"{c}_suppressed": (f"{c}_flag", lambda f: int(f.fillna("").eq("c").sum()))
        for c in child_cols
    }
    kids = children.groupby(keys, as_index=False).agg(**agg)

    adopters_sheet = asglb.read_agency_sheet(sheet=asglb.SHEET_ADOPTERS)
    vaa = asglb.read_agency_sheet(sheet=asglb.SHEET_VAAS)
    adopters = pd.concat(
        [_measures(adopters_sheet, _ADOPTER_MEASURES), _measures(vaa, _ADOPTER_MEASURES)],
        ignore_index=True,
    )
    own = adopters["row_kind"].isin(["raa", "vaa", "la"]) & adopters[
        "approvals_2022_23_flag"
    ].fillna("").ne(".")
    adopters = adopters[own].copy()
    base_name = adopters["name"].str.replace(r"\s*\(.*$", "", regex=True)
    adopters["raa"] = geography.canonical_raa(base_name, units)
    la_raa = adopters["code"].map(lookup.set_index("old_la_code")["raa"])
    adopters["raa"] = adopters["raa"].where(adopters["row_kind"] != "la", la_raa)
    adopters = adopters.dropna(subset=["raa"]).merge(
        units[["raa", "region", "region_order"]], on="raa"
    )
    a_cols = list(_ADOPTER_MEASURES)
    ads = adopters.groupby(keys, as_index=False)[a_cols].sum()
    out = kids.merge(ads, on=keys, how="outer")
    sums = [c for c in out.columns if c not in keys]
    totals = out.groupby(["region_order", "region"], as_index=False)[sums].sum(min_count=1)
    out = pd.concat([out, totals.assign(raa="All")], ignore_index=True)
    out["avg_days_waiting_since_care"] = out["_days_x_n"] / out["_n_for_days"]
    waiting = out["children_waiting_po"].where(out["children_waiting_po"] > 0)
    out["sufficiency_adopters_per_child_waiting"] = out["adopters_approved_waiting"] / waiting
    out["_total"] = out["raa"] == "All"
    out = out.sort_values(["region_order", "_total", "raa"]).drop(
        columns=["_total", "_days_x_n", "_n_for_days", "region_order"]
    )
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------- 5. supply
def agency_supply(agencies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Ofsted-registered ASAs and VAAs at 31 March 2023 by pan-region (by registered office).

    The office's LA is mapped through the LA lookup by name; offices in an LA whose name is not
    in the lookup fall back to their Government Office Region (``mapped_by``).
    """
    agencies = ofsted.load_adoption_agencies() if agencies is None else agencies
    lookup = geography.la_lookup()
    by_name = pd.Series(lookup["region"].to_numpy(), index=normalise_name(lookup["la_name"]))
    by_name = by_name[~by_name.index.duplicated()]
    region = normalise_name(agencies["local_authority"]).map(by_name)
    out = agencies.assign(
        region=region.fillna(agencies["gor_region"].map(geography.GOR_TO_PAN_REGION)),
        mapped_by=np.where(region.notna(), "local_authority", "gor_region"),
    )
    return out


def supply_by_region(agencies: pd.DataFrame) -> pd.DataFrame:
    """Count of ASAs and VAAs per pan-region (wide)."""
    wide = agencies.pivot_table(
        index="region", columns="provision_type", values="urn", aggfunc="count", fill_value=0
    )
    wide.columns = [
        "adoption_support_agencies" if "Support" in c else "voluntary_adoption_agencies"
        for c in wide.columns
    ]
    return wide.reset_index()


# --------------------------------------------------------------------- 6. national context
def national_context(national: pd.DataFrame | None = None) -> pd.DataFrame:
    """Children adopted by age at adoption and ethnic origin, England 2020-2024."""
    national = cla.load_national_adopted() if national is None else national
    sub = national[
        national["cla_group"].isin(["Age at adoption", "Ethnic origin"])
        & national["average_months"].isna()
    ]
    return sub[
        [
            "year",
            "cla_group",
            "characteristic",
            "number",
            "number_flag",
            "percentage",
            "percentage_flag",
        ]
    ].reset_index(drop=True)


def stage_durations(stages: pd.DataFrame | None = None) -> pd.DataFrame:
    """Average months between adoption stages, all ages, England 2021-2025."""
    stages = cla.load_time_between_stages() if stages is None else stages
    sub = stages[(stages["age_start_poc"] == "Total") & stages["stage"].str.match(r"^\d\.")]
    return sub[["year", "stage", "months"]].reset_index(drop=True)


def child_population_by_region() -> pd.DataFrame:
    """ONS children aged 0-17 by pan-region and year (2012-2024), via LA codes."""
    pop = population.load_population()
    la = pop[pop["geographic_level"] == "Local authority"].dropna(subset=["population_0_17"])
    la = geography.attach_geography(la.drop(columns=["region_name"]))
    return la.groupby(["year", "region"], as_index=False)["population_0_17"].sum()


# ------------------------------------------------------------------------ processed
def build_public_processed(out_dir: str | Path = "data/processed/public") -> dict[str, Path]:
    """Compute the tidy public tables once and write them as Parquet for the regional notebooks."""
    from nps_analysis.paths import resolve

    out = resolve(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    adoptions = cla.load_all_adoptions()
    la = la_adoptions(adoptions)
    estimate = adopted_population_estimate(la)
    tables = {
        "la_raa_region_lookup": geography.la_lookup(),
        "adoptions_la_year": la,
        "adoptions_by_region_year": adoptions_by_region_year(la),
        "england_totals_check": england_totals_check(adoptions, la),
        "adopted_population_estimate": estimate,
        "adopted_population_by_region": population_by_region(estimate),
        "asg_snapshot_2022_23": asg_snapshot(),
        "adoption_agencies_2023": agency_supply(),
        "national_context": national_context(),
        "stage_durations": stage_durations(),
    }
    paths = {}
    for name, df in tables.items():
        path = out / f"{name}.parquet"
        df.to_parquet(path, index=False)
        paths[name] = path
    return paths
