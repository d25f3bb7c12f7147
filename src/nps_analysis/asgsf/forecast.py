"""Scenario forecasts of packages beside their rolling-origin backtest.

Two trends are extended `horizon` years beyond the data, each only where it could be backtested
(`backtest.rolling_origin`: fit on years 1..k, predict k+1):

- the **log-linear** count trend (`trends`), intervals simulated by `prediction` (dispersion, trend
  and year-to-year noise);
- the **damped-growth** trend (`damped`), anchored on the last year, t intervals on log counts.

Every forecast row carries its backtest: the 1-step-ahead mean absolute percentage error over the
origins both trends share, the naive (no change) error on the same years, and `preferred` for the
trend with the lower error. Neither says anything about a change in policy, funding or recording:
they are scenarios "if the pattern of the modelled years continued", not promises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.asgsf import backtest, damped, prediction
from nps_analysis.asgsf.prediction import LEVELS, N_DRAWS, SEED
from nps_analysis.asgsf.trends import MIN_YEARS, TrendFit
from nps_analysis.asgsf.years import fy_label, fy_start

SCENARIO_NOTE = (
    "Scenario, not a prediction: packages if each series' modelled trend (constant growth, or "
    "growth damped year by year) continued unchanged. Intervals reflect trend, dispersion and "
    "year-to-year uncertainty only, not changes to the fund, its rules, budgets or recording. "
    "Each forecast is shown beside its rolling-origin backtest (1-step-ahead errors on the years "
    "listed); horizons beyond 1 year are not backtested."
)

SYNTHETIC_NOTE = (
    "SYNTHETIC DATA - not information about the future. Only 2018/19 and 2022/23 of the default "
    "annual totals are published; the years between are assumptions of the synthetic-data "
    "generator (params.yaml synth.asgsf.middle_year_weights), and so are the trends, backtest "
    "errors and forecasts built on them. They show how the method works, nothing more."
)


def forecast_heading(data_kind: str, what: str = "Forecast scenarios") -> str:
    """A table title for forecasts or backtests that says what they are for this `data_kind`."""
    if str(data_kind) == "synthetic":
        return f"{what} - {SYNTHETIC_NOTE}"
    return f"{what} - {SCENARIO_NOTE}"


_MIN_FIT_YEARS = {backtest.TREND_LOG_LINEAR: MIN_YEARS, backtest.TREND_DAMPED: damped.MIN_YEARS}


def _frame(
    series: str, starts: np.ndarray, model: str, trend: str, centre: np.ndarray, pis: dict
) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "therapy_type": series,
            "financial_year": [fy_label(s) for s in starts],
            "model": model,
            "forecast": centre,
        }
    )
    for lv in sorted(pis, reverse=True):
        tag = f"{round(lv * 100):d}"
        out[f"pi{tag}_low"], out[f"pi{tag}_high"] = pis[lv]
    out["horizon"] = np.arange(1, len(starts) + 1)
    out["trend"] = trend
    return out


def _future(last_year: str, horizon: int) -> np.ndarray:
    last = fy_start(last_year)
    return np.arange(last + 1, last + horizon + 1)


def forecast_fit(
    fit: TrendFit,
    horizon: int,
    *,
    levels: tuple[float, ...] = LEVELS,
    n_draws: int = N_DRAWS,
    seed: int = SEED,
    last_year: str | None = None,
) -> pd.DataFrame:
    """Log-linear forecast of one fitted series for `horizon` years after `last_year` (default:
    its last modelled year). Empty if there is no model. No backtest columns: see `forecast_all`."""
    if not fit.fitted_ok or horizon <= 0:
        return pd.DataFrame()
    starts = _future(last_year or fit.years[-1], horizon)
    centre, pis = prediction.predict(fit, starts, levels=levels, n_draws=n_draws, seed=seed)
    out = _frame(fit.series, starts, fit.model, backtest.TREND_LOG_LINEAR, centre, pis)
    out["n_years"], out["df_resid"] = len(fit.years), fit.df_resid
    return out


def forecast_damped(
    fit: damped.DampedFit,
    horizon: int,
    *,
    levels: tuple[float, ...] = LEVELS,
) -> pd.DataFrame:
    """Damped-growth forecast of one series for `horizon` years after its last year."""
    if not fit.fitted_ok or horizon <= 0:
        return pd.DataFrame()
    starts = _future(fit.years[-1], horizon)
    centre, pis = fit.predict(horizon, levels)
    out = _frame(fit.series, starts, fit.model, backtest.TREND_DAMPED, centre, pis)
    out["n_years"], out["df_resid"] = len(fit.years), fit.df_resid
    return out


def _note_row(fit: TrendFit, trend: str, model: str, why: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "therapy_type": [fit.series],
            "model": [model],
            "trend": [trend],
            "n_years": [len(fit.years)],
            "note": [why],
        }
    )


def _series_forecasts(
    fit: TrendFit, horizon: int, levels: tuple[float, ...], n_draws: int, seed: int
) -> list[pd.DataFrame]:
    """Both trends' forecasts of one series, each beside its backtest (or a row saying why not)."""
    summary = backtest.summarise(backtest.rolling_origin(fit)).set_index("trend")
    dm = damped.fit_damped(fit.series, fit.years, fit.counts)
    candidates = {
        backtest.TREND_LOG_LINEAR: (
            fit.model,
            forecast_fit(fit, horizon, levels=levels, n_draws=n_draws, seed=seed),
        ),
        backtest.TREND_DAMPED: (
            dm.model,
            forecast_damped(dm, horizon, levels=levels) if dm.fitted_ok else dm.note,
        ),
    }
    frames = []
    for trend, (model, fc) in candidates.items():
        if isinstance(fc, str):
            frames.append(_note_row(fit, trend, model, f"no forecast: {fc}"))
            continue
        if trend not in summary.index:
            need = 1 + _MIN_FIT_YEARS[trend]
            frames.append(
                _note_row(
                    fit,
                    trend,
                    model,
                    f"no forecast: it cannot be backtested on {len(fit.years)} years (a 1-step "
                    f"backtest of this trend needs at least {need})",
                )
            )
            continue
        s = summary.loc[trend]
        fc = fc.assign(
            backtest_origins=int(s["backtest_origins"]),
            backtest_years=s["backtest_years"],
            backtest_mape_pct=float(s["backtest_mape_pct"]),
            naive_mape_pct=float(s["naive_mape_pct"]),
            backtest_covered_95=int(s["backtest_covered_95"]),
            beats_naive=bool(s["backtest_mape_pct"] < s["naive_mape_pct"]),
            preferred=bool(s["preferred"]),
            note=(dm.note if trend == backtest.TREND_DAMPED else fit.note),
        )
        frames.append(fc)
    return frames


COLUMNS_TAIL = [
    "horizon",
    "trend",
    "n_years",
    "df_resid",
    "backtest_origins",
    "backtest_years",
    "backtest_mape_pct",
    "naive_mape_pct",
    "backtest_covered_95",
    "beats_naive",
    "preferred",
    "packages_modelled",
    "note",
]


def forecast_all(
    fits: dict[str, TrendFit],
    horizon: int,
    *,
    last_year: str | None = None,
    levels: tuple[float, ...] = LEVELS,
    n_draws: int = N_DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """Forecast table: every series and trend, published only beside its rolling-origin backtest.

    Columns: `therapy_type, financial_year, model, forecast, pi95_low, pi95_high, pi80_*, pi50_*,
    horizon, trend, n_years, df_resid, backtest_origins, backtest_years, backtest_mape_pct,
    naive_mape_pct, backtest_covered_95, beats_naive, preferred, packages_modelled, note`.
    `preferred` marks the trend with the lower backtest error on the shared years; `beats_naive`
    whether it did better than no change from the last year there. The backtest (default seed,
    default dispersion threshold) is the one `backtest.backtest_table` publishes. A series or trend
    without a forecast (no model, no possible backtest, or a last modelled year other than
    `last_year` - default: the latest of any series) has one row with the reason in `note`.
    """
    if last_year is None:
        ends = [fy_start(f.years[-1]) for f in fits.values() if f.fitted_ok]
        last_year = fy_label(max(ends)) if ends else None
    frames = []
    for i, fit in enumerate(fits.values()):
        if fit.fitted_ok and fit.years[-1] == last_year and horizon > 0:
            parts = _series_forecasts(fit, horizon, levels, n_draws, seed + i)
        else:
            why = (
                fit.note
                if not fit.fitted_ok
                else f"no forecast: last modelled year {fit.years[-1]} is not {last_year}"
            )
            parts = [_note_row(fit, backtest.TREND_LOG_LINEAR, fit.model, why)]
        packages = int(np.sum(fit.counts))
        frames += [p.assign(packages_modelled=packages) for p in parts]
    out = pd.concat(frames, ignore_index=True)
    head = ["therapy_type", "financial_year", "model", "forecast"]
    pis = [
        f"pi{round(lv * 100):d}_{end}"
        for lv in sorted(levels, reverse=True)
        for end in ("low", "high")
    ]
    cols = head + pis + COLUMNS_TAIL
    for c in cols:
        if c not in out:
            out[c] = np.nan
    out["note"] = out["note"].fillna("")
    for c in ("horizon", "n_years", "df_resid", "backtest_origins", "backtest_covered_95"):
        out[c] = pd.array(out[c], dtype="Float64").astype("Int64")
    for c in ("beats_naive", "preferred"):
        out[c] = out[c].astype("boolean")
    out["packages_modelled"] = out["packages_modelled"].astype(np.int64)
    for c in ("forecast", *pis, "backtest_mape_pct", "naive_mape_pct"):
        out[c] = out[c].astype(float)
    return out[cols]


__all__ = [
    "LEVELS",
    "N_DRAWS",
    "SCENARIO_NOTE",
    "SEED",
    "SYNTHETIC_NOTE",
    "forecast_all",
    "forecast_damped",
    "forecast_fit",
    "forecast_heading",
]
