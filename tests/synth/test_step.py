"""The STEP pipeline on the default SYNTHETIC extract.

The synthetic extract was generated so that its complete-case OLS returns the published effects,
so "the published effects lie inside the CIs" cannot fail and is no test. These tests check what
can go wrong on that file: loading and complete-case selection against an independent
computation, the mapping of the published profile categories, and the labelling of the
comparison as parameter recovery.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nps_analysis.published import load_published
from nps_analysis.step import MODEL_COVARIATES, OUTCOME
from nps_analysis.step.compare import compare_effects
from nps_analysis.step.data import load_step
from nps_analysis.step.model import coefficient_table, fit_model
from nps_analysis.step.profile import compare_profile, sample_profile

REPO = Path(__file__).resolve().parents[2]
PROCESSED = REPO / "data" / "processed" / "step.parquet"

pytestmark = pytest.mark.skipif(
    not PROCESSED.is_file(),
    reason="data/processed/step.parquet is absent: build the synthetic default data first "
    "(`nps synth` then `nps process`, or `dvc repro`)",
)


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    return load_step(PROCESSED, "Eastern")


def independent_fit() -> tuple[int, np.ndarray]:
    """Read the Parquet file with pandas, keep Eastern complete cases, solve least squares."""
    raw = pd.read_parquet(PROCESSED)
    raw = raw.loc[raw["region"].astype(str) == "Eastern", [OUTCOME, *MODEL_COVARIATES]]
    complete = raw.dropna()
    x = np.column_stack(
        [np.ones(len(complete))] + [complete[c].astype(float).to_numpy() for c in MODEL_COVARIATES]
    )
    beta, *_ = np.linalg.lstsq(x, complete[OUTCOME].astype(float).to_numpy(), rcond=None)
    return len(complete), beta


def test_pipeline_fit_equals_an_independent_fit_of_the_file(extract):
    fitted = fit_model(extract)
    n, beta = independent_fit()
    assert fitted.n_total == 235 and fitted.n_used == n
    assert fitted.fixed_effects == ()  # one RAA (Adopt East) in the default extract
    np.testing.assert_allclose(coefficient_table(fitted)["estimate"], beta, rtol=0, atol=1e-8)


def test_comparison_is_labelled_parameter_recovery(extract):
    coefs = coefficient_table(fit_model(extract))
    comparison = compare_effects(coefs, load_published("step_regression"), "synthetic")
    numeric = comparison.dropna(subset=["published_value"])
    assert len(numeric) == 6  # per year, 5 and 10 years, biological children, DV, anxiety
    np.testing.assert_allclose(
        numeric["difference"], numeric["estimate"] - numeric["published_value"]
    )
    assert comparison["comparison"].str.startswith("parameter recovery").all()
    assert (comparison["n_used"] == fit_model(extract).n_used).all()


def test_published_profile_categories_are_mapped_to_the_right_rows(extract):
    """The report's parent groups are exclusive: 'anxiety 15%' is anxiety without depression.
    On the synthetic file (exact counts) every mapped row rounds to the published percentage, so
    a wrong mapping (e.g. to anxiety with or without depression, 25%) fails."""
    profile = compare_profile(sample_profile(extract), load_published("step_profile"))
    checked = profile.dropna(subset=["published_pct"]).set_index("characteristic")
    assert len(checked) >= 10
    assert {"parent_anxiety_only", "parent_depression_only", "dx_any"} <= set(checked.index)
    assert (checked["pct"].round() == checked["published_pct"]).all(), checked[
        ["pct", "published_pct"]
    ]


@pytest.mark.slow
def test_notebook_on_default_synthetic_extract(tmp_path: Path, extract):
    """The notebook with its default parameters (the DVC stage) writes the same estimates as an
    in-process fit, labelled as parameter recovery."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    cmd = [
        sys.executable, "-m", "papermill", "notebooks/step_tayc_regression.ipynb",
        str(tmp_path / "executed.ipynb"), "-k", "python3", "-p", "output_dir", str(tmp_path / "out"),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    tables = tmp_path / "out" / "tables"
    written = pd.read_csv(tables / "coefficients.csv")
    np.testing.assert_allclose(
        written["estimate"], coefficient_table(fit_model(extract))["estimate"], atol=1e-8
    )
    comparison = pd.read_csv(tables / "published_comparison.csv")
    assert comparison["comparison"].str.startswith("parameter recovery").all()
