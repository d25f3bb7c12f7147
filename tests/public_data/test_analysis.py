"""Geography and analyses on real public data: mapping complete, totals agree, estimates present."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nps_analysis.errors import InputDataError
from nps_analysis.public import analysis, cla, geography
from nps_analysis.public.quirks import parse_counts, read_public_csv


@pytest.fixture(scope="module")
def lookup() -> pd.DataFrame:
    return geography.la_lookup()


@pytest.fixture(scope="module")
def imputed() -> analysis.AdoptionImputation:
    return analysis.impute_la_adoptions()


@pytest.fixture(scope="module")
def la(imputed: analysis.AdoptionImputation) -> pd.DataFrame:
    return imputed.la


@pytest.fixture(scope="module")
def estimate(la: pd.DataFrame) -> pd.DataFrame:
    return analysis.adopted_population_estimate(la)


# ----------------------------------------------------------------------- geography
def test_every_report_raa_maps_to_at_least_one_la(lookup: pd.DataFrame) -> None:
    report = geography.load_pan_regions()
    counts = lookup[lookup["in_report"]].groupby("raa").size()
    missing = sorted(set(report["raa"]) - set(counts.index))
    assert not missing, f"report RAAs with no LA: {missing}"
    assert len(report) == 30 and lookup["region"].nunique() == 8
    merged = lookup.merge(report[["raa", "region"]], on="raa", suffixes=("", "_report"))
    assert (merged["region"] == merged["region_report"]).all()


def test_every_la_code_in_the_adoption_data_is_mapped(lookup: pd.DataFrame) -> None:
    adoptions = cla.load_all_adoptions()
    codes = set(adoptions.loc[adoptions["geographic_level"] == "Local authority", "old_la_code"])
    assert codes <= set(lookup["old_la_code"])


@pytest.mark.parametrize(
    ("code", "raa", "region"),
    [
        (
            "909",
            "Cumbria Adoption",
            "North West",
        ),  # ASG 2022/23 says Adopt Coast to Coast; report config wins
        ("942", "Cumbria Adoption", "North West"),  # Cumberland, 2023 split
        ("943", "Cumbria Adoption", "North West"),  # Westmorland and Furness
        ("840", "Adopt Coast to Coast", "North East"),  # Durham
        ("813", "Family Adoption Links", "Midlands"),  # North Lincolnshire, cross-region
        ("866", "Adopt Thames Valley", "South West"),  # Swindon
        (
            "931",
            "Adopt Thames Valley",
            "South West",
        ),  # Oxfordshire: SE GOR, report puts ATV in South West
        ("826", "Adoption Connects", "Eastern"),  # Milton Keynes
        ("303", "Adoption Partnership South-East", "South East"),  # Bexley, a London borough
        ("871", "Ambitious for Adoption", "London"),  # Slough
        ("213", "Ambitious for Adoption", "London"),  # Westminster via Bi-Borough
        ("839", "Aspire", "South West"),  # BCP
        ("941", "Family Adoption Links", "Midlands"),  # West Northamptonshire
    ],
)
def test_edge_cases(lookup: pd.DataFrame, code: str, raa: str, region: str) -> None:
    row = lookup.set_index("old_la_code").loc[code]
    assert (row["raa"], row["region"]) == (raa, region)


def test_unknown_raa_name_raises(tmp_path: Path) -> None:
    aliases = pd.read_csv(geography.ALIASES_FILE)
    aliases = aliases[aliases["alias"] != "Adoption @ Heart"]
    path = tmp_path / "aliases.csv"
    aliases.to_csv(path, index=False)
    with pytest.raises(InputDataError, match="Adoption @ Heart"):
        geography.build_la_lookup(aliases_file=path)


# ------------------------------------------------------------------ england totals
def test_england_totals_agree_with_national_series() -> None:
    check = analysis.england_totals_check()
    assert check["year"].tolist() == list(range(2010, 2025))
    assert check["regions_within_rounding"].all()
    assert check["la_bounds_bracket_national"].all()
    assert (check["la_known"] <= check["national_release"] + 5).all()
    assert check["la_est_minus_national"].abs().max() <= 50  # 9 regions rounded to 10
    # later releases revise earlier years by at most 40 (documented in docs/public-data.md)
    assert check["revision"].abs().max() <= 40
    assert (check.loc[check["year"] >= 2020, "revision"] == 0).all()


# ------------------------------------------------------------ series and estimates
def test_every_region_and_raa_has_a_full_series_with_suppression(la: pd.DataFrame) -> None:
    series = analysis.adoptions_by_region_year(la)
    years = series.groupby(["region", "raa"])["year"].nunique()
    assert (years == 15).all(), years[years != 15]
    report = geography.load_pan_regions()
    assert set(report["raa"]) <= set(series["raa"])
    assert series["share_suppressed"].between(0, 1).all()
    assert series["share_suppressed"].gt(0).any()
    assert (series["adoptions_low"] <= series["adoptions"]).all()
    assert (series["adoptions"] <= series["adoptions_high"]).all()


def test_every_region_and_raa_has_population_estimate(estimate: pd.DataFrame) -> None:
    assert list(estimate.columns) == ["region", "raa", "age_limit", "estimate", "low", "high"]
    report = geography.load_pan_regions()
    assert set(report["raa"]) <= set(estimate["raa"])
    assert (estimate.groupby("raa")["age_limit"].nunique() == 3).all()
    wide = estimate.pivot_table(index="raa", columns="age_limit", values="estimate")
    assert ((wide[18] < wide[21]) & (wide[21] < wide[25])).all()
    england = analysis.population_by_region(estimate).set_index(["region", "age_limit"])
    # under-18s can only come from adoptions 2006-2024 (about 70,000 children in total)
    assert 40_000 < england.loc[("England", 18), "estimate"] < 70_000


def _hand_checkable_cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    """One LA adopting 100 children in each of 2010-2012 and 2024; every age at adoption 1 to 4."""
    la = pd.DataFrame(
        {
            "year": [2010, 2011, 2012, 2024],
            "old_la_code": "001",
            "region_order": 1,
            "region": "R",
            "raa": "A",
            "adoptions_est": 100.0,
            "adoptions_low": 100.0,
            "adoptions_high": 100.0,
        }
    )
    national = pd.DataFrame(
        {
            "year": 2024,
            "cla_group": "Age at adoption",
            "characteristic": [
                "Under 1 year",
                "1 to 4 years",
                "5 to 9 years",
                "10 to 15 years",
                "16 years and over",
            ],
            "number": [0.0, 100.0, 0.0, 0.0, 0.0],
        }
    )
    return la, national


def test_population_method_on_a_hand_checkable_cohort() -> None:
    la, national = _hand_checkable_cohort()
    est = analysis.adopted_population_estimate(la, national, reference_year=2024, age_limits=(18,))
    # X ~ U[1,5) age at adoption, U ~ U[0,1) time within the year; under 18 at 31 March 2024 iff
    # X + U < 18 - (2024 - year): 2024, 2012 -> 1; 2011 -> 0.875; 2010 -> 0.625; and the national
    # series apportioned before 2010 (share 1): 2009 (3330) -> 0.375, 2008 (3180) -> 0.125, 2007 -> 0
    expected = 100 * (1 + 1 + 0.875 + 0.625) + 3330 * 0.375 + 3180 * 0.125
    assert est["estimate"].iloc[0] == pytest.approx(expected)
    assert est["low"].iloc[0] < expected  # 1%/year attrition


def test_demand_rates(estimate: pd.DataFrame) -> None:
    counts = pd.DataFrame({"region": ["London", "Eastern"], "count": [100, 50]})
    rates = analysis.demand_rates(counts, estimate)
    pop = estimate[estimate["age_limit"] == 18].groupby("region")["estimate"].sum()
    assert rates.set_index("region").loc["London", "rate_per_1000"] == pytest.approx(
        100_000 / pop["London"]
    )
    assert (rates["rate_low"] <= rates["rate_per_1000"]).all() and (
        rates["rate_per_1000"] <= rates["rate_high"]
    ).all()


def test_snapshot_and_supply() -> None:
    snap = analysis.asg_snapshot()
    totals = snap[snap["raa"] == "All"]
    assert len(totals) == 8 and totals["children_waiting_po"].gt(0).all()
    supply = analysis.supply_by_region(analysis.agency_supply())
    assert supply[["adoption_support_agencies", "voluntary_adoption_agencies"]].sum().tolist() == [
        31,
        31,
    ]


# ------------------------------------------------- suppressed cells: published parts and bounds
def _raw_split_parts() -> pd.DataFrame:
    """Published part and number of suppressed routes per LA, read straight from the SFR files
    that split adoptions into two routes (independent of the loaders under test)."""
    frames = []
    for spec in cla.SFR_FILES:
        if len(spec.adoption_columns) < 2:
            continue
        raw = read_public_csv(cla.SFR_DIR / spec.file)
        raw = raw[raw["geog_l"].str.strip() == "LA"]
        parts = [parse_counts(raw[c], file=spec.file, column=c) for c in spec.adoption_columns]
        frames.append(
            pd.DataFrame(
                {
                    "year": spec.year,
                    "old_la_code": raw["geog_c"].str.strip(),
                    "published": sum(n.fillna(0).astype(float) for n, _ in parts),
                    "n_suppressed": sum(f.notna().astype(int) for _, f in parts),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_no_la_year_bound_below_its_published_part(la: pd.DataFrame) -> None:
    raw = _raw_split_parts()
    merged = raw[raw["n_suppressed"] > 0].merge(la, on=["year", "old_la_code"])
    assert len(merged) == 199  # LA-years of 2010, 2016, 2017 with a suppressed route
    floor = merged["published"] + merged["n_suppressed"]  # each suppressed route is >= 1
    assert (merged["adoptions_high"] >= floor).all(), (merged["adoptions_high"] < floor).sum()
    assert (merged["adoptions_low"] >= floor).all(), (merged["adoptions_low"] < floor).sum()
    # ... and each suppressed route is at most 5 unless secondary suppression forced more
    assert (merged["adoptions_high"] <= merged["published"] + 5 * merged["n_suppressed"]).all()


def test_adoption_series_are_whole_numbers_marked_as_estimates(la: pd.DataFrame) -> None:
    series = analysis.adoptions_by_region_year(la)
    for col in ["adoptions", "adoptions_low", "adoptions_high", "adoptions_known"]:
        assert series[col].dtype == "int64", col
    for col in ["adoptions_est", "adoptions_low", "adoptions_high"]:
        assert la[col].dtype == "int64", col
    assert (series["adoptions_is_estimate"] == (series["suppressed_cells"] > 0)).all()
    assert (la["adoptions_is_estimate"] == la["flag"].notna()).all()
    london = series.set_index(["year", "region", "raa"]).loc[(2016, "London", "All")]
    # was 444.625 (1.0 - 450.25 per suppressed LA, published parts dropped)
    assert (london["adoptions_low"], london["adoptions_high"]) == (434, 458)
    assert london["adoptions_low"] <= london["adoptions"] <= london["adoptions_high"]


def test_aggregate_bounds_are_feasible_bounds_not_sums_of_la_bounds(
    imputed: analysis.AdoptionImputation,
) -> None:
    la = imputed.la
    series = analysis.adoptions_by_region_year(la)
    regions = series[series["raa"] == "All"].set_index(["year", "region"])
    summed = la.groupby(["year", "region"])[["adoptions_low", "adoptions_high"]].sum()
    summed = summed.reindex(regions.index)
    assert (regions["adoptions_low"] >= summed["adoptions_low"]).all()
    assert (regions["adoptions_high"] <= summed["adoptions_high"]).all()
    tighter = (regions["adoptions_low"] > summed["adoptions_low"]) | (
        regions["adoptions_high"] < summed["adoptions_high"]
    )
    assert tighter[(2016, "London")] and tighter.sum() >= 20
    # England: the exact range is the sum over the independent regional groups
    g = imputed.groups
    england = g.assign(lo=g["known"] + g["residual_min"], hi=g["known"] + g["residual_max"])
    england = england.groupby("year")[["lo", "hi"]].sum()
    check = analysis.england_totals_check(la=la).set_index("year")
    assert (check["la_low"] == england["lo"]).all() and (check["la_high"] == england["hi"]).all()


def test_central_estimates_fill_the_published_regional_totals(
    imputed: analysis.AdoptionImputation,
) -> None:
    g = imputed.groups
    hidden = g["n_suppressed"] > 0
    gap = g["published_total"] - g["known"]
    fits = hidden & gap.between(g["residual_min"], g["residual_max"])
    assert fits.sum() >= 75
    assert ((g["known"] + g["residual_central"])[fits] == g.loc[fits, "published_total"]).all()
    # elsewhere the nearest feasible residual (e.g. 1 per cell where known LAs already fill it)
    clipped = g[hidden & ~fits]
    assert (
        (clipped["residual_central"] == clipped["residual_min"])
        | (clipped["residual_central"] == clipped["residual_max"])
    ).all()
    cells = imputed.cells
    by_group = cells.groupby(analysis.GROUP_KEYS)["est"].sum()
    central = g.set_index(analysis.GROUP_KEYS)
    assert (by_group == (central["known"] + central["residual_central"])).all()
    # cap lifted only where the residual cannot be met with parts of at most 5 (North East 2019)
    lifted = g[g["cap_lifted"]]
    assert lifted[["year", "gor_region"]].values.tolist() == [[2019, "North East"]]
    assert (lifted["residual_min"] > 5 * lifted["n_suppressed"]).all()


def test_imputation_is_deterministic(la: pd.DataFrame) -> None:
    first, second = io.BytesIO(), io.BytesIO()
    la.to_parquet(first, index=False)
    analysis.la_adoptions().to_parquet(second, index=False)
    assert first.getvalue() == second.getvalue()


def test_routes_that_do_not_match_the_adoptions_raise() -> None:
    routes = cla.load_all_adoption_routes()
    adoptions = cla.adoptions_from_routes(routes)
    tampered = routes.copy()
    row = tampered.index[
        (tampered["geographic_level"] == "Local authority") & tampered["count"].notna()
    ][0]
    tampered.loc[row, "count"] += 1
    with pytest.raises(InputDataError, match="routes do not add up"):
        analysis.la_adoptions(adoptions, tampered)


# ------------------------------------------------ population as at a reference year; rates
def test_population_as_at_31_march_2023_on_a_hand_checkable_cohort() -> None:
    la, national = _hand_checkable_cohort()
    est = analysis.adopted_population_estimate(la, national, reference_year=2023, age_limits=(18,))
    # under 18 at 31 March 2023 iff X + U < 18 - (2023 - year): 2012, 2011 -> 1; 2010 -> 0.875;
    # 2024 not yet; national series (share 1): 2009 (3330) -> 0.625, 2008 (3180) -> 0.375,
    # 2007 (3330) -> 0.125, 2006 -> 0
    expected = 100 * (1 + 1 + 0.875) + 3330 * 0.625 + 3180 * 0.375 + 3330 * 0.125
    assert est["estimate"].iloc[0] == pytest.approx(expected)
    with pytest.raises(InputDataError, match="reference year 2030"):
        analysis.adopted_population_estimate(la, national, reference_year=2030)


def test_population_by_region_uses_feasible_bounds(
    la: pd.DataFrame, estimate: pd.DataFrame
) -> None:
    exact = analysis.adopted_population_by_region(la).set_index(["region", "age_limit"])
    summed = analysis.population_by_region(estimate).set_index(["region", "age_limit"])
    summed = summed.reindex(exact.index)
    assert list(exact.index.get_level_values("region").unique())[-1] == "England"
    assert np.allclose(exact["estimate"], summed["estimate"])
    assert (exact["low"] >= summed["low"] - 1e-6).all() and (
        exact["high"] <= summed["high"] + 1e-6
    ).all()
    assert exact.loc[("London", 18), "low"] > summed.loc[("London", 18), "low"] + 100
    as_2023 = analysis.adopted_population_by_region(la, reference_year=2023)
    england_2023 = as_2023.set_index(["region", "age_limit"]).loc[("England", 18), "estimate"]
    # 2023 counts adoptions 2005-2023, 2024 adoptions 2006-2024: different cohorts
    assert 40_000 < england_2023 < 70_000 and england_2023 != exact.loc[("England", 18), "estimate"]


def test_population_by_year_gives_the_denominator_at_each_year_end(
    la: pd.DataFrame, estimate: pd.DataFrame
) -> None:
    years = (2023, 2024)
    by_year = analysis.adopted_population_by_year(la, years=years)
    assert list(by_year.columns) == [
        "region",
        "raa",
        "as_at_year",
        "age_limit",
        "estimate",
        "low",
        "high",
    ]
    assert sorted(by_year["as_at_year"].unique()) == [2023, 2024]
    latest = by_year[by_year["as_at_year"] == 2024].drop(columns="as_at_year")
    pd.testing.assert_frame_equal(latest.reset_index(drop=True), estimate)
    as_2023 = analysis.adopted_population_estimate(la, reference_year=2023)
    pd.testing.assert_frame_equal(
        by_year[by_year["as_at_year"] == 2023].drop(columns="as_at_year").reset_index(drop=True),
        as_2023,
    )
    regions = analysis.adopted_population_by_year(la, years=years, by_region=True)
    assert list(regions.columns) == ["region", "as_at_year", "age_limit", "estimate", "low", "high"]
    assert analysis.DENOMINATOR_YEARS[0] == 2016 and analysis.DENOMINATOR_YEARS[-1] == 2024


def test_demand_rates_use_the_count_range_when_the_count_is_an_estimate(
    estimate: pd.DataFrame,
) -> None:
    counts = pd.DataFrame(
        {
            "region": ["London", "Eastern"],
            "count": [100, 50],
            "count_low": [90, 50],
            "count_high": [120, 50],
        }
    )
    rates = analysis.demand_rates(counts, estimate).set_index("region")
    london = rates.loc["London"]
    assert london["rate_low"] == pytest.approx(1000 * 90 / london["adopted_children_high"])
    assert london["rate_high"] == pytest.approx(1000 * 120 / london["adopted_children_low"])
    eastern = rates.loc["Eastern"]
    assert eastern["rate_low"] == pytest.approx(1000 * 50 / eastern["adopted_children_high"])
