"""Rolling-origin backtest of the trend forecasts: fit on years 1..k, predict year k+1.

For every origin the series allows, three methods forecast the next year from the years before it:

- `log_linear` - the count GLM of `trends.fit_count_trend` (constant growth), with the prediction
  intervals of `prediction.predict`;
- `damped` - the damped-growth trend of `damped.fit_damped`, anchored on the last year;
- `naive` - no change from the last year (the benchmark a trend has to beat).

`summarise` compares the methods on the origins they share (the same predicted years), which is
what `forecast.forecast_all` publishes beside each forecast. With 5 annual points there are at most
2 origins for the log-linear trend and 1 for the damped trend: the backtest is evidence about
these few years, not a measure of accuracy in general.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, Unpack

import numpy as np
import pandas as pd

from nps_analysis.asgsf import damped, prediction, trends
from nps_analysis.asgsf.categories import series_members
from nps_analysis.asgsf.years import fy_start
from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.vocabulary import PACKAGES

if TYPE_CHECKING:  # pragma: no cover
    from nps_analysis.outputs import OutputWriter

TREND_LOG_LINEAR = "log_linear"
TREND_DAMPED = "damped"
TREND_NAIVE = "naive"
TRENDS: tuple[str, ...] = (TREND_LOG_LINEAR, TREND_DAMPED)
"""The forecasting methods that are published (`naive` is a benchmark only)."""

LEVEL = 0.95
N_DRAWS = 4_000

COLUMNS = [
    "therapy_type",
    "trend",
    "model",
    "trained_to",
    "financial_year",
    "n_years",
    "df_resid",
    "forecast",
    "pi95_low",
    "pi95_high",
    "observed",
    "error_pct",
    "covered_95",
]


def _row(
    fit: trends.TrendFit,
    trend: str,
    model: str,
    k: int,
    df: object,
    fc: float,
    lo: float,
    hi: float,
) -> dict:
    obs = int(fit.counts[k])
    return {
        "therapy_type": fit.series,
        "trend": trend,
        "model": model,
        "trained_to": fit.years[k - 1],
        "financial_year": fit.years[k],
        "n_years": k,
        "df_resid": df,
        "forecast": fc,
        "pi95_low": lo,
        "pi95_high": hi,
        "observed": obs,
        "error_pct": (fc - obs) / obs * 100.0 if obs > 0 else np.nan,
        "covered_95": pd.NA if np.isnan(lo) else bool(lo <= obs <= hi),
    }


class RollingOptions(TypedDict, total=False):
    """Keyword options of `rolling_origin`, passed on by `backtest_table`."""

    dispersion_threshold: float
    n_draws: int
    seed: int


def rolling_origin(
    fit: trends.TrendFit,
    *,
    dispersion_threshold: float = trends.DISPERSION_THRESHOLD,
    n_draws: int = N_DRAWS,
    seed: int = prediction.SEED,
) -> pd.DataFrame:
    """1-step-ahead forecasts of `fit`'s series from every origin (columns `COLUMNS`).

    Uses the years and counts `fit` was fitted to; each method appears from the first origin at
    which it can be fitted (log-linear: 3 years, damped: 4, naive: 1).
    """
    rows = []
    for k in range(1, len(fit.counts)):
        yrs, y = fit.years[:k], fit.counts[:k]
        rows.append(_row(fit, TREND_NAIVE, TREND_NAIVE, k, pd.NA, float(y[-1]), np.nan, np.nan))
        ll = trends.fit_count_trend(fit.series, yrs, y, dispersion_threshold=dispersion_threshold)
        if ll.fitted_ok:
            centre, pis = prediction.predict(
                ll,
                np.array([fy_start(fit.years[k])]),
                levels=(LEVEL,),
                n_draws=n_draws,
                seed=seed + k,
            )
            lo, hi = pis[LEVEL]
            rows.append(
                _row(fit, TREND_LOG_LINEAR, ll.model, k, ll.df_resid, centre[0], lo[0], hi[0])
            )
        dm = damped.fit_damped(fit.series, yrs, y)
        if dm.fitted_ok:
            centre, pis = dm.predict(1, (LEVEL,))
            lo, hi = pis[LEVEL]
            rows.append(_row(fit, TREND_DAMPED, dm.model, k, dm.df_resid, centre[0], lo[0], hi[0]))
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["df_resid"] = out["df_resid"].astype("Int64")
    out["observed"] = out["observed"].astype(np.int64)
    out["covered_95"] = out["covered_95"].astype("boolean")
    return out


def backtest_table(fits: dict[str, trends.TrendFit], **kw: Unpack[RollingOptions]) -> pd.DataFrame:
    """`rolling_origin` for every fitted series, stacked (the published backtest table)."""
    frames = [rolling_origin(f, **kw) for f in fits.values() if f.fitted_ok]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)


def summarise(bt: pd.DataFrame) -> pd.DataFrame:
    """Per published method of one series: errors over the origins all its methods share.

    Columns `trend, backtest_origins, backtest_years, backtest_mape_pct, naive_mape_pct,
    backtest_covered_95, preferred`. `preferred` marks the method with the lowest mean absolute
    percentage error (MAPE) there (the log-linear trend on a tie). Methods with no origin are absent.
    """
    cols = [
        "trend",
        "backtest_origins",
        "backtest_years",
        "backtest_mape_pct",
        "naive_mape_pct",
        "backtest_covered_95",
        "preferred",
    ]
    have = [t for t in TRENDS if (bt["trend"] == t).any()]
    if not have:
        return pd.DataFrame(columns=cols)
    common = set.intersection(*(set(bt.loc[bt["trend"] == t, "financial_year"]) for t in have))
    shared = bt[bt["financial_year"].isin(common)]
    naive = shared.loc[shared["trend"] == TREND_NAIVE, "error_pct"].abs().mean()
    years = ", ".join(sorted(common, key=fy_start))
    rows = []
    for t in have:
        sub = shared[shared["trend"] == t]
        rows.append(
            {
                "trend": t,
                "backtest_origins": len(sub),
                "backtest_years": years,
                "backtest_mape_pct": float(sub["error_pct"].abs().mean()),
                "naive_mape_pct": float(naive),
                "backtest_covered_95": int(sub["covered_95"].sum()),
            }
        )
    out = pd.DataFrame(rows, columns=cols[:-1])
    best = out["backtest_mape_pct"].fillna(np.inf).idxmin()  # first (log-linear) on a tie
    out["preferred"] = out.index == best
    return out


def write_backtest(fits: dict[str, trends.TrendFit], out: OutputWriter) -> Path | None:
    """Publish `backtest_table(fits)` as `forecast_backtest` through `out` (None if withheld).

    Disclosure control: `observed` (packages in the predicted year) is the count; the forecasts,
    bounds and errors are declared as derived from it.
    """
    bt = backtest_table(fits)
    derived = {c: "observed" for c in ("forecast", "pi95_low", "pi95_high", "error_pct")}
    declaration = Disclosure(
        counts=["observed"],
        derived=derived,
        population=PACKAGES,
        dimensions={"therapy_type": ""},
        members={"observed": lambda row: series_members(row["therapy_type"])},
    )
    return out.table(bt, "forecast_backtest", disclosure=declaration)


__all__ = [
    "COLUMNS",
    "TRENDS",
    "TREND_DAMPED",
    "TREND_LOG_LINEAR",
    "TREND_NAIVE",
    "backtest_table",
    "rolling_origin",
    "summarise",
    "write_backtest",
]
