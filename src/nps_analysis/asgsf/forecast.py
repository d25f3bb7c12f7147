"""Scenario forecast of packages: extend each fitted trend `forecast_years` beyond the data.

Prediction intervals are simulated: draw the trend coefficients from their estimated sampling
distribution (multivariate normal), compute the expected count, then draw the count itself from the
fitted distribution (Poisson, negative binomial NB2, or for quasi-Poisson a gamma-Poisson with the
same variance-to-mean ratio). The interval therefore covers both trend uncertainty and year-to-year
noise - but not a change in policy, funding or recording: it is a scenario "if the trend of the
modelled years continued", not a promise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.asgsf.trends import MODEL_NB, MODEL_QUASI, TrendFit
from nps_analysis.asgsf.years import fy_label, fy_start

LEVELS: tuple[float, ...] = (0.5, 0.8, 0.95)
N_DRAWS = 10_000
SEED = 20241125

SCENARIO_NOTE = (
    "Scenario, not a prediction: packages if each therapy's log-linear trend over the modelled years "
    "continued unchanged. Intervals reflect trend and sampling uncertainty only, not changes to the "
    "fund, its rules, budgets or recording."
)


def _draw_counts(
    fit: TrendFit, starts: np.ndarray, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Simulated future counts, shape (n_draws, len(starts))."""
    beta = rng.multivariate_normal(fit.params, fit.cov, size=n_draws, method="cholesky")
    x = starts.astype(float) - fit.centre
    eta = beta[:, [0]] + beta[:, [1]] * x[None, :]
    mu = np.exp(np.clip(eta, -50, 50))
    if fit.model == MODEL_NB and fit.alpha > 0:
        shape = 1.0 / fit.alpha
        lam = rng.gamma(shape, mu / shape)
    elif fit.model == MODEL_QUASI and fit.scale > 1:
        # gamma-Poisson with Var = scale * mu: gamma shape mu / (scale - 1)
        shape = mu / (fit.scale - 1.0)
        lam = rng.gamma(shape, mu / shape)
    else:
        lam = mu
    return rng.poisson(lam).astype(float)


def forecast_fit(
    fit: TrendFit,
    horizon: int,
    *,
    levels: tuple[float, ...] = LEVELS,
    n_draws: int = N_DRAWS,
    seed: int = SEED,
    last_year: str | None = None,
) -> pd.DataFrame:
    """Forecast one fitted series for `horizon` years after `last_year` (default: its last modelled year)."""
    if not fit.fitted_ok or horizon <= 0:
        return pd.DataFrame()
    last = fy_start(last_year or fit.years[-1])
    starts = np.arange(last + 1, last + horizon + 1)
    rng = np.random.default_rng(seed)
    draws = _draw_counts(fit, starts, n_draws, rng)
    out = pd.DataFrame(
        {
            "therapy_type": fit.series,
            "financial_year": [fy_label(s) for s in starts],
            "horizon": np.arange(1, horizon + 1),
            "model": fit.model,
            "forecast": fit.mean(starts),
            "packages_modelled": int(np.sum(fit.counts)),
        }
    )
    for lv in sorted(levels, reverse=True):
        tag = f"{round(lv * 100):d}"
        lo, hi = np.quantile(draws, [(1 - lv) / 2, (1 + lv) / 2], axis=0, method="inverted_cdf")
        out[f"pi{tag}_low"], out[f"pi{tag}_high"] = lo, hi
    return out


def forecast_all(
    fits: dict[str, TrendFit],
    horizon: int,
    *,
    last_year: str | None = None,
    levels: tuple[float, ...] = LEVELS,
    n_draws: int = N_DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """Forecast table for every fitted series (series without a model are listed in `note`).

    Columns: `therapy_type, financial_year, model, forecast, pi95_low, pi95_high, pi80_*,
    pi50_*, horizon, packages_modelled, note`. Forecasts start after `last_year` (default: the latest modelled year of any series).
    """
    if last_year is None:
        ends = [fy_start(f.years[-1]) for f in fits.values() if f.fitted_ok]
        last_year = fy_label(max(ends)) if ends else None
    frames = []
    for i, fit in enumerate(fits.values()):
        if fit.fitted_ok and fit.years[-1] == last_year:
            frames.append(
                forecast_fit(
                    fit, horizon, levels=levels, n_draws=n_draws, seed=seed + i, last_year=last_year
                )
            )
        else:
            why = (
                fit.note
                if not fit.fitted_ok
                else f"no forecast: last modelled year {fit.years[-1]} is not {last_year}"
            )
            frames.append(
                pd.DataFrame(
                    {
                        "therapy_type": [fit.series],
                        "model": [fit.model],
                        "note": [why],
                        "packages_modelled": [int(np.sum(fit.counts))],
                    }
                )
            )
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    if "note" not in out:
        out["note"] = ""
    out["note"] = out["note"].fillna("")
    cols = ["therapy_type", "financial_year", "model", "forecast"]
    cols += [c for c in out.columns if c.startswith("pi")] + [
        "horizon",
        "packages_modelled",
        "note",
    ]
    for c in cols:
        if c not in out:
            out[c] = np.nan
    out["horizon"] = out["horizon"].astype("Int64")
    out["packages_modelled"] = out["packages_modelled"].astype(np.int64)
    return out[cols]
