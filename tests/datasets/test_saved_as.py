"""Files saved the ways analysts save them (tests/fixtures/malformed/saved_as/, made by its
make_fixtures.py with LibreOffice): each valid variant gives the same typed data as the plain CSV
samples; each broken one a clear message naming file, sheet, row, column and the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from nps_analysis.cli import app
from nps_analysis.datasets import load_dataset
from nps_analysis.validation import validate_report

FIXTURES = Path(__file__).parents[1] / "fixtures"
SAVED_AS = FIXTURES / "malformed" / "saved_as"
VALID = FIXTURES / "datasets"
ALL = ["step", "asgsf_packages", "workforce", "skills_gaps", "open_cases"]

#: valid file (or folder) -> the data sets it holds
VALID_VARIANTS = {
    "template_filled.xlsx": ALL,  # nps template, filled in (numbers, dates typed as such)
    "template_filled_libreoffice.xlsx": ALL,  # re-saved by LibreOffice Calc
    "template_filled.ods": ALL,  # LibreOffice's own format
    "template_filled.xls": ALL,  # Excel 97-2003, written by LibreOffice
    "libreoffice_csv_every_sheet": ALL,  # LibreOffice CSV export of every sheet, lists too
    "asgsf_packages_csv_utf8.csv": ["asgsf_packages"],  # Excel 'CSV UTF-8': BOM, CRLF
    "asgsf_packages_csv_windows.csv": ["asgsf_packages"],  # Excel 'CSV': cp1252, '£4,500.00'
    "asgsf_packages_csv_macintosh.csv": ["asgsf_packages"],  # Mac Roman, CR-only line ends
    "asgsf_packages_unicode_text.txt": ["asgsf_packages"],  # Excel 'Unicode Text': UTF-16, tab
    "asgsf_packages_semicolon.csv": ["asgsf_packages"],  # European Excel: ';' separator
    "open_cases_csv_macintosh.csv": ["open_cases"],  # CR-only, dates DD/MM/YYYY
    "open_cases_tab.tsv": ["open_cases"],  # tab-separated
}

#: broken file -> (rule, sheet, row, column) of the one message it must give
BROKEN_VARIANTS = {
    "asgsf_packages_decimal_comma.csv": ("decimal_comma", None, 2, "amount_gbp"),
    "asgsf_packages_bad_grouping.csv": ("ambiguous_number", None, 2, "amount_gbp"),
    "workforce_decimal_comma.csv": ("decimal_comma", None, 3, "fte"),
    "asgsf_packages_semicolon_unknown_region.csv": ("unknown_region", None, 3, "region"),
    "asgsf_packages_formula_no_value.xlsx": (
        "formula_without_value",
        "asgsf_packages",
        2,
        "amount_gbp",
    ),
    "asgsf_packages_error_values.xlsx": ("excel_error_value", "asgsf_packages", 3, "amount_gbp"),
    "asgsf_packages_error_values.csv": ("excel_error_value", None, 4, "provider"),
    "asgsf_packages_title_row.xlsx": ("title_row_above_header", "asgsf_packages", 1, None),
    "asgsf_packages_title_row.csv": ("title_row_above_header", None, 1, None),
    "asgsf_packages_merged_header.xlsx": ("merged_header", "asgsf_packages", 1, None),
    "asgsf_packages_totals_row.xlsx": ("totals_row", "asgsf_packages", 7, None),
    "asgsf_packages_totals_row.csv": ("totals_row", None, 7, None),
    "template_sheet_renamed.xlsx": ("unrecognised_sheet", "open cases 22-23", None, None),
    "open_cases_month_first_dates.csv": ("month_first_date", None, 2, "period_start"),
}


def _expected(name: str) -> pd.DataFrame:
    return load_dataset(name, VALID / f"{name}.csv")


@pytest.mark.parametrize("variant", sorted(VALID_VARIANTS))
def test_valid_variant_gives_identical_typed_data(variant: str) -> None:
    report = validate_report([SAVED_AS / variant])
    assert report.ok, [p.describe() for p in report.errors]
    assert sorted(report.frames) == sorted(VALID_VARIANTS[variant])
    for name, frame in report.frames.items():
        expected = _expected(name)
        extra = [c for c in frame.columns if c not in expected.columns]  # optional, left blank
        assert all(frame[c].isna().all() for c in extra), (name, extra)
        pd.testing.assert_frame_equal(
            frame[list(expected.columns)], expected, check_categorical=False
        )


def test_template_helper_sheets_and_their_csv_exports_are_skipped_with_a_note() -> None:
    for variant in ("template_filled.ods", "libreoffice_csv_every_sheet"):
        report = validate_report([SAVED_AS / variant])
        skipped = [n.message for n in report.notes if n.rule == "sheet_skipped"]
        assert any("read-me" in m for m in skipped) and any("drop-down" in m for m in skipped)
        assert not report.errors


def test_non_comma_separator_and_encoding_are_said() -> None:
    report = validate_report([SAVED_AS / "asgsf_packages_unicode_text.txt"])
    [note] = [n for n in report.notes if n.rule == "separator_not_comma"]
    assert "tab-separated" in note.message and "UTF-16" in note.message
    report = validate_report([SAVED_AS / "asgsf_packages_csv_macintosh.csv"])
    assert [w.rule for w in report.warnings] == ["encoding_mac_roman"]


@pytest.mark.parametrize("variant", sorted(BROKEN_VARIANTS))
def test_broken_variant_gives_one_clear_message(variant: str, tmp_path: Path) -> None:
    rule, sheet, row, column = BROKEN_VARIANTS[variant]
    report = validate_report([SAVED_AS / variant])
    got = [(p.rule, p.sheet, p.row, p.column) for p in report.errors]
    assert (rule, sheet, row, column) in got, got
    hit = next(p for p in report.errors if p.rule == rule)
    assert hit.file.endswith(variant) and hit.message and hit.fix
    assert not report.frames
    shutil.copy(SAVED_AS / variant, tmp_path / variant)
    result = CliRunner().invoke(app, ["validate", str(tmp_path / variant)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and f"[{rule}]" in result.output.replace("\n", "")


def test_decimal_comma_message_names_value_and_fix() -> None:
    report = validate_report([SAVED_AS / "asgsf_packages_decimal_comma.csv"])
    by_row = {p.row: p for p in report.errors}
    assert by_row[2].value == "2,50" and by_row[3].value == "1.234,50"
    assert "full stop as the decimal mark" in by_row[2].fix
    assert {p.rule for p in report.errors} == {"decimal_comma"}


def test_sheet_mapping_reads_an_unexpectedly_named_sheet() -> None:
    from nps_analysis.datasets.reading import parse_sheet_map

    path = SAVED_AS / "template_sheet_renamed.xlsx"
    report = validate_report([path], sheet_map=parse_sheet_map(["open cases 22-23=open_cases"]))
    assert report.ok and sorted(report.frames) == sorted(ALL)
    skip = validate_report([path], sheet_map=parse_sheet_map(["Open Cases 22-23=skip"]))
    assert skip.ok and "open_cases" not in skip.frames
    with pytest.raises(ValueError, match="not a data set"):
        parse_sheet_map(["open cases 22-23=cases"])
