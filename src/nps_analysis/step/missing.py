"""Missing data: counts of what is missing, and a multiple-imputation sensitivity analysis.

Imputation is statsmodels' chained equations (`MICEData`, predictive mean matching); pooling is
Rubin's rules with the Barnard-Rubin (1999) small-sample degrees of freedom, and the Monte Carlo
error of every pooled number is estimated by a jackknife over the imputations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.imputation.mice import MICEData
from statsmodels.regression.linear_model import OLS

from nps_analysis.step import MODEL_COVARIATES, OUTCOME
from nps_analysis.step.design import RAA, expand, spans_several_raas

MI_AUXILIARIES: tuple[str, ...] = (
    "child_age_at_entry_to_care",
    "child_age_at_placement",
    "child_ethnicity",
    "receiving_support",
    "parent_depression",
)
"""Variables that inform the imputations without entering the analysis model."""

MI_MIN_IMPUTATIONS = 30
"""The default number of imputations (params.yaml `step.mice_imputations`)."""


def missing_summary(
    df: pd.DataFrame, covariates: Sequence[str] = MODEL_COVARIATES, outcome: str = OUTCOME
) -> pd.DataFrame:
    """Rows missing each model variable, and the rows the complete-case model drops.

    Columns `variable, n_missing, pct_missing, base`; the last rows give families missing the
    outcome only, any covariate, anything (= excluded from the complete-case model) and complete.
    """
    cols = [outcome, *covariates]
    miss = df.loc[:, cols].isna()
    n = len(df)
    any_cov = miss.loc[:, list(covariates)].any(axis=1)
    summary_counts = {
        **{c: int(miss[c].sum()) for c in cols},
        "outcome_only": int((miss[outcome] & ~any_cov).sum()),
        "any_covariate": int(any_cov.sum()),
        "any_model_variable": int(miss.any(axis=1).sum()),
        "complete_cases": int((~miss.any(axis=1)).sum()),
    }
    counts = np.array(list(summary_counts.values()))
    return pd.DataFrame(
        {
            "variable": list(summary_counts),
            "n_missing": counts,
            "pct_missing": 100 * counts / n if n else np.nan,
            "base": n,
        }
    )


# ------------------------------------------------------------------------------ Rubin's rules
def barnard_rubin_df(
    within: np.ndarray, between: np.ndarray, m: int, df_complete: float
) -> np.ndarray:
    """Barnard-Rubin (1999) degrees of freedom of a pooled estimate.

    lambda = (1 + 1/m) B / T with T = W + (1 + 1/m) B; nu_old = (m - 1) / lambda²;
    nu_obs = (nu_com + 1) / (nu_com + 3) * nu_com * (1 - lambda); nu = nu_old nu_obs / (nu_old +
    nu_obs). With no between-imputation variance, nu = nu_obs = the complete-data df shrunk.
    """
    w, b = np.asarray(within, dtype=float), np.asarray(between, dtype=float)
    total = w + (1 + 1 / m) * b
    lam = (1 + 1 / m) * b / total
    nu_obs = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - lam)
    with np.errstate(divide="ignore"):
        inv_old = lam**2 / (m - 1)  # 1 / nu_old, 0 when there is no between variance
        return 1.0 / (inv_old + 1.0 / nu_obs)


def rubin_pool(
    estimates: np.ndarray, variances: np.ndarray, df_complete: float, alpha: float = 0.05
) -> pd.DataFrame:
    """Pool m estimates (rows) of k parameters (columns) with Rubin's rules, t(Barnard-Rubin).

    `variances` are the squared complete-data SEs. Returns one row per parameter: estimate, SE,
    CI, p-value (H0: 0), df, within / between variance, relative increase in variance r and the
    fraction of missing information (r + 2 / (df + 3)) / (1 + r).
    """
    q = np.atleast_2d(np.asarray(estimates, dtype=float))
    u = np.atleast_2d(np.asarray(variances, dtype=float))
    m = q.shape[0]
    if m < 2:
        raise ValueError("Rubin's rules need at least 2 imputations")
    qbar = q.mean(axis=0)
    w = u.mean(axis=0)
    b = q.var(axis=0, ddof=1)
    total = w + (1 + 1 / m) * b
    se = np.sqrt(total)
    df = barnard_rubin_df(w, b, m, df_complete)
    t_crit = stats.t.ppf(1 - alpha / 2, df)
    r = (1 + 1 / m) * b / w
    return pd.DataFrame(
        {
            "estimate": qbar,
            "std_error": se,
            "ci_low": qbar - t_crit * se,
            "ci_high": qbar + t_crit * se,
            "p_value": 2 * stats.t.sf(np.abs(qbar / se), df),
            "df": df,
            "within_variance": w,
            "between_variance": b,
            "relative_increase_variance": r,
            "fraction_missing_information": (r + 2 / (df + 3)) / (1 + r),
        }
    )


MCE_COLUMNS: tuple[str, ...] = ("estimate", "std_error", "ci_low", "ci_high", "p_value")


def monte_carlo_error(
    estimates: np.ndarray, variances: np.ndarray, df_complete: float, alpha: float = 0.05
) -> pd.DataFrame:
    """Jackknife Monte Carlo error of the pooled results (White, Royston & Wood 2011).

    Pools again leaving out each imputation in turn: MCE = sqrt((m - 1) / m * sum (x_(j) -
    mean x_(.))²) for each of MCE_COLUMNS. For the estimate this equals sqrt(B / m).
    """
    q, u = np.atleast_2d(estimates), np.atleast_2d(variances)
    m = q.shape[0]
    if m < 3:
        raise ValueError("the jackknife Monte Carlo error needs at least 3 imputations")
    drops = [
        rubin_pool(np.delete(q, j, axis=0), np.delete(u, j, axis=0), df_complete, alpha)
        for j in range(m)
    ]
    out = {}
    for col in MCE_COLUMNS:
        values = np.stack([d[col].to_numpy() for d in drops])
        out[f"mce_{col}"] = np.sqrt((m - 1) / m * ((values - values.mean(axis=0)) ** 2).sum(axis=0))
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------------- imputation
def imputation_data(
    df: pd.DataFrame,
    covariates: Sequence[str] = MODEL_COVARIATES,
    outcome: str = OUTCOME,
    auxiliaries: Sequence[str] = MI_AUXILIARIES,
    raa_effects: bool | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """The numeric frame MICE imputes, and the analysis model's design columns within it.

    Outcome, covariates, RAA indicators (when the extract spans several RAAs, as in `fit_model`)
    and auxiliaries, all as float with NaN where missing; ethnicity as 0/1 indicators (imputed
    one by one, so an imputed family can carry two: acceptable for an auxiliary).
    """
    factors = list(covariates)
    if (spans_several_raas(df) if raa_effects is None else raa_effects) and RAA not in factors:
        factors.append(RAA)
    analysis = expand(df, factors)
    extra = [a for a in auxiliaries if a not in factors and a != outcome]
    aux = expand(df, extra)
    y = pd.DataFrame({outcome: expand(df, [outcome])[outcome]}, index=df.index)
    data = pd.concat([y, analysis, aux], axis=1).reset_index(drop=True)
    return data, list(analysis.columns)


def impute_and_fit(
    data: pd.DataFrame,
    terms: Sequence[str],
    outcome: str = OUTCOME,
    *,
    seed: int = 20241125,
    n_burnin: int = 5,
    n_imputations: int = MI_MIN_IMPUTATIONS,
    n_skip: int = 0,
    k_pmm: int = 20,
) -> tuple[np.ndarray, np.ndarray]:
    """Impute `data` m times (chained equations, PMM) and fit OLS of `outcome` on `terms` to each.

    Every column with missing values is imputed from all the others (outcome and auxiliaries
    included); PMM draws observed values, so 0/1 columns stay 0/1. Returns (estimates,
    variances), each (m, 1 + len(terms)), intercept first. Cost: about (n_burnin + m (n_skip + 1))
    cycles of ~0.3 s with the default auxiliaries (patsy-bound, nearly independent of n).
    """
    if not data.isna().to_numpy().any():
        raise ValueError("no missing values in the model variables: nothing to impute")
    imp = MICEData(data, k_pmm=k_pmm, rng=np.random.default_rng(seed))
    imp.update_all(n_burnin)
    est, var = [], []
    for _ in range(n_imputations):
        imp.update_all(n_skip + 1)
        done = imp.data
        x = np.column_stack([np.ones(len(done)), done.loc[:, list(terms)].to_numpy(dtype=float)])
        res = OLS(done[outcome].to_numpy(dtype=float), x).fit()
        est.append(np.asarray(res.params))
        var.append(np.asarray(res.bse) ** 2)
    return np.asarray(est), np.asarray(var)


def mice_sensitivity(
    df: pd.DataFrame,
    covariates: Sequence[str] = MODEL_COVARIATES,
    outcome: str = OUTCOME,
    *,
    auxiliaries: Sequence[str] = MI_AUXILIARIES,
    seed: int = 20241125,
    n_burnin: int = 5,
    n_imputations: int = MI_MIN_IMPUTATIONS,
    n_skip: int = 0,
    k_pmm: int = 20,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The model pooled over MICE imputations: Rubin's rules, Barnard-Rubin df, Monte Carlo error.

    The complete-data df is n_total - (number of parameters). Returns `term, mi_estimate,
    mi_std_error, mi_ci_low, mi_ci_high, mi_p_value, mi_df` (Barnard-Rubin), the variance parts,
    the fraction of missing information, `mce_*` (jackknife Monte Carlo errors), `m`, `n_total`,
    `df_complete`.
    """
    data, terms = imputation_data(df, covariates, outcome, auxiliaries)
    est, var = impute_and_fit(
        data,
        terms,
        outcome,
        seed=seed,
        n_burnin=n_burnin,
        n_imputations=n_imputations,
        n_skip=n_skip,
        k_pmm=k_pmm,
    )
    df_complete = len(data) - (len(terms) + 1)
    pooled = rubin_pool(est, var, df_complete, alpha)
    mce = monte_carlo_error(est, var, df_complete, alpha)
    out = pd.concat(
        [
            pd.DataFrame({"term": ["Intercept", *terms]}),
            pooled.rename(columns={c: f"mi_{c}" for c in MCE_COLUMNS}).rename(
                columns={"df": "mi_df"}
            ),
            mce,
        ],
        axis=1,
    )
    return out.assign(m=n_imputations, n_total=len(data), df_complete=df_complete)


__all__ = [
    "MCE_COLUMNS",
    "MI_AUXILIARIES",
    "MI_MIN_IMPUTATIONS",
    "barnard_rubin_df",
    "impute_and_fit",
    "imputation_data",
    "mice_sensitivity",
    "missing_summary",
    "monte_carlo_error",
    "rubin_pool",
]
