"""Every notebook is thin, parameterised, output-free and wired into the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
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
def test_every_notebook_is_a_pipeline_stage(path):
    dvc = (REPO / "dvc.yaml").read_text(encoding="utf-8")
    assert f"notebooks/{path.name}" in dvc, f"{path.name} is not run by any dvc.yaml stage"


def test_dvc_stages_declare_deps_and_outs():
    stages = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    for name, stage in stages.items():
        body = stage.get("do", stage)
        assert body.get("deps"), f"stage {name} declares no deps"
        assert body.get("outs"), f"stage {name} declares no outs"
