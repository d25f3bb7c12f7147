"""Geography and analyses on real public data: mapping complete, totals agree, estimates present."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.errors import InputDataError
from nps_analysis.public import analysis, cla, geography


@pytest.fixture(scope="module")
def lookup() -> pd.DataFrame:
    return geography.la_lookup()


@pytest.fixture(scope="module")
def la() -> pd.DataFrame:
    return analysis.la_adoptions()


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


def test_population_method_on_a_hand_checkable_cohort() -> None:
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
