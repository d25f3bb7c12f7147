"""The workforce skills-and-gaps notebook: structure, and papermill runs nationally and for one
pan-region on the default data (output contract, published check, no absolute paths)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

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
        "cost_per_package_gbp = None",
    ):
        assert line in params, line
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    body = "\n".join("".join(c["source"]) for c in code)
    for forbidden in (".to_csv(", ".savefig(", "open("):
        assert forbidden not in body
    assert "DataKind(data_kind).banner" in body


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
    for name in ("fte_by_role", "inhouse_opportunity"):
        assert (tables / f"{name}.csv").is_file(), name
    for fig in FIGURES:
        assert (out_dir / "figures" / f"{fig}.png").is_file(), fig
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
    check = pd.read_csv(tables / "published_check.csv")
    assert len(check) == 23 and check["matches"].all()
    opp = pd.read_csv(tables / "inhouse_opportunity.csv", dtype={"region": str})
    assert set(opp["region"]) >= {"England", "North West"}


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
