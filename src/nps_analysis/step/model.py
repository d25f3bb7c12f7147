"""The final TAYC-R linear model: OLS (statsmodels formula API), classical and HC3 robust SEs.

Categorical covariates (ethnicity) enter as 0/1 indicators, and an extract spanning several RAAs
gets RAA fixed effects (`nps_analysis.step.design`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.regression.linear_model import RegressionResultsWrapper

from nps_analysis.step import AGE_STEPS, MODEL_COVARIATES, OUTCOME
from nps_analysis.step.design import RAA, expand, factor_of, spans_several_raas

COEFFICIENT_COLUMNS: tuple[str, ...] = (
    "term",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "robust_std_error",
)
"""The output contract of `tables/coefficients.csv` (other tools read it)."""

_TERM_LEVEL = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\[T\.(?:True|1|1\.0)\]$")


class ModelDataError(ValueError):
    """Raised when the data cannot support the model (too few rows, a constant covariate)."""


def clean_term(name: str) -> str:
    """Map a statsmodels term name back to the schema column (`x[T.True]` -> `x`)."""
    match = _TERM_LEVEL.match(name)
    return match.group("name") if match else name


def formula_for(covariates: Sequence[str], outcome: str = OUTCOME) -> str:
    """The patsy formula `outcome ~ a + b + ...` (`outcome ~ 1` without covariates)."""
    return f"{outcome} ~ " + (" + ".join(covariates) if covariates else "1")


def model_frame(
    df: pd.DataFrame, covariates: Sequence[str] = MODEL_COVARIATES, outcome: str = OUTCOME
) -> pd.DataFrame:
    """Complete cases on the outcome and covariates, every column as float (booleans as 0/1).

    Categorical covariates become indicator columns `factor__level` (small levels merged).
    """
    cols = [outcome, *covariates]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ModelDataError(
            f"the extract has no column(s) {missing}; check the STEP data contract"
        )
    complete = df.loc[:, cols].dropna()
    x = expand(complete, covariates)
    y = pd.DataFrame({outcome: complete[outcome].to_numpy(dtype=float)}, index=complete.index)
    return pd.concat([y, x], axis=1).reset_index(drop=True)


def design_terms(data: pd.DataFrame, outcome: str = OUTCOME) -> list[str]:
    """The design columns of a `model_frame` (everything but the outcome)."""
    return [c for c in data.columns if c != outcome]


@dataclass
class FittedModel:
    """A fitted TAYC-R model with the counts needed to report it."""

    result: RegressionResultsWrapper
    covariates: tuple[str, ...]
    """Design columns (indicators for categorical factors and RAA fixed effects included)."""
    outcome: str
    n_total: int
    data: pd.DataFrame
    factors: tuple[str, ...] = ()
    """The factors as requested (schema columns), plus `raa` when fixed effects are entered."""

    @property
    def n_used(self) -> int:
        return int(self.result.nobs)

    @property
    def n_excluded(self) -> int:
        return self.n_total - self.n_used

    @property
    def df_resid(self) -> int:
        return int(self.result.df_resid)

    @property
    def fixed_effects(self) -> tuple[str, ...]:
        """The RAA fixed-effect columns (empty for a single-RAA extract)."""
        return tuple(t for t in self.covariates if factor_of(t) == RAA)

    @property
    def effects(self) -> tuple[str, ...]:
        """The design columns other than the RAA fixed effects."""
        return tuple(t for t in self.covariates if factor_of(t) != RAA)


def fit_model(
    df: pd.DataFrame,
    covariates: Sequence[str] = MODEL_COVARIATES,
    outcome: str = OUTCOME,
    *,
    raa_effects: bool | None = None,
) -> FittedModel:
    """Fit OLS of `outcome` on `covariates` on complete cases (the primary analysis).

    `raa_effects` adds RAA fixed effects; None (default) adds them when `df` spans several RAAs.
    """
    factors = list(covariates)
    if (spans_several_raas(df) if raa_effects is None else raa_effects) and RAA not in factors:
        factors.append(RAA)
    data = model_frame(df, factors, outcome)
    terms = design_terms(data, outcome)
    k = len(terms) + 1
    if len(data) <= k:
        raise ModelDataError(
            f"only {len(data)} complete case(s) for {k} parameters: the model cannot be fitted"
        )
    constant = [c for c in terms if data[c].nunique() < 2]
    if constant:
        raise ModelDataError(
            f"covariate(s) {constant} take a single value among complete cases: drop them or "
            "use a larger extract"
        )
    result = smf.ols(formula_for(terms, outcome), data=data).fit()
    return FittedModel(result, tuple(terms), outcome, len(df), data, tuple(factors))


def coefficient_table(model: FittedModel, alpha: float = 0.05) -> pd.DataFrame:
    """Coefficients with classical SEs, (1-alpha) CIs and p-values, plus HC3 robust SEs.

    Columns are COEFFICIENT_COLUMNS (the `tables/coefficients.csv` contract, in order) followed by
    `robust_ci_low, robust_ci_high, robust_p_value` (HC3, t reference distribution with the
    residual df: a small-sample convention, HC3 itself is justified asymptotically) and the
    `n_used`, `df_resid` every interval rests on.
    """
    res = model.result
    ci = res.conf_int(alpha=alpha)
    robust = res.get_robustcov_results(cov_type="HC3")
    t_crit = stats.t.ppf(1 - alpha / 2, res.df_resid)
    robust_se = np.asarray(robust.bse)
    out = pd.DataFrame(
        {
            "term": [clean_term(t) for t in res.params.index],
            "estimate": res.params.to_numpy(),
            "std_error": res.bse.to_numpy(),
            "ci_low": ci.iloc[:, 0].to_numpy(),
            "ci_high": ci.iloc[:, 1].to_numpy(),
            "p_value": res.pvalues.to_numpy(),
            "robust_std_error": robust_se,
            "robust_ci_low": res.params.to_numpy() - t_crit * robust_se,
            "robust_ci_high": res.params.to_numpy() + t_crit * robust_se,
            "robust_p_value": np.asarray(robust.pvalues),
            "n_used": model.n_used,
            "df_resid": model.df_resid,
        }
    )
    return out


def model_fit_table(model: FittedModel) -> pd.DataFrame:
    """One row: n used/excluded, R², adj R², residual dof, residual SD, overall F test."""
    res = model.result
    return pd.DataFrame(
        {
            "n_used": [model.n_used],
            "n_excluded": [model.n_excluded],
            "n_total": [model.n_total],
            "r_squared": [res.rsquared],
            "adj_r_squared": [res.rsquared_adj],
            "df_model": [int(res.df_model)],
            "df_resid": [model.df_resid],
            "residual_sd": [float(np.sqrt(res.scale))],
            "f_statistic": [float(res.fvalue)],
            "f_p_value": [float(res.f_pvalue)],
        }
    )


def age_effects(
    model: FittedModel,
    steps: Sequence[int] = AGE_STEPS,
    alpha: float = 0.05,
    term: str = "child_age",
) -> pd.DataFrame:
    """The child's-age effect over `steps` years (linear contrasts), with classical and HC3 CIs.

    No rows when `term` is not in the model (e.g. a lasso that did not select it).
    """
    res = model.result
    present = term in res.params.index
    years = np.asarray(list(steps) if present else [], dtype=float)
    per_year = res.params.get(term, np.nan)
    se1 = res.bse.get(term, np.nan)
    robust = pd.Series(res.get_robustcov_results(cov_type="HC3").bse, index=res.params.index)
    rse1 = robust.get(term, np.nan)
    t_crit = stats.t.ppf(1 - alpha / 2, res.df_resid)
    est = years * per_year
    return pd.DataFrame(
        {
            "years": years.astype(int),
            "estimate": est,
            "std_error": years * se1,
            "ci_low": est - t_crit * years * se1,
            "ci_high": est + t_crit * years * se1,
            "robust_ci_low": est - t_crit * years * rse1,
            "robust_ci_high": est + t_crit * years * rse1,
            "n_used": np.full(len(years), model.n_used),
            "df_resid": np.full(len(years), model.df_resid),
        }
    )


def lstsq_estimates(
    df: pd.DataFrame, covariates: Sequence[str] = MODEL_COVARIATES, outcome: str = OUTCOME
) -> tuple[np.ndarray, np.ndarray]:
    """Independent numpy least squares on complete cases: (coefficients, classical SEs)."""
    data = model_frame(df, covariates, outcome)
    x = np.column_stack([np.ones(len(data)), data.loc[:, design_terms(data, outcome)].to_numpy()])
    y = data[outcome].to_numpy()
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    sigma2 = resid @ resid / (len(y) - x.shape[1])
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(x.T @ x)))
    return beta, se


def batch_ols_coverage(
    x: np.ndarray, y: np.ndarray, beta_true: np.ndarray, alpha: float = 0.05
) -> np.ndarray:
    """Coverage indicators for many replications at once.

    `x` is (r, n, k) designs, `y` is (r, n) outcomes: returns an (r, k) boolean array, True where
    the replication's (1-alpha) t-interval covers `beta_true`.
    """
    xtx_inv = np.linalg.inv(np.einsum("rni,rnj->rij", x, x))
    beta = np.einsum("rij,rnj,rn->ri", xtx_inv, x, y)
    resid = y - np.einsum("rnk,rk->rn", x, beta)
    dof = x.shape[1] - x.shape[2]
    sigma2 = (resid**2).sum(axis=1) / dof
    se = np.sqrt(sigma2[:, None] * np.diagonal(xtx_inv, axis1=1, axis2=2))
    t_crit = stats.t.ppf(1 - alpha / 2, dof)
    return np.abs(beta - beta_true[None, :]) <= t_crit * se


__all__ = [
    "COEFFICIENT_COLUMNS",
    "FittedModel",
    "ModelDataError",
    "age_effects",
    "batch_ols_coverage",
    "clean_term",
    "coefficient_table",
    "design_terms",
    "fit_model",
    "formula_for",
    "lstsq_estimates",
    "model_fit_table",
]
