"""ASGSF spend (fair access limits, match funding), age profile (Wilson CIs) and the whole run."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nps_analysis.asgsf import age, spend
from nps_analysis.asgsf.analysis import display_rounded, run_analysis, write_outputs
from nps_analysis.outputs import OutputWriter
from simulation.asgsf import simulate_packages

FIXTURE = Path(__file__).parents[1] / "fixtures" / "asgsf" / "packages_small.csv"
RULES = spend.FairAccessRules()


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.read_csv(FIXTURE, dtype={"therapy_type": "category", "region": "category"})


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (centre - half) * 100, (centre + half) * 100


def test_rules_from_published_table() -> None:
    rules = spend.load_rules()
    assert rules.therapy_limit_gbp == 5000
    assert rules.assessment_limit_gbp == 2500
    assert rules.match_share_above_limit_pct == 50
    assert rules.max_total_per_child_gbp == 30000


def test_max_contribution() -> None:
    got = spend.max_asgsf_contribution(np.array([3000, 5000, 9000, 100000]), 5000, RULES)
    assert got.tolist() == [3000, 5000, 7000, 30000]


def test_spend_by_hand(small: pd.DataFrame) -> None:
    tab = spend.spend_by_year_therapy(small, RULES).set_index(["financial_year", "therapy_type"])
    creative_19 = tab.loc[("2019/20", "Creative therapies")]  # B1 6,000 (match-funded), B5 4,000
    assert (creative_19["mean_cost_gbp"], creative_19["median_cost_gbp"]) == (5000, 5000)
    assert creative_19["at_or_above_limit_pct"] == 50
    assert creative_19["match_funded_pct"] == 50
    # a blank amount leaves the cost denominators but still counts as a package
    gaps = small.copy()
    gaps.loc[gaps["application_id"] == "B5", "amount_gbp"] = np.nan
    tab = spend.spend_by_year_therapy(gaps, RULES).set_index(["financial_year", "therapy_type"])
    creative_19 = tab.loc[("2019/20", "Creative therapies")]
    assert creative_19["packages"] == 2 and creative_19["packages_with_amount"] == 1
    assert creative_19["mean_cost_gbp"] == 6000
    assert creative_19["at_or_above_limit_pct"] == 100  # of packages with an amount
    assert creative_19["match_funded_pct"] == 50
    assert (
        tab.loc[("2018/19", "Creative therapies"), "at_or_above_limit_pct"] == 100
    )  # exactly 5,000
    assert tab.loc[("2018/19", "Psychotherapy"), "at_or_above_limit_pct"] == 0
    assert tab.loc[("2018/19", "Specialist assessments"), "at_or_above_limit_pct"] == 100  # 2,500
    assert tab.loc[("2019/20", "Specialist assessments"), "at_or_above_limit_pct"] == 0  # 2,000
    assert tab.loc[("2018/19", "Not recorded"), "packages"] == 1
    c21 = tab.loc[("2020/21", "Creative therapies")]
    assert (c21["mean_cost_gbp"], c21["median_cost_gbp"]) == (1100, 1100)


def test_regional_costs_by_hand(small: pd.DataFrame) -> None:
    reg = spend.regional_costs(small).set_index(["region", "therapy_type"])
    # national specialist assessments: 2500, 2000, 3000 (all Eastern) -> ratio 1
    assert reg.loc[("Eastern", "Specialist assessments"), "ratio_to_national"] == pytest.approx(1.0)
    # psychotherapy: London 3000, Eastern 5500, national mean 4250
    assert reg.loc[("London", "Psychotherapy"), "ratio_to_national"] == pytest.approx(3000 / 4250)
    assert reg.loc[("Eastern", "Psychotherapy"), "national_mean_cost_gbp"] == pytest.approx(4250)


def test_age_share_with_wilson_by_hand(small: pd.DataFrame) -> None:
    tab = age.older_child_share(small).set_index("financial_year")
    assert tab["packages_aged_12_plus"].tolist() == [2, 2, 3]
    assert tab["share_pct"].tolist() == pytest.approx([50.0, 40.0, 50.0])
    lo, hi = _wilson(2, 5)
    assert (tab.loc["2019/20", "ci_low"], tab.loc["2019/20", "ci_high"]) == pytest.approx((lo, hi))


def test_age_unknown_ages_leave_denominator() -> None:
    df = pd.DataFrame({"financial_year": ["2020/21"] * 4, "child_age": [13, 5, np.nan, 12]})
    row = age.older_child_share(df, ["2019/20", "2020/21"]).set_index("financial_year")
    assert row.loc["2020/21", "packages_known_age"] == 3
    assert row.loc["2020/21", "packages_unknown_age"] == 1
    assert row.loc["2020/21", "share_pct"] == pytest.approx(200 / 3)
    assert np.isnan(row.loc["2019/20", "share_pct"])  # no packages: no share, no CI


def test_run_without_amounts(small: pd.DataFrame) -> None:
    res = run_analysis(small.drop(columns=["amount_gbp"]))
    assert res.spend is None and res.regional_costs is None
    assert any("spend analyses skipped" in n for n in res.notes)


@pytest.mark.slow
def test_million_rows_under_budget(tmp_path: Path) -> None:
    """10^6 packages through every analysis (aggregate first): well under 10 s."""
    df = simulate_packages(scale=8.7, seed=3)
    assert len(df) > 900_000
    start = time.perf_counter()
    res = run_analysis(df, region="North West", forecast_years=3)
    res_nat = run_analysis(df)
    elapsed = time.perf_counter() - start
    assert elapsed < 10, f"took {elapsed:.1f}s"
    assert res_nat.annual_totals["packages"].sum() == len(df)
    assert res.annual_totals["packages"].sum() == int((df["region"] == "North West").sum())
    write_outputs(res, OutputWriter(tmp_path / "out", data_kind="synthetic"))
    for name in ("annual_totals", "growth_summary", "therapy_shares", "therapy_trends", "forecast"):
        assert (tmp_path / "out" / "tables" / f"{name}.csv").is_file()


def test_display_rounding_keeps_tables_unrounded(small: pd.DataFrame) -> None:
    res = run_analysis(small)
    shown = display_rounded(res.growth_summary)
    assert shown["cagr_pct"].iloc[0] == pytest.approx(22.5)
    assert res.growth_summary["cagr_pct"].iloc[0] == pytest.approx(22.4744871)


def test_loaded_and_raw_fixture_agree(small: pd.DataFrame) -> None:
    """The validated, typed frame from load_dataset gives the same results as the raw CSV."""
    datasets = pytest.importorskip("nps_analysis.datasets")
    loaded = datasets.load_dataset("asgsf_packages", FIXTURE)
    a, b = run_analysis(loaded), run_analysis(small)
    pd.testing.assert_frame_equal(a.annual_totals, b.annual_totals)
    pd.testing.assert_frame_equal(a.therapy_shares, b.therapy_shares)
    pd.testing.assert_frame_equal(a.age_profile, b.age_profile)
    pd.testing.assert_frame_equal(a.spend, b.spend)
