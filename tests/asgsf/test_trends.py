"""ASGSF trend models at the production span (4-5 annual points), each statistic checked against an
independent implementation: a hand-coded likelihood (scipy), scipy's t and F quantiles.

Coverage at the production span is simulated in `tests/asgsf/test_trend_coverage.py` (slow).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special, stats

from nps_analysis.asgsf import trends
from nps_analysis.asgsf.categories import COMPARABLE_LABEL
from nps_analysis.asgsf.forecast import forecast_fit
from nps_analysis.asgsf.years import fy_span
from simulation.asgsf import simulate_counts

YEARS5 = fy_span("2018/19", "2022/23")
TOTALS = np.array([4672, 8280, 10350, 12419, 14481])  # the default All packages series
X5 = np.arange(5) - 2.0


def _nb2_mle(y: np.ndarray, x: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """NB2 (log link) coefficients by maximising the log-likelihood with scipy, and the inverse
    Fisher information X' diag(mu / (1 + alpha mu)) X: an implementation independent of
    statsmodels."""
    X = np.column_stack([np.ones_like(x), x])
    r = 1.0 / alpha

    def nll(beta: np.ndarray) -> float:
        mu = np.exp(X @ beta)
        return -float(
            np.sum(
                special.gammaln(y + r)
                - special.gammaln(r)
                - special.gammaln(y + 1)
                + r * np.log(r / (r + mu))
                + y * np.log(mu / (r + mu))
            )
        )

    start = np.array([np.log(y.mean()), 0.0])
    beta = optimize.minimize(nll, start, method="BFGS", options={"gtol": 1e-10}).x
    mu = np.exp(X @ beta)
    info = X.T @ (X * (mu / (1 + alpha * mu))[:, None])
    return beta, np.linalg.inv(info)


def test_nb_growth_ci_matches_hand_coded_likelihood_and_t_quantile() -> None:
    fit = trends.fit_count_trend("All packages", YEARS5, TOTALS)
    assert fit.model == trends.MODEL_NB and fit.df_resid == 3
    # the moment estimator: at alpha-hat the NB Pearson chi2 equals its residual df
    beta, cov = _nb2_mle(TOTALS.astype(float), X5, fit.alpha)
    mu = np.exp(beta[0] + beta[1] * X5)
    chi2 = np.sum((TOTALS - mu) ** 2 / (mu + fit.alpha * mu**2))
    assert chi2 == pytest.approx(3.0, rel=1e-4)
    assert fit.params == pytest.approx(beta, rel=1e-5)
    se = np.sqrt(cov[1, 1])
    assert fit.slope_se == pytest.approx(se, rel=1e-4)
    q = stats.t.ppf(0.975, 3)  # 3.182, not z = 1.960
    lo, hi = fit.growth_ci()
    assert lo == pytest.approx(np.expm1(beta[1] - q * se) * 100, rel=1e-4)
    assert hi == pytest.approx(np.expm1(beta[1] + q * se) * 100, rel=1e-4)
    assert fit.p_value() == pytest.approx(2 * stats.t.sf(abs(beta[1] / se), 3), rel=1e-3)
    assert (lo, hi) == pytest.approx((12.31, 50.91), abs=0.01)  # the published default values


def test_quasi_poisson_matches_hand_coded_poisson_with_pearson_scale() -> None:
    y = np.array([7, 9, 10, 11, 11], dtype=float)  # Short breaks on the default data
    fit = trends.fit_count_trend("Short breaks", YEARS5, y)
    assert fit.model == trends.MODEL_QUASI
    X = np.column_stack([np.ones(5), X5])

    def nll(beta: np.ndarray) -> float:
        eta = X @ beta
        return float(np.sum(np.exp(eta) - y * eta))

    beta = optimize.minimize(nll, np.array([2.0, 0.0]), method="BFGS", options={"gtol": 1e-12}).x
    mu = np.exp(X @ beta)
    scale = np.sum((y - mu) ** 2 / mu) / 3
    se = np.sqrt(np.linalg.inv(X.T @ (X * mu[:, None]))[1, 1] * scale)
    assert fit.scale == pytest.approx(scale, rel=1e-5)
    assert fit.slope_se == pytest.approx(se, rel=1e-4)
    q = stats.t.ppf(0.975, 3)
    assert fit.growth_ci() == pytest.approx(
        (np.expm1(beta[1] - q * se) * 100, np.expm1(beta[1] + q * se) * 100), rel=1e-4
    )
    assert fit.ci_reference == "t(3)"


def test_overdispersed_five_points_switch_to_negative_binomial_and_widen() -> None:
    rng = np.random.default_rng(3)
    mu = 2000 * 1.15 ** np.arange(5)
    y = rng.poisson(rng.gamma(1 / 0.02, mu * 0.02))
    fit = trends.fit_count_trend("x", YEARS5, y)
    assert fit.dispersion > trends.DISPERSION_THRESHOLD
    assert fit.model == trends.MODEL_NB
    as_poisson = trends.fit_count_trend("x", YEARS5, y, dispersion_threshold=np.inf)
    assert as_poisson.model == trends.MODEL_QUASI
    # Var/mu = 1 + alpha mu is about 41 at mu = 2000: both estimated dispersions widen the SE
    # far beyond a Poisson one (the Poisson GLM's own SE)
    poisson_se = as_poisson.slope_se / np.sqrt(as_poisson.scale)
    assert fit.slope_se > 3 * poisson_se


def test_curvature_f_test_matches_hand_computation() -> None:
    fit = trends.fit_count_trend("All packages", YEARS5, TOTALS)
    f, p, df = trends.curvature_test(fit)
    # the quadratic NB2 fit with the same alpha, by maximising the likelihood with scipy
    X = np.column_stack([np.ones(5), X5, X5**2])
    r = 1 / fit.alpha

    def nll(beta: np.ndarray) -> float:
        mu = np.exp(X @ beta)
        return -float(np.sum(r * np.log(r / (r + mu)) + TOTALS * np.log(mu / (r + mu))))

    beta = optimize.minimize(
        nll, np.array([np.log(TOTALS.mean()), 0.2, 0.0]), method="BFGS", options={"gtol": 1e-10}
    ).x
    mu = np.exp(X @ beta)
    quad = np.sum((TOTALS - mu) ** 2 / (mu + fit.alpha * mu**2))
    expected = (3.0 - quad) / (quad / 2)  # the linear NB chi2 is 3 (= df) by construction
    assert df == 2
    assert f == pytest.approx(expected, rel=1e-3)
    assert p == pytest.approx(stats.f.sf(expected, 1, 2), rel=1e-3)
    short = trends.fit_count_trend("x", YEARS5[:3], TOTALS[:3])
    assert np.isnan(trends.curvature_test(short)[1])  # 3 points: no df left for a quadratic


def test_share_trend_matches_hand_coded_quasi_binomial() -> None:
    s = np.array([578, 897, 1162, 1440, 1727], dtype=float)  # Specialist assessments
    share = trends.share_trend(s, TOTALS, np.arange(2018, 2023))
    X = np.column_stack([np.ones(5), X5])

    def nll(beta: np.ndarray) -> float:
        eta = X @ beta
        return -float(np.sum(s * eta - TOTALS * np.log1p(np.exp(eta))))

    beta = optimize.minimize(nll, np.array([-2.0, 0.0]), method="BFGS", options={"gtol": 1e-12}).x
    p = special.expit(X @ beta)
    w = TOTALS * p * (1 - p)
    scale = np.sum((s - TOTALS * p) ** 2 / w) / 3
    se = np.sqrt(np.linalg.inv(X.T @ (X * w[:, None]))[1, 1] * scale)
    assert share.slope == pytest.approx(beta[1], rel=1e-4)
    assert share.se == pytest.approx(se, rel=1e-3)
    assert share.p_value == pytest.approx(2 * stats.t.sf(abs(beta[1] / se), 3), rel=1e-2)


@pytest.mark.parametrize(
    ("years", "counts", "why"),
    [
        (YEARS5[:2], [10, 12], "at least 3"),
        (YEARS5, [0, 0, 0, 0, 0], "no packages"),
        (YEARS5, [0, 0, 0, 0, 70], "only one year"),
        (YEARS5, [1, 0, 2, 3, 1], "fewer than 10"),
    ],
)
def test_no_model_is_explained(years: list[str], counts: list[int], why: str) -> None:
    fit = trends.fit_count_trend("x", years, counts)
    assert fit.model == trends.MODEL_NONE
    assert why in fit.note
    assert forecast_fit(fit, 3).empty


def test_category_change_years_are_not_modelled() -> None:
    years = fy_span("2015/16", "2024/25")
    assert trends.model_years("Family therapy", years) == years[4:]  # from 2019/20
    assert trends.model_years("Family therapy", years, exclude_partial=False) == years[3:]
    assert trends.model_years("Multi-disciplinary packages of support", years) == years[:3]
    # psychotherapy and creative therapies lost packages to family therapy in November 2018
    assert trends.model_years("Psychotherapy", years) == years[4:]
    assert trends.model_years("Creative therapies", years) == years[4:]
    assert trends.model_years("Psychotherapy", years, exclude_partial=False) == years
    assert trends.model_years("Therapeutic parenting", years) == years
    assert trends.spans_category_change("Psychotherapy", years)
    assert not trends.spans_category_change("Psychotherapy", years[4:])
    assert not trends.spans_category_change(COMPARABLE_LABEL, years)  # its label says "creative"


def test_fit_all_on_simulated_counts() -> None:
    years = fy_span("2015/16", "2024/25")
    counts = simulate_counts(years, seed=21)
    table = trends.trends_table(trends.fit_all(counts)).set_index("therapy_type")
    for name in ("Family therapy", "Psychotherapy", "Creative therapies"):
        assert table.loc[name, "first_year"] == "2019/20"
        assert table.loc[name, "n_years"] == 6
        assert table.loc[name, "df_resid"] == 4
        assert not table.loc[name, "spans_category_change"]
    assert table.loc["Family therapy", "annual_growth_pct"] == pytest.approx(35.0, abs=4)
    assert table.loc["Multi-disciplinary packages of support", "n_years"] == 3
    assert list(table.reset_index().columns[:8]) == [
        "therapy_type",
        "model",
        "annual_growth_pct",
        "ci_low",
        "ci_high",
        "p_value",
        "n_years",
        "df_resid",
    ]
    assert (table.loc[table["model"] != "none", "ci_reference"].str.startswith("t(")).all()
    # "faster than the total" only for the comparable series and untouched categories
    for name in ("Family therapy", "Psychotherapy", "Creative therapies"):
        assert pd.isna(table.loc[name, "faster_than_total"])
        assert "comparable series" in table.loc[name, "note"]
    assert pd.isna(table.loc[trends.TOTAL_LABEL, "faster_than_total"])
    assert bool(table.loc["Specialist assessments", "faster_than_total"])  # 30%/yr vs ~22%
    assert not bool(table.loc["Extensive therapeutic life story work", "faster_than_total"])
    assert not pd.isna(table.loc[COMPARABLE_LABEL, "faster_than_total"])


def test_change_spanning_fit_is_flagged() -> None:
    counts = simulate_counts(YEARS5, seed=4)
    fits = trends.fit_all(counts, exclude_partial=False)
    table = trends.trends_table(fits).set_index("therapy_type")
    assert table.loc["Psychotherapy", "first_year"] == "2018/19"
    assert table.loc["Psychotherapy", "spans_category_change"]
    assert "FLAG" in table.loc["Psychotherapy", "note"]
    assert not table.loc["Therapeutic parenting", "spans_category_change"]


def test_short_span_gives_reasons_not_errors() -> None:
    counts = simulate_counts(YEARS5, seed=4)
    table = trends.trends_table(trends.fit_all(counts)).set_index("therapy_type")
    md = table.loc["Multi-disciplinary packages of support"]
    assert md["model"] == trends.MODEL_NONE
    assert "at least 3" in md["note"]
    assert np.isnan(md["annual_growth_pct"])
    assert pd.isna(md["df_resid"])
