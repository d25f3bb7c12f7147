"""Open-case coverage (issue #15 item 6): the count basis in the data contract, returns kept apart,
coverage stated, and the synthetic default's 24 RAAs in 7 pan-regions (s3.1)."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

from nps_analysis.datasets import DataWarning, load_dataset
from nps_analysis.datasets.schemas import pandera_schema
from nps_analysis.errors import InputDataError
from nps_analysis.paths import PROJECT_ROOT
from nps_analysis.published import figure
from nps_analysis.regional.cases import (
    case_returns,
    cases_coverage,
    cases_vs_national,
    coverage_figures,
    describe_returns,
    one_return_per_raa,
    with_count_basis,
)
from nps_analysis.synth import generate_frames
from nps_analysis.validation import validate_paths

FIXTURES = Path(__file__).parents[1] / "fixtures"
VALID = FIXTURES / "datasets" / "open_cases.csv"
HEADER = "raa,region,period_start,period_end,count_basis,recipient_group,child_age_band,count"
PARAMS = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text(encoding="utf-8"))["synth"]


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "open_cases.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- data contract
def test_file_without_count_basis_is_read_with_it_derived_and_a_warning(tmp_path: Path) -> None:
    """Files made before the column existed still load: a one-day period is a snapshot."""
    text = VALID.read_text(encoding="utf-8").splitlines()
    cells = [line.split(",") for line in text]
    dropped = [",".join(c[:4] + c[5:]) for c in cells]  # remove count_basis (column 4)
    path = _write(tmp_path, dropped)
    with pytest.warns(DataWarning, match=r"count_basis_derived") as caught:
        df = load_dataset("open_cases", path)
    assert "5 row(s) read as 'period'" in str(caught[0].message)
    assert "2 as 'snapshot'" in str(caught[0].message)
    assert list(df.columns) == list(load_dataset("open_cases", VALID).columns)
    assert df["count_basis"].astype(str).tolist() == ["period"] * 5 + ["snapshot"] * 2
    pandera_schema("open_cases").validate(df)


def test_stated_count_basis_loads_without_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        df = load_dataset("open_cases", VALID)
    assert df["count_basis"].dtype == "category"
    assert list(df["count_basis"].cat.categories) == ["period", "snapshot"]


def test_bad_count_basis_names_file_row_column_and_fix(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [HEADER, "Adopt East,Eastern,2022-10-01,2023-09-30,quarterly,adoptive parents,,12"],
    )
    [problem] = validate_paths([path])
    assert (problem.rule, problem.row, problem.column) == ("unknown_count_basis", 2, "count_basis")
    assert problem.file.endswith("open_cases.csv")
    assert "count_basis" in problem.fix and "quarterly" not in problem.message
    with pytest.raises(InputDataError, match=r"row 2, column 'count_basis'"):
        load_dataset("open_cases", path)


def test_count_basis_spellings_are_matched(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            HEADER,
            "Adopt East,Eastern,2022-10-01,2023-09-30,Whole period,adoptive parents,,12",
            "Adoption Connects,Eastern,31/03/2023,31/03/2023,Point-in-time,adoptive parents,,7",
        ],
    )
    df = load_dataset("open_cases", path)
    assert df["count_basis"].astype(str).tolist() == ["period", "snapshot"]


def test_count_basis_must_agree_with_the_dates(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            HEADER,
            "Adopt East,Eastern,2022-10-01,2023-09-30,snapshot,adoptive parents,,12",
            "Adoption Connects,Eastern,2023-03-31,2023-03-31,period,adoptive parents,,7",
            "Adopt East,Eastern,2023-03-31,2023-03-31,snapshot,adoptive parents,,5",
        ],
    )
    got = {(p.rule, p.row, p.column) for p in validate_paths([path])}
    assert got == {
        ("snapshot_not_one_day", 2, "period_end"),
        ("period_is_one_day", 3, "count_basis"),
    }


def test_blank_count_basis_in_a_present_column_is_an_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path, [HEADER, "Adopt East,Eastern,2022-10-01,2023-09-30,,adoptive parents,,1"]
    )
    assert [(p.rule, p.row, p.column) for p in validate_paths([path])] == [
        ("missing_value", 2, "count_basis")
    ]


# ----------------------------------------------------------------------------- returns
def _cases(rows: list[tuple[str, str, str, str, str, str, int]]) -> pd.DataFrame:
    """(raa, region, start, end, basis, recipient_group, count) -> typed open-case frame."""
    raa, region, start, end, basis, group, count = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "raa": list(raa),
            "region": list(region),
            "period_start": pd.to_datetime(list(start)),
            "period_end": pd.to_datetime(list(end)),
            "count_basis": pd.Categorical(list(basis), categories=["period", "snapshot"]),
            "recipient_group": list(group),
            "child_age_band": [None] * len(raa),
            "count": pd.array(list(count), dtype="Int64"),
        }
    )


YEAR = ("2022-10-01", "2023-09-30")
SNAP = ("2023-09-30", "2023-09-30")


@pytest.fixture()
def mixed() -> pd.DataFrame:
    """Eastern: Adopt East a 12-month count, Adoption Connects a snapshot; London: one RAA."""
    return _cases(
        [
            ("Adopt East", "Eastern", *YEAR, "period", "adoptive parents", 60),
            ("Adopt East", "Eastern", *YEAR, "period", "birth families", 40),
            ("Adoption Connects", "Eastern", *SNAP, "snapshot", "adoptive parents", 20),
            ("Adopt London East", "London", *YEAR, "period", "adoptive parents", 100),
            ("Adopt London East", "London", *YEAR, "period", "birth families", 100),
        ]
    )


def test_case_returns_one_row_per_raa_and_return(mixed: pd.DataFrame) -> None:
    r = case_returns(mixed).set_index("raa")
    assert r["open_cases"].to_dict() == {
        "Adopt East": 100,
        "Adopt London East": 200,
        "Adoption Connects": 20,
    }
    assert list(r.index) == ["Adopt East", "Adopt London East", "Adoption Connects"]  # period first
    assert describe_returns(case_returns(mixed)) == (
        "counts over 1 Oct 2022 to 30 Sep 2023 (2 RAAs); snapshots on 30 Sep 2023 (1 RAA)"
    )


def test_frame_without_count_basis_is_derived(mixed: pd.DataFrame) -> None:
    derived = with_count_basis(mixed.drop(columns="count_basis"))
    assert derived["count_basis"].astype(str).tolist() == mixed["count_basis"].astype(str).tolist()


def test_cases_vs_national_keeps_bases_apart(mixed: pd.DataFrame) -> None:
    t = cases_vs_national(mixed, mixed, "Eastern", "recipient_group", national_basis="test")
    period = t[t["count_basis"] == "period"].set_index("recipient_group")
    assert period["count_region"].tolist() == [60, 40]
    assert period["count_england"].tolist() == [160, 140]
    assert period["share_pct_region"].tolist() == pytest.approx([60.0, 40.0])
    assert (period["raas_region"] == 1).all() and (period["raas_england"] == 2).all()
    snap = t[t["count_basis"] == "snapshot"].set_index("recipient_group")
    assert snap["count_region"].tolist() == [20] and snap["share_pct_region"].tolist() == [100.0]
    assert 180 not in set(t["count_england"])  # 160 + 20 would mix a snapshot into a period count


def test_region_without_a_return_is_blank_not_zero(mixed: pd.DataFrame) -> None:
    t = cases_vs_national(mixed, mixed, "London", "recipient_group", national_basis="test")
    snap = t[t["count_basis"] == "snapshot"]
    assert snap["count_region"].isna().all() and snap["share_pct_region"].isna().all()
    assert (snap["raas_region"] == 0).all()
    none = cases_vs_national(mixed, mixed, "South West", "recipient_group", national_basis="test")
    assert none["count_region"].isna().all() and len(none) == 3


def test_cases_vs_national_keeps_two_periods_of_one_raa_apart() -> None:
    cases = _cases(
        [
            ("Adopt East", "Eastern", "2021-10-01", "2022-09-30", "period", "adoptive parents", 30),
            ("Adopt East", "Eastern", *YEAR, "period", "adoptive parents", 50),
        ]
    )
    t = cases_vs_national(cases, cases, "Eastern", "recipient_group", national_basis="test")
    assert t["count_region"].tolist() == [30, 50]
    assert t["period_start"].tolist() == [pd.Timestamp("2021-10-01"), pd.Timestamp("2022-10-01")]


def test_cases_coverage_states_periods_and_raas(mixed: pd.DataFrame) -> None:
    cov = cases_coverage(mixed, "Eastern").set_index(["area", "count_basis"])
    assert cov.loc[("Eastern", "period"), "raas_reporting"] == 1
    assert cov.loc[("Eastern", "snapshot"), "period_end"] == pd.Timestamp("2023-09-30")
    assert cov.loc[("Eastern", "any"), ["raas_reporting", "raas_in_area"]].tolist() == [2, 3]
    assert cov.loc[("Eastern", "any"), "raas_without_return"] == (
        "Cambridgeshire & Peterborough Adoption"
    )
    assert cov.loc[("England", "any"), ["raas_reporting", "raas_in_area"]].tolist() == [3, 30]


def test_one_return_per_raa_stops_a_total_that_would_count_twice(mixed: pd.DataFrame) -> None:
    one_return_per_raa(mixed)  # one return each: fine
    twice = pd.concat(
        [mixed, _cases([("Adopt East", "Eastern", *SNAP, "snapshot", "adoptive parents", 5)])],
        ignore_index=True,
    )
    with pytest.raises(InputDataError) as info:
        one_return_per_raa(twice, "the national total")
    [problem] = info.value.problems
    assert problem.rule == "several_returns_per_raa" and "Adopt East has 2" in problem.message
    assert "national total" in problem.message and "one return per RAA" in problem.fix


# ----------------------------------------------------------------------------- default data
@pytest.fixture(scope="module")
def default_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The synthetic default's open cases and staff records, typed by the loader."""
    out = tmp_path_factory.mktemp("oc")
    frames = generate_frames(PARAMS)
    typed = {}
    for name in ("open_cases", "workforce"):
        frames[name].to_csv(out / f"{name}.csv", index=False)
        typed[name] = load_dataset(name, out / f"{name}.csv")
    return typed


@pytest.fixture(scope="module")
def default_cases(default_data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return default_data["open_cases"]


def test_default_coverage_equals_the_published_24_raas_in_7_regions(default_cases) -> None:
    got = coverage_figures(default_cases)
    assert got["cases.coverage.raas"] == figure("cases.coverage.raas") == 24
    assert got["cases.coverage.pan_regions"] == figure("cases.coverage.pan_regions") == 7
    one_return_per_raa(default_cases)
    assert default_cases["count"].sum() == figure("cases.total")
    cov = cases_coverage(default_cases, "South West").set_index(["area", "count_basis"])
    assert cov.loc[("South West", "any"), "raas_reporting"] == 0
    assert cov.loc[("England", "snapshot"), "raas_reporting"] == 6
    assert cov.loc[("England", "period"), "raas_reporting"] == 18


def test_default_fte_per_cases_uses_only_raas_with_both(default_data) -> None:
    from nps_analysis.workforce.profile import fte_per_cases, fte_per_cases_notes

    wf, cases = default_data["workforce"], default_data["open_cases"]
    assert wf["raa"].nunique() == 30  # staff records from every RAA, cases from 24
    t = fte_per_cases(wf, cases, "region", "England")
    totals = t[t["region"].str.startswith("All")].set_index("count_basis")
    assert totals["raas_both"].to_dict() == {"period": 18, "snapshot": 6}
    assert (totals["raas_with_staff"] == 30).all()
    assert totals["open_cases"].sum() == figure("cases.total")
    # the ratio's FTE is that of the RAAs with cases only, never the national 425.37
    assert totals["fte"].sum() < 425.37 - 1
    assert "South West" not in set(t["region"])
    notes = fte_per_cases_notes(t, "England")
    assert "18 RAAs with both" in notes[0] and "6 RAAs with both" in notes[1]


def test_regional_fixture_keeps_its_snapshot_apart(tmp_path: Path) -> None:
    """South West's own files (tests/fixtures/regions/south_west): two period RAAs, one snapshot."""
    shutil.copy(FIXTURES / "regions" / "south_west" / "open_cases.csv", tmp_path)
    cases = load_dataset("open_cases", tmp_path / "open_cases.csv")
    t = cases_vs_national(cases, cases, "South West", "recipient_group", national_basis="test")
    assert t.groupby("count_basis")["raas_region"].first().to_dict() == {"period": 2, "snapshot": 1}


def test_own_data_region_is_compared_with_the_national_comparator_not_itself() -> None:
    """An own-data run: the region's files hold only its rows; England comes from the national
    data. Hand-worked: region 30 children + 10 adoptive parents (children 75%); national 300 +
    200 (children 60%): England is not the region's own rows."""
    common = {
        "region": "Eastern",
        "raa": "Adopt East",
        "count_basis": "period",
        "period_start": pd.Timestamp("2022-10-01"),
        "period_end": pd.Timestamp("2023-09-30"),
        "child_age_band": "",
    }
    own = pd.DataFrame(
        [
            {**common, "recipient_group": "children", "count": 30},
            {**common, "recipient_group": "adoptive parents", "count": 10},
        ]
    )
    national = pd.DataFrame(
        [
            {**common, "region": "London", "raa": "Adopt London East", **row}
            for row in (
                {"recipient_group": "children", "count": 300},
                {"recipient_group": "adoptive parents", "count": 200},
            )
        ]
    )
    t = cases_vs_national(own, national, "Eastern", "recipient_group", national_basis="national")
    t = t.set_index("recipient_group")
    assert t.loc["children", "count_region"] == 30
    assert t.loc["children", "count_england"] == 300
    assert t.loc["children", "share_pct_england"] == pytest.approx(60.0)
    assert t.loc["children", "share_pct_region"] == pytest.approx(75.0)
    assert set(t["england_basis"]) == {"national"}
