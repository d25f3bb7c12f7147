"""The release-wide audit through the one output path: declarations -> cells -> attack -> plan.

A hand-built pair of linked tables that per-table suppression leaves recoverable is written
through `OutputWriter`; the audit must catch it, and the protection plan must fix it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.disclosure import Disclosure
from nps_analysis.disclosure.cells import table_cells
from nps_analysis.disclosure.grid import NOT_APPLICABLE, complete_grid
from nps_analysis.disclosure.plan import plan_protection
from nps_analysis.disclosure.release import audit_release, build_model, read_cells, write_audit
from nps_analysis.outputs import OutputWriter
from nps_analysis.provenance import SUPPRESSED

PACKAGES = Disclosure(counts=["packages"], population="packages")


@pytest.fixture()
def roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    release, checker = tmp_path / "release", tmp_path / "checker"
    monkeypatch.setenv("NPS_RELEASE_ROOT", str(release))
    monkeypatch.setenv("NPS_CHECKER_ROOT", str(checker))
    return release, checker


def _write_linked(release: Path) -> OutputWriter:
    """Year x therapy counts, where the 4 (Psychotherapy, 2022/23) is suppressed with the three
    cells that protect it inside the table; and a demand table (as the in-house analysis
    publishes: packages of 2022/23 in the categories mapped to a skill) of Psychotherapy and
    Creative therapies together, 84. Each table passes on its own; together, 84 - 80 = 4."""
    by_year_therapy = pd.DataFrame(
        {
            "financial_year": ["2021/22"] * 3 + ["2022/23"] * 3,
            "therapy_type": ["Psychotherapy", "Short breaks", "Creative therapies"] * 2,
            "packages": [50, 60, 70, 4, 40, 80],
        }
    )
    demand = pd.DataFrame({"skill": ["DDP"], "packages": [84]})
    mapped = {"financial_year": "2022/23", "therapy_type": ("Psychotherapy", "Creative therapies")}
    out = OutputWriter(release / "asgsf", data_kind="synthetic")
    out.table(by_year_therapy, "by_year_therapy", disclosure=PACKAGES)
    out.table(
        demand,
        "demand",
        disclosure=PACKAGES.but(dims=(), dimensions={"skill": ""}, members={"packages": mapped}),
    )
    out.write_manifest()
    return out


def test_linked_tables_that_each_pass_are_caught_and_the_plan_fixes_them(roots) -> None:
    release, checker = roots
    out = _write_linked(release)
    shown = out.released("by_year_therapy")["packages"].tolist()
    assert shown == [SUPPRESSED, SUPPRESSED, 70, SUPPRESSED, SUPPRESSED, 80]  # each table passes
    before = audit_release(checker, min_width=10, node_budget=20_000)
    assert not before.passed
    recovered = before.report.violations
    assert recovered[["table", "row", "lower", "upper"]].values.tolist() == [
        ["asgsf/by_year_therapy", 3, 4.0, 4.0]
    ]
    assert recovered["reason"].tolist() == ["recovered exactly"]

    plan = plan_protection(checker / "asgsf", min_width=10, node_budget=20_000)
    assert plan.passed and plan.extra
    again = _write_linked(release)  # the same code, now with the plan applied
    assert all(
        again.released(table).loc[row, column] == SUPPRESSED for table, row, column in plan.extra
    )
    after = audit_release(checker, min_width=10, node_budget=20_000)
    assert after.passed, after.report.violations
    assert after.suppressed > before.suppressed


def test_public_manifest_never_splits_primary_from_secondary(roots) -> None:
    release, checker = roots
    out = _write_linked(release)
    note = out.manifest().set_index("output").loc["tables/by_year_therapy.csv", "note"]
    assert "secondary" not in note and "more to protect" not in note
    checks = json.loads((checker / "asgsf" / "checks.json").read_text())
    detail = checks["tables"]["by_year_therapy"]["checks"]
    assert (detail["primary"], detail["secondary"]) == (1, 3)
    assert not (release / "asgsf" / "checks.json").exists()  # the checker's file stays out


def test_audit_log_goes_to_the_checker_and_only_a_summary_is_public(roots) -> None:
    release, checker = roots
    _write_linked(release)
    folder = write_audit(audit_release(checker, min_width=10, node_budget=20_000), checker)
    intervals = pd.read_csv(folder / "intervals.csv")
    assert {"lower", "upper", "reason"} <= set(intervals.columns)
    public = pd.read_csv(folder / "public_summary.csv")
    assert list(public.columns) == [
        "analysis",
        "tables_checked",
        "suppressed_cells_checked",
        "all_protected",
    ]
    assert not bool(public["all_protected"].iloc[0])


def test_cells_read_dimensions_totals_templates_and_context() -> None:
    frame = pd.DataFrame(
        {
            "raa": ["Adopt North East", "All (North East)"],
            "first_year": ["2021/22", "2021/22"],
            "packages": [12, SUPPRESSED],
            "packages_england": [100, 200],
        }
    )
    declaration = Disclosure(
        counts=["packages", "packages_england"],
        population="packages",
        members={
            "packages": {"financial_year": "{first_year}"},
            "packages_england": {"region": "*"},
        },
    )
    cells = table_cells("t", frame, declaration, {"region": "North East"})
    by_key = {(c["row"], c["column"]): c for c in cells}
    assert by_key[0, "packages"]["members"] == {
        "financial_year": "2021/22",
        "raa": "Adopt North East",
        "region": "North East",
    }
    assert by_key[1, "packages"]["members"] == {"financial_year": "2021/22", "region": "North East"}
    assert by_key[1, "packages"]["value"] is None
    assert "region" not in by_key[0, "packages_england"]["members"]


def test_a_region_is_the_group_of_its_raas() -> None:
    records = [
        {"table": "t", "row": 0, "column": "n", "members": {"region": "R"}, "value": 5,
         "population": "p"},
        {"table": "t", "row": 1, "column": "n", "members": {"raa": "A"}, "value": 2,
         "population": "p"},
    ]  # fmt: skip
    dimensions, cells = build_model(records, known={}, raas={"R": ("A", "B"), "S": ("C",)})
    assert {d.name: d.categories for d in dimensions} == {"raa": ("A", "B", "C")}
    assert cells[0].members == {"raa": ("A", "B")}


def test_grid_lists_every_combination_and_marks_impossible_cells() -> None:
    frame = pd.DataFrame(
        {
            "financial_year": ["2017/18", "2022/23"],
            "therapy_type": ["Psychotherapy", "Family therapy"],
            "packages": [30, 20],
        }
    )
    full = complete_grid(frame, ["financial_year", "therapy_type"], ["packages"])
    cell = full.set_index(["financial_year", "therapy_type"])["packages"]
    assert cell["2017/18", "Family therapy"] == NOT_APPLICABLE  # before November 2018
    assert cell["2022/23", "Multi-disciplinary packages of support"] == NOT_APPLICABLE
    assert cell["2022/23", "Psychotherapy"] == 0  # a real zero, released as c by the writer
    assert cell["2022/23", "Not recorded"] == 0
    assert len(full) == 2 * 10


def test_read_cells_prefixes_tables_with_their_analysis(roots) -> None:
    release, checker = roots
    _write_linked(release)
    tables = {c["table"] for c in read_cells(checker)}
    assert tables == {"asgsf/by_year_therapy", "asgsf/demand"}


def test_only_real_microdata_blocks_the_release(roots) -> None:
    """The synthetic default records what a real run would refuse; microdata is refused."""
    release, checker = roots
    _write_linked(release)
    synthetic = audit_release(checker, min_width=10, node_budget=20_000)
    assert not synthetic.passed and not synthetic.blocking
    out = OutputWriter(release / "asgsf", data_kind="microdata")
    frame = pd.read_csv(release / "asgsf" / "tables" / "by_year_therapy.csv")
    out.table(
        frame.assign(packages=[50, 60, 70, 4, 40, 80]), "by_year_therapy", disclosure=PACKAGES
    )
    mapped = {"financial_year": "2022/23", "therapy_type": ("Psychotherapy", "Creative therapies")}
    out.table(
        pd.DataFrame({"skill": ["DDP"], "packages": [84]}),
        "demand",
        disclosure=PACKAGES.but(dims=(), dimensions={"skill": ""}, members={"packages": mapped}),
    )
    out.write_manifest()
    real = audit_release(checker, min_width=10, node_budget=20_000)
    assert not real.passed and real.blocking


def test_nps_audit_publishes_nothing_when_a_cell_is_recoverable_even_on_synthetic_data(
    roots,
) -> None:
    """`nps audit` is the release gate of every run (the default synthetic one included): it
    exits 1, so that the index page is never built, and names the cell recovered (84 - 80 = 4)."""
    from typer.testing import CliRunner

    from nps_analysis.cli import app

    release, checker = roots
    _write_linked(release)
    result = CliRunner().invoke(app, ["audit", "--checker-root", str(checker)])
    assert result.exit_code == 1, result.output
    assert "asgsf/by_year_therapy row 3 packages: [4, 4] recovered exactly" in result.output
    assert "nothing is published" in result.output
