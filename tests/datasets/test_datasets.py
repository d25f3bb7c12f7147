"""Minimum data sets: malformed files give specific problems; valid files load typed."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.datasets import DataWarning, build_processed, get_spec, load_dataset
from nps_analysis.datasets.dictionary import DICTIONARY_PATH, render_markdown
from nps_analysis.datasets.schemas import pandera_schema
from nps_analysis.datasets.spec import DATASET_NAMES, get_vocabulary
from nps_analysis.errors import InputDataError
from nps_analysis.validation import validate_paths, validate_report

FIXTURES = Path(__file__).parents[1] / "fixtures"
MALFORMED = FIXTURES / "malformed"
VALID = FIXTURES / "datasets"

# file -> (rule, spreadsheet row or None, column or None)
CASES = {
    "step_missing_column.csv": ("missing_column", None, "dx_autism"),
    "asgsf_packages_wrong_type.csv": ("not_a_number", 3, "child_age"),
    "workforce_unknown_region.csv": ("unknown_region", 2, "region"),
    "skills_gaps_unknown_raa.csv": ("unknown_raa", 3, "raa"),
    "step_bad_boolean.csv": ("bad_boolean", 4, "dv_exposure"),
    "asgsf_packages_negative_amount.csv": ("negative_amount", 2, "amount_gbp"),
    "step_duplicate_id.csv": ("duplicate_id", 3, "family_id"),
    "step_age_order.csv": ("age_order", 2, "child_age_at_placement"),
    "open_cases_empty.csv": ("empty_file", None, None),
    "step_header_only.csv": ("no_data_rows", None, None),
    "asgsf_packages_years_gap.csv": ("financial_years_not_consecutive", None, "financial_year"),
    "asgsf_packages_bad_financial_year.csv": ("bad_financial_year", 3, "financial_year"),
    "asgsf_packages_family_before_change.csv": ("therapy_category_change", 2, "therapy_type"),
    "asgsf_packages_unknown_therapy.csv": ("unknown_therapy_type", 2, "therapy_type"),
    "asgsf_packages_unknown_order_type.csv": ("unknown_order_type", 6, "order_type"),
    "asgsf_packages_ragged.csv": ("malformed_csv", 3, None),
    "workforce_fte_out_of_range.csv": ("out_of_range", 2, "fte"),
    "workforce_raa_region_mismatch.csv": ("raa_region_mismatch", 4, "raa"),
    "workforce_unknown_role.csv": ("unknown_role", 3, "role"),
    "skills_gaps_duplicate_row.csv": ("duplicate_row", 6, "raa"),
    "open_cases_band_not_children.csv": ("age_band_not_children", 5, "child_age_band"),
    "open_cases_period_order.csv": ("period_order", 2, "period_end"),
    "open_cases_not_whole_number.csv": ("not_a_whole_number", 3, "count"),
    "open_cases_bad_date.csv": ("bad_date", 4, "period_start"),
    "open_cases_unknown_count_basis.csv": ("unknown_count_basis", 3, "count_basis"),
    "open_cases_snapshot_not_one_day.csv": ("snapshot_not_one_day", 2, "period_end"),
    "step_missing_id.csv": ("missing_value", 5, "family_id"),
    "mystery_extract.csv": ("unknown_dataset", None, None),
    "asgsf_packages_wrong_sheet.xlsx": ("sheet_not_found", None, None),
}


PUBLIC_NAMES = {
    v for n in ("region", "raa", "therapy_type", "role", "skill") for v in get_vocabulary(n).values
}


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_file_gives_specific_problem(name: str, tmp_path: Path) -> None:
    rule, row, column = CASES[name]
    path = tmp_path / name
    shutil.copy(MALFORMED / name, path)
    before = _snapshot(tmp_path)
    problems = validate_paths([path])
    assert _snapshot(tmp_path) == before, "validation must not write anything"
    assert problems, f"{name}: expected a problem"
    hits = [p for p in problems if p.rule == rule and p.row == row and p.column == column]
    assert hits, f"{name}: got {[(p.rule, p.row, p.column) for p in problems]}"
    for p in problems:
        assert p.message and p.fix and p.file.endswith(name)
        if p.value and len(p.value) > 2 and p.value not in PUBLIC_NAMES:
            assert p.value not in p.message, "messages must not echo cell values"


def test_at_least_twenty_malformed_fixtures() -> None:
    assert len([p for p in MALFORMED.iterdir() if p.suffix in (".csv", ".xlsx")]) >= 20


def test_every_problem_is_reported() -> None:
    problems = validate_paths([MALFORMED / "asgsf_packages_many_problems.csv"])
    assert {(p.rule, p.row) for p in problems} == {
        ("unknown_region", 2),
        ("bad_boolean", 3),
        ("negative_amount", 4),
    }


def test_load_dataset_raises_input_data_error_without_values() -> None:
    with pytest.raises(InputDataError) as info:
        load_dataset("asgsf_packages", MALFORMED / "asgsf_packages_many_problems.csv")
    assert info.value.counts_by_rule() == {
        "bad_boolean": 1,
        "negative_amount": 1,
        "unknown_region": 1,
    }
    assert "Nowhere" not in str(info.value) and "perhaps" not in str(info.value)


def test_wrong_sheet_names_close_match(tmp_path: Path) -> None:
    problems = validate_paths(
        [MALFORMED / "asgsf_packages_wrong_sheet.xlsx"], dataset="asgsf_packages"
    )
    assert [p.rule for p in problems] == ["sheet_not_found"]
    assert "Sheet1" in problems[0].message


def test_cp1252_csv_is_read_with_warning() -> None:
    with pytest.warns(DataWarning, match="Windows-1252"):
        df = load_dataset("asgsf_packages", MALFORMED / "asgsf_packages_cp1252.csv")
    assert df["amount_gbp"].iloc[0] == 4500.0


def test_header_whitespace_is_accepted_with_warning() -> None:
    report = validate_report([MALFORMED / "step_header_whitespace.csv"])
    assert report.ok
    assert {w.column for w in report.warnings if w.rule == "header_normalised"} == {
        "family_id",
        "child_age",
    }
    with pytest.warns(DataWarning):
        df = load_dataset("step", MALFORMED / "step_header_whitespace.csv")
    assert list(df.columns) == get_spec("step").column_names


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_valid_samples_load_typed(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        df = load_dataset(name, VALID / f"{name}.csv")
    pandera_schema(name).validate(df)
    for col in get_spec(name).columns:
        if col.name in df.columns:
            assert str(df[col.name].dtype).startswith(col.dtype.split("[")[0]), col.name


def test_types_and_spellings(tmp_path: Path) -> None:
    text = (VALID / "asgsf_packages.csv").read_text(encoding="utf-8")
    text = text.replace(
        "North West,Adoption Counts,Provider A,Creative therapies",
        "north  west,ADOPTION COUNTS,Provider A,creative   THERAPY",
    )
    text = text.replace("Yorkshire & Humber", "Yorkshire and Humber").replace(",no\n", ",N\n")
    path = tmp_path / "asgsf_packages.csv"
    path.write_text(text, encoding="utf-8")
    df = load_dataset("asgsf_packages", path)
    assert df.loc[0, "region"] == "North West" and df.loc[0, "raa"] == "Adoption Counts"
    assert df.loc[0, "therapy_type"] == "Creative therapies"
    assert df.loc[3, "therapy_type"] == "Not recorded"  # blank therapy type
    assert df["match_funded"].dtype == "boolean" and not df.loc[0, "match_funded"]
    assert df["region"].dtype == "category" and df["child_age"].dtype == "float64"


def test_region_can_extend_therapy_map(tmp_path: Path) -> None:
    text = (
        (VALID / "asgsf_packages.csv")
        .read_text(encoding="utf-8")
        .replace("Creative therapies", "Sandplay")
    )
    (tmp_path / "asgsf_packages.csv").write_text(text, encoding="utf-8")
    assert [p.rule for p in validate_paths([tmp_path / "asgsf_packages.csv"])] == [
        "unknown_therapy_type"
    ]
    (tmp_path / "therapy_type_map.csv").write_text(
        "spelling,therapy_type\nsandplay,Creative therapies\n"
    )
    assert validate_paths([tmp_path / "asgsf_packages.csv"]) == []


def test_build_processed_writes_nothing_on_error(tmp_path: Path) -> None:
    in_dir = tmp_path / "in"
    shutil.copytree(VALID, in_dir)
    shutil.copy(MALFORMED / "step_bad_boolean.csv", in_dir / "step_extra.csv")
    out_dir = tmp_path / "out"
    with pytest.raises(InputDataError):
        build_processed(in_dir, out_dir)
    assert not out_dir.exists()


def test_build_processed_is_deterministic(tmp_path: Path) -> None:
    a = build_processed(VALID, tmp_path / "a")
    b = build_processed(VALID, tmp_path / "b")
    assert [p.name for p in a] == [f"{n}.parquet" for n in DATASET_NAMES]
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))
    step = pd.read_parquet(a[0])
    assert step["dv_exposure"].dtype == "boolean" and step["raa"].dtype == "category"


def test_duplicate_ids_across_files_are_caught(tmp_path: Path) -> None:
    shutil.copy(VALID / "step.csv", tmp_path / "step_a.csv")
    shutil.copy(VALID / "step.csv", tmp_path / "step_b.csv")
    with pytest.raises(InputDataError) as info:
        build_processed(tmp_path, tmp_path / "out")
    assert "duplicate_across_files" in info.value.counts_by_rule()


def test_vocabularies_match_reference_lists() -> None:
    assert len(get_vocabulary("raa").values) == 30 and len(get_vocabulary("region").values) == 8
    assert get_vocabulary("therapy_type").source.startswith("data/raw/published/reference/")
    assert get_vocabulary("raa").canonical("adoption in mersyside") == "Adoption in Merseyside"


def test_data_dictionary_is_up_to_date() -> None:
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == render_markdown(), (
        "run: python -m nps_analysis.datasets.dictionary"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_nps_validate_exits_non_zero_naming_the_rule(name: str, tmp_path: Path) -> None:
    """The command an analyst types: non-zero exit, the rule named, nothing written."""
    from typer.testing import CliRunner

    from nps_analysis.cli import app

    path = tmp_path / name
    shutil.copy(MALFORMED / name, path)
    before = _snapshot(tmp_path)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"[{CASES[name][0]}]" in result.output.replace("\n", "")
    assert "nothing was written" in result.output
    assert _snapshot(tmp_path) == before


def test_an_unknown_dataset_name_is_refused_with_the_valid_names(tmp_path: Path):
    from nps_analysis.datasets.loading import check_path

    path = tmp_path / "asgsf_packages.csv"
    path.write_text("application_id\n1\n", encoding="utf-8")
    [result] = check_path(path, "nonsense")
    [problem] = result.errors
    assert problem.rule == "unknown_dataset"
    assert "'nonsense'" in problem.message
    assert all(name in problem.fix for name in DATASET_NAMES)
