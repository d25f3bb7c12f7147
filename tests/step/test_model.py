"""STEP / TAYC-R model: parameter recovery, agreement with numpy, output contract, speed."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from nps_analysis.step import MODEL_COVARIATES, OUTCOME
from nps_analysis.step.model import (
    COEFFICIENT_COLUMNS,
    ModelDataError,
    age_effects,
    batch_ols_coverage,
    clean_term,
    coefficient_table,
    fit_model,
    lstsq_estimates,
    model_fit_table,
)
from simulation.step import (
    TRUE_COEFFICIENTS,
    simulate_design_batch,
    simulate_step,
    true_beta,
)


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    """1,000 simulated families with ~3% of each variable missing."""
    return simulate_step(1000, seed=11, missing_rate=0.03)


def test_ci_coverage_is_nominal_over_600_replications_at_the_production_size():
    """95% CIs cover the simulator's true coefficients ~95% of the time with 210 families, the
    complete cases of the 235-family extract (rare diagnoses: about 10 families each)."""
    cover = np.concatenate(
        [
            batch_ols_coverage(*simulate_design_batch(200, 210, seed), true_beta())
            for seed in (1, 2, 3)
        ]
    )
    assert cover.shape == (600, len(MODEL_COVARIATES) + 1)
    overall = cover.mean()
    assert abs(overall - 0.95) < 0.012, overall  # SE of the overall rate ~0.003 (6,600 intervals)
    per_term = cover.mean(axis=0)
    assert per_term.min() > 0.91 and per_term.max() < 0.985, per_term  # SE per term ~0.009


def test_batch_coverage_uses_the_same_intervals_as_the_model():
    """The vectorised coverage study checks the same t-intervals the notebook reports."""
    x, y = simulate_design_batch(1, 400, seed=5)
    df = pd.DataFrame(x[0, :, 1:], columns=list(MODEL_COVARIATES)).assign(**{OUTCOME: y[0]})
    table = coefficient_table(fit_model(df))
    beta = true_beta()
    inside = (table["ci_low"] <= beta) & (beta <= table["ci_high"])
    np.testing.assert_array_equal(inside.to_numpy(), batch_ols_coverage(x, y, beta)[0])


def test_statsmodels_fit_recovers_truth_on_one_large_sample():
    df = simulate_step(20_000, seed=3)
    table = coefficient_table(fit_model(df)).set_index("term")
    truth = pd.Series(TRUE_COEFFICIENTS)
    z = (table["estimate"] - truth) / table["std_error"]
    assert (z.abs() < 4).all(), z


def test_estimates_match_numpy_least_squares(extract):
    fitted = fit_model(extract)
    beta, se = lstsq_estimates(extract)
    table = coefficient_table(fitted)
    np.testing.assert_allclose(table["estimate"], beta, rtol=0, atol=1e-8)
    np.testing.assert_allclose(table["std_error"], se, rtol=0, atol=1e-8)


def test_hc3_matches_hand_formula(extract):
    fitted = fit_model(extract)
    x = fitted.result.model.exog
    e = np.asarray(fitted.result.resid)
    bread = np.linalg.inv(x.T @ x)
    h = np.einsum("ij,jk,ik->i", x, bread, x)
    meat = (x * (e / (1 - h))[:, None] ** 2).T @ x
    hc3 = np.sqrt(np.diag(bread @ meat @ bread))
    np.testing.assert_allclose(coefficient_table(fitted)["robust_std_error"], hc3, rtol=1e-9)


def test_coefficient_table_contract(extract):
    table = coefficient_table(fit_model(extract))
    assert list(table.columns[: len(COEFFICIENT_COLUMNS)]) == list(COEFFICIENT_COLUMNS)
    assert table["term"].tolist() == ["Intercept", *MODEL_COVARIATES]


def test_boolean_terms_named_as_schema_columns():
    assert clean_term("has_biological_children[T.True]") == "has_biological_children"
    assert clean_term("dx_autism[T.1]") == "dx_autism"
    assert clean_term("child_age") == "child_age"
    assert clean_term("Intercept") == "Intercept"


def test_model_fit_counts(extract):
    fitted = fit_model(extract)
    fit = model_fit_table(fitted).iloc[0]
    complete = extract.loc[:, [OUTCOME, *MODEL_COVARIATES]].dropna()
    assert fit["n_used"] == len(complete)
    assert fit["n_excluded"] == len(extract) - len(complete)
    assert fit["df_resid"] == len(complete) - len(MODEL_COVARIATES) - 1
    assert 0 < fit["adj_r_squared"] < fit["r_squared"] < 1


def test_age_effects_are_multiples_of_the_coefficient(extract):
    fitted = fit_model(extract)
    table = coefficient_table(fitted).set_index("term").loc["child_age"]
    age = age_effects(fitted).set_index("years")
    for years in (5, 10):
        assert age.loc[years, "estimate"] == pytest.approx(years * table["estimate"])
        assert age.loc[years, "ci_low"] == pytest.approx(years * table["ci_low"])
        assert age.loc[years, "ci_high"] == pytest.approx(years * table["ci_high"])


def test_constant_covariate_is_a_readable_error():
    df = simulate_step(300, seed=2)
    df["dx_fasd"] = pd.array([False] * len(df), dtype="boolean")
    with pytest.raises(ModelDataError, match="dx_fasd"):
        fit_model(df)


def test_too_few_complete_cases_is_a_readable_error():
    df = simulate_step(30, seed=2, missing_rate=0.4)
    with pytest.raises(ModelDataError, match="complete case"):
        fit_model(df)


def test_fit_is_fast_at_100k_families():
    df = simulate_step(100_000, seed=4, missing_rate=0.01)
    best = np.inf
    for _ in range(2):
        start = time.perf_counter()
        fitted = fit_model(df)
        coefficient_table(fitted)
        model_fit_table(fitted)
        age_effects(fitted)
        best = min(best, time.perf_counter() - start)
    assert best < 2.0, f"STEP model on 1e5 families took {best:.2f}s"
