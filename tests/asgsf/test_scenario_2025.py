"""The 2025/26 rules scenario against hand-computed fixtures, and its tables as released."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nps_analysis.asgsf import scenario_2025 as sc
from nps_analysis.asgsf.spend import RulesYearError, rules_for
from nps_analysis.display import show_released
from nps_analysis.outputs import OutputWriter

NE, LON = "North East", "London"
SETTINGS = sc.Settings(scenario_year="2025/26", base_year=None, assessment_most_share=0.5)


def _packages() -> pd.DataFrame:
    """Base year 2022/23 (plus one 2021/22 package of C1, which must not join its 2022/23 total).

    C1 (NE): three packages, none above £3,000, together £3,500 -> £500 above the new limit.
    C2 (NE): one match-funded package of £8,000 -> £3,000 paid above the old £5,000 limit (match
      funding that ends) and £5,000 above the new limit.
    C3 (London): a £2,500 assessment and £1,000 therapy -> within the old separate limits; the
      assessment takes most of the new limit and the total is £500 above it.
    C4 (London): a £2,500 assessment only -> within £3,000, assessment takes most of the limit.
    P (NE): £2,900 without child_ref -> a child of its own, within the limit.
    """
    rows = [
        ("A1", "2022/23", NE, "Creative therapies", 1200, False, "C1"),
        ("A2", "2022/23", NE, "Psychotherapy", 1500, False, "C1"),
        ("A3", "2022/23", NE, "Family therapy", 800, False, "C1"),
        ("A4", "2022/23", NE, "Psychotherapy", 8000, True, "C2"),
        ("A5", "2022/23", LON, "Specialist assessments", 2500, False, "C3"),
        ("A6", "2022/23", LON, "Therapeutic parenting", 1000, False, "C3"),
        ("A7", "2022/23", LON, "Specialist assessments", 2500, False, "C4"),
        ("A8", "2022/23", NE, "Creative therapies", 2900, False, None),
        ("A0", "2021/22", NE, "Creative therapies", 2000, False, "C1"),
    ]
    cols = ["application_id", "financial_year", "region", "therapy_type", "amount_gbp"]
    df = pd.DataFrame(rows, columns=[*cols, "match_funded", "child_ref"])
    df["therapy_type"] = df["therapy_type"].astype("category")
    return df


@pytest.fixture
def res() -> sc.ScenarioResult:
    return sc.run_scenario(_packages(), settings=SETTINGS)


def test_child_with_several_packages_crosses_the_limit(res: sc.ScenarioResult) -> None:
    base, scen = rules_for("2022/23"), rules_for("2025/26")
    cy, per_package = sc.child_years(_packages().query("financial_year == '2022/23'"), base, scen)
    c1 = cy.set_index("child_key").loc["C1"]
    assert (c1["packages"], c1["total_gbp"], c1["above_limit_gbp"]) == (3, 3500, 500)
    assert c1["over_limit"] and not c1["match_funded"] and c1["match_gbp"] == 0
    assert c1["therapy_type"] == "Psychotherapy"  # its largest package
    # pro rata over its packages: 500 x 1200/3500, 500 x 1500/3500, 500 x 800/3500
    shares = per_package.set_index("child_key").loc["C1", "above_limit_gbp"].to_numpy()
    np.testing.assert_allclose(shares, [500 * 12 / 35, 500 * 15 / 35, 500 * 8 / 35])
    own = cy.set_index("child_key").loc["package:A8"]  # no child_ref: a child of its own
    assert (own["packages"], own["over_limit"]) == (1, False)


def test_match_funded_package_under_the_old_rules(res: sc.ScenarioResult) -> None:
    nat = res.summary.iloc[0]
    assert nat["children_match_funded"] == 1
    assert nat["gbp_match_funding_ends"] == 3000  # paid above the £5,000 therapy limit
    ne = res.children.query("region == @NE and therapy_type == 'Psychotherapy'").iloc[0]
    assert (ne["children"], ne["children_over_limit"], ne["children_match_funded"]) == (2, 2, 1)
    assert ne["gbp_above_limit"] == 500 + 5000 and ne["gbp_match_funding_ends"] == 3000


def test_assessment_takes_most_of_the_limit(res: sc.ScenarioResult) -> None:
    lon = res.children.query("region == @LON").set_index("therapy_type")
    row = lon.loc["Specialist assessments"]  # C3 and C4: both assessments £2,500 > £1,500
    assert (row["children"], row["children_assessment_most"]) == (2, 2)
    assert (row["children_over_limit"], row["gbp_above_limit"]) == (1, 500)  # C3 only
    assert res.children.query("region == @NE")["children_assessment_most"].sum() == 0
    # the new rules count assessments against the £3,000; the old rules did not
    old, new = rules_for("2022/23"), rules_for("2025/26")
    assert sc.fundable(np.array([1000.0]), np.array([2500.0]), old).item() == 3500
    assert sc.fundable(np.array([1000.0]), np.array([2500.0]), new).item() == 3000
    assert sc.fundable(np.array([0.0]), np.array([4000.0]), new).item() == 2500  # capped


def test_amount_above_the_limit_per_region_equals_a_hand_sum(res: sc.ScenarioResult) -> None:
    hand = {NE: 500 + 5000, LON: 500}  # C1 + C2; C3
    by_children = res.children.groupby("region")["gbp_above_limit"].sum()
    by_packages = res.packages.groupby("region")["gbp_above_limit"].sum()
    for region, expected in hand.items():
        assert by_children[region] == expected
        assert by_packages[region] == pytest.approx(expected)
    nat = res.summary.iloc[0]
    assert (nat["packages"], nat["children"], nat["children_over_limit"]) == (8, 5, 3)
    assert nat["total_gbp"] == 20400 and nat["gbp_scenario"] == 14400
    assert nat["gbp_above_limit"] == 6000
    lon = sc.run_scenario(_packages(), region=LON, settings=SETTINGS).summary.iloc[0]
    assert (lon["area"], lon["children"], lon["gbp_above_limit"]) == (LON, 2, 500)
    assert "budget_gbp" not in lon.index  # no budget comparison for a region


def test_projection_against_the_budget_uses_the_forecast() -> None:
    forecast = pd.DataFrame(
        {
            "therapy_type": ["All packages", "All packages", "Psychotherapy"],
            "financial_year": ["2025/26", "2025/26", "2025/26"],
            "preferred": [True, False, True],
            "forecast": [16.0, 99.0, 99.0],
            "pi95_low": [8.0, 1.0, 1.0],
            "pi95_high": [32.0, 999.0, 999.0],
        }
    )
    nat = sc.run_scenario(_packages(), settings=SETTINGS, forecast=forecast).summary.iloc[0]
    per_package = 14400 / 8
    assert nat["packages_forecast"] == 16
    assert nat["gbp_scenario_projected"] == 16 * per_package
    assert (nat["gbp_scenario_projected_low"], nat["gbp_scenario_projected_high"]) == (
        8 * per_package,
        32 * per_package,
    )
    assert nat["budget_gbp"] == 50_000_000
    assert nat["projected_pct_of_budget"] == pytest.approx(16 * per_package / 50e6 * 100)


def test_rules_of_the_wrong_year_fail() -> None:
    pk = _packages()
    with pytest.raises(RulesYearError, match="2025/26 do not apply to 2022/23"):
        sc.run_scenario(pk, settings=SETTINGS, base_rules=rules_for("2025/26"))
    with pytest.raises(RulesYearError, match="do not apply to 2025/26"):
        sc.run_scenario(pk, settings=SETTINGS, scenario_rules=rules_for("2022/23"))
    with pytest.raises(RulesYearError):
        sc.child_years(
            pk.query("financial_year == '2022/23'"), rules_for("2025/26"), rules_for("2025/26")
        )
    old = pk.assign(financial_year="2014/15")  # no rules cover it
    with pytest.raises(RulesYearError, match="no ASGSF rules cover 2014/15"):
        sc.run_scenario(old, settings=SETTINGS)
    res = sc.run_scenario(pk, settings=SETTINGS)
    assert res.base_rules == rules_for("2022/23") and res.scenario_rules == rules_for("2025/26")
    assert res.summary.iloc[0]["base_rules"] == "2015/16-2024/25"


def test_earlier_base_year_has_its_own_children() -> None:
    s = sc.Settings(base_year="2021/22")
    res = sc.run_scenario(_packages(), settings=s)
    nat = res.summary.iloc[0]
    assert (nat["financial_year"], nat["packages"], nat["children_over_limit"]) == ("2021/22", 1, 0)


# --- production size: the synthetic default --------------------------------------------------


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    from nps_analysis.config import load_params
    from nps_analysis.synth import asgsf

    p = load_params()["synth"]
    return asgsf.generate(p["asgsf"], float(p["raa_concentration"]), int(p["seed"]))


def test_tables_agree_with_an_independent_count(synthetic: pd.DataFrame) -> None:
    res = sc.run_scenario(synthetic, settings=SETTINGS)
    assert res.base_year == "2022/23"
    base = synthetic[synthetic["financial_year"] == "2022/23"]
    # independent: totals per child_ref with plain dictionaries
    totals: dict[str, float] = {}
    assess: dict[str, float] = {}
    for ref, therapy, amount in zip(
        base["child_ref"], base["therapy_type"], base["amount_gbp"], strict=True
    ):
        totals[ref] = totals.get(ref, 0.0) + amount
        if therapy == "Specialist assessments":
            assess[ref] = assess.get(ref, 0.0) + amount
    # new rules by hand: assessments count up to £2,500 inside the single £3,000 limit
    over = {
        k: v - min(3000.0, min(assess.get(k, 0.0), 2500.0) + (v - assess.get(k, 0.0)))
        for k, v in totals.items()
    }
    assert res.children["children"].sum() == len(totals)
    assert res.children["children_over_limit"].sum() == sum(v > 0 for v in over.values())
    assert res.children["gbp_above_limit"].sum() == pytest.approx(sum(over.values()))
    assert res.packages["gbp_above_limit"].sum() == pytest.approx(sum(over.values()))
    assert res.children["children_assessment_most"].sum() == sum(v > 1500 for v in assess.values())
    assert res.packages["packages"].sum() == len(base)
    several = pd.Series(list(totals)).map(base.groupby("child_ref").size())
    assert (several > 1).sum() > 1000  # children with several packages exist at this size


def test_tables_as_released(synthetic: pd.DataFrame, tmp_path: Path) -> None:
    out = OutputWriter(
        tmp_path / "nat", data_kind="synthetic", context={"analysis": "asgsf_therapy_trends"}
    )
    sc.write_national_outputs(out, synthetic, settings=SETTINGS)
    children = out.released("scenario_2025_children")
    assert len(children) == 8 * 10  # every region x therapy type (with Not recorded)
    hidden = children["children_over_limit"] == "c"
    assert (children.loc[hidden, "gbp_above_limit"] == "c").all()  # £ follows its count
    hidden = children["children_match_funded"] == "c"
    assert (children.loc[hidden, "gbp_match_funding_ends"] == "c").all()
    for name in sc.TABLES:
        show_released(out, name)  # the spec labels every released column
    reg = OutputWriter(
        tmp_path / "ne",
        data_kind="synthetic",
        context={"analysis": "regional_needs_assessment", "region": NE},
    )
    sc.write_regional_outputs(reg, synthetic, NE, settings=SETTINGS)
    assert "region" not in reg.released("scenario_2025_children").columns
    assert reg.released("scenario_2025_summary").iloc[0]["area"] == NE
    for name in sc.TABLES:
        show_released(reg, name)
