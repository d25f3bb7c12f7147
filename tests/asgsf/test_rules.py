"""ASGSF rules as versioned data: every row sourced, the rules of each year, wrong years refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nps_analysis.asgsf import spend
from nps_analysis.asgsf.spend import RulesYearError, rules_for
from nps_analysis.published import figure

NOT_VERIFIED = "as stated in issue #21; not verified against the WMS text here"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return spend.rules_table()


def test_every_row_cites_its_source(table: pd.DataFrame) -> None:
    assert table["rule_id"].is_unique
    assert (table["source"].str.len() > 20).all()
    assert (table["period_source"].str.strip() != "").all()
    # Rows transcribed from the report carry its register figure, and agree with it (the register
    # checks the wording verbatim against the report's text).
    from_report = table[table["register_figure_id"] != ""]
    assert len(from_report) == 4
    for r in from_report.itertuples():
        assert r.value == figure(r.register_figure_id), r.rule_id
        assert "National Picture" in r.source
    # Rows that are not in the stored sources say so, and never claim a register figure.
    for r in table[table["valid_from_year"] == "2025/26"].itertuples():
        assert r.register_figure_id == ""
        assert NOT_VERIFIED in r.source or "issue #21; not verified" in r.source, r.rule_id


def test_rules_of_each_year() -> None:
    for year in ("2015/16", "2018/19", "2022/23", "2024/25"):
        old = rules_for(year)
        assert (old.valid_from_year, old.valid_to_year) == ("2015/16", "2024/25")
        assert (old.therapy_limit_gbp, old.assessment_limit_gbp) == (5000, 2500)
        assert (old.match_share_above_limit_pct, old.max_total_per_child_gbp) == (50, 30000)
        assert not old.assessments_within_limit and old.budget_gbp is None
    new = rules_for("2025/26")
    assert (new.therapy_limit_gbp, new.assessment_limit_gbp) == (3000, 2500)
    assert new.assessments_within_limit and new.within_financial_year
    assert (new.match_share_above_limit_pct, new.max_total_per_child_gbp) == (0, 3000)
    assert new.budget_gbp == 50_000_000
    assert not new.match_funding and rules_for("2022/23").match_funding
    assert "fal_single_2025" in new.source and "fal_therapy_2015" not in new.source


def test_load_rules_defaults_to_the_report_period() -> None:
    assert spend.load_rules() == rules_for("2019/20")
    assert spend.load_rules("2025/26") == rules_for("2025/26")


@pytest.mark.parametrize("year", ["2014/15", "2026/27"])
def test_a_year_no_rules_cover_fails(year: str) -> None:
    with pytest.raises(RulesYearError, match=f"no ASGSF rules cover {year}"):
        rules_for(year)


def test_rules_used_for_the_wrong_year_fail() -> None:
    new, old = rules_for("2025/26"), rules_for("2022/23")
    with pytest.raises(RulesYearError, match="2025/26 do not apply to 2022/23"):
        new.require("2022/23")
    with pytest.raises(RulesYearError, match="do not apply to 2025/26"):
        old.require(["2023/24", "2024/25", "2025/26"])
    assert old.require(["2018/19", "2022/23"]) is old
    with pytest.raises(RulesYearError):
        spend.rules_for_years(["2024/25", "2025/26"])  # spans the change of rules
    assert spend.rules_for_years(["2018/19", "2022/23"]) == old


def test_contribution_under_each_rule_set() -> None:
    costs = np.array([2000, 3000, 5000, 9000, 100000])
    old = spend.max_asgsf_contribution(costs, 5000, rules_for("2022/23"))
    new = spend.max_asgsf_contribution(costs, 3000, rules_for("2025/26"))
    assert old.tolist() == [2000, 3000, 5000, 7000, 30000]  # 5,000 + 50% of 4,000; capped
    assert new.tolist() == [2000, 3000, 3000, 3000, 3000]  # no match funding above £3,000


def test_bad_tables_are_refused(table: pd.DataFrame) -> None:
    raw = table.astype(str)
    overlap = raw.copy()
    overlap.loc[overlap["rule_id"] == "fal_single_2025", "valid_from_year"] = "2024/25"
    with pytest.raises(ValueError, match="overlapping periods for fair_access_limit.therapy"):
        rules_for("2022/23", overlap)
    unsourced = raw.copy()
    unsourced.loc[unsourced["rule_id"] == "budget_2025", "source"] = " "
    with pytest.raises(ValueError, match=r"without a source: \['budget_2025'\]"):
        rules_for("2025/26", unsourced)
    incomplete = raw[raw["rule_id"] != "match_share_2025"]
    with pytest.raises(RulesYearError, match="asgsf_share_above_fal"):
        rules_for("2025/26", incomplete)
