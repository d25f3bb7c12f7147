"""The workforce skills-and-gaps notebook: structure, and papermill runs nationally and for one
pan-region on the default data (output contract, published check, no absolute paths)."""

from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from nps_analysis.config import load_params
from nps_analysis.paths import PROCESSED_DIR, PROJECT_ROOT

NOTEBOOK = PROJECT_ROOT / "notebooks" / "workforce_skills_gaps.ipynb"
PAPERMILL = PROJECT_ROOT / ".venv" / "bin" / "papermill"
CONTRACT = {
    "skills_coverage": [
        "skill",
        "trained_fte",
        "base_fte",
        "share_pct",
        "raas_with_skill",
        "raas_responding",
    ],
    "skills_gaps": ["skill", "raas_with_gap", "raas_responding", "pct", "ci_low", "ci_high"],
}
FIGURES = ("role_mix", "skills_coverage", "skills_heatmap", "skills_gaps", "demand_capacity")


def _nb() -> dict:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


def test_notebook_structure() -> None:
    nb = _nb()
    assert nb["metadata"]["kernelspec"]["name"] == "nps-analysis"
    assert nb["metadata"]["kernelspec"]["display_name"] == "Python 3 (nps-analysis)"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    params = "".join(code[0]["source"])
    for line in (
        'workforce_path = "data/processed/workforce.parquet"',
        'gaps_path = "data/processed/skills_gaps.parquet"',
        'packages_path = "data/processed/asgsf_packages.parquet"',
        'cases_path = "data/processed/open_cases.parquet"',
        'output_dir = "outputs/workforce_skills_gaps"',
        "region = None",
        'data_kind = "synthetic"',
        "sessions_per_fte = ",
        "min_responders_to_rank = ",
    ):
        assert line in params, line
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    body = "\n".join("".join(c["source"]) for c in code)
    for forbidden in (".to_csv(", ".savefig(", "open(", "._", "lambda"):
        assert forbidden not in body, forbidden
    tree = ast.parse(body)
    defined = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    assert not defined, f"notebook defines {defined}: move them into src/nps_analysis"
    assert "DataKind(data_kind).banner" in body
    assert "show_released(out, " in body


def _parameters() -> dict[str, object]:
    cell = next(c for c in _nb()["cells"] if "parameters" in c["metadata"].get("tags", []))
    tree = ast.parse("".join(cell["source"]))
    return {n.targets[0].id: ast.literal_eval(n.value) for n in tree.body}


def test_parameter_defaults_are_params_yaml_and_the_stage_passes_them() -> None:
    """Every notebook parameter that params.yaml `workforce:` also holds has its value there, and
    the dvc stage passes it (so a params.yaml edit reaches the notebook)."""
    params = load_params()["workforce"]
    nb = _parameters()
    shared = sorted(set(nb) & set(params))
    assert {"min_responders_to_rank", "sessions_per_fte", "sessions_per_package"} <= set(shared)
    assert {"session_cost_gbp", "staff_cost_per_fte_gbp", "cost_per_package_gbp"} <= set(shared)
    for name in shared:
        assert nb[name] == params[name], name
    stage = yaml.safe_load((PROJECT_ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"][
        "workforce_skills_gaps"
    ]
    cmd = " ".join(stage["cmd"].split())
    for name in shared:
        assert f"-p {name}=${{workforce.{name}}}" in cmd, name
    # The one list-valued assumption cannot go through a command line: the package reads it.
    assert isinstance(params["practitioner_roles"], list) and "practitioner_roles" not in nb
    assert "workforce" in stage["params"]


def _run(tmp_path: Path, *args: str) -> tuple[Path, Path]:
    if not PAPERMILL.is_file():
        pytest.skip("papermill not installed in .venv")
    if not (PROCESSED_DIR / "workforce.parquet").is_file():
        pytest.skip("default synthetic data not built (run `nps synth && nps process`)")
    out_dir, out_nb = tmp_path / "wf", tmp_path / "wf.ipynb"
    cmd = [
        str(PAPERMILL),
        str(NOTEBOOK),
        str(out_nb),
        "-k",
        "nps-analysis",
        "--cwd",
        str(PROJECT_ROOT),
        "-p",
        "output_dir",
        str(out_dir),
        *args,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return out_dir, out_nb


def _common_checks(out_dir: Path, out_nb: Path, tmp_path: Path) -> None:
    tables = out_dir / "tables"
    for name, cols in CONTRACT.items():
        assert list(pd.read_csv(tables / f"{name}.csv").columns) == cols, name
    for name in ("fte_by_role", "inhouse_opportunity", "skills_gaps_bounds", "inhouse_assumptions"):
        assert (tables / f"{name}.csv").is_file(), name
    for fig in FIGURES:
        assert (out_dir / "figures" / f"{fig}.svg").is_file(), fig
    manifest = pd.read_csv(out_dir / "manifest.csv")
    assert set(manifest["data_kind"]) == {"synthetic"}
    assert "unchecked" not in set(
        manifest["status"]
    )  # every output declares its disclosure control
    for f in [*tables.glob("*.csv"), out_dir / "manifest.csv"]:
        assert str(tmp_path) not in f.read_text(encoding="utf-8"), f.name
    outputs = json.dumps([c.get("outputs", []) for c in json.loads(out_nb.read_text())["cells"]])
    assert str(PROJECT_ROOT) not in outputs
    assert "SYNTHETIC DATA" in outputs


@pytest.mark.slow
def test_papermill_national(tmp_path: Path) -> None:
    out_dir, out_nb = _run(tmp_path)
    _common_checks(out_dir, out_nb, tmp_path)
    tables = out_dir / "tables"
    gaps = pd.read_csv(tables / "skills_gaps.csv").set_index("skill")
    assert gaps["raas_with_gap"].to_dict() == {
        "DDP": 8,
        "Theraplay": 0,
        "TLSW": 6,
        "NVR": 3,
        "BUSS": 3,
    }
    assert (gaps["raas_responding"] == 17).all()
    cov = pd.read_csv(tables / "skills_coverage.csv").set_index("skill")
    assert (cov["raas_responding"] == 18).all()
    assert cov.loc["DDP", "base_fte"] == pytest.approx(224.89)
    # The interval is the finite-population one (% of the 30 RAAs), not Wilson's 26.2-69.0%.
    assert gaps.loc["DDP", "ci_low"] == pytest.approx(100 / 3)
    assert gaps.loc["DDP", "ci_high"] == pytest.approx(190 / 3)
    bounds = pd.read_csv(tables / "skills_gaps_bounds.csv").set_index("skill")
    assert (bounds["raas_in_area"] == 30).all()
    assert bounds.loc["DDP", ["gap_raas_min", "gap_raas_max"]].tolist() == [8, 21]
    check = pd.read_csv(tables / "published_check.csv")
    assert len(check) == 23 and check["matches"].all()
    opp = pd.read_csv(tables / "inhouse_opportunity.csv", dtype={"region": str})
    assert set(opp["region"]) >= {"England", "North West"}
    ranked = pd.read_csv(tables / "inhouse_priorities.csv")
    assert ranked["rank_gap"].isna().all()  # no pan-region has 5 RAAs answering
    assumptions = pd.read_csv(tables / "inhouse_assumptions.csv").set_index("parameter")
    assert assumptions.loc["sessions_per_package", "value"] == "calibrated"


@pytest.mark.slow
def test_papermill_one_region(tmp_path: Path) -> None:
    out_dir, out_nb = _run(tmp_path, "-r", "region", "North West")
    _common_checks(out_dir, out_nb, tmp_path)
    tables = out_dir / "tables"
    area = pd.read_csv(tables / "fte_by_area_role.csv")
    assert "raa" in area.columns and set(area["raa"]) <= {
        "Adoption Lancashire & Blackpool",
        "Together for Adoption",
        "Adoption Counts",
        "Adoption Now",
        "Adoption in Merseyside",
        "Cumbria Adoption",
    }
    opp = pd.read_csv(tables / "inhouse_opportunity.csv")
    assert set(opp["region"]) == {"North West"}
    assert not (tables / "published_check.csv").exists()
    heat = pd.read_csv(tables / "skills_by_raa.csv")
    assert set(heat["region"]) == {"North West"} and len(heat) == 6 * 5
