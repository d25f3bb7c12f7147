"""Diagnostics: DFBETAS against brute-force leave-one-out refits, the Huber robust fit, a
plain-words reading that never contradicts its numbers, and no single-family value released."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from statsmodels.robust.norms import HuberT
from statsmodels.robust.robust_linear_model import RLM
from statsmodels.stats.outliers_influence import OLSInfluence

from nps_analysis.provenance import SUPPRESSED
from nps_analysis.sdc import SDCConfig
from nps_analysis.step import OUTCOME
from nps_analysis.step.diagnostics import HUBER_CHANCE_SD, diagnose, influence_table, interpret
from nps_analysis.step.model import fit_model
from simulation.step import simulate_step


@pytest.fixture(scope="module")
def fitted():
    return fit_model(simulate_step(235, seed=17))


CONFIG = SDCConfig(threshold=10)


@pytest.fixture(scope="module")
def loo_dfbetas(fitted):
    """|DFBETAS_ij| = |b_j - b_j(-i)| / (s_(-i) sqrt((X'X)^-1_jj)), refitting without each family."""
    x, y = fitted.result.model.exog, fitted.result.model.endog
    b = np.linalg.lstsq(x, y, rcond=None)[0]
    diag_inv = np.diag(np.linalg.inv(x.T @ x))
    rows = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        bi, *_ = np.linalg.lstsq(x[keep], y[keep], rcond=None)
        resid = y[keep] - x[keep] @ bi
        s_i = np.sqrt(resid @ resid / (keep.sum() - x.shape[1]))
        rows.append(np.abs(b - bi) / (s_i * np.sqrt(diag_inv)))
    return np.array(rows)


def test_dfbetas_counts_equal_leave_one_out_refits_and_small_counts_are_withheld(
    fitted, loo_dfbetas
):
    n = fitted.n_used
    above = (loo_dfbetas > 2 / np.sqrt(n)).sum(axis=0)
    expected = [k if 10 <= k <= n - 10 else SUPPRESSED for k in above]
    table = influence_table(fitted, CONFIG)
    assert list(table["n_dfbetas_above"]) == expected
    assert SUPPRESSED in expected and any(k != SUPPRESSED for k in expected)  # both paths run
    np.testing.assert_allclose(table["dfbetas_threshold"], 2 / np.sqrt(235))
    diag = diagnose(fitted, CONFIG)
    assert diag.n_dfbetas_above == int((loo_dfbetas > 2 / np.sqrt(n)).any(axis=1).sum())


def test_no_single_family_value_is_released(fitted, loo_dfbetas):
    """Neither the influence table nor the diagnostics frame holds the largest leverage, Cook's
    distance or |DFBETAS| (values of one family), under any name."""
    infl = OLSInfluence(fitted.result)
    singles = [
        infl.hat_matrix_diag.max(),
        infl.cooks_distance[0].max(),
        *loo_dfbetas.max(axis=0),
    ]
    frame = diagnose(fitted, CONFIG).to_frame()
    table = influence_table(fitted, CONFIG)
    released = [
        *frame["value"].dropna(),
        *table.select_dtypes("number").to_numpy().ravel(),
    ]
    for value in singles:
        assert not np.isclose(released, value, rtol=1e-6).any()
    assert not [
        s
        for s in frame["statistic"]
        if s.startswith("max_") and "vif" not in s and "robust" not in s
    ]


def test_influence_counts_follow_the_threshold_rule(fitted):
    """Counts above the cut-offs are released at the threshold and withheld (`c`) under it."""
    infl = OLSInfluence(fitted.result)
    n, k = fitted.n_used, fitted.result.model.exog.shape[1]
    cooks = int((infl.cooks_distance[0] > 4 / n).sum())
    high = int((infl.hat_matrix_diag > 2 * k / n).sum())
    assert min(cooks, high) >= 10
    diag = diagnose(fitted, CONFIG)
    assert (diag.n_cooks_above, diag.n_leverage_above) == (cooks, high)
    strict = diagnose(fitted, SDCConfig(threshold=max(cooks, high) + 1))
    assert strict.n_cooks_above is None and strict.n_leverage_above is None
    frame = strict.to_frame().set_index("statistic")
    assert frame.loc["n_cooks_above", "value_text"] == SUPPRESSED
    assert np.isnan(frame.loc["n_cooks_above", "value"])


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
    # influence is worded from counts of families above |DFBETAS| 1, never from one family
    big = dataclasses.replace(base, n_dfbetas_above_one=12)
    text = " ".join(interpret(big))
    assert "12 families each move" in text and "a single family changes the reading" in text
    assert "no reason to drop them" in text
    none = dataclasses.replace(base, n_dfbetas_above_one=0)
    assert "no single family changes the reading" in " ".join(interpret(none))
    withheld = dataclasses.replace(base, n_dfbetas_above_one=None, n_cooks_above=None)
    text = " ".join(interpret(withheld))
    assert "is not released" in text and "a withheld number of families exceed Cook's" in text
