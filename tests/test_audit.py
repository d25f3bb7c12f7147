"""Audit ledger: statuses where the arithmetic is unambiguous, and that the audit can fail."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest

from nps_analysis.audit import (
    EVALUATORS,
    EXPLICIT_RULES,
    HINTS,
    LEDGER_COLUMNS,
    STATUSES,
    Rule,
    audit_ledger,
    evaluator,
    explanations,
    load_rules,
    printing_conventions,
    status_counts,
    summary_by_section,
)
from nps_analysis.published import all_figures
from nps_analysis.rounding import Rounding


@pytest.fixture(scope="module")
def register() -> pd.DataFrame:
    return all_figures()


@pytest.fixture(scope="module")
def ledger(register: pd.DataFrame) -> pd.DataFrame:
    return audit_ledger(register)


def _rows(ledger: pd.DataFrame, figure_id: str) -> pd.DataFrame:
    rows = ledger[ledger["figure_id"] == figure_id]
    assert len(rows), f"{figure_id} missing from the ledger"
    return rows


def _status(ledger: pd.DataFrame, figure_id: str, rule_contains: str = "") -> str:
    rows = _rows(ledger, figure_id)
    if rule_contains:
        rows = rows[rows["rule"].str.contains(rule_contains, regex=False)]
    assert len(rows) == 1, rows
    return str(rows["status"].iloc[0])


def test_ledger_shape(ledger: pd.DataFrame, register: pd.DataFrame) -> None:
    assert list(ledger.columns) == LEDGER_COLUMNS
    assert set(ledger["status"]) <= set(STATUSES)
    assert set(register["figure_id"]) == set(ledger["figure_id"]), (
        "every figure appears in the ledger"
    )
    derivable = ledger[ledger["status"] != "not_derivable"]
    assert derivable["recomputed_value"].notna().all()
    assert len(derivable) >= 100
    nonmatch = ledger[ledger["status"].isin(["rounding_convention", "discrepancy"])]
    assert (nonmatch["note"].str.len() > 20).all(), "every non-match is explained"


def test_open_cases_total_is_sum_of_groups(ledger: pd.DataFrame) -> None:
    row = _rows(ledger, "cases.total").iloc[0]
    assert row["status"] == "match"
    assert row["recomputed_value"] == 10077 + 3534 + 3212 + 2631 == 19454


def test_children_age_bands_sum(ledger: pd.DataFrame) -> None:
    assert _status(ledger, "cases.group.children", "sum") == "match"


def test_children_share_rounds_to_52(ledger: pd.DataFrame) -> None:
    row = _rows(ledger, "cases.group.children.pct").iloc[0]
    assert row["status"] == "match"
    assert row["recomputed_value"] == pytest.approx(100 * 10077 / 19454)
    assert "half-up" in row["rule"]


def test_birth_families_share_is_truncated(ledger: pd.DataFrame) -> None:
    row = _rows(ledger, "cases.group.birth_families.pct").iloc[0]
    assert row["recomputed_value"] == pytest.approx(16.5107, abs=1e-4)
    assert row["status"] == "rounding_convention"
    assert "truncation" in row["rule"]


def test_growth_209_9_is_truncation_to_one_decimal(ledger: pd.DataFrame) -> None:
    row = _rows(ledger, "asgsf.packages.growth_2018_19_2022_23.pct").iloc[0]
    exact = 100 * (14481 - 4672) / 4672
    assert exact == pytest.approx(209.9529, abs=1e-4)
    assert round(exact, 1) == 210.0  # ordinary rounding would have printed 210.0%
    assert row["recomputed_value"] == pytest.approx(exact)
    assert row["status"] == "rounding_convention"
    assert "truncation" in row["rule"] and "1 d.p." in row["rule"]


def test_age_effect_restatements(ledger: pd.DataFrame) -> None:
    five = _rows(ledger, "step.reg.child_age.effect_5y").iloc[0]
    assert five["status"] == "match"
    assert five["recomputed_value"] == pytest.approx(-0.474 * 5) == pytest.approx(-2.37)
    assert _status(ledger, "step.reg.child_age.effect_10y") == "match"


def test_core_budget_fifty_percent_is_a_discrepancy(ledger: pd.DataFrame) -> None:
    row = _rows(ledger, "core.type.therapy_training_group.pct").iloc[0]
    assert row["recomputed_value"] == 18 + 17 + 17 == 52
    assert row["status"] == "discrepancy"
    assert _status(ledger, "core.type.therapy_training_group.pct.key_insight") == "discrepancy"


def test_disability_reporting_share_is_a_discrepancy(ledger: pd.DataFrame) -> None:
    row = _rows(ledger, "cases.coverage.raas_unable_disability.pct").iloc[0]
    assert row["recomputed_value"] == pytest.approx(100 * 16 / 24)
    assert row["status"] == "discrepancy"
    assert "26" in row["note"]


def test_provider_table_totals_and_shares(ledger: pd.DataFrame) -> None:
    for prov in "abcde":
        assert _status(ledger, f"funding.provider_{prov}.total") == "match"
    assert _status(ledger, "funding.provider_a.north_west.pct") == "match"  # 72.78% -> 73%
    assert _status(ledger, "funding.provider_e.eastern.pct") == "match"  # 62.48% -> 62%
    assert _status(ledger, "funding.text.providers_4plus_regions") == "match"  # B, C, E
    assert _status(ledger, "funding.text.provider_b.n_regions") == "match"


def test_therapy_shares(ledger: pd.DataFrame) -> None:
    assert _status(ledger, "asgsf.therapy.creative_therapies.pct") == "match"
    row = _rows(ledger, "asgsf.therapy.specialist_assessments.pct").iloc[0]
    assert row["recomputed_value"] == pytest.approx(100 * 5804 / 50202)
    assert row["status"] == "rounding_convention"


def test_shares_that_must_sum_to_100(ledger: pd.DataFrame) -> None:
    assert _status(ledger, "tiers.not_stated.pct") == "match"  # 37+39+21+2+1 = 100
    assert _status(ledger, "step.parent_no_condition.pct") == "match"  # 58+15+10+11+4+2 = 100
    assert (
        _status(ledger, "support.recipients.not_stated.pct") == "rounding_convention"
    )  # sums to 99


def test_survey_percentages_are_whole_numbers_of_respondents(ledger: pd.DataFrame) -> None:
    assert _status(ledger, "appx.north_east.staff_survey.barrier.availability_waits.pct") == "match"
    assert _status(ledger, "appx.midlands.provider_survey.organisation.pct") == "match"  # 18/31
    assert _status(ledger, "appx.midlands.provider_survey.lower_level.pct") == "rounding_convention"
    assert _status(ledger, "appx.midlands.adopter_survey.receiving_support.pct") == "not_derivable"


def test_budget_arithmetic(ledger: pd.DataFrame) -> None:
    for fid in (
        "budget.full.total.2023_24",
        "budget.full.total.2024_25",
        "budget.innovation_fund.total",
        "budget.wp1.regional_commissioning_member.2023_24",
        "budget.grant.2024_25",
    ):
        assert _status(ledger, fid) == "match", fid


def test_reference_counts(ledger: pd.DataFrame) -> None:
    assert _status(ledger, "appx.north_west.raas", "reference_count") == "match"
    assert _status(ledger, "workforce.gaps.raas_completing") == "match"


def test_qualitative_rows_are_not_derivable(ledger: pd.DataFrame) -> None:
    assert _status(ledger, "step.reg.dx_fasd.entered") == "not_derivable"
    assert _status(ledger, "workforce.fte.total") == "not_derivable"


def test_audit_catches_a_wrong_total(register: pd.DataFrame) -> None:
    broken = register.copy()
    broken.loc[broken["figure_id"] == "cases.total", "value"] = 19455.0
    led = audit_ledger(broken)
    assert _status(led, "cases.total") == "discrepancy"


def test_audit_catches_a_wrong_percentage(register: pd.DataFrame) -> None:
    broken = register.copy()
    broken.loc[broken["figure_id"] == "cases.group.children.pct", "value"] = 50.0
    led = audit_ledger(broken)
    assert _status(led, "cases.group.children.pct") == "discrepancy"


def test_custom_rule_and_unknown_input(register: pd.DataFrame) -> None:
    led = audit_ledger(
        register,
        rules=[
            Rule(
                "cases.group.children.pct",
                "product",
                ("cases.group.children",),
                {"factor": Fraction(1, 100)},
            )
        ],
    )
    assert _status(led, "cases.group.children.pct") == "discrepancy"  # 100.77 is not 52
    with pytest.raises(KeyError, match="unknown figure_id"):
        audit_ledger(register, rules=[Rule("cases.total", "sum", ("no.such.figure",))])


def test_summary_and_explanations(ledger: pd.DataFrame) -> None:
    summary = summary_by_section(ledger)
    assert list(summary.columns) == ["source_document", "section", *STATUSES, "total"]
    assert summary["total"].sum() == len(ledger)
    counts = status_counts(ledger)
    assert sum(counts.values()) == len(ledger)
    lines = explanations(ledger)
    assert len(lines) == counts["rounding_convention"] + counts["discrepancy"]
    assert any("core.type.therapy_training_group.pct" in line for line in lines)


def test_declared_rules_are_data_with_one_evaluator_per_kind(tmp_path) -> None:
    rules, hints = load_rules()
    assert rules == EXPLICIT_RULES and hints == HINTS
    assert len(rules) >= 60 and "cases.group.birth_families.pct" in hints
    budget = next(r for r in rules if r.target == "budget.wp1.regional_champion.2023_24")
    assert budget.params["factor"] == Fraction(1, 12)  # "1/12" in the YAML
    weights = next(r for r in rules if r.target == "workforce.skills.raas_not_reporting_fte")
    assert weights.params["weights"] == (1, -1)
    documented = {  # the kinds docs/published-figures.md lists
        "sum", "equal", "share", "growth", "product", "percent_sum", "residual", "one_in",
        "grim", "count_rows", "count_groups", "rank", "reference_count",
    }  # fmt: skip
    assert set(EVALUATORS) == documented
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - {target: cases.total, kind: average, inputs: [a]}\n")
    with pytest.raises(ValueError, match="unknown audit rule kind"):
        load_rules(bad)
    with pytest.raises(ValueError, match="two evaluators"):
        evaluator("sum")(lambda f: None)


def test_printing_conventions_name_the_rounding_of_each_derivable_figure(
    register: pd.DataFrame,
) -> None:
    conventions = printing_conventions(register)
    truncated = sorted(k for k, v in conventions.items() if v is Rounding.TRUNCATE)
    assert truncated == [
        "appx.midlands.provider_survey.higher_level.pct",
        "appx.midlands.provider_survey.lower_level.pct",
        "appx.midlands.provider_survey.sole_trader.pct",
        "asgsf.packages.growth_2018_19_2022_23.pct",
        "asgsf.therapy.specialist_assessments.pct",
        "cases.group.birth_families.pct",
    ]
    assert conventions["cases.group.children.pct"] is Rounding.HALF_UP
    assert "cases.total" not in conventions  # an exact sum names no rounding
    broken = register.copy()  # printed 210.0%: half-up, no longer truncation
    row = broken["figure_id"] == "asgsf.packages.growth_2018_19_2022_23.pct"
    broken.loc[row, ["value", "value_as_printed"]] = [210.0, "210.0%"]
    assert (
        printing_conventions(broken)["asgsf.packages.growth_2018_19_2022_23.pct"]
        is Rounding.HALF_UP
    )
