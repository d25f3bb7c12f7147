"""Damped-growth trend against scipy's curve_fit, the rolling-origin backtest refitted by hand, and
the forecast table publishing each forecast only beside its backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from nps_analysis.asgsf import backtest, damped, forecast, prediction, trends
from nps_analysis.asgsf.years import fy_span

YEARS5 = fy_span("2018/19", "2022/23")
TOTALS = np.array([4672, 8280, 10350, 12419, 14481])


def _curve(k: np.ndarray, gamma: float, phi: float) -> np.ndarray:
    return gamma * phi**k


def test_damped_fit_matches_scipy_curve_fit() -> None:
    fit = damped.fit_damped("All packages", YEARS5, TOTALS)
    d = np.diff(np.log(TOTALS))
    k = np.arange(4.0)
    popt, pcov = optimize.curve_fit(_curve, k, d, p0=[0.5, 0.5], bounds=([-5, 0], [5, 1]))
    assert (fit.gamma, fit.phi) == pytest.approx(tuple(popt), rel=1e-5)
    # curve_fit scales its covariance by RSS / (m - 2): the same t-based inference
    assert fit.cov == pytest.approx(pcov, rel=1e-3)
    assert fit.df_resid == 2
    rss = np.sum((d - _curve(k, *popt)) ** 2)
    assert fit.sigma2 == pytest.approx(rss / 2, rel=1e-6)


def test_damped_prediction_interval_by_hand() -> None:
    fit = damped.fit_damped("All packages", YEARS5, TOTALS)
    centre, pis = fit.predict(2, (0.95,))
    g, p = fit.gamma, fit.phi
    # anchored on the last year: log y_T + gamma (phi^4 [+ phi^5])
    assert centre == pytest.approx(14481 * np.exp(g * np.cumsum([p**4, p**5])), rel=1e-9)
    grad1 = np.array([p**4, g * 4 * p**3])
    var1 = grad1 @ fit.cov @ grad1 + fit.sigma2
    q = stats.t.ppf(0.975, 2)
    assert pis[0.95][0][0] == pytest.approx(centre[0] * np.exp(-q * np.sqrt(var1)), rel=1e-9)
    assert pis[0.95][1][0] == pytest.approx(centre[0] * np.exp(q * np.sqrt(var1)), rel=1e-9)


@pytest.mark.parametrize(
    ("counts", "why"),
    [([4672, 8280, 10350], "at least 4"), ([5, 6, 7, 8, 9], "fewer than 20")],
)
def test_damped_refuses_with_reason(counts: list[int], why: str) -> None:
    fit = damped.fit_damped("x", YEARS5[: len(counts)], counts)
    assert not fit.fitted_ok
    assert why in fit.note


@pytest.mark.slow
def test_damped_coverage_under_its_own_model() -> None:
    """5 years of log growth gamma * phi^k + N(0, 0.05^2) noise: the t(2) 1-step interval covers
    at least 93% (R = 500; Monte Carlo SE 0.97 points)."""
    rng = np.random.default_rng(31)
    hits, reps = 0, 500
    for _ in range(reps):
        d = 0.5 * 0.7 ** np.arange(5) + rng.normal(0, 0.05, 5)
        y = 4672 * np.exp(np.r_[0.0, np.cumsum(d)])
        fit = damped.fit_damped("x", YEARS5, y[:5])
        _, pis = fit.predict(1, (0.95,))
        hits += pis[0.95][0][0] <= y[5] <= pis[0.95][1][0]
    assert hits / reps >= 0.93


def test_rolling_origin_refits_by_hand() -> None:
    fit = trends.fit_count_trend("All packages", YEARS5, TOTALS)
    bt = backtest.rolling_origin(fit)
    ll = bt[bt["trend"] == backtest.TREND_LOG_LINEAR].set_index("financial_year")
    assert list(ll.index) == ["2021/22", "2022/23"]  # trained on 3 and 4 years
    for k, year in ((3, "2021/22"), (4, "2022/23")):
        sub = trends.fit_count_trend("All packages", YEARS5[:k], TOTALS[:k])
        expected = float(sub.mean(np.array([2018 + k]))[0])
        assert ll.loc[year, "forecast"] == pytest.approx(expected, rel=1e-9)
        assert ll.loc[year, "n_years"] == k and ll.loc[year, "df_resid"] == k - 2
        assert ll.loc[year, "error_pct"] == pytest.approx(
            (expected - TOTALS[k]) / TOTALS[k] * 100, rel=1e-9
        )
    dm = bt[bt["trend"] == backtest.TREND_DAMPED]
    assert dm["financial_year"].tolist() == ["2022/23"]  # needs 4 training years
    by_hand = damped.fit_damped("x", YEARS5[:4], TOTALS[:4]).predict(1)[0][0]
    assert dm["forecast"].iloc[0] == pytest.approx(by_hand, rel=1e-9)
    naive = bt[bt["trend"] == backtest.TREND_NAIVE]
    assert naive["forecast"].tolist() == TOTALS[:4].tolist()
    # summary on the shared year 2022/23 only: damped |-8.6%| beats log-linear |+27.7%|
    summary = backtest.summarise(bt).set_index("trend")
    assert summary["backtest_years"].unique().tolist() == ["2022/23"]
    assert summary.loc["damped", "backtest_mape_pct"] == pytest.approx(
        abs(by_hand - 14481) / 14481 * 100
    )
    assert "naive" not in summary.index  # a benchmark, not a published forecast
    assert summary["naive_mape_pct"].iloc[0] == pytest.approx((14481 - 12419) / 14481 * 100)
    assert summary["preferred"].tolist() == [False, True]


def test_forecasts_are_published_only_beside_a_backtest() -> None:
    fits = {
        "five": trends.fit_count_trend("five", YEARS5, TOTALS),
        "four": trends.fit_count_trend("four", YEARS5[1:], TOTALS[1:]),
        "three": trends.fit_count_trend("three", YEARS5[2:], TOTALS[2:]),
    }
    fc = forecast.forecast_all(fits, 3)
    assert list(fc.columns[:4]) == ["therapy_type", "financial_year", "model", "forecast"]
    shown = fc[fc["financial_year"].notna()]
    assert shown["backtest_origins"].notna().all() and (shown["backtest_origins"] >= 1).all()
    assert shown.groupby(["therapy_type", "trend"]).size().to_dict() == {
        ("five", "damped"): 3,
        ("five", "log_linear"): 3,
        ("four", "log_linear"): 3,
    }
    notes = fc[fc["financial_year"].isna()].set_index(["therapy_type", "trend"])["note"]
    assert "cannot be backtested on 4 years" in notes[("four", "damped")]
    assert "cannot be backtested on 3 years" in notes[("three", "log_linear")]
    assert shown[["n_years", "df_resid"]].notna().all().all()
    five = shown[shown["therapy_type"] == "five"].set_index("trend")
    assert five.loc["damped", "preferred"].all() and not five.loc["log_linear", "preferred"].any()
    assert (
        five.loc["damped", "beats_naive"].all() and not five.loc["log_linear", "beats_naive"].any()
    )
    pd.testing.assert_frame_equal(fc, forecast.forecast_all(fits, 3))  # seeded: identical


def test_log_linear_forecast_intervals_carry_dispersion_uncertainty() -> None:
    """At df = 3 the simulated interval is wider than one treating the dispersion as known."""
    fit = trends.fit_count_trend("All packages", YEARS5, TOTALS)
    starts = np.array([2023])
    _, pis = prediction.predict(fit, starts, levels=(0.95,), n_draws=20_000)
    rng = np.random.default_rng(1)
    beta = rng.multivariate_normal(fit.params, fit.cov, 20_000)
    mu = np.exp(beta[:, 0] + beta[:, 1] * (2023 - fit.centre))
    known = rng.poisson(rng.gamma(1 / fit.alpha, mu * fit.alpha))
    lo_k, hi_k = np.quantile(known, [0.025, 0.975])
    lo, hi = pis[0.95]
    assert hi[0] / lo[0] > 1.3 * hi_k / lo_k
