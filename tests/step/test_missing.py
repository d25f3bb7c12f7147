"""Multiple imputation: Rubin's rules and Barnard-Rubin df by hand, Monte Carlo error, the
auxiliaries in the imputation model, and CI coverage by a seeded simulation at n = 235."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nps_analysis.config import load_params
from nps_analysis.step import MODEL_COVARIATES, OUTCOME
from nps_analysis.step.missing import (
    MI_AUXILIARIES,
    barnard_rubin_df,
    imputation_data,
    mice_sensitivity,
    monte_carlo_error,
    rubin_pool,
)
from nps_analysis.synth.step import OPTIONAL_BLANKS
from simulation.step import simulate_step, true_beta

# m = 5 estimates of one parameter and their squared complete-data SEs, worked by hand:
# qbar = 1.1; B = (.01 + .01 + .04 + 0 + .04) / 4 = .025; W = .045; T = W + 1.2 B = .075
# lambda = .03 / .075 = .4; nu_old = 4 / .16 = 25; nu_com = 100:
# nu_obs = 101/103 * 100 * .6 = 58.8349515; nu = 25 * 58.8349515 / 83.8349515 = 17.5448755
# r = .03 / .045 = 2/3; FMI = (r + 2 / (nu + 3)) / (1 + r) = 0.4584087
Q = np.array([[1.0], [1.2], [0.9], [1.1], [1.3]])
U = np.array([[0.04], [0.05], [0.045], [0.04], [0.05]])
NU = 17.5448755


def test_barnard_rubin_df_hand_computed():
    nu = barnard_rubin_df(np.array([0.045]), np.array([0.025]), m=5, df_complete=100)
    assert nu[0] == pytest.approx(NU, abs=1e-6)
    # no between-imputation variance: nu_obs = (nu + 1) / (nu + 3) * nu, here 101/103 * 100
    assert barnard_rubin_df(np.array([0.04]), np.array([0.0]), 5, 100)[0] == pytest.approx(
        10100 / 103
    )
    # many complete-data df: the classical Rubin (1987) df (m - 1) / lambda² = 25
    assert barnard_rubin_df(np.array([0.045]), np.array([0.025]), 5, 1e12)[0] == pytest.approx(
        25, rel=1e-6
    )


def test_rubin_pool_hand_computed():
    row = rubin_pool(Q, U, df_complete=100).iloc[0]
    assert row["estimate"] == pytest.approx(1.1)
    assert row["within_variance"] == pytest.approx(0.045)
    assert row["between_variance"] == pytest.approx(0.025)
    assert row["std_error"] == pytest.approx(np.sqrt(0.075))
    assert row["df"] == pytest.approx(NU, abs=1e-6)
    half = stats.t.ppf(0.975, NU) * np.sqrt(0.075)  # 2.10 * SE, not the normal 1.96 * SE
    assert row["ci_low"] == pytest.approx(1.1 - half, abs=1e-6)
    assert row["ci_high"] == pytest.approx(1.1 + half, abs=1e-6)
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(1.1 / np.sqrt(0.075), NU), abs=1e-9)
    assert row["relative_increase_variance"] == pytest.approx(2 / 3)
    assert row["fraction_missing_information"] == pytest.approx(0.4584087, abs=1e-6)


def test_monte_carlo_error_jackknife():
    mce = monte_carlo_error(Q, U, df_complete=100).iloc[0]
    # the jackknife SE of a mean is exactly s / sqrt(m) = sqrt(B / m)
    assert mce["mce_estimate"] == pytest.approx(np.sqrt(0.025 / 5))
    # and for the CI limit, by hand from the five leave-one-out pools
    lows = [
        rubin_pool(np.delete(Q, j, 0), np.delete(U, j, 0), 100)["ci_low"].iloc[0] for j in range(5)
    ]
    assert mce["mce_ci_low"] == pytest.approx(np.sqrt(4 / 5 * np.sum((lows - np.mean(lows)) ** 2)))


def test_imputation_model_uses_the_auxiliaries():
    df = simulate_step(300, seed=4, missing_rate=0.05)
    data, terms = imputation_data(df)
    assert terms == list(MODEL_COVARIATES)
    expected = {"child_age_at_entry_to_care", "child_age_at_placement", "receiving_support"}
    expected |= {"parent_depression"}
    assert expected <= set(data.columns) - set(terms)
    assert any(c.startswith("child_ethnicity__") for c in data.columns)
    assert set(MI_AUXILIARIES) - {"child_ethnicity"} <= set(data.columns)
    # missing stays missing (MICE imputes it), ethnicity indicators included
    eth = [c for c in data.columns if c.startswith("child_ethnicity__")]
    assert data.loc[df["child_ethnicity"].isna().to_numpy(), eth].isna().all().all()
    assert data[OUTCOME].isna().sum() == df[OUTCOME].isna().sum()


def test_default_is_at_least_30_imputations():
    assert load_params()["step"]["mice_imputations"] >= 30


def synthetic_missingness() -> dict[str, float]:
    """The synthetic default's missingness: outcome and the optional covariates (params.yaml)."""
    p = load_params()["synth"]["step"]
    rates = dict.fromkeys(OPTIONAL_BLANKS, p["covariate_missing_pct"] / 100)
    return {OUTCOME: p["outcome_missing_pct"] / 100, **rates}


@pytest.mark.slow
def test_mice_intervals_cover_the_truth_at_n_235():
    """100 seeded extracts of 235 families from known coefficients with the synthetic
    missingness (6% outcome, 3% in each optional covariate): the pooled 95% t(Barnard-Rubin)
    intervals cover the truth at the nominal rate and the pooled estimates are unbiased.
    m = 5 imputations keep the run to minutes and test the df correction where it matters most.
    """
    reps, beta = 100, true_beta()
    cover, z = [], []
    for rep in range(reps):
        df = simulate_step(235, seed=1000 + rep, missing_rates=synthetic_missingness())
        res = mice_sensitivity(df, seed=rep, n_burnin=3, n_imputations=5)
        cover.append(((res["mi_ci_low"] <= beta) & (beta <= res["mi_ci_high"])).to_numpy())
        z.append(((res["mi_estimate"] - beta) / res["mi_std_error"]).to_numpy())
    cover, z = np.asarray(cover), np.asarray(z)
    # 1,100 intervals: binomial SE of the overall rate ~0.007
    assert abs(cover.mean() - 0.95) < 0.025, cover.mean()
    assert cover.mean(axis=0).min() >= 0.86, cover.mean(axis=0)  # per term: SE ~0.022
    assert np.abs(z.mean(axis=0)).max() < 0.4, z.mean(axis=0)  # SE of a mean z ~0.1
    assert pd.Series(z.std(axis=0)).between(0.75, 1.3).all(), z.std(axis=0)
