"""`nps validate` / `nps run` as an analyst uses them: paths from their own folder, one check for
both commands, grouped messages, plausibility limits, region accounting, a quiet terminal."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import Result
from typer.testing import CliRunner

from nps_analysis.cli import app
from nps_analysis.datasets.spec import get_spec
from nps_analysis.paths import PROJECT_ROOT
from nps_analysis.validation import validate_report

FIXTURES = Path(__file__).parents[1] / "fixtures"
SAVED_AS = FIXTURES / "malformed" / "saved_as"
VALID = FIXTURES / "datasets"
REGIONS = FIXTURES / "regions"
runner = CliRunner()


def _out(result) -> str:
    return result.output.replace("\n", " ")


def _run(region: str, data_dir: Path, output_dir: Path) -> Result:
    """`nps run` for one region, data folder and output folder."""
    return runner.invoke(
        app,
        ["run", "--region", region, "--data-dir", str(data_dir), "--output-dir", str(output_dir)],
    )


def _packages(tmp_path: Path, n: int = 0, **columns: str) -> Path:
    """The valid packages sample (or `n` copies of its first row with unique ids), columns set."""
    df = pd.read_csv(VALID / "asgsf_packages.csv", dtype=str, keep_default_na=False)
    if n:
        df = pd.concat([df.iloc[[0]]] * n, ignore_index=True)
        df["application_id"] = [f"A{i:05d}" for i in range(n)]
    for column, value in columns.items():
        df.loc[0 if not n else slice(None), column] = value
    path = tmp_path / "asgsf_packages.csv"
    df.to_csv(path, index=False)
    return path


# ------------------------------------------------------------------------ paths and folders
def test_relative_paths_are_relative_to_the_current_folder(tmp_path, monkeypatch) -> None:
    (tmp_path / "filled").mkdir()
    shutil.copy(SAVED_AS / "template_filled.xlsx", tmp_path / "filled" / "x.xlsx")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", "filled/x.xlsx"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["template", "blank.xlsx"])
    assert result.exit_code == 0 and (tmp_path / "blank.xlsx").is_file()
    assert not (PROJECT_ROOT / "blank.xlsx").exists()


def test_validate_a_folder_checks_the_files_in_it(tmp_path) -> None:
    shutil.copytree(SAVED_AS / "libreoffice_csv_every_sheet", tmp_path / "csv")
    result = runner.invoke(app, ["validate", str(tmp_path / "csv")])
    assert result.exit_code == 0, result.output
    text = _out(result)
    assert "5 data set(s)" in text and "read-me" in text and "drop-down lists" in text


def test_success_message_lists_data_sets_sheets_and_rows() -> None:
    result = runner.invoke(app, ["validate", str(SAVED_AS / "template_filled.ods")])
    assert result.exit_code == 0, result.output
    text = _out(result)
    for line in ("asgsf_packages: 5 row(s)", "open_cases: 7 row(s)", "(sheet 'open_cases')"):
        assert line in text


def test_a_folder_given_as_a_file_is_named_as_such(tmp_path) -> None:
    (tmp_path / "nw").mkdir()
    report = validate_report([tmp_path / "nw"])
    assert [p.rule for p in report.errors] == ["no_data_files"]
    from nps_analysis.datasets.loading import check_path

    [result] = check_path(tmp_path / "nw")
    assert [p.rule for p in result.errors] == ["folder_not_file"]


# ----------------------------------------------------------------------- one check for both
def test_cross_file_duplicate_is_an_error_in_validate_and_in_run(tmp_path) -> None:
    folder = tmp_path / "nw"
    folder.mkdir()
    shutil.copy(SAVED_AS / "template_filled.xlsx", folder)
    shutil.copy(VALID / "asgsf_packages.csv", folder)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    text = _out(result)
    assert "[duplicate_across_files]" in text and "5 rows (rows 2, 3, 4, 5, 6)" in text
    out = tmp_path / "out"
    result = _run("North West", folder, out)
    assert result.exit_code == 1 and "[duplicate_across_files]" in _out(result)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists() and not (PROJECT_ROOT / "data" / "private" / "north-west").exists()


def test_region_with_no_rows_is_refused_by_validate_and_run(tmp_path) -> None:
    result = runner.invoke(app, ["validate", str(REGIONS / "south_west"), "--region", "North East"])
    assert result.exit_code == 1 and "[region_not_in_files]" in _out(result)
    assert "for South West" in _out(result)
    result = _run("North East", REGIONS / "south_west", tmp_path / "out")
    assert result.exit_code == 2 and "--region 'South West'" in _out(result)
    assert not (tmp_path / "out").exists()


def test_rows_of_other_regions_are_counted_and_said(tmp_path) -> None:
    folder = tmp_path / "mixed"
    shutil.copytree(REGIONS / "south_west", folder)
    shutil.copy(VALID / "workforce.csv", folder / "workforce_extra.csv")  # 3 South East rows
    report = validate_report([folder], region="South West")
    assert report.ok, [p.describe() for p in report.errors]
    [warning] = [w for w in report.warnings if w.rule == "other_regions_rows"]
    assert "3 for South East" in warning.message and "not used" in warning.message
    assert report.region_rows["workforce"]["South East"] == 3


def test_run_never_writes_into_the_default_release(tmp_path) -> None:
    result = _run(
        "South West", REGIONS / "south_west", PROJECT_ROOT / "outputs" / "regions" / "south-west"
    )
    assert result.exit_code == 2 and "default release" in _out(result)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.docx").write_text("x")
    result = _run("South West", REGIONS / "south_west", tmp_path / "busy")
    assert result.exit_code == 2 and "already holds other files" in _out(result)


# ------------------------------------------------------------------------- numbers and limits
@pytest.mark.parametrize(
    ("text", "sep", "value", "rule"),
    [
        ("£1,234.50", ",", 1234.5, None),
        ("1,234", ",", 1234.0, None),
        ("GBP 4 500", ",", 4500.0, None),
        ("1234.5", ";", 1234.5, None),
        ("1,234", ";", None, "ambiguous_number"),
        ("2,50", ",", None, "decimal_comma"),
        ("1.234,50", ";", None, "decimal_comma"),
        ("1,234,50", ",", None, "ambiguous_number"),
        ("inf", ",", None, "not_a_number"),
    ],
)
def test_amounts_accept_only_unambiguous_separators(tmp_path, text, sep, value, rule) -> None:
    df = pd.read_csv(VALID / "asgsf_packages.csv", dtype=str, keep_default_na=False)
    df.loc[0, "amount_gbp"] = text
    path = tmp_path / "asgsf_packages.csv"
    df.to_csv(path, index=False, sep=sep)
    report = validate_report([path])
    if rule is None:
        assert report.ok, [p.describe() for p in report.errors]
        assert report.frames["asgsf_packages"]["amount_gbp"].iloc[0] == value
    else:
        assert [(p.rule, p.row, p.value) for p in report.errors] == [(rule, 2, text)]


def test_implausible_amounts_get_an_error_or_a_warning_with_the_limit(tmp_path) -> None:
    spec = get_spec("asgsf_packages").column("amount_gbp")
    assert (spec.max, spec.plausible_max) == (1_000_000, 30_000)
    report = validate_report([_packages(tmp_path, amount_gbp="1e12")])
    [error] = report.errors
    assert (error.rule, error.row) == ("out_of_range", 2) and "1,000,000" in error.message
    report = validate_report([_packages(tmp_path, amount_gbp="45000")])
    assert report.ok
    [warning] = [w for w in report.warnings if w.rule == "implausible_value"]
    assert "30,000" in warning.message and "rows 2" in warning.message


def test_a_two_million_character_name_is_refused_and_not_echoed(tmp_path) -> None:
    path = _packages(tmp_path, provider="x" * 2_000_000)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    text = _out(result)
    assert "[text_too_long]" in text and "2,000,000 characters" in text
    assert len(result.output) < 3_000


def test_one_wrong_value_in_a_whole_column_is_one_line(tmp_path) -> None:
    path = _packages(tmp_path, n=420, region="NW")
    result = runner.invoke(app, ["validate", str(path), "--report", str(tmp_path / "p.csv")])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.startswith("✗")]
    assert len(lines) == 1, result.output
    text = _out(result)
    assert "420 rows (rows 2, 3, 4, 5, 6 and 415 more)" in text
    assert "'NW' x420" in text and "did you mean 'North West'?" in text
    listed = pd.read_csv(tmp_path / "p.csv", dtype=str, keep_default_na=False)
    assert (listed["rule"] == "unknown_region").sum() == 420
    assert set(listed.columns) >= {"file", "sheet", "row", "column", "rule", "value", "fix"}


def test_problem_report_as_a_workbook(tmp_path) -> None:
    result = runner.invoke(
        app,
        [
            "validate",
            str(SAVED_AS / "asgsf_packages_decimal_comma.csv"),
            "--report",
            str(tmp_path / "problems.xlsx"),
        ],
    )
    assert result.exit_code == 1
    listed = pd.read_excel(tmp_path / "problems.xlsx", dtype=str)
    assert list(listed.loc[listed["severity"] == "error", "row"]) == ["2", "3"]


# ----------------------------------------------------------------------------- quiet terminal
def test_terminal_is_quiet_and_says_each_note_once(tmp_path) -> None:
    result = runner.invoke(app, ["validate", str(SAVED_AS / "asgsf_packages_csv_windows.csv")])
    assert result.exit_code == 0, result.output
    text = _out(result)
    assert text.count("Windows-1252") == 1
    for noise in ("DataWarning", "cli.py:", "FutureWarning", "ResourceWarning", "Traceback"):
        assert noise not in text
