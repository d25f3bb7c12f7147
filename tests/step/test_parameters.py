"""The STEP notebook's parameters: defaults equal params.yaml `step:`, and the DVC stage passes them."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import yaml

from nps_analysis.config import load_params
from nps_analysis.step.missing import MI_MIN_IMPUTATIONS
from nps_analysis.step.power import SAMPLE_RAAS, SAMPLE_SIZES, SD_MULTIPLIERS
from nps_analysis.step.selection import LASSO_RULES, MODEL_SPECS

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "step_tayc_regression.ipynb"


def notebook_defaults() -> dict[str, object]:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    cell = next(c for c in cells if "parameters" in c["metadata"].get("tags", []))
    tree = ast.parse("".join(cell["source"]))
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
    }


def test_notebook_defaults_equal_params_yaml():
    step = load_params()["step"]
    defaults = notebook_defaults()
    for key, value in step.items():
        assert defaults[key] == value, key


def test_dvc_stage_passes_every_step_parameter():
    cmd = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"][
        "step_tayc_regression"
    ]["cmd"]
    for key in load_params()["step"]:
        assert f"{key}=" in cmd, key


def test_module_defaults_agree_with_params():
    step = load_params()["step"]
    assert tuple(step["power_sizes"]) == SAMPLE_SIZES
    assert tuple(step["power_raas"]) == SAMPLE_RAAS
    assert tuple(step["power_sd_multipliers"]) == SD_MULTIPLIERS
    assert step["mice_imputations"] == MI_MIN_IMPUTATIONS
    assert step["model_spec"] in MODEL_SPECS and step["lasso_rule"] in LASSO_RULES
    # dvc.yaml indexes two entries of each size list and four SD multipliers
    assert len(step["power_sizes"]) == len(step["power_raas"]) == 2
    assert len(step["power_sd_multipliers"]) == 4
