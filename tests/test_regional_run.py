"""A region runs its needs assessment on its own files (slow: executes the regional notebook)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from nps_analysis.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "regions"
pytestmark = pytest.mark.slow
runner = CliRunner()


def _run(region: str, folder: str, output: Path):
    return runner.invoke(
        app,
        [
            "run",
            "--region",
            region,
            "--data-dir",
            str(FIXTURES / folder),
            "--output-dir",
            str(output),
        ],
    )


def test_wrong_files_stop_with_the_validators_messages_and_write_nothing(tmp_path):
    result = _run("South West", "south_west_bad", tmp_path / "out")
    assert result.exit_code == 1
    assert "negative_amount" in result.output and "did you mean 'South West'" in result.output
    assert not (tmp_path / "out").exists()


def test_south_west_gets_its_report_from_its_own_files(tmp_path):
    out = tmp_path / "out"
    result = _run("South West", "south_west", out)
    assert result.exit_code == 0, result.output
    manifest = pd.read_csv(out / "manifest.csv", keep_default_na=False)
    assert set(manifest.loc[manifest["kind"] == "table", "data_kind"]) >= {
        "microdata",
        "public",
        "published",
    }
    assert (out / "tables" / "joint_commissioning_shortlist.csv").is_file()
    assert (out / "tables" / "skills_gaps.csv").is_file()
    repo = Path(__file__).resolve().parents[1]
    report = repo / "outputs" / "reports" / "regional_needs_assessment_south-west-own-data.html"
    executed = (
        repo / "outputs" / "notebooks" / "regional_needs_assessment_south-west-own-data.ipynb"
    )
    for path in (report, executed):  # no absolute path of this machine in what may be shared
        assert str(repo) not in path.read_text(encoding="utf-8"), path.name


def test_tiny_extract_releases_no_unsafe_count_and_logs_every_output(tmp_path):
    out = tmp_path / "out"
    result = _run("Eastern", "eastern_tiny", out)
    assert result.exit_code == 0, result.output
    manifest = pd.read_csv(out / "manifest.csv", keep_default_na=False)
    written = {
        p.relative_to(out).as_posix()
        for p in out.glob("*/*")
        if p.is_file() and p.parent.name in ("tables", "figures")
    }
    assert written <= set(manifest["output"]), written - set(manifest["output"])
    record_level = manifest[manifest["data_kind"] == "microdata"]
    assert not record_level.empty
    assert set(record_level["status"]) <= {"safe", "suppressed", "withheld"}, record_level
    checked = 0
    for row in record_level.itertuples():
        if row.status == "withheld" or not row.count_columns:
            continue
        table = pd.read_csv(out / row.output, dtype=str, keep_default_na=False)
        for column in row.count_columns.split(";"):
            values = table[column]
            numbers = pd.to_numeric(values[values != "c"])
            assert (numbers >= 10).all(), f"{row.output} column {column} releases a count below 10"
            checked += 1
    assert checked >= 3
    # the 12-family STEP model has too few residual degrees of freedom to be released
    step = manifest[manifest["output"].str.startswith("tables/step_")]
    assert step.empty or set(step["status"]) == {"withheld"}


def test_a_region_none_of_whose_rows_are_in_the_files_stops_and_writes_nothing(tmp_path):
    """North East asked for on South West's files: stop (exit 2), say what the files hold."""
    result = _run("North East", "south_west", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "None of the files" in result.output and "for South West" in result.output
    assert "--region 'South West'" in result.output
    assert not (tmp_path / "out").exists()
    repo = Path(__file__).resolve().parents[1]
    assert not (repo / "data" / "private" / "north-east" / "processed").exists()
