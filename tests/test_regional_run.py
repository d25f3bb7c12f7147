"""A region runs its needs assessment on its own files (slow: executes the regional notebook)."""

from __future__ import annotations

import shutil
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


def _analysis(out: Path, slug: str) -> Path:
    """Where a run's tables, figures and manifest go inside its output folder."""
    return out / "regions" / f"{slug}-own-data"


def test_south_west_gets_its_report_from_its_own_files(tmp_path):
    out = tmp_path / "out"
    result = _run("South West", "south_west", out)
    assert result.exit_code == 0, result.output
    analysis = _analysis(out, "south-west")
    manifest = pd.read_csv(analysis / "manifest.csv", keep_default_na=False)
    assert set(manifest.loc[manifest["kind"] == "table", "data_kind"]) >= {
        "microdata",
        "public",
        "published",
    }
    assert (analysis / "tables" / "joint_commissioning_shortlist.csv").is_file()
    assert (analysis / "tables" / "skills_gaps.csv").is_file()
    repo = Path(__file__).resolve().parents[1]
    report = out / "reports" / "regional_needs_assessment_south-west-own-data.html"
    executed = out / "notebooks" / "regional_needs_assessment_south-west-own-data.ipynb"
    for path in (report, executed):  # no absolute path of this machine in what may be shared
        text = path.read_text(encoding="utf-8")
        assert str(repo) not in text and str(tmp_path) not in text, path.name


def test_tiny_extract_releases_no_unsafe_count_and_logs_every_output(tmp_path):
    result = _run("Eastern", "eastern_tiny", tmp_path / "out")
    assert result.exit_code == 0, result.output
    out = _analysis(tmp_path / "out", "eastern")
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
            numbers = pd.to_numeric(values[~values.isin(["c", "z"])])
            assert (numbers >= 10).all(), f"{row.output} column {column} releases a count below 10"
            checked += 1
    assert checked >= 3
    # the 12-family STEP model has too few residual degrees of freedom to be released
    step = manifest[manifest["output"].str.startswith("tables/step_")]
    assert step.empty or set(step["status"]) == {"withheld"}


def test_own_data_release_passes_the_audit_and_shows_no_suppressed_value(tmp_path):
    """Issue #16's own-data fixture (60 packages, 25 staff, 25 STEP families): the release-wide
    audit finds no suppressed cell narrower than its protection interval, the report and the
    executed notebook show released tables only, equal to their CSVs, and the checker's detail
    is written beside the output folder, never inside it."""
    import json

    from nps_analysis.regional_run import checker_dir_of
    from nps_analysis.release.checks import notebook_problems, table_problems

    out = tmp_path / "out"
    result = _run("Eastern", "eastern_small", out)
    assert result.exit_code == 0, result.output
    checker = checker_dir_of(out)
    run = pd.read_csv(checker / "release_audit" / "run.csv").iloc[0]
    assert run["passed"] and run["violations"] == 0
    assert run["suppressed_cells"] >= 50  # the audit had something to attack
    intervals = pd.read_csv(checker / "release_audit" / "intervals.csv")
    assert (intervals["width"] >= 10).all()
    assert not list(out.glob("**/checks.json")) and not list(out.glob("**/intervals.csv"))
    analysis = _analysis(out, "eastern")
    stem = "regional_needs_assessment_eastern-own-data"
    problems = []
    for page in (f"{stem}.html", f"{stem}-with-code.html"):
        html = (out / "reports" / page).read_text(encoding="utf-8")
        problems += table_problems(page, html, analysis)
    executed = json.loads((out / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    problems += notebook_problems(stem, executed, analysis)
    assert not problems, problems[:10]


def test_a_region_none_of_whose_rows_are_in_the_files_stops_and_writes_nothing(tmp_path):
    """North East asked for on South West's files: stop (exit 2), say what the files hold."""
    result = _run("North East", "south_west", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "None of the files" in result.output and "for South West" in result.output
    assert "--region 'South West'" in result.output
    assert not (tmp_path / "out").exists()
    repo = Path(__file__).resolve().parents[1]
    assert not (repo / "data" / "private" / "north-east" / "processed").exists()


def _tree(folder: Path, skip: Path | None = None) -> dict[str, tuple[int, int]]:
    """Every file under `folder` (size, mtime), except under `skip` and Python caches."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and (skip is None or skip not in p.parents)
    }


def test_a_region_run_from_its_own_folder_keeps_everything_in_the_output_folder(
    tmp_path, monkeypatch
):
    """An analyst's folder outside the project, relative paths: every result in --output-dir
    (reports, index, notebook, workbook, disclosure log); nothing else changes, in the project
    or beside the data; the England comparator is the national data; reruns are identical."""
    repo = Path(__file__).resolve().parents[1]
    analyst = tmp_path / "analyst"
    shutil.copytree(FIXTURES / "south_west", analyst / "sw files")
    monkeypatch.chdir(analyst)
    watched = {name: _tree(repo / name) for name in ("outputs", "data")}
    beside = _tree(analyst)
    args = ["run", "--region", "south west", "--data-dir", "sw files", "--output-dir", "results"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = analyst / "results"
    for name, before in watched.items():
        assert _tree(repo / name) == before, f"{name}/ changed"
    checker = analyst / "results-output-checking"  # the output checker's detail, by design
    assert (checker / "release_audit" / "run.csv").is_file()
    after = {k: v for k, v in _tree(analyst, skip=out).items() if not k.startswith(checker.name)}
    assert after == beside
    assert not (repo / "data" / "private" / "south-west").exists()
    report = out / "reports" / "regional_needs_assessment_south-west-own-data.html"
    index = (out / "reports" / "index.html").read_text(encoding="utf-8")
    assert report.is_file() and report.name in index
    assert (out / "notebooks" / "regional_needs_assessment_south-west-own-data.ipynb").is_file()
    log = pd.read_csv(out / "disclosure" / "summary.csv", keep_default_na=False)
    assert set(log["analysis"]) == {"regions/south-west-own-data"}
    for line in (str(report), str(out / "disclosure" / "report.html")):
        assert line in result.output.replace("\n", "")  # the summary gives full paths
    assert "Traceback" not in result.output and "DataWarning" not in result.output
    cases = pd.read_csv(_analysis(out, "south-west") / "tables" / "cases_by_recipient.csv")
    assert set(cases["england_basis"]) == {"synthetic national data"}
    national = pd.read_parquet(repo / "data" / "processed" / "open_cases.parquet")
    children = cases[cases["recipient_group"] == "children"]
    assert children["count_england"].sum() > 5 * children["count_region"].sum()
    assert national["region"].nunique() >= 7
    first = {path: (out / path).read_bytes() for path in _tree(out)}
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    second = {path: (out / path).read_bytes() for path in _tree(out)}
    assert sorted(second) == sorted(first)  # the earlier run replaced, nothing stale left
    changed = [path for path in first if first[path] != second[path]]
    assert not changed, f"not byte-identical on rerun: {changed}"
