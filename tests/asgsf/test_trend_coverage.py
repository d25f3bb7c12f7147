"""Seeded coverage simulations of the ASGSF growth CI and 1-step prediction interval at the
production span: 5 annual points (4 for Family, Psychotherapy and Creative therapies).

Monte Carlo error: with R replicates a coverage near 95% has standard error sqrt(0.95 * 0.05 / R):
0.97 points at R = 500, 1.26 at R = 300. The 93% threshold is about 2 standard errors below the
nominal 95%, so a correct method fails with probability about 2%; the previous z-based intervals
(81-86% for growth, 84-90% for 1-step forecasts) fail with certainty.
"""

from __future__ import annotations

import numpy as np
import pytest

from nps_analysis.asgsf import prediction, trends
from nps_analysis.asgsf.years import fy_span
from simulation.asgsf import simulate_series

THRESHOLD = 0.93
YEARS = fy_span("2018/19", "2030/31")


def _coverage(
    n_years: int, reps: int, seed: int, *, first: float, growth: float, alpha: float
) -> tuple[float, float]:
    """Share of replicates whose 95% growth CI holds the true growth, and whose 95% 1-step
    prediction interval holds the next year's count."""
    rng = np.random.default_rng(seed)
    years = YEARS[:n_years]
    next_start = np.array([2018 + n_years])
    growth_hits = forecast_hits = 0
    for _ in range(reps):
        y = simulate_series(n_years + 1, first=first, growth=growth, alpha=alpha, rng=rng)
        fit = trends.fit_count_trend("x", years, y[:n_years])
        lo, hi = fit.growth_ci()
        growth_hits += lo <= growth * 100 <= hi
        _, pis = prediction.predict(
            fit, next_start, levels=(0.95,), n_draws=2_000, seed=int(rng.integers(2**31))
        )
        low, high = pis[0.95]
        forecast_hits += low[0] <= y[n_years] <= high[0]
    return growth_hits / reps, forecast_hits / reps


@pytest.mark.slow
@pytest.mark.parametrize("n_years", [5, 4])
def test_negative_binomial_coverage_at_production_span(n_years: int) -> None:
    """Correctly specified NB2 (alpha 0.02, the default All packages level and growth): the
    dispersion is estimated from the same points, so z intervals covered 86% (n = 5) and 81%
    (n = 4) of growth rates and 84-90% of next-year counts."""
    growth_cov, forecast_cov = _coverage(
        n_years, 500, 19 + n_years, first=4672, growth=0.30, alpha=0.02
    )
    assert growth_cov >= THRESHOLD, growth_cov
    assert forecast_cov >= THRESHOLD, forecast_cov


def test_small_poisson_counts_coverage() -> None:
    """Small Poisson counts (40 a year, +10%): the quasi-Poisson branch estimates its scale on
    3 df, so it needs t intervals too (R = 300)."""
    growth_cov, forecast_cov = _coverage(5, 300, 3, first=40, growth=0.10, alpha=0.0)
    assert growth_cov >= THRESHOLD, growth_cov
    assert forecast_cov >= THRESHOLD, forecast_cov


def test_share_trend_false_positive_rate_at_production_span() -> None:
    """A component growing exactly like the rest of the total (NB noise, 5 years) is called
    'clearly faster' in at most 5% + 2 Monte Carlo SE of replicates (R = 400: SE 1.1 points)."""
    rng = np.random.default_rng(8)
    starts = np.arange(2018, 2023)
    hits = 0
    reps = 400
    for _ in range(reps):
        part = simulate_series(5, first=600, growth=0.25, alpha=0.01, rng=rng)
        rest = simulate_series(5, first=4000, growth=0.25, alpha=0.01, rng=rng)
        share = trends.share_trend(part, part + rest, starts)
        hits += share.slope > 0 and share.p_value < 0.05
    assert hits / reps <= 0.025 + 2 * np.sqrt(0.025 * 0.975 / reps)  # one-sided 2.5% nominal
