"""nps_analysis.national: the cross-check against published figures, its summary, the STEP
comparison and the headline facts, on hand-worked values."""

from __future__ import annotations

import pandas as pd
import pytest

from nps_analysis import national
from nps_analysis.published import all_figures


def _register(*rows: tuple[str, str, float, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["figure_id", "value_as_printed", "value", "source_section", "convention"]
    ).assign(table="t")


REGISTER = _register(  # the convention as the audit finds it for figures like these
    ("asgsf.growth.pct", "209.9%", 209.9, "4.2", "truncate"),  # half-up gives 210.0
    ("cases.birth.pct", "17%", 17.0, "3.2", "half_up"),  # truncation gives 16
    ("cases.total", "19,454", 19454.0, "3.2", ""),  # no convention given: half-up
    ("coverage.raas", "24", 24.0, "3.1", ""),
)


def test_crosscheck_agrees_at_the_printed_precision_under_the_figures_convention() -> None:
    computed = {
        "asgsf.growth.pct": 100 * (14481 - 4672) / 4672,  # 209.9529...
        "cases.birth.pct": 16.51,
        "cases.total": 19454.4,
        "coverage.raas": 30.0,
        "not.in.register": 1.0,
    }
    table = national.crosscheck(computed, REGISTER)
    assert list(table.columns) == [
        "figure_id",
        "section",
        "published",
        "published_value",
        "computed_value",
        "agrees",
    ]
    assert list(table["figure_id"]) == sorted(computed)[:-1]  # sorted; unknown ids left out
    agrees = dict(zip(table["figure_id"], table["agrees"], strict=True))
    assert agrees == {
        "asgsf.growth.pct": True,  # 209.95 truncated to 1 dp = 209.9
        "cases.birth.pct": True,  # 16.51 half up to 0 dp = 17
        "cases.total": True,  # "19,454" has no decimal point: 0 dp
        "coverage.raas": False,
    }
    assert table.loc[table["figure_id"] == "coverage.raas", "section"].item() == "3.1"
    assert table.loc[table["figure_id"] == "cases.total", "published"].item() == "19,454"


def test_crosscheck_disagrees_when_neither_convention_gives_the_printed_figure() -> None:
    table = national.crosscheck({"cases.birth.pct": 16.4, "asgsf.growth.pct": 209.8}, REGISTER)
    assert not table["agrees"].any()  # 16.4 -> 16 either way; 209.8 -> 209.8 either way


def test_crosscheck_uses_only_the_convention_the_figure_was_printed_with() -> None:
    # 209.87 gives 209.9 by half-up but 209.8 by truncation, the growth's convention; 17.6 gives
    # 17 by truncation but 18 by half-up, the convention of that share. Accepting either
    # convention for every figure (the old check) called both agreements.
    table = national.crosscheck({"asgsf.growth.pct": 209.87, "cases.birth.pct": 17.6}, REGISTER)
    assert not table["agrees"].any()


def test_crosscheck_on_the_register_takes_the_audits_conventions() -> None:
    register = all_figures()
    table = national.crosscheck(
        {
            "asgsf.packages.growth_2018_19_2022_23.pct": 100 * (14481 - 4672) / 4672,  # 209.95
            "cases.group.birth_families.pct": 16.5107,  # printed 16%: the report truncated it
            "cases.group.children.pct": 51.80,  # printed 52%: half-up
            "asgsf.therapy.specialist_assessments.pct": 100 * 5804 / 50202,  # 11.56 -> 11%
        },
        register,
    ).set_index("figure_id")
    assert table["agrees"].all(), table
    wrong = national.crosscheck(
        {"cases.group.children.pct": 51.4, "cases.group.birth_families.pct": 15.99}, register
    )
    assert not wrong["agrees"].any()  # 51.4 -> 51 half-up; 15.99 truncates to 15


def test_agreement_and_summary_read_released_tables_as_text() -> None:
    released = {  # as read back from the CSVs: text, not bools
        "crosscheck_workforce": pd.DataFrame({"agrees": ["True", "True"]}),
        "crosscheck_open_cases": pd.DataFrame({"agrees": ["True", "False", "False"]}),
        "regions_compared": pd.DataFrame({"region": ["Eastern"]}),
    }
    assert national.agreement(released["crosscheck_open_cases"]).startswith("**1 of 3**")
    summary = national.crosscheck_summary(released)
    assert summary.to_dict("records") == [  # report order, labels for readers, absent skipped
        {"section": national.CROSSCHECK_SECTIONS["open_cases"], "figures": 3, "agree": 1},
        {"section": national.CROSSCHECK_SECTIONS["workforce"], "figures": 2, "agree": 2},
    ]
    assert national.crosscheck_name("asgsf") == "crosscheck_asgsf"
    with pytest.raises(KeyError):
        national.crosscheck_name("gaps")


def test_step_comparison_keeps_numeric_published_terms_once() -> None:
    coefficients = pd.DataFrame(
        {
            "term": ["child_age", "dv_exposure", "parent_anxiety", "intercept"],
            "estimate": [-0.47, -3.0, -2.0, 50.0],
            "ci_low": [-0.69, -5.2, -1.9, 45.0],
            "ci_high": [-0.25, -0.8, 0.6, 55.0],
            "p_value": [0.001, 0.01, 0.1, 0.0],
        }
    )
    published = pd.DataFrame(
        {
            "term": ["child_age", "child_age", "dv_exposure", "parent_anxiety", "trauma"],
            "value_as_printed": [".474", "0.474", "nearly three points", "two points", "entered"],
            "value": [-0.474, -0.474, -3.0, -2.0, None],
        }
    )
    table = national.step_comparison(coefficients, published)
    assert list(table.columns) == [
        "term",
        "estimate",
        "ci_low",
        "ci_high",
        "value_as_printed",
        "published_value",
        "published_within_ci",
    ]
    assert list(table["term"]) == ["child_age", "dv_exposure", "parent_anxiety"]
    assert list(table["value_as_printed"]) == [".474", "nearly three points", "two points"]
    assert list(table["published_within_ci"]) == [True, True, False]  # -2.0 < -1.9


def _released_tables() -> dict[str, pd.DataFrame]:
    return {
        "crosscheck_summary": pd.DataFrame(
            {"section": ["Open support cases (s3.2)", "Workforce (s5)"], "figures": [21, 14]}
        ).assign(agree=[19, 14]),
        "step_published_vs_estimated": pd.DataFrame({"published_within_ci": ["True", "False"]}),
        "regions_compared": pd.DataFrame(
            {
                "region": ["Eastern", "London", "Midlands"],
                "rate_financial_year": ["2022/23"] * 3,
                "packages_per_1000_adopted_children": ["230.9453", "c", "98.17828"],
                "packages_per_1000_low": ["227.6278", "c", "97.10752"],
                "packages_per_1000_high": ["252.1979", "c", "106.691"],
            }
        ),
    }


def test_headline_facts_are_generated_from_the_released_tables() -> None:
    facts = national.headline_facts(_released_tables(), "synthetic")
    assert len(facts) == 3
    assert facts[0].startswith("33 of the 35 published headline figures")
    assert "those that do not are in Open support cases (s3.2)" in facts[0]
    assert "by construction" in facts[0]  # synthetic data says what agreement means
    assert "1 of the 2 published effects" in facts[1]
    # the suppressed London rate is left out; decimals are the spec's (1 dp)
    assert "from 98.2 in Midlands (range 97.1 to 106.7) to 230.9 in Eastern" in facts[2]
    assert "across the 2 pan-regions with a rate" in facts[2]


def test_headline_facts_skip_absent_tables_and_real_data_drops_the_caveat() -> None:
    tables = _released_tables()
    only_summary = {"crosscheck_summary": tables["crosscheck_summary"]}
    facts = national.headline_facts(only_summary, "microdata")
    assert len(facts) == 1 and "by construction" not in facts[0]
    assert national.headline_facts({}, "synthetic") == []


def _regions(rates: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": [f"Region {i}" for i in range(len(rates))],
            "packages_per_1000_adopted_children": rates,
            "packages_per_1000_low": ["c" if r == "c" else "100.0" for r in rates],
            "packages_per_1000_high": ["c" if r == "c" else "300.0" for r in rates],
        }
    )


def test_rate_figure_is_described_from_the_unsuppressed_regions_only() -> None:
    from nps_analysis.plotting import release_description

    [(name, fig, source)] = national.rate_figures(_regions(["230.9", "c", "150.3"]))
    description = release_description(fig)
    assert (name, source) == (national.RATE_FIGURE, "regions_compared")
    assert "Region 0 230.9 (range 100.0 to 300.0); Region 2 150.3" in description.alt
    assert "Region 1" not in description.alt
    assert "1 region is not shown" in description.caption


def test_no_rate_figure_when_no_region_has_a_released_rate() -> None:
    assert national.rate_figures(_regions(["c", ""])) == []


def test_scenario_is_compiled_from_the_released_tables_as_released(tmp_path) -> None:
    """Each region's released row as it is (`c` stays `c`), a blank row for a region without
    the table, and England last with its national-only projection; blanks for the regions."""
    columns = "area,financial_year,packages,children_over_limit,gbp_above_limit\n"
    for slug, row in {
        "east": "Eastern,2022/23,c,112,c\n",
        "west": "Western,2022/23,40,12,9000\n",
    }.items():
        folder = tmp_path / "regions" / slug / "tables"
        folder.mkdir(parents=True)
        (folder / f"{national.SCENARIO_TABLE}.csv").write_text(columns + row, encoding="utf-8")
    asgsf = tmp_path / "asgsf" / "tables"
    asgsf.mkdir(parents=True)
    (asgsf / f"{national.SCENARIO_TABLE}.csv").write_text(
        columns.rstrip("\n") + ",budget_gbp\nEngland,2022/23,140,50,19000,50000000\n",
        encoding="utf-8",
    )
    slugs = {"Eastern": "east", "Western": "west", "Northern": "north"}
    table = national.compile_scenario(tmp_path / "regions", tmp_path / "asgsf", slugs)
    assert table["area"].tolist() == ["Eastern", "Western", "Northern", "England"]
    assert table["packages"].tolist() == ["c", "40", "", "140"]
    assert table["budget_gbp"].tolist() == ["", "", "", "50000000"]


def test_benchmarks_are_the_regions_rows_as_released(tmp_path):
    """The national picture publishes each RAA's benchmarking row once: as its region released
    it (a `c` stays `c`), regions in order, no second suppression pattern of its own; the
    comparator group's figures are sums of the released rows (hand-worked), `c` where a member
    is `c`."""
    from nps_analysis.national import BENCHMARK_DISCLOSURE, compile_benchmarks

    rows = {"a": "Adopt A,c,1000,\nAdopt B,14,2000,\n", "b": "Adopt C,3,1000,\n"}
    for slug, text in rows.items():
        folder = tmp_path / slug / "tables"
        folder.mkdir(parents=True)
        (folder / "benchmark_packages.csv").write_text(
            f"raa,count,denominator,comparators\n{text}", encoding="utf-8"
        )
    groups = {"Adopt A": ["Adopt B", "Adopt C"], "Adopt B": ["Adopt A", "Adopt C"]}
    groups["Adopt C"] = ["Adopt B"]
    (tables,) = compile_benchmarks(
        tmp_path, {"Region A": "a", "Region B": "b", "Region C": "c"}, groups
    )
    assert tables.name == "benchmark_packages"
    got = tables.table.to_dict("list")
    assert got["raa"] == ["Adopt A", "Adopt B", "Adopt C"]
    assert got["count"] == ["c", "14", "3"] and got["denominator"] == ["1000", "2000", "1000"]
    assert got["comparator_raas"] == [2, 2, 1]
    assert got["comparator_count"] == [17, "c", 14]
    assert got["comparator_denominator"] == [3000, 2000, 2000]  # public estimates: summed
    assert got["comparator_rate"][0] == pytest.approx(1000 * 17 / 3000)
    assert got["comparator_rate"][1:] == ["c", 7.0]
    assert tables.release == {"disclosure": BENCHMARK_DISCLOSURE}
