"""Diagnostics: DFBETAS against brute-force leave-one-out refits, the Huber robust fit, and a
plain-words reading that never contradicts its numbers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from statsmodels.robust.norms import HuberT
from statsmodels.robust.robust_linear_model import RLM

from nps_analysis.step import OUTCOME
from nps_analysis.step.diagnostics import HUBER_CHANCE_SD, diagnose, influence_table, interpret
from nps_analysis.step.model import fit_model
from nps_analysis.step.simulate import simulate_step


@pytest.fixture(scope="module")
def fitted():
    return fit_model(simulate_step(235, seed=17))


def test_dfbetas_equal_leave_one_out_refits(fitted):
    """DFBETAS_ij = (b_j - b_j(-i)) / (s_(-i) sqrt((X'X)^-1_jj)), by refitting without each family."""
    x, y = fitted.result.model.exog, fitted.result.model.endog
    b = np.linalg.lstsq(x, y, rcond=None)[0]
    diag_inv = np.diag(np.linalg.inv(x.T @ x))
    worst = np.zeros(x.shape[1])
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        bi, *_ = np.linalg.lstsq(x[keep], y[keep], rcond=None)
        resid = y[keep] - x[keep] @ bi
        s_i = np.sqrt(resid @ resid / (keep.sum() - x.shape[1]))
        worst = np.maximum(worst, np.abs(b - bi) / (s_i * np.sqrt(diag_inv)))
    table = influence_table(fitted)
    np.testing.assert_allclose(table["max_abs_dfbetas"], worst, rtol=1e-8)
    np.testing.assert_allclose(table["dfbetas_threshold"], 2 / np.sqrt(235))


def test_robust_shift_is_the_huber_fit_in_ols_standard_errors(fitted):
    table = influence_table(fitted)
    rlm = RLM(fitted.result.model.endog, fitted.result.model.exog, M=HuberT()).fit()
    np.testing.assert_allclose(table["robust_estimate"], rlm.params, rtol=1e-10)
    shift = (np.asarray(rlm.params) - fitted.result.params.to_numpy()) / fitted.result.bse
    np.testing.assert_allclose(table["robust_shift_se"], shift, rtol=1e-10)


def test_planted_outliers_are_reported_by_the_robust_fit():
    df = simulate_step(235, seed=17)
    bio = df["has_biological_children"].to_numpy(dtype=bool)
    df.loc[np.flatnonzero(bio)[:6], OUTCOME] += 60.0  # six gross errors, all in one group
    diag = diagnose(fit_model(df))
    assert diag.max_robust_shift_se > 3 * HUBER_CHANCE_SD
    assert diag.max_robust_shift_term == "has_biological_children"
    text = " ".join(interpret(diag))
    assert "outlying families pull that estimate" in text


def test_wording_follows_the_values(fitted):
    base = diagnose(fitted)
    disagree = dataclasses.replace(base, se_ratio_min=1.01, se_ratio_max=1.39)
    text = " ".join(interpret(disagree))
    assert "1.01 to 1.39" in text and "do not agree" in text and "should agree" not in text
    agree = dataclasses.replace(base, se_ratio_min=0.97, se_ratio_max=1.06)
    assert "agree within 10%" in " ".join(interpret(agree))
    # a non-rejection is never read as "consistent with normal"
    calm = dataclasses.replace(base, normality_p=0.66, breusch_pagan_p=0.29)
    text = " ".join(interpret(calm))
    assert "consistent with a normal" not in text and "not proof of normality" in text
    assert "not evidence of constant variance" in text
    rejected = dataclasses.replace(base, normality_p=0.001)
    assert "large-sample (central limit) approximation" in " ".join(interpret(rejected))
    # influence is worded from DFBETAS, not from dropping the families above 4/n
    big = dataclasses.replace(base, max_abs_dfbetas=1.4, max_abs_dfbetas_term="dx_ptsd")
    text = " ".join(interpret(big))
    assert "1.40 of its SE" in text and "a single family changes the reading" in text
    assert "no reason to drop them" in text
