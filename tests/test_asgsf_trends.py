"""ASGSF trend models recover known growth rates; overdispersion switches to negative binomial."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nps_analysis.asgsf import trends
from nps_analysis.asgsf.categories import COMPARABLE_LABEL
from nps_analysis.asgsf.forecast import forecast_all, forecast_fit
from nps_analysis.asgsf.simulate import simulate_counts
from nps_analysis.asgsf.years import fy_span

YEARS = fy_span("2015/16", "2024/25")


@pytest.mark.parametrize("g", [0.25, 0.10, 0.0, -0.08])
def test_poisson_recovers_known_growth(g: float) -> None:
    rng = np.random.default_rng(7)
    t = np.arange(len(YEARS))
    estimates, covered = [], 0
    for _ in range(60):
        y = rng.poisson(800 * (1 + g) ** t)
        fit = trends.fit_count_trend("x", YEARS, y)
        assert fit.model in (trends.MODEL_POISSON, trends.MODEL_NB, trends.MODEL_QUASI)
        estimates.append(fit.growth_pct())
        lo, hi = fit.growth_ci()
        covered += lo <= g * 100 <= hi
    assert np.mean(estimates) == pytest.approx(g * 100, abs=0.3)
    assert covered / 60 >= 0.85


def test_poisson_data_usually_stays_poisson() -> None:
    rng = np.random.default_rng(11)
    t = np.arange(len(YEARS))
    models = [
        trends.fit_count_trend("x", YEARS, rng.poisson(500 * 1.2**t)).model for _ in range(100)
    ]
    assert models.count(trends.MODEL_POISSON) >= 75  # chi2/df > 1.5 happens by chance ~15% at df=8


def test_overdispersed_counts_switch_to_negative_binomial() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(len(YEARS))
    mu = 2000 * 1.15**t
    alpha = 0.02  # Var = mu + alpha mu^2: about 40x the Poisson variance at mu = 2000
    y = rng.poisson(rng.gamma(1 / alpha, mu * alpha))
    fit = trends.fit_count_trend("x", YEARS, y)
    assert fit.dispersion > trends.DISPERSION_THRESHOLD
    assert fit.model == trends.MODEL_NB
    assert fit.alpha == pytest.approx(alpha, rel=1.5)
    lo, hi = fit.growth_ci()
    assert lo < 15.0 < hi
    poisson_only = trends.fit_count_trend("x", YEARS, y, dispersion_threshold=np.inf)
    assert poisson_only.model == trends.MODEL_POISSON
    assert fit.slope_se > 3 * poisson_only.slope_se  # NB widens the interval honestly


def test_overdispersed_recovers_growth_on_average() -> None:
    rng = np.random.default_rng(5)
    t = np.arange(len(YEARS))
    est = []
    for _ in range(60):
        y = rng.poisson(rng.gamma(1 / 0.03, 1000 * 1.2**t * 0.03))
        est.append(trends.fit_count_trend("x", YEARS, y).growth_pct())
    assert np.mean(est) == pytest.approx(20.0, abs=1.5)


@pytest.mark.parametrize(
    ("years", "counts", "why"),
    [
        (YEARS[:2], [10, 12], "at least 3"),
        (YEARS[:5], [0, 0, 0, 0, 0], "no packages"),
        (YEARS[:5], [0, 0, 0, 0, 70], "only one year"),
        (YEARS[:5], [1, 0, 2, 3, 1], "fewer than 10"),
    ],
)
def test_no_model_is_explained(years: list[str], counts: list[int], why: str) -> None:
    fit = trends.fit_count_trend("x", years, counts)
    assert fit.model == trends.MODEL_NONE
    assert why in fit.note
    assert forecast_fit(fit, 3).empty


def test_category_change_years_are_not_modelled_as_zeros() -> None:
    assert (
        trends.model_years("Family therapy", YEARS) == YEARS[4:]
    )  # from 2019/20 (2018/19 partial)
    assert trends.model_years("Family therapy", YEARS, exclude_partial=False) == YEARS[3:]
    assert trends.model_years("Multi-disciplinary packages of support", YEARS) == YEARS[:3]
    assert trends.model_years("Psychotherapy", YEARS) == YEARS


def test_fit_all_on_simulated_counts() -> None:
    counts = simulate_counts(YEARS, seed=21)
    fits = trends.fit_all(counts)
    table = trends.trends_table(fits).set_index("therapy_type")
    assert table.loc["Family therapy", "first_year"] == "2019/20"
    assert table.loc["Family therapy", "annual_growth_pct"] == pytest.approx(35.0, abs=4)
    assert table.loc["Specialist assessments", "annual_growth_pct"] == pytest.approx(30.0, abs=4)
    assert table.loc["Extensive therapeutic life story work", "annual_growth_pct"] == pytest.approx(
        10.0, abs=4
    )
    # Multi-disciplinary: 2015/16-2017/18 only (2018/19 partial) - three years, flat
    assert table.loc["Multi-disciplinary packages of support", "n_years"] == 3
    assert bool(table.loc["Specialist assessments", "faster_than_total"])
    assert not bool(table.loc["Extensive therapeutic life story work", "faster_than_total"])
    assert pd.isna(table.loc[trends.TOTAL_LABEL, "faster_than_total"])
    assert COMPARABLE_LABEL in table.index
    assert list(table.reset_index().columns[:6]) == [
        "therapy_type",
        "model",
        "annual_growth_pct",
        "ci_low",
        "ci_high",
        "p_value",
    ]


def test_short_span_gives_reasons_not_errors() -> None:
    years = fy_span("2018/19", "2022/23")
    counts = simulate_counts(years, seed=4)
    table = trends.trends_table(trends.fit_all(counts)).set_index("therapy_type")
    md = table.loc["Multi-disciplinary packages of support"]
    assert md["model"] == trends.MODEL_NONE
    assert "at least 3" in md["note"]
    assert np.isnan(md["annual_growth_pct"])


def test_forecast_intervals_are_ordered_and_cover() -> None:
    years = fy_span("2015/16", "2022/23")
    rng = np.random.default_rng(9)
    t = np.arange(len(years) + 3)
    y_all = rng.poisson(1000 * 1.1**t)
    fit = trends.fit_count_trend("x", years, y_all[: len(years)])
    fc = forecast_all({"x": fit}, 3)
    assert fc["financial_year"].tolist() == ["2023/24", "2024/25", "2025/26"]
    assert (fc["pi95_low"] <= fc["pi80_low"]).all() and (fc["pi80_low"] <= fc["pi50_low"]).all()
    assert (fc["pi50_high"] <= fc["pi80_high"]).all() and (fc["pi80_high"] <= fc["pi95_high"]).all()
    assert ((fc["pi95_low"] <= fc["forecast"]) & (fc["forecast"] <= fc["pi95_high"])).all()
    assert fc["forecast"].iloc[0] == pytest.approx(1000 * 1.1**8, rel=0.08)
    again = forecast_all({"x": fit}, 3)
    pd.testing.assert_frame_equal(fc, again)  # seeded: reruns are identical
