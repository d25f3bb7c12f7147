"""The STEP / TAYC-R notebook runs under papermill on any valid extract and writes the contract."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.step.model import COEFFICIENT_COLUMNS
from simulation.step import simulate_step

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "step_tayc_regression.ipynb"
CONTRACT_TABLES = ("coefficients", "model_fit", "screening", "power")
STEM = "step_tayc_regression"
AUDITOR = "auditor-only"


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
        proc = run_notebook(extract_csv, base / "out", base / f"{STEM}.ipynb")
        assert proc.returncode == 0, proc.stderr[-3000:]
        dirs.append(base / "out")
    return dirs


@pytest.mark.slow
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
    assert {"tables/missing_data_sensitivity.csv", "figures/coefficient_plot.svg"} <= set(
        manifest["output"]
    )


@pytest.mark.slow
def test_outputs_carry_no_absolute_paths(two_runs: list[Path], extract_csv: Path):
    for path in two_runs[0].rglob("*.csv"):
        text = path.read_text(encoding="utf-8")
        assert str(extract_csv.parent) not in text and "/tmp" not in text, path.name


@pytest.mark.slow
def test_outputs_are_byte_identical_on_rerun(two_runs: list[Path]):
    def digests(root: Path) -> dict[str, str]:
        return {
            p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    assert digests(two_runs[0]) == digests(two_runs[1])


@pytest.mark.slow
def test_invalid_extract_stops_with_the_validator_message(tmp_path: Path):
    bad = simulate_step(50, seed=1)
    bad.loc[3, "child_age"] = 40.0  # outside 0-25
    path = tmp_path / "bad_step.csv"
    bad.to_csv(path, index=False)
    proc = run_notebook(path, tmp_path / "out", tmp_path / "executed.ipynb")
    assert proc.returncode != 0
    assert "InputDataError" in proc.stderr and "child_age" in proc.stderr
    assert not (tmp_path / "out" / "tables").exists()


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _code(nb: dict) -> dict[str, tuple[str, list[str]]]:
    return {
        c["id"]: ("".join(c["source"]), _tags(c)) for c in nb["cells"] if c["cell_type"] == "code"
    }


def test_notebook_shows_released_tables_only_through_the_renderer():
    """Item 1 of issue 16: no frame is displayed raw (`out.released(...)` as a cell's value,
    `display(out.released(...))`, the manifest); every table goes through `show_released`
    and has a titled spec; diagnostics, VIF, influence, power, record plots and the manifest
    are auditor-only; the fitted model's sentences and the recovery sentence come first."""
    from nps_analysis.release import table_spec

    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = _code(nb)
    body = "\n".join(src for src, _ in code.values())
    assert "def " not in body and "._" not in body
    for src, tags in code.values():
        tree = ast.parse(src)
        value = tree.body[-1].value if isinstance(tree.body[-1], ast.Expr) else None
        if value is not None and not src.rstrip().endswith(";"):  # the cell's shown value
            func = value.func if isinstance(value, ast.Call) else value
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            assert name in {"display", "show_released", "show_manifest", "print"}, src
        calls = {ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        if any(c.startswith("display(out.") for c in calls):
            assert tags == [AUDITOR], src
    shown = re.findall(r'show_released\(out, "([a-z_]+)"\)', body)
    assert len(shown) == len(set(shown))
    for name in shown:
        assert table_spec(STEM, name).title, name
    written = set(re.findall(r'"([a-z_]+)", disclosure=', body)) - {
        "tayc_by_factor",
        "coefficients",
    }
    # every released table is shown: the chart's table is linked under its chart, and
    # `coefficients` is the first columns of the `coefficients_robust` shown
    assert written <= set(shown)
    auditor = "\n".join(src for src, tags in code.values() if AUDITOR in tags)
    for name in ("diagnostics", "vif", "influence", "power"):
        assert f'show_released(out, "{name}")' in auditor, name
    assert "shows_records=True" in auditor and "display(out.manifest())" not in auditor
    headline = [src for src, tags in code.values() if "headline" in tags]
    assert any("describe_model(" in src for src in headline)
    assert any("recovery_sentence(" in src for src in headline)
    titles = [
        line
        for c in nb["cells"]
        if c["cell_type"] == "markdown"
        for line in "".join(c["source"]).splitlines()
        if line.startswith("# ")
    ]
    assert len(titles) == 1
    intro = "".join(nb["cells"][0]["source"])
    assert "What these data cannot show" in intro and "parameter recovery" in intro


@pytest.mark.slow
def test_reader_version_shows_only_rendered_releases(two_runs: list[Path], tmp_path: Path):
    """The executed notebook displays tables only as rendered releases (never a pandas frame
    outside auditor-only cells), and the reader page passes strict rendering with the headline
    first and the auditor tables left out."""
    from nps_analysis.reports import render_notebook

    executed = two_runs[0].parent / f"{STEM}.ipynb"
    shown = []
    for cell in json.loads(executed.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            markup = "".join(output.get("data", {}).get("text/html", ""))
            assert output.get("output_type") != "execute_result" or AUDITOR in _tags(cell), cell[
                "id"
            ]
            if "<table" in markup and AUDITOR not in _tags(cell):
                assert 'class="dataframe"' not in markup, cell["id"]
                shown.append(output["metadata"]["nps_release"]["table"])
    assert {"sample_profile", "screening", "coefficients_robust", "published_comparison"} <= set(
        shown
    )
    render_notebook(executed, tmp_path, strict=True)
    reader = (tmp_path / f"{STEM}.html").read_text(encoding="utf-8")
    assert (
        reader.index("Headline facts")
        < reader.index("families with complete data")
        < (reader.index("About these statistics"))
    )
    assert 'class="dataframe"' not in reader and ">NaN<" not in reader and ">True<" not in reader
    auditor = (tmp_path / f"{STEM}-with-code.html").read_text(encoding="utf-8")
    for name in ("vif", "influence", "power", "diagnostics"):
        assert f'data-table="{STEM}/{name}"' not in reader, name
        assert f'data-table="{STEM}/{name}"' in auditor, name
