"""Per-therapy trend models: log-linear count regression of packages on financial year.

Each series is fitted by a Poisson GLM, `log E[packages] = a + b * year`, and the Pearson
chi-squared over its residual degrees of freedom is computed. Above the threshold the model is a
negative binomial GLM (NB2, Var = mu + alpha mu^2, alpha by the Pearson moment estimator); otherwise
a quasi-Poisson model (Var = scale * mu, scale = chi2 / df). Either way the dispersion is estimated
from the same 4-5 annual points as the trend, so intervals and p-values use Student's t with the
residual degrees of freedom (`df_resid`), not the normal distribution: with df 2-3 the z-based
intervals covered only 81-86% in simulation (see docs/asgsf-methodology.md).

The annual growth rate is `exp(b) - 1`. `curvature_test` checks the constant-growth assumption
(lack of fit) and `share_trend` tests "faster than the total" on the share of the total.
Models are fitted on aggregated counts (one row per year), so their cost does not depend on the
number of packages.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from nps_analysis.asgsf.categories import (
    COMPARABLE_LABEL,
    affected_by_change,
    availability,
    consistent_definition,
)
from nps_analysis.asgsf.mix import comparable_series
from nps_analysis.asgsf.years import fy_start

TOTAL_LABEL = "All packages"
DISPERSION_THRESHOLD = 1.5
MIN_YEARS = 3
MIN_PACKAGES = 10
LEVEL = 0.95

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

    @property
    def starts(self) -> np.ndarray:
        """Financial-year start of each modelled year."""
        return np.array([fy_start(y) for y in self.years], dtype=float)

    def quantile(self, level: float = LEVEL) -> float:
        """Two-sided critical value: Student's t with `df_resid` df (the dispersion is estimated)."""
        return float(stats.t.ppf(0.5 + level / 2, self.df_resid))

    @property
    def ci_reference(self) -> str:
        """The reference distribution of intervals and p-values, e.g. `'t(3)'`."""
        return f"t({self.df_resid})" if self.fitted_ok else ""

    def growth_pct(self) -> float:
        """Estimated annual growth rate in percent, `100 * (exp(b) - 1)`."""
        return float(np.expm1(self.params[1]) * 100.0)

    def growth_ci(self, level: float = LEVEL) -> tuple[float, float]:
        """t(df_resid) CI for the annual growth rate in percent."""
        q = self.quantile(level)
        b, se = self.params[1], self.slope_se
        return float(np.expm1(b - q * se) * 100.0), float(np.expm1(b + q * se) * 100.0)

    def p_value(self) -> float:
        """Two-sided t(df_resid) p-value for no trend (b = 0)."""
        return float(2 * stats.t.sf(abs(self.params[1] / self.slope_se), self.df_resid))

    def mean(self, starts: np.ndarray) -> np.ndarray:
        """Fitted expected packages for financial years starting in `starts`."""
        x = np.asarray(starts, dtype=float) - self.centre
        return np.exp(self.params[0] + self.params[1] * x)

    def variance(self, mu: np.ndarray) -> np.ndarray:
        """The model's variance function at mean `mu` (before any dispersion uncertainty)."""
        if self.model == MODEL_NB:
            return mu + self.alpha * mu**2
        return self.scale * mu


def _no_model(series: str, years: list[str], counts: np.ndarray, why: str) -> TrendFit:
    return TrendFit(series, MODEL_NONE, years, counts, note=f"no model: {why}")


def _design(starts: np.ndarray, centre: float, degree: int = 1) -> np.ndarray:
    x = np.asarray(starts, dtype=float) - centre
    return np.column_stack([x**k for k in range(degree + 1)])


def _glm(y: np.ndarray, X: np.ndarray, family, *, var_weights=None, **fit_kw):
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.GLM(y, X, family=family, var_weights=var_weights).fit(**fit_kw)


def fit_count_trend(
    series: str,
    years: list[str],
    counts: np.ndarray | list[int],
    *,
    dispersion_threshold: float = DISPERSION_THRESHOLD,
    min_years: int = MIN_YEARS,
    min_packages: int = MIN_PACKAGES,
) -> TrendFit:
    """Fit `log E[count] = a + b * year` to annual counts: NB2 if overdispersed, else quasi-Poisson.

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
    X = _design(starts, centre)
    pois = _glm(y, X, sm.families.Poisson())
    df_resid = int(round(pois.df_resid))
    dispersion = float(pois.pearson_chi2 / df_resid)
    fit = TrendFit(
        series,
        MODEL_QUASI,
        years,
        y,
        centre,
        np.asarray(pois.params),
        np.asarray(pois.cov_params()),
        dispersion=dispersion,
        df_resid=df_resid,
    )
    if dispersion > dispersion_threshold:
        # Overdispersed: negative binomial (NB2) with alpha by the Pearson moment estimator.
        alpha, nb = _nb_moment_fit(y, X, df_resid)
        if nb is not None:
            fit.model = MODEL_NB
            fit.params, fit.cov = np.asarray(nb.params), np.asarray(nb.cov_params())
            fit.alpha = alpha
            fit.note = (
                f"overdispersed (Pearson chi2/df = {dispersion:.2f} > {dispersion_threshold}): "
                f"negative binomial, alpha = {alpha:.3g}; t({df_resid}) intervals"
            )
            return fit
        why = f"overdispersed (Pearson chi2/df = {dispersion:.2f}); the negative binomial could not be fitted"
    else:
        why = (
            f"Pearson chi2/df = {dispersion:.2f} <= {dispersion_threshold}: Poisson variance not "
            f"rejected, but {df_resid} df cannot confirm it"
        )
    # quasi-Poisson: Poisson estimates, SEs scaled by chi2/df (estimated, hence t intervals). A
    # Pearson chi2 of 0 (an exact fit) carries no information on the scale: the Poisson value 1.
    fit.scale = dispersion if dispersion > 1e-8 else 1.0
    fit.cov = np.asarray(pois.cov_params()) * fit.scale
    fit.note = f"{why}, so quasi-Poisson (scale = {fit.scale:.3g}); t({df_resid}) intervals"
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
        return _glm(y, X, sm.families.NegativeBinomial(alpha=float(np.exp(log_alpha))))

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


def pearson_chi2(fit: TrendFit, degree: int = 1) -> float:
    """Pearson chi-squared of a log-polynomial trend of `degree`, with `fit`'s variance function
    (its NB alpha or quasi-Poisson form) held fixed."""
    import statsmodels.api as sm

    family = (
        sm.families.NegativeBinomial(alpha=fit.alpha)
        if fit.model == MODEL_NB
        else sm.families.Poisson()
    )
    res = _glm(fit.counts, _design(fit.starts, fit.centre, degree), family)
    return float(res.pearson_chi2)


def curvature_test(fit: TrendFit) -> tuple[float, float, int]:
    """Lack-of-fit check of constant growth: quasi-likelihood F test of a quadratic year term.

    `F = (X2_linear - X2_quadratic) / (X2_quadratic / (n - 3))` on (1, n - 3) df, the variance
    function of `fit` held fixed. A small p-value says the growth rate changed over the years
    (what the dispersion estimate would otherwise absorb). Returns `(F, p, df)`; NaN when
    `n < 4` (no residual df left for the quadratic model).
    """
    n = len(fit.counts)
    if not fit.fitted_ok or n < 4:
        return float("nan"), float("nan"), max(n - 3, 0)
    lin, quad = pearson_chi2(fit, 1), pearson_chi2(fit, 2)
    df2 = n - 3
    if quad <= 0:
        return float("inf"), 0.0, df2
    f = max(lin - quad, 0.0) / (quad / df2)
    return float(f), float(stats.f.sf(f, 1, df2)), df2


@dataclass(frozen=True)
class ShareTrend:
    """Trend in a series' share of the total: log-odds slope per year, quasi-binomial t test."""

    slope: float
    se: float
    df_resid: int

    @property
    def p_value(self) -> float:
        """Two-sided t(df_resid) p-value for a constant share."""
        return float(2 * stats.t.sf(abs(self.slope / self.se), self.df_resid))


def share_trend(counts: np.ndarray, totals: np.ndarray, starts: np.ndarray) -> ShareTrend | None:
    """Does a series grow faster than the total it is part of? Its share must rise.

    Quasi-binomial GLM of `counts` out of `totals` on year (logit link), scale = Pearson chi2 / df.
    Testing the share uses the pairing of the two series year by year, which comparing two
    separately estimated growth rates ignores (the series is part of the total, so the two are
    positively correlated). None when the share cannot be modelled (fewer than 3 years, or a
    share of 0 or 1 in every year).
    """
    import statsmodels.api as sm

    s, t = np.asarray(counts, dtype=float), np.asarray(totals, dtype=float)
    if len(s) < 3 or np.all(s == 0) or np.all(s == t) or np.any(t <= 0):
        return None
    X = _design(starts, float(np.mean(starts)))
    # proportions with the totals as variance weights: statsmodels' two-column (successes,
    # failures) form returns a Pearson scale that ignores the weights (about 1/6000 of the
    # hand-computed scale on the default data; see tests/asgsf/test_trends.py)
    res = _glm(s / t, X, sm.families.Binomial(), var_weights=t, scale="X2")
    se = float(np.sqrt(res.cov_params()[1, 1]))
    if not (np.isfinite(se) and se > 0):
        return None
    return ShareTrend(float(res.params[1]), se, int(round(res.df_resid)))


def model_years(label: str, years: list[str], *, exclude_partial: bool = True) -> list[str]:
    """The years in which a category existed, by default with its latest definition all year.

    Family therapy only exists from November 2018 and Multi-disciplinary packages only up to then,
    so structural zeros outside those years are never modelled. By default the years before the
    change's effect is complete are dropped too: the part-year 2018/19 for those two, and 2018/19
    and earlier for Psychotherapy and Creative therapies (which lost packages to Family therapy).
    """
    keep = []
    for y in years:
        s = fy_start(y)
        if not availability(label).available(s):
            continue
        if exclude_partial and not consistent_definition(label, s):
            continue
        keep.append(y)
    return keep


def spans_category_change(label: str, years: list[str]) -> bool:
    """True if a category hit by the November 2018 change is modelled over years whose counts are
    not comparable (a part-year, or years recorded under both definitions)."""
    if label in (TOTAL_LABEL, COMPARABLE_LABEL) or not affected_by_change(label):
        return False
    return any(not consistent_definition(label, fy_start(y)) for y in years)


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
    for name, fit in fits.items():
        if name in (TOTAL_LABEL, COMPARABLE_LABEL):
            continue
        if spans_category_change(name, fit.years):
            fit.note += (
                " [FLAG: modelled across the November 2018 category change, so the counts are "
                "not comparable across it; use the comparable series]"
            )
        elif len(fit.years) < len(years):
            fit.note += (
                f" (modelled over {len(fit.years)} of the {len(years)} years: only the years in "
                "which the category existed all year under one definition; November 2018 change)"
            )
    return fits


def _compared_with_total(
    name: str, fit: TrendFit, total: TrendFit | None
) -> tuple[object, float, object, str]:
    """`faster_than_total, its p-value, clearly_faster_than_total, note` for one series."""
    if name == TOTAL_LABEL or total is None or not total.fitted_ok or not fit.fitted_ok:
        return pd.NA, np.nan, pd.NA, ""
    if name != COMPARABLE_LABEL and affected_by_change(name):
        return (
            pd.NA,
            np.nan,
            pd.NA,
            "not compared with the total: packages moved between this category and others in "
            "November 2018; compare the comparable series instead",
        )
    by_year = dict(zip(total.years, total.counts, strict=True))
    totals = np.array([by_year.get(y, np.nan) for y in fit.years])
    if np.isnan(totals).any():  # pragma: no cover - total covers every year of the span
        return pd.NA, np.nan, pd.NA, ""
    share = share_trend(fit.counts, totals, fit.starts)
    if share is None:
        return pd.NA, np.nan, pd.NA, ""
    faster = share.slope > 0
    return faster, share.p_value, bool(faster and share.p_value < 1 - LEVEL), ""


def trends_table(fits: dict[str, TrendFit]) -> pd.DataFrame:
    """One row per series: growth with t(df) CI and p-value, `n_years`, `df_resid`, diagnostics.

    Columns: `therapy_type, model, annual_growth_pct, ci_low, ci_high, p_value, n_years, df_resid,
    ci_reference, first_year, last_year, packages, dispersion_poisson, nb_alpha, curvature_F,
    curvature_p, lack_of_fit, spans_category_change, faster_than_total, faster_than_total_p,
    clearly_faster_than_total, note` (unrounded).

    `faster_than_total` is the direction of the trend in the series' share of the total over the
    series' years, `faster_than_total_p` its quasi-binomial t test and `clearly_faster_than_total`
    a rising share at p < 0.05. Categories whose packages moved at the November 2018 change are
    not compared (their comparable series is). `lack_of_fit` is `curvature_p < 0.05`.
    """
    total = fits.get(TOTAL_LABEL)
    rows = []
    for name, f in fits.items():
        row: dict[str, object] = {"therapy_type": name, "model": f.model}
        if f.fitted_ok:
            lo, hi = f.growth_ci()
            g = f.growth_pct()
            row.update(annual_growth_pct=g, ci_low=lo, ci_high=hi, p_value=f.p_value())
        else:
            row.update(annual_growth_pct=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan)
        curv_f, curv_p, _ = curvature_test(f)
        faster, faster_p, clearly, why = _compared_with_total(name, f, total)
        row.update(
            n_years=len(f.years),
            df_resid=f.df_resid if f.fitted_ok else pd.NA,
            ci_reference=f.ci_reference,
            first_year=f.years[0] if f.years else "",
            last_year=f.years[-1] if f.years else "",
            packages=int(np.sum(f.counts)),
            dispersion_poisson=f.dispersion,
            nb_alpha=f.alpha,
            curvature_F=curv_f,
            curvature_p=curv_p,
            lack_of_fit=bool(curv_p < 1 - LEVEL) if np.isfinite(curv_p) else pd.NA,
            spans_category_change=spans_category_change(name, f.years),
            faster_than_total=faster,
            faster_than_total_p=faster_p,
            clearly_faster_than_total=clearly,
            note="; ".join(s for s in (f.note, why) if s),
        )
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("lack_of_fit", "faster_than_total", "clearly_faster_than_total"):
        out[col] = out[col].astype("boolean")
    for col in ("n_years", "df_resid"):
        out[col] = out[col].astype("Int64")
    for col in ("faster_than_total_p", "curvature_F", "curvature_p"):
        out[col] = out[col].astype(float)
    return out


def fitted_long(fits: dict[str, TrendFit]) -> pd.DataFrame:
    """Observed and fitted counts per series and modelled year (for charts)."""
    frames = []
    for name, f in fits.items():
        if not f.fitted_ok:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "series": name,
                    "financial_year": f.years,
                    "packages": f.counts,
                    "fitted": f.mean(f.starts),
                }
            )
        )
    cols = ["series", "financial_year", "packages", "fitted"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


__all__ = [
    "MODEL_NB",
    "MODEL_NONE",
    "MODEL_QUASI",
    "TOTAL_LABEL",
    "ShareTrend",
    "TrendFit",
    "curvature_test",
    "fit_all",
    "fit_count_trend",
    "fitted_long",
    "model_years",
    "pearson_chi2",
    "share_trend",
    "spans_category_change",
    "trends_table",
]
