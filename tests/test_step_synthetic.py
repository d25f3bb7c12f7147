"""On the default SYNTHETIC STEP extract, the published effects are recovered (parameter recovery).

The synthetic extract was generated from the published figures, so agreement here checks that the
pipeline gets back what was put in; it is not a replication of the STEP findings.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.published import load_published
from nps_analysis.step.compare import compare_effects
from nps_analysis.step.data import load_step
from nps_analysis.step.model import age_effects, coefficient_table, fit_model
from nps_analysis.step.profile import compare_profile, sample_profile

REPO = Path(__file__).resolve().parents[1]
PROCESSED = REPO / "data" / "processed" / "step.parquet"

pytestmark = pytest.mark.skipif(
    not PROCESSED.is_file(),
    reason="data/processed/step.parquet is absent: build the synthetic default data first "
    "(`nps synth` then `nps process`, or `dvc repro`)",
)


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    return load_step(PROCESSED, "Eastern")


@pytest.fixture(scope="module")
def comparison(extract: pd.DataFrame) -> pd.DataFrame:
    coefs = coefficient_table(fit_model(extract))
    return compare_effects(coefs, load_published("step_regression"), "synthetic")


def test_published_effects_recovered_within_cis(comparison: pd.DataFrame):
    numeric = comparison.dropna(subset=["published_value"])
    assert len(numeric) == 6  # per year, 5 and 10 years, biological children, DV, anxiety
    outside = numeric.loc[~numeric["published_within_ci"].astype(bool), ["term", "measure"]]
    assert outside.empty, f"published effects outside the estimated 95% CIs:\n{outside}"
    assert comparison["comparison"].str.startswith("parameter recovery").all()


def test_age_effects_shown_beside_published_2_37_and_4_74(extract, comparison):
    age = age_effects(fit_model(extract)).set_index("years")
    rows = comparison.set_index("measure")
    for years, measure, published in (
        (5, "effect_per_5_years", -2.37),
        (10, "effect_per_10_years", -4.74),
    ):
        assert rows.loc[measure, "published_value"] == pytest.approx(published)
        assert rows.loc[measure, "estimate"] == pytest.approx(age.loc[years, "estimate"])
        assert age.loc[years, "ci_low"] <= published <= age.loc[years, "ci_high"]


def test_synthetic_profile_matches_published(extract):
    profile = compare_profile(sample_profile(extract), load_published("step_profile"))
    checked = profile.dropna(subset=["published_pct"])
    assert len(checked) >= 10
    assert checked["within_ci"].astype(bool).all(), checked.loc[
        ~checked["within_ci"].astype(bool), ["characteristic", "pct", "published_pct"]
    ]
    assert len(extract) == 235


@pytest.mark.slow
def test_notebook_on_default_synthetic_extract(tmp_path: Path):
    """The notebook with its default parameters (the DVC stage) reports parameter recovery."""
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
    comparison = pd.read_csv(tmp_path / "out" / "tables" / "published_comparison.csv")
    numeric = comparison.dropna(subset=["published_value"])
    assert numeric["published_within_ci"].astype(bool).all()
    assert comparison["comparison"].str.startswith("parameter recovery").all()
