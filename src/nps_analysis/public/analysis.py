"""Analyses of real public statistics by pan-region and RAA (see docs/public-data.md).

1. :func:`la_adoptions` / :func:`adoptions_by_region_year` - adoptions from care 2010-2024,
   suppressed LA cells imputed with exact bounds (:mod:`nps_analysis.public.imputation`);
   :func:`england_totals_check` - LA and regional sums against the national series.
2. :func:`adopted_population_estimate` / :func:`adopted_population_by_region` - adopted children
   under 18/21/25 at 31 March of a reference year (2024); :func:`adopted_population_by_year` -
   the same at 31 March of each year 2016-2024 (rate denominators: 2022/23 -> 2023).
3. :func:`demand_rates` - counts per 1,000 estimated adopted children.
4. :func:`asg_snapshot` - 2022/23 children waiting, adopters, sufficiency (ASG workbook).
5. :func:`agency_supply` - Ofsted-registered ASAs and VAAs by pan-region.
6. :func:`national_context` / :func:`stage_durations` - age, ethnicity, time between stages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nps_analysis.canonical import parquet_bytes
from nps_analysis.datasets.engine import check_frame
from nps_analysis.datasets.spec import public_spec
from nps_analysis.errors import InputDataError, Problem
from nps_analysis.public import asglb, cla, geography, imputation, ofsted, population
from nps_analysis.public.imputation import PRIMARY_SUPPRESSION_MAX  # noqa: F401 (re-export)
from nps_analysis.public.quirks import DFE_WITHHELD_MARKERS, NATIONAL_ROUNDING_BASE, normalise_name

REFERENCE_YEAR = 2024
"""Population estimates are as at 31 March of this year (end of the latest LA adoption data)."""
DENOMINATOR_YEARS = tuple(range(2016, 2025))
"""As-at years (31 March) of the by-year estimates, the denominators of rates: the ends of the
financial years 2015/16 (first full ASGSF year) to 2023/24 (latest LA adoption data); 2022/23
packages are matched with 31 March 2023."""
AGE_LIMITS = (18, 21, 25)
"""Under 18; under 21 and under 25 are the ASGSF eligibility ages."""
SHARE_BASE_YEARS = (2010, 2011, 2012)
"""Years whose LA shares of national adoptions apportion the national series before 2010."""
ATTRITION_LOW = 0.01
"""Low variant: 1% of adopted children a year lost to emigration from England and mortality."""
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
COMPUTED_FROM = "tables computed from data/raw/public (nps_analysis.public.analysis)"
"""The source named in a problem with a computed table (specs: datasets/specs/public/analysis.yaml)."""

# --------------------------------------------------------------------------- 1. adoptions
GROUP_KEYS = ["year", "gor_region", "route"]
"""One imputation group: the LAs behind one published regional total. 2010, 2016 and 2017 publish
(and round) two adoption routes separately, so those years have one group per route."""
SIZE_WINDOW = 3
"""Years either side searched for an LA's published total (nearest first) for its size measure."""
ALLOCATION_SIZE_MEASURE = ("size_adjacent_years", "size_child_population")
"""ASSUMPTION: the size measures that share a region's residual among its suppressed cells, in
order. (1) The LA's mean published total in the nearest years that have one (y-1 and y+1,
widening to y+-SIZE_WINDOW); if a suppressed cell of the group has none, (2) the LA's ONS
child population aged 0-17 (nearest year, 2012-2024); else (3) equal shares. One measure is
used for a whole group; each cell stays within its bounds. It affects the central value only."""
LEVEL_KEYS: dict[str, list[str]] = {
    "raa": ["year", "raa"],
    "region": ["year", "region"],
    "england": ["year"],
}
"""Aggregates whose exact feasible bounds :func:`la_adoptions` adds to every LA row."""
ROUTES_PER_YEAR: dict[int, int] = {s.year: len(s.adoption_columns) for s in cla.SFR_FILES}
"""Routes published (each rounded to 10 at national/regional level); 1 for years not listed."""
_SUPPRESSED_FLAGS = frozenset({*DFE_WITHHELD_MARKERS, "blank"})
_LA_COLUMNS = [
    "year",
    "geographic_level",
    "old_la_code",
    "new_la_code",
    "la_name",
    "adoptions",
    "flag",
    "release",
    "raa",
    "in_report",
    "region",
    "region_order",
    "gor_region",
    "suppressed",
    "adoptions_est",
    "adoptions_low",
    "adoptions_high",
    "adoptions_is_estimate",
    "adoptions_published_part",
    "suppressed_parts",
    "suppression_cap_lifted",
    *(f"{level}_adoptions_{end}" for level in LEVEL_KEYS for end in ("low", "high")),
]
_SUB_REGIONS = ("Inner London", "Outer London")


@dataclass(frozen=True)
class AdoptionImputation:
    """``la``: LA-year table (:func:`la_adoptions`); ``cells``: one row per LA, year and route;
    ``groups``: one row per imputation group (:data:`GROUP_KEYS` + imputation.GROUP_COLUMNS)."""

    la: pd.DataFrame
    cells: pd.DataFrame
    groups: pd.DataFrame


def _size_measures(la: pd.DataFrame, child_population: pd.DataFrame | None) -> pd.DataFrame:
    """Per LA-year: ``size_adjacent_years`` and ``size_child_population`` (see
    ALLOCATION_SIZE_MEASURE)."""
    known = la.dropna(subset=["adoptions"]).set_index(["old_la_code", "year"])["adoptions"]
    known = known.astype(float)
    out = la[["year", "old_la_code"]].drop_duplicates().reset_index(drop=True)
    size = pd.Series(np.nan, index=out.index)
    for k in range(1, SIZE_WINDOW + 1):
        sides = [
            known.reindex(pd.MultiIndex.from_arrays([out["old_la_code"], out["year"] + d]))
            for d in (-k, k)
        ]
        mean = pd.concat([s.reset_index(drop=True) for s in sides], axis=1).mean(axis=1)
        size = size.fillna(mean)
    out["size_adjacent_years"] = size
    pop = population.load_population() if child_population is None else child_population
    pop = pop[pop["geographic_level"] == "Local authority"].dropna(subset=["population_0_17"])
    pop = pop[["old_la_code", "year", "population_0_17"]].astype({"year": np.int64})
    nearest = pd.merge_asof(
        out.astype({"year": np.int64}).sort_values("year"),
        pop.astype({"population_0_17": float}).sort_values("year"),
        on="year",
        by="old_la_code",
        direction="nearest",
    )
    out = out.merge(
        nearest[["year", "old_la_code", "population_0_17"]], on=["year", "old_la_code"], how="left"
    )
    return out.rename(columns={"population_0_17": "size_child_population"})


def _route_cells(la: pd.DataFrame, routes: pd.DataFrame) -> pd.DataFrame:
    """LA route cells for the LA-years in ``la``, checked against ``la``'s published parts."""
    cells = routes[
        (routes["geographic_level"] == "Local authority") & routes["flag"].fillna("").ne("z")
    ]
    cells = cells[cells["year"].isin(set(la["year"]))]
    cells = cells[["year", "old_la_code", "route", "count", "flag"]].reset_index(drop=True)
    problems: list[Problem] = []
    bad_flag = cells["flag"].notna() & ~cells["flag"].isin(list(_SUPPRESSED_FLAGS))
    if bad_flag.any():
        problems.append(
            Problem(
                "adoption routes",
                "unexpected_marker",
                f"{int(bad_flag.sum())} LA cell(s) with a marker that is not a suppression marker",
                f"LA adoption cells may only be numbers, {sorted(_SUPPRESSED_FLAGS)} or z",
                column="flag",
            )
        )
    cells["suppressed"] = cells["flag"].notna()
    per_la = cells.groupby(["year", "old_la_code"]).agg(
        published=("count", "sum"), n_suppressed=("suppressed", "sum")
    )
    mine = la.set_index(["year", "old_la_code"])
    joined = per_la.join(mine[[]].assign(_in_la=True), how="outer")
    missing = joined["_in_la"].isna() | joined["published"].isna()
    if missing.any():
        problems.append(
            Problem(
                "adoption routes",
                "routes_mismatch",
                f"{int(missing.sum())} LA-year(s) in only one of the adoptions and routes tables",
                "pass routes from the same releases as adoptions (cla.load_all_adoption_routes)",
            )
        )
    elif {"adoptions_published_part", "suppressed_parts"} <= set(la.columns):
        theirs = mine.loc[per_la.index]
        differ = (
            theirs["adoptions_published_part"].astype(float).to_numpy()
            != per_la["published"].astype(float).to_numpy()
        ) | (theirs["suppressed_parts"].to_numpy() != per_la["n_suppressed"].to_numpy())
        if differ.any():
            problems.append(
                Problem(
                    "adoption routes",
                    "routes_mismatch",
                    f"{int(differ.sum())} LA-year(s) whose routes do not add up to the LA row",
                    "pass routes from the same releases as adoptions (cla.load_all_adoption_routes)",
                )
            )
    if problems:
        raise InputDataError(problems)
    return cells


def impute_la_adoptions(
    adoptions: pd.DataFrame | None = None,
    routes: pd.DataFrame | None = None,
    child_population: pd.DataFrame | None = None,
) -> AdoptionImputation:
    """Impute suppressed LA adoption cells from published regional totals (see
    :mod:`nps_analysis.public.imputation` for the model and :func:`la_adoptions` for the output).

    ``routes`` defaults to :func:`cla.load_all_adoption_routes`, ``adoptions`` to the totals of
    ``routes``; the two must agree LA-year by LA-year. ``child_population`` (ONS, for the size
    measure) defaults to :func:`population.load_population`.
    """
    routes = cla.load_all_adoption_routes() if routes is None else routes
    adoptions = cla.adoptions_from_routes(routes) if adoptions is None else adoptions
    la = adoptions[
        (adoptions["geographic_level"] == "Local authority") & adoptions["flag"].fillna("").ne("z")
    ]
    la = geography.attach_geography(la.drop(columns=["region_name"]), year_column="year")
    lookup = geography.la_lookup().set_index("old_la_code")["gor_region"]
    la["gor_region"] = la["old_la_code"].map(lookup)
    cells = _route_cells(la, routes)
    cells = cells.merge(
        la[["year", "old_la_code", "gor_region", "raa", "region"]],
        on=["year", "old_la_code"],
        how="left",
        validate="many_to_one",
    ).merge(_size_measures(la, child_population), on=["year", "old_la_code"], how="left")
    regional = routes[
        (routes["geographic_level"] == "Regional") & ~routes["region_name"].isin(_SUB_REGIONS)
    ]
    totals = regional.rename(columns={"region_name": "gor_region", "count": "total"})
    cells, groups = imputation.impute(
        cells.rename(columns={"count": "value"}).drop(columns="suppressed"),
        totals[GROUP_KEYS + ["total"]],
        keys=GROUP_KEYS,
        weights=ALLOCATION_SIZE_MEASURE,
        source="DfE adoptions: LA and regional rows",
    )
    cells = cells.merge(groups[[*GROUP_KEYS, "cap_lifted"]], on=GROUP_KEYS, how="left")
    per_la = imputation.subset_bounds(cells, groups, keys=GROUP_KEYS, by=["year", "old_la_code"])
    per_la = per_la.rename(
        columns={"est": "adoptions_est", "low": "adoptions_low", "high": "adoptions_high"}
    )
    extra = cells.groupby(["year", "old_la_code"], as_index=False).agg(
        adoptions_published_part=("value", "sum"),
        suppressed_parts=("suppressed", "sum"),
        suppression_cap_lifted=("cap_lifted", "any"),
    )
    la = la.drop(
        columns=[c for c in ("adoptions_published_part", "suppressed_parts") if c in la.columns]
    )
    la = la.merge(per_la.merge(extra, on=["year", "old_la_code"]), on=["year", "old_la_code"])
    la["suppressed"] = la["suppressed_parts"] > 0
    la["adoptions_is_estimate"] = la["suppressed"]
    for level, keys in LEVEL_KEYS.items():
        agg = imputation.subset_bounds(cells, groups, keys=GROUP_KEYS, by=keys)
        agg = agg.rename(
            columns={"low": f"{level}_adoptions_low", "high": f"{level}_adoptions_high"}
        )
        la = la.merge(agg.drop(columns="est"), on=keys, how="left", validate="many_to_one")
    counts = [
        "adoptions_published_part",
        "suppressed_parts",
        "adoptions_est",
        "adoptions_low",
        "adoptions_high",
        *(f"{level}_adoptions_{end}" for level in LEVEL_KEYS for end in ("low", "high")),
    ]
    la[counts] = la[counts].round().astype(np.int64)
    first = [c for c in _LA_COLUMNS if c in la.columns]
    la = la[first + [c for c in la.columns if c not in first]]
    la = la.sort_values(["year", "old_la_code"]).reset_index(drop=True)
    cells = cells.sort_values([*GROUP_KEYS, "old_la_code"]).reset_index(drop=True)
    la = check_frame(la, public_spec("la_adoptions"), file=COMPUTED_FROM)
    return AdoptionImputation(la, cells, groups)


def la_adoptions(
    adoptions: pd.DataFrame | None = None, routes: pd.DataFrame | None = None
) -> pd.DataFrame:
    """LA-year adoptions with geography and, for suppressed cells, an estimate and exact bounds.

    Every published route is kept (``adoptions_published_part``); each suppressed part is
    imputed within its Government Office Region, year and route (:data:`GROUP_KEYS`):
    ``adoptions_est`` (whole number, central), ``adoptions_low`` / ``adoptions_high`` (the
    feasible min/max of the LA's total), ``adoptions_is_estimate`` (show as ``[e]``),
    ``suppression_cap_lifted`` (secondary suppression: parts may exceed 5). ``raa_/region_/
    england_adoptions_low/high`` are the exact bounds of the LA's RAA, pan-region and England in
    that year (tighter than summing LA bounds). LAs not existing that year (``z``) are dropped.
    """
    return impute_la_adoptions(adoptions, routes).la


def _aggregate(la: pd.DataFrame, keys: list[str], level: str) -> pd.DataFrame:
    out = la.groupby(keys, as_index=False).agg(
        adoptions=("adoptions_est", "sum"),
        adoptions_low=(f"{level}_adoptions_low", "first"),
        adoptions_high=(f"{level}_adoptions_high", "first"),
        adoptions_known=("adoptions", "sum"),
        adoptions_published_part=("adoptions_published_part", "sum"),
        la_cells=("old_la_code", "size"),
        suppressed_cells=("suppressed", "sum"),
    )
    out["adoptions_known"] = out["adoptions_known"].astype(np.int64)
    out["adoptions_is_estimate"] = out["suppressed_cells"] > 0
    out["share_suppressed"] = out["suppressed_cells"] / out["la_cells"]
    return out


def adoptions_by_region_year(la: pd.DataFrame | None = None) -> pd.DataFrame:
    """Adoptions per year by pan-region and RAA (plus a region total row, ``raa == 'All'``).

    ``adoptions`` is the central value (whole number: published parts + imputed suppressed
    parts), ``adoptions_is_estimate`` says it includes imputed cells (``[e]``);
    ``adoptions_low/high`` are the feasible min/max of the aggregate itself (not sums of LA
    bounds); ``adoptions_known`` sums fully published LA totals only, ``adoptions_published_part``
    every published part; ``share_suppressed`` is the share of LA cells with a suppressed part.
    """
    la = la_adoptions() if la is None else la
    by_raa = _aggregate(la, ["year", "region_order", "region", "raa", "in_report"], "raa")
    by_region = _aggregate(la, ["year", "region_order", "region"], "region").assign(
        raa="All", in_report=True
    )
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
        "adoptions_is_estimate",
        "adoptions_known",
        "adoptions_published_part",
        "la_cells",
        "suppressed_cells",
        "share_suppressed",
    ]
    return out[cols].reset_index(drop=True)


def england_totals_check(
    adoptions: pd.DataFrame | None = None, la: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per year: national figure (release and time series) vs the sum of regions and of LAs.

    Tolerances: national and regional figures are rounded to 10 per route (two routes in 2010,
    2016, 2017), so the 9 regions may differ from the national figure by up to 5 x routes x 10;
    LA counts are unrounded, so known LAs must not exceed national + 5 x routes, and the exact
    England bounds of the imputation (``la_low``/``la_high``) must overlap national +- 5 x routes.
    """
    adoptions = cla.load_all_adoptions() if adoptions is None else adoptions
    la = la_adoptions(adoptions) if la is None else la
    ts = cla.load_national_time_series().set_index("year")["adoptions_national"]
    nat = adoptions[adoptions["geographic_level"] == "National"].set_index("year")["adoptions"]
    reg = adoptions[
        (adoptions["geographic_level"] == "Regional") & ~adoptions["region_name"].isin(_SUB_REGIONS)
    ]
    sums = la.groupby("year").agg(
        la_known=("adoptions", "sum"),
        la_est=("adoptions_est", "sum"),
        la_low=("england_adoptions_low", "first"),
        la_high=("england_adoptions_high", "first"),
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
    half = NATIONAL_ROUNDING_BASE / 2 * out.index.map(lambda y: ROUTES_PER_YEAR.get(y, 1))
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


def _unit_year_adoptions(
    la: pd.DataFrame, first_year: int, keys: list[str], level: str
) -> pd.DataFrame:
    """Unit x year adoptions (est/low/high) from first_year.

    Low/high are the unit's exact feasible bounds (``{level}_adoptions_low/high`` from
    :func:`la_adoptions`) where ``la`` has them, else summed LA bounds. Before the LA data start
    the national series is apportioned by the unit's share in SHARE_BASE_YEARS (low/high:
    min/max share)."""
    ts = cla.load_national_time_series().set_index("year")["adoptions_national"].astype(float)
    low, high = f"{level}_adoptions_low", f"{level}_adoptions_high"
    if {low, high} <= set(la.columns):
        agg = {
            "adoptions_est": ("adoptions_est", "sum"),
            "adoptions_low": (low, "first"),
            "adoptions_high": (high, "first"),
        }
    else:
        agg = {c: (c, "sum") for c in ("adoptions_est", "adoptions_low", "adoptions_high")}
    units = la.groupby([*keys, "year"], as_index=False).agg(**agg)
    cols = ["adoptions_est", "adoptions_low", "adoptions_high"]
    units[cols] = units[cols].astype(float)
    base = units[units["year"].isin(SHARE_BASE_YEARS)].copy()
    base["share"] = base["adoptions_est"] / base["year"].map(
        units.groupby("year")["adoptions_est"].sum()
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
    return pd.concat([early[units.columns], units], ignore_index=True)


def _population(
    la: pd.DataFrame,
    national: pd.DataFrame | None,
    reference_year: int,
    age_limits: tuple[int, ...],
    keys: list[str],
    level: str,
) -> pd.DataFrame:
    first, last = int(la["year"].min()), int(la["year"].max())
    if not first <= reference_year <= last:
        raise InputDataError(
            [
                Problem(
                    "la_adoptions",
                    "reference_year",
                    f"reference year {reference_year} is outside the LA adoption data "
                    f"({first}-{last})",
                    "choose a year ending 31 March that the LA adoption data cover",
                )
            ]
        )
    shares = age_at_adoption_shares(national)
    by_year = shares[shares["variant"] != "pooled"].merge(AGE_BANDS, on="characteristic")
    mean_age = (
        by_year.assign(m=lambda d: d["share"] * (d["age_lo"] + d["age_hi"]) / 2)
        .groupby("variant")["m"]
        .sum()
    )
    variants = {"estimate": "pooled", "low": mean_age.idxmax(), "high": mean_age.idxmin()}
    cohorts = _unit_year_adoptions(la, reference_year - max(age_limits), keys, level)
    cohorts = cohorts[cohorts["year"] <= reference_year]
    limits = pd.DataFrame({"age_limit": list(age_limits)})
    source = {"estimate": "adoptions_est", "low": "adoptions_low", "high": "adoptions_high"}
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
        survival = (1 - ATTRITION_LOW) ** (years_since + 0.5) if col == "low" else 1.0
        grid[col] = grid[source[col]] * grid["share"] * frac * survival
        results.append(grid.groupby([*keys, "age_limit"])[col].sum())
    out = pd.concat(results, axis=1).reset_index()
    out["age_limit"] = out["age_limit"].astype(int)
    return out


def adopted_population_estimate(
    la: pd.DataFrame | None = None,
    national: pd.DataFrame | None = None,
    reference_year: int = REFERENCE_YEAR,
    age_limits: tuple[int, ...] = AGE_LIMITS,
) -> pd.DataFrame:
    """Estimated adopted children (adopted from care in England) below each age limit, by RAA.

    Columns exactly ``region, raa, age_limit, estimate, low, high``, as at 31 March of
    ``reference_year`` (adoptions in years ending 31 March up to it). Each year's adoptions are
    spread over the published age-at-adoption bands (uniform within a band, adoptions uniform
    over the year) and aged forward. Central: pooled 2020-24 age distribution, central
    imputation, no attrition. Low: the oldest year's age distribution, the RAA-year's feasible
    minimum of adoptions, 1%/year attrition. High: the youngest year's distribution, the feasible
    maximum, no attrition. No migration between regions, no mortality in the central estimate.
    """
    la = la_adoptions() if la is None else la
    keys = ["region_order", "region", "raa"]
    out = _population(la, national, reference_year, age_limits, keys, "raa")
    out = out.sort_values(["region_order", "raa", "age_limit"])
    out = out[["region", "raa", "age_limit", "estimate", "low", "high"]].reset_index(drop=True)
    return check_frame(out, public_spec("adopted_population_estimate"), file=COMPUTED_FROM)


def adopted_population_by_region(
    la: pd.DataFrame | None = None,
    national: pd.DataFrame | None = None,
    reference_year: int = REFERENCE_YEAR,
    age_limits: tuple[int, ...] = AGE_LIMITS,
) -> pd.DataFrame:
    """The same estimate for pan-regions and England (``region, age_limit, estimate, low, high``).

    Computed at each level, so low/high use the feasible bounds of each pan-region's and
    England's adoptions (and the region's min/max pre-2010 share), not sums of RAA bounds; the
    central estimate equals the sum of the RAA estimates.
    """
    la = la_adoptions() if la is None else la
    keys = ["region_order", "region"]
    regions = _population(la, national, reference_year, age_limits, keys, "region")
    england = la.assign(region="England", region_order=int(la["region_order"].max()) + 1)
    total = _population(england, national, reference_year, age_limits, keys, "england")
    out = pd.concat([regions, total], ignore_index=True)
    out = out.sort_values(["region_order", "age_limit"])
    out = out[["region", "age_limit", "estimate", "low", "high"]].reset_index(drop=True)
    return check_frame(out, public_spec("adopted_population_by_region"), file=COMPUTED_FROM)


def adopted_population_by_year(
    la: pd.DataFrame | None = None,
    national: pd.DataFrame | None = None,
    years: tuple[int, ...] = DENOMINATOR_YEARS,
    age_limits: tuple[int, ...] = AGE_LIMITS,
    *,
    by_region: bool = False,
) -> pd.DataFrame:
    """The estimate as at 31 March of each of ``years`` (column ``as_at_year``): by RAA
    (``region, raa, as_at_year, age_limit, estimate, low, high``) or, with ``by_region``, by
    pan-region and England (:func:`adopted_population_by_region`, no ``raa``)."""
    la = la_adoptions() if la is None else la
    national = cla.load_national_adopted() if national is None else national
    estimate = adopted_population_by_region if by_region else adopted_population_estimate
    out = pd.concat(
        [
            estimate(la, national, reference_year=year, age_limits=age_limits).assign(
                as_at_year=year
            )
            for year in years
        ],
        ignore_index=True,
    )
    keys = ["region"] if by_region else ["region", "raa"]
    return out[[*keys, "as_at_year", "age_limit", "estimate", "low", "high"]]


def population_by_region(estimate: pd.DataFrame) -> pd.DataFrame:
    """Sum RAA estimates to pan-regions and England. The central estimate is exact; low/high are
    summed RAA bounds (valid but looser than :func:`adopted_population_by_region`)."""
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
def per_1000(
    count: pd.Series,
    count_low: pd.Series,
    count_high: pd.Series,
    estimate: pd.Series,
    low: pd.Series,
    high: pd.Series,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """A rate per 1,000 with its range: (count / estimate, count low / population high, count
    high / population low) x 1,000 — the one rate formula of the project."""
    return 1000 * count / estimate, 1000 * count_low / high, 1000 * count_high / low


def demand_rates(
    counts: pd.DataFrame,
    estimate: pd.DataFrame,
    *,
    value: str = "count",
    by: tuple[str, ...] = ("region",),
    age_limit: int = 18,
) -> pd.DataFrame:
    """Counts (packages, cases...) per 1,000 estimated adopted children, with a low-high range.

    ``counts`` has the ``by`` columns and ``value``, optionally ``{value}_low`` /
    ``{value}_high`` when the count is itself an estimate. ``estimate`` is the population as at
    the end of the counts' period (e.g. 31 March 2023 for 2022/23 packages): the output of
    :func:`adopted_population_by_region` (exact pan-region bounds) or
    :func:`adopted_population_estimate` (summed to ``by``). ``rate_low`` = count low / population
    high, ``rate_high`` = count high / population low.
    """
    pop = (
        estimate[estimate["age_limit"] == age_limit]
        .groupby(list(by), as_index=False)[["estimate", "low", "high"]]
        .sum()
    )
    out = counts.merge(pop, on=list(by), how="left", validate="many_to_one")
    c = out[value].astype(float)
    c_low = out[f"{value}_low"].astype(float) if f"{value}_low" in out else c
    c_high = out[f"{value}_high"].astype(float) if f"{value}_high" in out else c
    out["rate_per_1000"], out["rate_low"], out["rate_high"] = per_1000(
        c, c_low, c_high, out["estimate"], out["low"], out["high"]
    )
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
    la = geography.attach_geography(
        la.drop(columns=["region_name"]), year_column="year", basis="mid_year"
    )
    return la.groupby(["year", "region"], as_index=False)["population_0_17"].sum()


# ------------------------------------------------------------------------ processed
def build_public_processed(out_dir: str | Path = "data/processed/public") -> dict[str, Path]:
    """Compute the tidy public tables once and write them as Parquet for the regional notebooks."""
    from nps_analysis.paths import resolve

    out = resolve(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    adoptions = cla.load_all_adoptions()
    imputed = impute_la_adoptions(adoptions)
    la = imputed.la
    tables = {
        "la_raa_region_lookup": geography.la_lookup(),
        "adoptions_la_year": la,
        "adoptions_imputation_groups": imputed.groups,
        "adoptions_by_region_year": adoptions_by_region_year(la),
        "england_totals_check": england_totals_check(adoptions, la),
        "adopted_population_estimate": adopted_population_estimate(la),
        "adopted_population_by_region": adopted_population_by_region(la),
        "adopted_population_by_year": adopted_population_by_year(la),
        "adopted_population_by_region_by_year": adopted_population_by_year(la, by_region=True),
        "asg_snapshot_2022_23": asg_snapshot(),
        "adoption_agencies_2023": agency_supply(),
        "national_context": national_context(),
        "stage_durations": stage_durations(),
    }
    paths = {}
    for name, df in tables.items():
        path = out / f"{name}.parquet"
        path.write_bytes(parquet_bytes(df))
        paths[name] = path
    return paths
