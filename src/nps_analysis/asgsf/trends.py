"""Per-therapy trend models: log-linear count regression of packages on financial year.

Each series is fitted by a Poisson GLM, `log E[packages] = a + b * year`. Overdispersion is checked
with the Pearson chi-squared statistic over its residual degrees of freedom; above the threshold the
model switches to a negative binomial GLM (NB2, Var = mu + alpha mu^2, alpha by the Pearson moment
estimator), falling back to quasi-Poisson (Poisson with Pearson-scaled standard errors) if no NB
dispersion can be found.
The annual growth rate is `exp(b) - 1` with a Wald 95% CI. Models are fitted on aggregated
counts (one row per year), so their cost does not depend on the number of packages.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from nps_analysis.asgsf.categories import COMPARABLE_LABEL, availability
from nps_analysis.asgsf.mix import comparable_series
from nps_analysis.asgsf.years import fy_start

TOTAL_LABEL = "All packages"
DISPERSION_THRESHOLD = 1.5
MIN_YEARS = 3
MIN_PACKAGES = 10

MODEL_POISSON = "poisson"
MODEL_NB = "negative_binomial"
MODEL_QUASI = "quasi_poisson"
MODEL_NONE = "none"


@dataclass
class TrendFit:
    """A fitted (or refused) trend for one series of annual counts."""

    series: str
    model: str
    years: list[str]
    counts: np.ndarray
    centre: float = 0.0
    params: np.ndarray = field(default_factory=lambda: np.full(2, np.nan))
    cov: np.ndarray = field(default_factory=lambda: np.full((2, 2), np.nan))
    dispersion: float = float("nan")  # Pearson chi2 / df of the Poisson fit
    alpha: float = float("nan")  # NB2 dispersion: Var = mu + alpha * mu^2
    scale: float = 1.0  # quasi-Poisson scale: Var = scale * mu
    df_resid: int = 0
    note: str = ""

    @property
    def fitted_ok(self) -> bool:
        """True when a model was fitted."""
        return self.model != MODEL_NONE

    @property
    def slope_se(self) -> float:
        """Standard error of the log-linear slope."""
        return float(np.sqrt(self.cov[1, 1]))

    def growth_pct(self) -> float:
        """Estimated annual growth rate in percent, `100 * (exp(b) - 1)`."""
        return float(np.expm1(self.params[1]) * 100.0)

    def growth_ci(self, level: float = 0.95) -> tuple[float, float]:
        """Wald CI for the annual growth rate in percent."""
        z = stats.norm.ppf(0.5 + level / 2)
        b, se = self.params[1], self.slope_se
        return float(np.expm1(b - z * se) * 100.0), float(np.expm1(b + z * se) * 100.0)

    def p_value(self) -> float:
        """Two-sided Wald p-value for no trend (b = 0)."""
        return float(2 * stats.norm.sf(abs(self.params[1] / self.slope_se)))

    def mean(self, starts: np.ndarray) -> np.ndarray:
        """Fitted expected packages for financial years starting in `starts`."""
        x = np.asarray(starts, dtype=float) - self.centre
        return np.exp(self.params[0] + self.params[1] * x)


def _no_model(series: str, years: list[str], counts: np.ndarray, why: str) -> TrendFit:
    return TrendFit(series, MODEL_NONE, years, counts, note=f"no model: {why}")


def fit_count_trend(
    series: str,
    years: list[str],
    counts: np.ndarray | list[int],
    *,
    dispersion_threshold: float = DISPERSION_THRESHOLD,
    min_years: int = MIN_YEARS,
    min_packages: int = MIN_PACKAGES,
) -> TrendFit:
    """Fit `log E[count] = a + b * year` to annual counts; Poisson, or NB if overdispersed.

    Returns a `TrendFit` with `model == 'none'` and the reason in `note` when the series cannot
    support a trend (fewer than `min_years` years, no packages, fewer than `min_packages` packages,
    or packages in one year only).
    """
    import statsmodels.api as sm

    y = np.asarray(counts, dtype=float)
    years = list(years)
    n = len(y)
    if n < min_years:
        return _no_model(
            series, years, y, f"{n} year(s) of data; a trend needs at least {min_years}"
        )
    if y.sum() == 0:
        return _no_model(series, years, y, "no packages recorded in the years modelled")
    if y.sum() < min_packages:
        return _no_model(
            series,
            years,
            y,
            f"only {int(y.sum())} packages in the years modelled (fewer than {min_packages})",
        )
    if (y > 0).sum() < 2:
        return _no_model(
            series, years, y, "packages in only one year, so a growth rate cannot be estimated"
        )

    starts = np.array([fy_start(v) for v in years], dtype=float)
    centre = float(starts.mean())
    X = sm.add_constant(starts - centre, has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    df_resid = int(round(pois.df_resid))
    dispersion = float(pois.pearson_chi2 / df_resid) if df_resid > 0 else float("nan")
    fit = TrendFit(
        series,
        MODEL_POISSON,
        years,
        y,
        centre,
        np.asarray(pois.params),
        np.asarray(pois.cov_params()),
        dispersion=dispersion,
        df_resid=df_resid,
    )
    if not (np.isfinite(dispersion) and dispersion > dispersion_threshold):
        fit.note = (
            f"Poisson adequate (Pearson chi2/df = {dispersion:.2f} <= {dispersion_threshold})"
        )
        return fit

    # Overdispersed: negative binomial (NB2) with alpha by the Pearson moment estimator.
    alpha, nb = _nb_moment_fit(y, X, df_resid)
    if nb is not None:
        fit.model = MODEL_NB
        fit.params, fit.cov, fit.alpha = np.asarray(nb.params), np.asarray(nb.cov_params()), alpha
        fit.note = (
            f"overdispersed (Pearson chi2/df = {dispersion:.2f} > {dispersion_threshold}): "
            f"negative binomial, alpha = {fit.alpha:.3g}"
        )
        return fit
    fit.model = MODEL_QUASI
    fit.scale = dispersion
    fit.cov = np.asarray(pois.cov_params()) * dispersion
    fit.note = (
        f"overdispersed (Pearson chi2/df = {dispersion:.2f}); the negative binomial could not be "
        "fitted, so quasi-Poisson (Poisson SEs scaled by chi2/df)"
    )
    return fit


def _nb_moment_fit(y: np.ndarray, X: np.ndarray, df_resid: int):
    """NB2 GLM with alpha chosen so that the NB fit's Pearson chi2 / df equals 1.

    The moment estimator (Breslow 1984) rather than maximum likelihood: with 5-10 annual points the
    ML estimate of alpha is biased towards zero and leaves the NB fit overdispersed. Returns
    `(alpha, results)`, or `(nan, None)` if no such alpha is found.
    """
    import statsmodels.api as sm
    from scipy.optimize import brentq

    if df_resid < 1:
        return float("nan"), None

    def fit(log_alpha: float):
        fam = sm.families.NegativeBinomial(alpha=float(np.exp(log_alpha)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sm.GLM(y, X, family=fam).fit()

    def excess(log_alpha: float) -> float:
        return float(fit(log_alpha).pearson_chi2 / df_resid - 1.0)

    lo, hi = np.log(1e-9), np.log(1e3)
    try:
        if excess(lo) <= 0 or excess(hi) >= 0:
            return float("nan"), None
        root = brentq(excess, lo, hi, xtol=1e-6)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):  # pragma: no cover
        return float("nan"), None
    res = fit(root)
    cov = np.asarray(res.cov_params())
    if not (np.all(np.isfinite(res.params)) and np.all(np.diag(cov) > 0)):
        return float("nan"), None  # pragma: no cover
    return float(np.exp(root)), res


def model_years(label: str, years: list[str], *, exclude_partial: bool = True) -> list[str]:
    """The years in which a category existed (and, by default, existed for the whole year).

    Family therapy only exists from November 2018 and Multi-disciplinary packages only up to then,
    so structural zeros outside those years (and, by default, the part-year 2018/19) are not
    modelled. All other categories use every year of the span.
    """
    av = availability(label)
    keep = []
    for y in years:
        s = fy_start(y)
        if not av.available(s):
            continue
        if exclude_partial and av.partial(s):
            continue
        keep.append(y)
    return keep


def fit_all(
    counts: pd.DataFrame,
    *,
    dispersion_threshold: float = DISPERSION_THRESHOLD,
    min_years: int = MIN_YEARS,
    exclude_partial: bool = True,
    include_total: bool = True,
    include_comparable: bool = True,
) -> dict[str, TrendFit]:
    """Trend fits for every therapy column of `counts`, plus the total and comparable series."""
    years = [str(y) for y in counts.index]
    series: dict[str, tuple[list[str], np.ndarray]] = {}
    if include_total:
        series[TOTAL_LABEL] = (years, counts.sum(axis=1).to_numpy())
    if include_comparable:
        comp = comparable_series(counts)
        series[COMPARABLE_LABEL] = (years, comp[COMPARABLE_LABEL].to_numpy())
    for col in counts.columns:
        yrs = model_years(col, years, exclude_partial=exclude_partial)
        series[str(col)] = (yrs, counts.loc[yrs, col].to_numpy())
    fits = {
        name: fit_count_trend(
            name, yrs, y, dispersion_threshold=dispersion_threshold, min_years=min_years
        )
        for name, (yrs, y) in series.items()
    }
    for fit in fits.values():
        if not fit.fitted_ok and len(fit.years) < len(years):
            fit.note += (
                " (the category existed for the whole of only "
                f"{len(fit.years)} of the {len(years)} years: see the November 2018 change)"
            )
    return fits


def trends_table(fits: dict[str, TrendFit]) -> pd.DataFrame:
    """`therapy_type, model, annual_growth_pct, ci_low, ci_high, p_value` (+ diagnostics), unrounded.

    `faster_than_total` compares point estimates with the total's growth; `clearly_faster_than_total`
    requires the therapy's CI to lie wholly above the total's CI (a conservative check: the therapy
    is part of the total, so the two estimates are positively correlated).
    """
    total = fits.get(TOTAL_LABEL)
    total_ok = total is not None and total.fitted_ok
    t_g = total.growth_pct() if total_ok else np.nan
    t_hi = total.growth_ci()[1] if total_ok else np.nan
    rows = []
    for name, f in fits.items():
        row: dict[str, object] = {"therapy_type": name, "model": f.model}
        if f.fitted_ok:
            lo, hi = f.growth_ci()
            g = f.growth_pct()
            row.update(annual_growth_pct=g, ci_low=lo, ci_high=hi, p_value=f.p_value())
        else:
            row.update(annual_growth_pct=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan)
        is_ref = name == TOTAL_LABEL or not f.fitted_ok or not total_ok
        row.update(
            n_years=len(f.years),
            first_year=f.years[0] if f.years else "",
            last_year=f.years[-1] if f.years else "",
            packages=int(np.sum(f.counts)),
            dispersion_poisson=f.dispersion,
            nb_alpha=f.alpha,
            df_resid=f.df_resid if f.fitted_ok else np.nan,
            faster_than_total=pd.NA if is_ref else bool(row["annual_growth_pct"] > t_g),
            clearly_faster_than_total=pd.NA if is_ref else bool(row["ci_low"] > t_hi),
            note=f.note,
        )
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("faster_than_total", "clearly_faster_than_total"):
        out[col] = out[col].astype("boolean")
    out["df_resid"] = out["df_resid"].astype("Int64")
    return out


def fitted_long(fits: dict[str, TrendFit]) -> pd.DataFrame:
    """Observed and fitted counts per series and modelled year (for charts)."""
    frames = []
    for name, f in fits.items():
        if not f.fitted_ok:
            continue
        starts = np.array([fy_start(y) for y in f.years])
        frames.append(
            pd.DataFrame(
                {
                    "series": name,
                    "financial_year": f.years,
                    "packages": f.counts,
                    "fitted": f.mean(starts),
                }
            )
        )
    cols = ["series", "financial_year", "packages", "fitted"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


__all__ = [
    "MODEL_NB",
    "MODEL_NONE",
    "MODEL_POISSON",
    "MODEL_QUASI",
    "TOTAL_LABEL",
    "TrendFit",
    "fit_all",
    "fit_count_trend",
    "fitted_long",
    "model_years",
    "trends_table",
]
