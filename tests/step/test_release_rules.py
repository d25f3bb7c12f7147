"""Release rules for the TAYC-R regression: residual dof, small covariate levels, leverage 1.

The leverage rule exists because a family fitted exactly has its score in the coefficients:
the first test recovers it from the model that the old dof-only rule released.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.outputs import OutputWriter
from nps_analysis.provenance import SUPPRESSED
from nps_analysis.sdc import SDCConfig
from nps_analysis.step import MODEL_COVARIATES, OUTCOME
from nps_analysis.step.data import load_step
from nps_analysis.step.model import coefficient_table, fit_model, model_fit_table
from nps_analysis.step.release_rules import (
    check_model,
    count_is_releasable,
    level_counts,
    leverage,
    release,
)
from nps_analysis.step.screening import screen_factors, screening_disclosure
from nps_analysis.step.selection import screen_model_disclosure
from simulation.step import simulate_step

PROCESSED = Path(__file__).resolve().parents[2] / "data" / "processed" / "step.parquet"
CONFIG = SDCConfig(threshold=10, safe_dof_threshold=10)
OWN_DATA_MISSING = {  # params.yaml synthetic.step: 6% blank TAYC-R, 3% in five covariates
    OUTCOME: 0.06,
    "dv_exposure": 0.03,
    "has_biological_children": 0.03,
    "child_ethnicity": 0.03,
    "child_age_at_entry_to_care": 0.03,
    "child_age_at_placement": 0.03,
}


def with_flag(n: int, seed: int, yes: int) -> pd.DataFrame:
    """`n` simulated families with a yes/no column `flag` true for the first `yes` of them."""
    df = simulate_step(n, seed=seed)
    df["flag"] = pd.array(np.arange(n) < yes, dtype="boolean")
    return df


def test_single_family_dummy_is_refused_and_its_score_is_recoverable():
    df = with_flag(235, seed=3, yes=1)
    fitted = fit_model(df, [*MODEL_COVARIATES, "flag"])
    assert fitted.df_resid >= CONFIG.safe_dof_threshold  # the old dof rule released this model
    # why the rule exists: the family's score is x_i'b, read off the released coefficients
    coefs = coefficient_table(fitted).set_index("term")["estimate"]
    family = fitted.data.loc[fitted.data["flag"] == 1].iloc[0]
    recovered = coefs["Intercept"] + sum(coefs[t] * family[t] for t in fitted.covariates)
    assert recovered == pytest.approx(df.loc[0, OUTCOME], abs=1e-8)
    check = check_model(fitted, CONFIG)
    assert not check.passed and check.n_exact_fit == 1
    assert "flag = yes" in check.small_levels
    assert any("fitted exactly (leverage 1)" in r for r in check.reasons)
    assert "withheld" in check.summary and "1 famil" not in check.summary  # no small count shown


def test_leverage_rule_catches_an_exact_fit_the_level_rule_cannot_see():
    """A continuous covariate non-zero for one family: no levels to count, leverage 1."""
    df = simulate_step(235, seed=3)
    df["hours"] = 0.0
    df.loc[0, "hours"] = 7.5
    check = check_model(fit_model(df, [*MODEL_COVARIATES, "hours"]), CONFIG)
    assert not check.passed and check.small_levels == () and check.n_exact_fit == 1
    assert len(check.reasons) == 1 and "leverage 1" in check.reasons[0]


@pytest.mark.parametrize(("yes", "side"), [(4, "yes"), (56, "no")])
def test_binary_covariate_with_four_families_on_one_side_of_sixty_is_refused(yes, side):
    fitted = fit_model(with_flag(60, seed=5, yes=yes), ["child_age", "flag"])
    check = check_model(fitted, CONFIG)
    assert fitted.df_resid == 57 and check.n_exact_fit == 0  # only the level rule refuses it
    assert not check.passed and check.small_levels == (f"flag = {side}",)
    assert "leave flag out of the model" in check.reasons[0]
    assert "4" not in check.reasons[0]  # the small count itself is not printed


def test_level_rule_uses_the_configured_threshold_at_its_boundary():
    fitted = fit_model(with_flag(60, seed=5, yes=10), ["child_age", "flag"])
    assert ("flag", "yes", 10) in level_counts(fitted) and ("flag", "no", 50) in level_counts(
        fitted
    )
    assert check_model(fitted, CONFIG).passed
    assert not check_model(fitted, SDCConfig(threshold=11)).passed


def test_small_raa_fixed_effect_is_refused_with_a_merge_hint():
    df = simulate_step(60, seed=8, raas=("Adopt East", "Adoption Connects"))
    df["raa"] = np.where(np.arange(60) < 8, "Adoption Connects", "Adopt East")
    fitted = fit_model(df, ["child_age"])
    assert [lvl[2] for lvl in level_counts(fitted)] == [8, 52]
    check = check_model(fitted, CONFIG)
    assert not check.passed and "merge small RAAs" in check.reasons[0]


@pytest.mark.skipif(not PROCESSED.is_file(), reason="build the synthetic default data first")
def test_default_synthetic_235_family_model_passes():
    df = load_step(PROCESSED, "Eastern")
    fitted = fit_model(df)
    assert (len(df), fitted.n_used, fitted.df_resid) == (235, 210, 199)
    check = check_model(fitted, CONFIG)
    assert check.passed and check.reasons == () and min(n for *_, n in level_counts(fitted)) >= 10
    tables = {"model_fit": model_fit_table(fitted)}
    assert list(release(check, **tables).tables) == ["model_fit"]


def test_own_data_sized_sample_of_25_families_is_refused_with_the_dof_reason():
    """25 families of one region with the synthetic default's missing-data rates (20 complete)."""
    fitted = fit_model(simulate_step(25, seed=5, missing_rates=OWN_DATA_MISSING))
    check = check_model(fitted, CONFIG)
    assert (fitted.n_used, fitted.df_resid) == (20, 9)
    assert not check.passed and check.reasons[0].startswith("Residual degrees of freedom are 9")
    withheld = release(check, step_model_fit=model_fit_table(fitted))
    assert dict(withheld.tables) == {} and withheld.withheld == ("step_model_fit",)
    assert withheld.reason == check.summary and "below the minimum of 10" in withheld.reason


def test_25_families_with_enough_dof_are_still_refused_by_the_level_rule():
    """The dof rule alone would release this one (df 12): rare diagnoses have 0-3 families."""
    fitted = fit_model(simulate_step(25, seed=1, missing_rates=OWN_DATA_MISSING))
    check = check_model(fitted, CONFIG)
    assert fitted.df_resid == 12 and not check.passed
    assert "dx_ptsd = yes" in check.small_levels
    assert not any(r.startswith("Residual degrees") for r in check.reasons)


def test_hat_values_equal_an_independent_numpy_computation():
    fitted = fit_model(simulate_step(235, seed=9, missing_rate=0.03), [*MODEL_COVARIATES])
    x = np.column_stack([np.ones(fitted.n_used), fitted.data.loc[:, list(fitted.covariates)]])
    q, _ = np.linalg.qr(x)
    by_qr = (q**2).sum(axis=1)
    by_formula = np.einsum("ij,ji->i", x, np.linalg.solve(x.T @ x, x.T))
    h = leverage(fitted)
    np.testing.assert_allclose(h, by_qr, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h, by_formula, rtol=1e-8)
    assert h.sum() == pytest.approx(x.shape[1], abs=1e-9)  # trace of the hat matrix = k


def test_counts_and_their_complements_must_both_pass():
    assert count_is_releasable(10, 210, CONFIG)
    assert not count_is_releasable(9, 210, CONFIG)
    assert not count_is_releasable(205, 210, CONFIG)  # 5 families not counted
    assert not count_is_releasable(0, 210, CONFIG)  # zeros are disclosive by default
    assert count_is_releasable(0, 210, SDCConfig(zeros_are_disclosive=False))


# ------------------------------------------------ descriptive tables next to the model (screening)
def test_screening_suppresses_both_sides_of_a_small_binary_factor(tmp_path):
    """Before: n_without was released beside n, so n_with = n - n_without (4) was recovered."""
    df = with_flag(235, seed=3, yes=4)
    df["parent_disability"] = df["flag"]
    out = OutputWriter(tmp_path, data_kind="synthetic")
    out.table(screen_factors(df), "screening", disclosure=Disclosure(**screening_disclosure()))
    row = out.released("screening").set_index("factor").loc["parent_disability"]
    assert row["n"] == 235
    for column in ("n_with", "n_without", "n_min_group", "mean_with", "mean_without", "p_value"):
        assert row[column] == SUPPRESSED, column


def test_screen_model_df_is_suppressed_with_its_n(tmp_path):
    """df_adjusted = n_adjusted - k: released beside a suppressed n_adjusted it would undo it."""
    table = pd.DataFrame(
        {
            "factor": ["a", "b"],
            "n_screen": [40, 40],
            "n_adjusted": [8, 30],
            "df_adjusted": [2, 24],
            "n_min_group": [8, 12],
            "p_adjusted": [0.5, 0.2],
        }
    )
    keywords = screen_model_disclosure()
    keywords["derived"] = {c: s for c, s in keywords["derived"].items() if c in table}
    out = OutputWriter(tmp_path, data_kind="synthetic")
    out.table(table, "screen_model", disclosure=Disclosure(**keywords))
    released = out.released("screen_model")
    assert list(released["df_adjusted"]) == [SUPPRESSED, 24]
