"""Every notebook is thin, parameterised, output-free and wired into the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    for cell in _load(path)["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], (
                f"{path.name}: strip outputs (nbstripout) before committing"
            )
            assert cell["execution_count"] is None, f"{path.name}: execution counts left in"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_has_tagged_parameters_cell_with_output_dir(path):
    cells = _load(path)["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: exactly one cell must be tagged 'parameters'"
    source = "".join(tagged[0]["source"])
    assert "output_dir" in source, f"{path.name}: parameters cell must define output_dir"
    first_code = next(c for c in cells if c["cell_type"] == "code")
    assert first_code is tagged[0], f"{path.name}: the parameters cell must be the first code cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_reports_lead_with_their_headline(path):
    """Headline facts first (DfE, Analysis Function): every report has a code cell tagged
    'headline', which the reader version moves into the "Headline facts" box at the top."""
    cells = _load(path)["cells"]
    tagged = [c for c in cells if "headline" in c.get("metadata", {}).get("tags", [])]
    assert tagged, f"{path.name}: tag the cell that shows the headline findings 'headline'"
    assert all(c["cell_type"] == "code" for c in tagged), f"{path.name}: tag the code cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_uses_only_tags_the_report_builder_knows(path):
    """A misspelt tag would silently do nothing (e.g. 'auditor' for 'auditor-only')."""
    from nps_analysis.release.pages import TAG_AUDITOR, TAG_HEADLINE, TAG_ONLY

    known = {"parameters", TAG_HEADLINE, TAG_AUDITOR}
    for cell in _load(path)["cells"]:
        for tag in cell.get("metadata", {}).get("tags", []):
            assert tag in known or tag.startswith(TAG_ONLY), f"{path.name}: unknown tag {tag!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_uses_project_kernel(path):
    assert _load(path)["metadata"]["kernelspec"]["name"] == "nps-analysis"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_writes_results_only_through_output_helper(path):
    code = "\n".join("".join(c["source"]) for c in _load(path)["cells"] if c["cell_type"] == "code")
    for forbidden in (".to_csv(", ".savefig(", ".to_parquet(", ".to_excel(", "open("):
        assert forbidden not in code, (
            f"{path.name}: write results with OutputWriter, not {forbidden}"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_defines_nothing_and_reads_no_private_attribute(path):
    """Notebooks are thin: functions, classes and lambdas live in the package, and nothing
    reaches into an object's private attributes (e.g. `out._released`)."""
    import re

    for cell in _load(path)["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        where = f"{path.name} cell {cell.get('id')}"
        assert not re.search(r"^\s*(async\s+)?(def|class)\s", source, re.M), (
            f"{where}: a definition"
        )
        assert "lambda" not in source, f"{where}: a lambda (name the function in the package)"
        assert not re.search(r"\b\w+\._[a-z]\w*", source), f"{where}: a private attribute"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_shows_no_raw_frame(path):
    """Tables are shown only as released (`show_table` / `show_released`): no `display(...)` of
    a frame and no cell ending in a bare frame expression (`out.released(...)`, `df.head()`)."""
    import ast

    framing = {"released", "unsuppressed", "manifest", "head", "tail", "describe"}
    for cell in _load(path)["cells"]:
        if cell["cell_type"] != "code":
            continue
        where = f"{path.name} cell {cell.get('id')}"
        tree = ast.parse("".join(cell["source"]))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "display"
                and node.args
                and isinstance(node.args[0], ast.Call)
                and isinstance(node.args[0].func, ast.Attribute)
                and node.args[0].func.attr in framing
            ):
                raise AssertionError(f"{where}: displays a raw frame")
        last = tree.body[-1] if tree.body else None
        if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
            func = last.value.func
            assert not (isinstance(func, ast.Attribute) and func.attr in framing), (
                f"{where}: ends in a raw frame"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_is_a_pipeline_stage(path):
    dvc = (REPO / "dvc.yaml").read_text(encoding="utf-8")
    assert f"notebooks/{path.name}" in dvc, f"{path.name} is not run by any dvc.yaml stage"


def test_dvc_stages_declare_deps_and_outs():
    stages = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    for name, stage in stages.items():
        body = stage.get("do", stage)
        assert body.get("deps"), f"stage {name} declares no deps"
        assert body.get("outs"), f"stage {name} declares no outs"
