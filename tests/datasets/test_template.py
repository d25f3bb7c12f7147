"""Excel data request template: deterministic, drop-downs, and a filled-in copy round-trips."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from nps_analysis.datasets import DATASET_NAMES, build_processed, get_spec, load_dataset
from nps_analysis.datasets.template import save_deterministic, write_template
from nps_analysis.validation import validate_paths, validate_report

VALID = Path(__file__).parents[1] / "fixtures" / "datasets"


def test_template_is_deterministic(tmp_path: Path) -> None:
    a, b = write_template(tmp_path / "a.xlsx"), write_template(tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()


def test_template_layout(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    assert wb.sheetnames[0] == "read me" and wb.sheetnames[1:6] == list(DATASET_NAMES)
    for name in DATASET_NAMES:
        header = [c.value for c in wb[name][1]]
        assert header == get_spec(name).column_names
    ranges = {
        str(dv.sqref): dv.formula1 for dv in wb["asgsf_packages"].data_validations.dataValidation
    }
    assert ranges["C2:C100000"].startswith("lists!")  # region drop-down
    assert ranges["J2:J100000"] == '"yes,no"'  # match_funded


def test_blank_template_fails_validation(tmp_path: Path) -> None:
    problems = validate_paths([write_template(tmp_path / "t.xlsx")])
    assert {p.rule for p in problems} == {"no_data_rows"}


def test_filled_template_round_trips(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    for name in (
        "step",
        "asgsf_packages",
        "open_cases",
    ):  # others left empty: skipped with a warning
        for row in pd.read_csv(VALID / f"{name}.csv", dtype=str, keep_default_na=False).itertuples(
            index=False
        ):
            wb[name].append([v if v != "" else None for v in row])
    path = save_deterministic(wb, tmp_path / "in" / "filled.xlsx")
    report = validate_report([path])
    assert report.ok, [p.describe() for p in report.errors]
    assert {w.rule for w in report.warnings} == {"empty_sheet_skipped"}
    with pytest.warns(UserWarning):
        written = build_processed(path.parent, tmp_path / "out")
    assert [p.stem for p in written] == ["step", "asgsf_packages", "open_cases"]
    for p in written:
        from_xlsx = pd.read_parquet(p)
        from_csv = load_dataset(p.stem, VALID / f"{p.stem}.csv")
        extra = [c for c in from_xlsx.columns if c not in from_csv.columns]  # optional, left blank
        assert all(from_xlsx[c].isna().all() for c in extra)
        pd.testing.assert_frame_equal(
            from_xlsx[list(from_csv.columns)], from_csv, check_categorical=False
        )


def test_read_me_is_plain_text_and_region_neutral(tmp_path: Path) -> None:
    """No Markdown in the read-me cells (Excel shows it literally), no region named as if the
    template were one region's, and the limits stated in words."""
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    cells = [str(c) for row in wb["read me"].iter_rows(values_only=True) for c in row if c]
    text = "\n".join(cells)
    for markdown in ("`", "](", "**", "#vocabulary"):
        assert markdown not in text, markdown
    assert "Eastern region" not in text and "(Eastern" not in text
    assert "at most 1,000,000; above 30,000 is checked (warning)" in text
    assert "at most 200 characters" in text


def test_columns_are_wide_enough_for_their_values(tmp_path: Path) -> None:
    from nps_analysis.datasets.spec import get_vocabulary

    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    longest_raa = max(len(v) for v in get_vocabulary("raa").values)
    for name in DATASET_NAMES:
        ws = wb[name]
        for j, col in enumerate(get_spec(name).columns, start=1):
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width
            assert width >= len(col.name) + 2, (name, col.name)
            if col.type == "raa":
                assert width >= longest_raa, (name, col.name, width, longest_raa)
