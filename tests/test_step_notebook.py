"""The STEP / TAYC-R notebook runs under papermill on any valid extract and writes the contract."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.step.model import COEFFICIENT_COLUMNS
from nps_analysis.step.simulate import simulate_step

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "step_tayc_regression.ipynb"
CONTRACT_TABLES = ("coefficients", "model_fit", "screening", "power")

pytestmark = pytest.mark.slow


def _kernel() -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    return (
        "nps-analysis" if "nps-analysis" in KernelSpecManager().find_kernel_specs() else "python3"
    )


def run_notebook(step_path: Path, output_dir: Path, executed: Path) -> subprocess.CompletedProcess:
    """`papermill notebooks/step_tayc_regression.ipynb ... -p step_path FILE -p output_dir DIR`."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    cmd = [
        sys.executable, "-m", "papermill", str(NOTEBOOK), str(executed), "-k", _kernel(),
        "-p", "step_path", str(step_path), "-p", "output_dir", str(output_dir),
    ]  # fmt: skip
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)


EASTERN = ("Adopt East", "Adoption Connects", "Cambridgeshire & Peterborough Adoption")


@pytest.fixture(scope="module")
def extract_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,000 families of the three Eastern RAAs in the STEP schema (the next report's shape),
    ~3% of every covariate and the outcome blank."""
    path = tmp_path_factory.mktemp("step") / "step_extract.csv"
    simulate_step(1000, seed=2024, missing_rate=0.03, raas=EASTERN).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def two_runs(extract_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    dirs = []
    for i in range(2):
        base = tmp_path_factory.mktemp(f"run{i}")
        proc = run_notebook(extract_csv, base / "out", base / "executed.ipynb")
        assert proc.returncode == 0, proc.stderr[-3000:]
        dirs.append(base / "out")
    return dirs


def test_contract_tables_written(two_runs: list[Path]):
    tables = two_runs[0] / "tables"
    for name in CONTRACT_TABLES:
        assert (tables / f"{name}.csv").is_file(), name
    coefs = pd.read_csv(tables / "coefficients.csv")
    assert list(coefs.columns) == list(COEFFICIENT_COLUMNS)
    assert coefs["term"].iloc[0] == "Intercept"
    assert not coefs["term"].str.contains(r"\[T\.").any()
    fit = pd.read_csv(tables / "model_fit.csv").iloc[0]
    for col in ("n_used", "n_excluded", "r_squared", "adj_r_squared", "df_resid"):
        assert col in fit.index
    assert fit["n_used"] + fit["n_excluded"] == 1000
    assert fit["n_excluded"] > 0
    # three RAAs: two fixed effects, left out of the precision table
    robust = pd.read_csv(tables / "coefficients_robust.csv")
    assert robust["term"].str.startswith("raa__").sum() == 2
    assert (robust["df_resid"] == fit["df_resid"]).all() and (
        robust["n_used"] == fit["n_used"]
    ).all()
    power = pd.read_csv(tables / "power.csv")
    assert set(power["n"]) == {235, 1000}
    assert not power["term"].str.startswith("raa__").any()
    rate = fit["n_used"] / 1000
    assert set(power["n_complete"]) == {int(235 * rate), int(1000 * rate)}
    assert "power_at_effect" not in power.columns
    mi = pd.read_csv(tables / "missing_data_sensitivity.csv")
    assert (mi["m"] == 30).all() and (mi["mi_df"] < mi["df_complete"]).all()
    assert (tables / "screening_vs_model.csv").is_file() and (tables / "influence.csv").is_file()
    manifest = pd.read_csv(two_runs[0] / "manifest.csv")
    assert (manifest["data_kind"] == "synthetic").all()
    # every output carries a disclosure-control declaration (none would be withheld undeclared)
    assert not manifest["status"].isin(["unchecked", "withheld"]).any(), manifest
    assert {"tables/missing_data_sensitivity.csv", "figures/coefficient_plot.png"} <= set(
        manifest["output"]
    )


def test_outputs_carry_no_absolute_paths(two_runs: list[Path], extract_csv: Path):
    for path in two_runs[0].rglob("*.csv"):
        text = path.read_text(encoding="utf-8")
        assert str(extract_csv.parent) not in text and "/tmp" not in text, path.name


def test_outputs_are_byte_identical_on_rerun(two_runs: list[Path]):
    def digests(root: Path) -> dict[str, str]:
        return {
            p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    assert digests(two_runs[0]) == digests(two_runs[1])


def test_invalid_extract_stops_with_the_validator_message(tmp_path: Path):
    bad = simulate_step(50, seed=1)
    bad.loc[3, "child_age"] = 40.0  # outside 0-25
    path = tmp_path / "bad_step.csv"
    bad.to_csv(path, index=False)
    proc = run_notebook(path, tmp_path / "out", tmp_path / "executed.ipynb")
    assert proc.returncode != 0
    assert "InputDataError" in proc.stderr and "child_age" in proc.stderr
    assert not (tmp_path / "out" / "tables").exists()
