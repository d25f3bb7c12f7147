"""The screen against the published model, the pre-specified full model and lasso selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.regression.linear_model import OLS

from nps_analysis.step import CANDIDATE_FACTORS, MODEL_COVARIATES, OUTCOME
from nps_analysis.step.model import design_terms, fit_model, model_frame
from nps_analysis.step.screening import screen_factors
from nps_analysis.step.selection import (
    choose_covariates,
    coordinate_descent,
    lasso_select,
    screen_against_model,
    screen_model_disclosure,
)
from simulation.step import simulate_step


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    """600 families where (a) age at entry tracks current age but has no effect of its own and
    (b) parent anxiety is in the model but has exactly no bivariate association (p = 1)."""
    df = simulate_step(600, seed=12)
    rng = np.random.default_rng(12)
    age = df["child_age"].to_numpy()
    df["child_age_at_entry_to_care"] = np.clip(0.5 * age + rng.normal(0, 1.0, len(df)), 0, 25)
    y = df[OUTCOME].to_numpy()
    anx = df["parent_anxiety"].to_numpy(dtype=float)
    gap = y[anx == 1].mean() - y[anx == 0].mean()
    df[OUTCOME] = y - gap * anx  # removes the raw difference exactly
    return df


@pytest.fixture(scope="module")
def against(planted: pd.DataFrame) -> pd.DataFrame:
    return screen_against_model(planted, screen_factors(planted)).set_index("factor")


def test_published_covariate_failing_the_screen_is_flagged(against):
    row = against.loc["parent_anxiety"]
    assert row["p_screen"] == pytest.approx(1.0)
    assert row["agreement"] == "in model, fails screen"


def test_factor_passing_only_through_current_age_is_flagged(planted, against):
    row = against.loc["child_age_at_entry_to_care"]
    assert row["p_screen"] < 1e-6 and row["r_with_child_age"] > 0.8
    assert row["agreement"] == "not in model, passes screen only through current age"
    # p given age against an independent numpy t-test of the same coefficient
    sub = planted[[OUTCOME, "child_age", "child_age_at_entry_to_care"]].dropna().astype(float)
    x = np.column_stack([np.ones(len(sub)), sub["child_age"], sub["child_age_at_entry_to_care"]])
    b, *_ = np.linalg.lstsq(x, sub[OUTCOME].to_numpy(), rcond=None)
    resid = sub[OUTCOME].to_numpy() - x @ b
    se = np.sqrt(resid @ resid / (len(sub) - 3) * np.linalg.inv(x.T @ x)[2, 2])
    p = 2 * stats.t.sf(abs(b[2] / se), len(sub) - 3)
    assert row["p_given_child_age"] == pytest.approx(p, rel=1e-9)
    assert row["p_given_child_age"] >= 0.05


def test_ethnicity_is_tested_jointly_against_nested_models(planted, against):
    sub = planted[[OUTCOME, *MODEL_COVARIATES, "child_ethnicity"]].dropna()
    sub = sub.assign(**{c: sub[c].astype(float) for c in (OUTCOME, *MODEL_COVARIATES)})
    sub["child_ethnicity"] = sub["child_ethnicity"].astype(str)
    assert sub["child_ethnicity"].value_counts().min() >= 10  # no merging in this extract
    rhs = " + ".join(MODEL_COVARIATES)
    small = smf.ols(f"{OUTCOME} ~ {rhs}", sub).fit()
    big = smf.ols(f"{OUTCOME} ~ {rhs} + C(child_ethnicity, Treatment('White'))", sub).fit()
    assert against.loc["child_ethnicity", "p_adjusted"] == pytest.approx(
        big.compare_f_test(small)[1], rel=1e-9
    )
    assert against.loc["child_ethnicity", "df_adjusted"] == int(big.df_resid)


def test_screen_model_disclosure_declares_every_float_column(against):
    keywords = screen_model_disclosure()
    floats = {c for c in against.reset_index().columns if against.reset_index()[c].dtype == float}
    assert floats <= set(keywords["counts"]) | set(keywords["derived"])
    assert (against["n_min_group"] <= against["n_adjusted"]).all()
    # the rarest group (parent disability, ~2%) is below the threshold and will be suppressed
    assert against.loc["parent_disability", "n_min_group"] < 20


def test_lasso_solution_meets_the_kkt_conditions():
    """At the chosen penalty, the lasso's optimality conditions hold on the standardised data:
    |x_j'(y - Xb)/n| = alpha for selected terms (with the sign of b_j), <= alpha otherwise."""
    df = simulate_step(400, seed=3)
    sel = lasso_select(df, folds=5, seed=1)
    data = model_frame(df, CANDIDATE_FACTORS)
    terms = design_terms(data)
    x = data[terms].to_numpy()
    xs = (x - x.mean(axis=0)) / x.std(axis=0)
    yc = data[OUTCOME].to_numpy() - data[OUTCOME].mean()
    b = sel.table.set_index("term").loc[terms, "standardised_coefficient"].to_numpy()
    grad = xs.T @ (yc - xs @ b) / len(yc)
    on = b != 0
    assert on.any() and (~on).any()
    np.testing.assert_allclose(grad[on], sel.alpha * np.sign(b[on]), atol=1e-3 * sel.alpha)
    assert (np.abs(grad[~on]) <= sel.alpha * (1 + 1e-3)).all()
    np.testing.assert_allclose(
        sel.table["lasso_coefficient"], b / x.std(axis=0), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("alpha", [0.05, 0.3, 1.0])
def test_coordinate_descent_matches_statsmodels_elastic_net(alpha: float):
    """On nearly uncorrelated covariates statsmodels' elastic net (L1 weight 1) converges, and
    the two implementations agree."""
    data = model_frame(simulate_step(400, seed=3), MODEL_COVARIATES)
    x = data[design_terms(data)].to_numpy()
    xs = (x - x.mean(axis=0)) / x.std(axis=0)
    yc = data[OUTCOME].to_numpy() - data[OUTCOME].mean()
    sm = OLS(yc, xs).fit_regularized(
        method="elastic_net", alpha=alpha, L1_wt=1.0, maxiter=1000, cnvrg_tol=1e-12
    )
    np.testing.assert_allclose(coordinate_descent(xs, yc, alpha), sm.params, atol=1e-9)


def test_lasso_is_seeded_and_finds_strong_effects():
    df = simulate_step(1000, seed=8)
    first = lasso_select(df, folds=10, seed=2)
    pd.testing.assert_frame_equal(first.table, lasso_select(df, folds=10, seed=2).table)
    assert {"child_age", "has_biological_children"} <= set(first.factors)
    sparse = lasso_select(df, folds=10, seed=2, rule="1se")
    dense = lasso_select(df, folds=10, seed=2, rule="min")
    assert dense.alpha <= sparse.alpha
    with pytest.raises(ValueError, match="rule"):
        lasso_select(df, rule="aic")


def test_choose_covariates_specs_and_caveats():
    df = simulate_step(400, seed=6, missing_rate=0.02)
    published = choose_covariates(df, "published")
    assert published.covariates == MODEL_COVARIATES and "optimistic" in published.caveat
    full = choose_covariates(df, "full")
    assert full.covariates == CANDIDATE_FACTORS and "pre-specified" in full.caveat
    fitted = fit_model(df, full.covariates)
    assert any(t.startswith("child_ethnicity__") for t in fitted.covariates)
    lasso = choose_covariates(df, "lasso", folds=5, seed=1)
    assert lasso.lasso is not None and set(lasso.covariates) <= set(CANDIDATE_FACTORS)
    assert "descriptive" in lasso.caveat and "too narrow" in lasso.caveat
    with pytest.raises(ValueError, match="model_spec"):
        choose_covariates(df, "stepwise")
