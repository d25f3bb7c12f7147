"""Choosing the model's covariates: the screen against the published model, and sound alternatives.

The report screened factors one at a time and entered the significant ones into the final model,
fitted on the same data. That selection makes the final p-values and CIs optimistic and can drop a
factor whose association shows only after adjustment (or keep one that is significant only
through a correlated factor). Three specifications are offered (`model_spec`):

- `published`: the report's covariates, fixed in advance (the default; comparable across extracts);
- `full`: every screened factor, pre-specified: no data-driven selection, so its t-intervals are
  valid as stated, at the cost of more parameters;
- `lasso`: penalised selection (L1 by coordinate descent, checked against statsmodels'
  `OLS.fit_regularized`; penalty chosen by seeded K-fold cross-validation); the OLS refit on the
  selected factors reuses the same data, so its intervals are descriptive only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from nps_analysis.step import CANDIDATE_FACTORS, MODEL_COVARIATES, OUTCOME
from nps_analysis.step.design import expand, factor_of, is_categorical
from nps_analysis.step.model import ModelDataError, design_terms, fit_model, model_frame

MODEL_SPECS: tuple[str, ...] = ("published", "full", "lasso")
LASSO_RULES: tuple[str, ...] = ("1se", "min")

SCREEN_MODEL_COLUMNS: tuple[str, ...] = (
    "factor",
    "in_published_model",
    "n_screen",
    "p_screen",
    "passes_screen",
    "n_adjusted",
    "df_adjusted",
    "n_min_group",
    "p_adjusted",
    "p_given_child_age",
    "r_with_child_age",
    "agreement",
)


def _factor_p(fitted_result, terms: Sequence[str]) -> float:
    """p-value of a factor in a fit: its t-test, or the joint F-test of its indicator columns."""
    if len(terms) == 1:
        return float(fitted_result.pvalues[terms[0]])
    names = list(fitted_result.params.index)
    r = np.zeros((len(terms), len(names)))
    for i, t in enumerate(terms):
        r[i, names.index(t)] = 1.0
    return float(np.asarray(fitted_result.f_test(r).pvalue))


def _min_group(data: pd.DataFrame, terms: Sequence[str]) -> int:
    """Smallest group behind a factor's test: the rarer level of a 0/1 column (n if continuous)."""
    x = data.loc[:, list(terms)].to_numpy()
    if not np.isin(x, (0.0, 1.0)).all():
        return len(data)
    return min(int(x.sum(axis=0).min()), int((x.sum(axis=1) == 0).sum()))


def _adjusted(
    df: pd.DataFrame, factor: str, covariates: Sequence[str]
) -> tuple[float, int, int, int]:
    """(p, n, df, smallest group) of `factor` in the OLS fit with `covariates` (NaN if not fitted)."""
    try:
        fitted = fit_model(df, list(dict.fromkeys([*covariates, factor])))
    except ModelDataError:
        return np.nan, 0, 0, 0
    terms = [t for t in fitted.covariates if factor_of(t) == factor]
    if not terms:
        return np.nan, fitted.n_used, fitted.df_resid, 0
    return (
        _factor_p(fitted.result, terms),
        fitted.n_used,
        fitted.df_resid,
        _min_group(fitted.data, terms),
    )


def screen_against_model(
    df: pd.DataFrame,
    screen: pd.DataFrame,
    covariates: Sequence[str] = MODEL_COVARIATES,
    alpha: float = 0.05,
    age: str = "child_age",
) -> pd.DataFrame:
    """Each screened factor: its screen p, its p adjusted for the published model, and for age.

    `screen` is `screen_factors(...)`. `p_adjusted` is the factor's p-value in OLS with the
    published covariates (added to them if not one of them); `p_given_child_age` adjusts for the
    child's current age only, so a factor significant on the screen but not given age passes the
    screen only through its correlation with age (`r_with_child_age`, pairwise complete cases).
    `n_min_group` is the smallest group behind any of the row's tests (for disclosure control).
    """
    scr = screen.set_index("factor")
    rows = []
    for factor in scr.index:
        p_adj, n_adj, df_adj, n_min = _adjusted(df, factor, covariates)
        p_age, r_age = np.nan, np.nan
        if factor != age and not is_categorical(factor):
            p_age = _adjusted(df, factor, [age])[0]
            pair = expand(df, [factor, age]).dropna()
            if len(pair) > 2 and pair[factor].nunique() > 1:
                r_age = float(stats.pearsonr(pair[factor], pair[age]).statistic)
        p_screen = float(scr.loc[factor, "p_value"])
        passes = bool(p_screen < alpha) if np.isfinite(p_screen) else pd.NA
        in_model = factor in covariates
        rows.append(
            {
                "factor": factor,
                "in_published_model": in_model,
                "n_screen": int(scr.loc[factor, "n"]),
                "p_screen": p_screen,
                "passes_screen": passes,
                "n_adjusted": n_adj,
                "df_adjusted": df_adj,
                "n_min_group": min(int(scr.loc[factor, "n_min_group"]), n_min),
                "p_adjusted": p_adj,
                "p_given_child_age": p_age,
                "r_with_child_age": r_age,
                "agreement": _agreement(in_model, passes, p_age, alpha),
            }
        )
    out = pd.DataFrame(rows, columns=list(SCREEN_MODEL_COLUMNS))
    out["passes_screen"] = out["passes_screen"].astype("boolean")
    return out


def _agreement(in_model: bool, passes: object, p_age: float, alpha: float) -> str:
    if passes is pd.NA:
        return "not tested"
    if in_model:
        return "in model, passes screen" if passes else "in model, fails screen"
    if not passes:
        return "not in model, fails screen"
    if np.isfinite(p_age) and p_age >= alpha:
        return "not in model, passes screen only through current age"
    return "not in model, passes screen"


def screen_model_disclosure() -> dict[str, object]:
    """`OutputWriter.table` keywords for `screen_against_model` (rows do not add to totals)."""
    tests = ("p_screen", "passes_screen", "p_adjusted", "p_given_child_age", "r_with_child_age")
    derived = dict.fromkeys((*tests, "agreement"), "n_min_group")
    derived["df_adjusted"] = "n_adjusted"  # n_adjusted = df_adjusted + k would undo suppression
    return {"counts": ["n_screen", "n_adjusted", "n_min_group"], "derived": derived, "dims": []}


# ----------------------------------------------------------------------------- penalised selection
def _standardise(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centred y, and x centred and scaled to unit (population) SD; returns the SDs too."""
    sd = x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return (x - x.mean(axis=0)) / sd, y - y.mean(), sd


def coordinate_descent(
    xs: np.ndarray,
    yc: np.ndarray,
    alpha: float,
    start: np.ndarray | None = None,
    tol: float = 1e-10,
    max_sweeps: int = 100_000,
) -> np.ndarray:
    """Lasso by cyclic coordinate descent: minimises ||yc - xs b||² / (2n) + alpha * ||b||_1.

    Works on the Gram matrix (p x p), so a sweep costs O(p²) whatever n; stops when no
    coefficient moves by more than `tol`. (statsmodels' `OLS.fit_regularized` elastic net
    solves the same problem but stops after 50 sweeps, short of convergence for the correlated
    age variables, and takes minutes for a cross-validated path at n = 1,000.)
    """
    n = len(yc)
    gram = xs.T @ xs / n
    xty = xs.T @ yc / n
    diag = np.diag(gram).copy()
    b = np.zeros(xs.shape[1]) if start is None else np.array(start, dtype=float)
    for _ in range(max_sweeps):
        moved = 0.0
        for j in np.flatnonzero(diag > 0):
            rho = xty[j] - gram[j] @ b + diag[j] * b[j]
            new = np.sign(rho) * max(abs(rho) - alpha, 0.0) / diag[j]
            moved = max(moved, abs(new - b[j]))
            b[j] = new
        if moved < tol:
            return b
    raise RuntimeError(f"lasso coordinate descent did not converge in {max_sweeps} sweeps")


def lasso_path(
    xs: np.ndarray, yc: np.ndarray, alphas: np.ndarray, tol: float = 1e-10
) -> np.ndarray:
    """Coefficients (len(alphas), p) along a decreasing penalty grid, each warm-started."""
    out, b = [], None
    for a in alphas:
        b = coordinate_descent(xs, yc, float(a), b, tol)
        out.append(b.copy())
    return np.asarray(out)


def lasso_fit(x: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """Lasso coefficients on the standardised scale (x centred, unit population SD; y centred)."""
    xs, yc, _ = _standardise(x, y)
    return coordinate_descent(xs, yc, alpha)


def alpha_max(x: np.ndarray, y: np.ndarray) -> float:
    """The smallest penalty at which every lasso coefficient is 0: max |x'y| / n (standardised)."""
    xs, yc, _ = _standardise(x, y)
    return float(np.max(np.abs(xs.T @ yc)) / len(yc))


@dataclass(frozen=True)
class LassoSelection:
    """The cross-validated lasso: chosen penalty, per-term coefficients and selected factors."""

    table: pd.DataFrame
    factors: tuple[str, ...]
    alpha: float
    rule: str
    folds: int
    n_used: int
    candidates: int


def lasso_select(
    df: pd.DataFrame,
    candidates: Sequence[str] = CANDIDATE_FACTORS,
    outcome: str = OUTCOME,
    *,
    folds: int = 10,
    seed: int = 20241125,
    rule: str = "1se",
    n_alphas: int = 25,
    min_ratio: float = 1e-3,
) -> LassoSelection:
    """Lasso selection among `candidates` (complete cases), penalty by seeded K-fold CV.

    The penalty grid runs from `alpha_max` down to `min_ratio` times it (log-spaced). Each fold is
    standardised on its own training part. `rule` "min" takes the penalty with the lowest CV mean
    squared error, "1se" the largest penalty within one standard error of it (sparser). A factor
    is selected when any of its design columns has a non-zero coefficient.
    """
    if rule not in LASSO_RULES:
        raise ValueError(f"lasso rule must be one of {LASSO_RULES}, not {rule!r}")
    data = model_frame(df, candidates, outcome)
    terms = design_terms(data, outcome)
    x, y = data.loc[:, terms].to_numpy(), data[outcome].to_numpy()
    n = len(y)
    if n < 2 * folds:
        raise ModelDataError(f"only {n} complete cases: too few for {folds}-fold cross-validation")
    grid = alpha_max(x, y) * np.logspace(0, np.log10(min_ratio), n_alphas)
    fold = np.random.default_rng(seed).permutation(np.arange(n) % folds)
    mse = np.empty((folds, n_alphas))
    for k in range(folds):
        train, test = fold != k, fold == k
        xs_tr, yc_tr, sd = _standardise(x[train], y[train])
        mu_x, mu_y = x[train].mean(axis=0), y[train].mean()
        path = lasso_path(xs_tr, yc_tr, grid)
        pred = mu_y + ((x[test] - mu_x) / sd) @ path.T
        mse[k] = np.mean((y[test][:, None] - pred) ** 2, axis=0)
    cv, cv_se = mse.mean(axis=0), mse.std(axis=0, ddof=1) / np.sqrt(folds)
    best = int(np.argmin(cv))
    chosen = best if rule == "min" else int(np.flatnonzero(cv <= cv[best] + cv_se[best])[0])
    beta_std = lasso_fit(x, y, float(grid[chosen]))
    _, _, sd = _standardise(x, y)
    selected = beta_std != 0
    table = pd.DataFrame(
        {
            "term": terms,
            "factor": [factor_of(t) for t in terms],
            "standardised_coefficient": beta_std,
            "lasso_coefficient": beta_std / sd,
            "selected": selected,
            "alpha": float(grid[chosen]),
            "cv_mse": float(cv[chosen]),
            "cv_mse_se": float(cv_se[chosen]),
            "n_used": n,
            "df_resid": n - len(terms) - 1,
        }
    )
    factors = tuple(dict.fromkeys(table.loc[table["selected"], "factor"]))
    return LassoSelection(table, factors, float(grid[chosen]), rule, folds, n, len(candidates))


@dataclass(frozen=True)
class ModelChoice:
    """The covariates of the final model and the honest wording of how they were chosen."""

    spec: str
    covariates: tuple[str, ...]
    caveat: str
    lasso: LassoSelection | None = None


def choose_covariates(
    df: pd.DataFrame,
    spec: str = "published",
    *,
    folds: int = 10,
    seed: int = 20241125,
    rule: str = "1se",
) -> ModelChoice:
    """The final model's covariates under `spec` (one of MODEL_SPECS), with its caveat sentence."""
    if spec == "published":
        return ModelChoice(
            spec,
            MODEL_COVARIATES,
            "Covariates: the published model's, fixed in advance (not chosen on this extract). The "
            "report chose them by screening the STEP data and then fitted them on the same data, "
            "so on the real extract its p-values and CIs are optimistic (they ignore that "
            "selection); on the synthetic default the model is the generator's by construction.",
        )
    if spec == "full":
        return ModelChoice(
            spec,
            CANDIDATE_FACTORS,
            f"Covariates: all {len(CANDIDATE_FACTORS)} screened factors, pre-specified (no "
            "data-driven selection), so the t-intervals and p-values below are valid as stated "
            "under the model's assumptions; the price is more parameters and wider intervals.",
        )
    if spec == "lasso":
        sel = lasso_select(df, folds=folds, seed=seed, rule=rule)
        if not sel.factors:
            raise ModelDataError(
                f"the cross-validated lasso ('{rule}' rule) selected no factor on these "
                f"{sel.n_used} families: nothing to refit. Report that, or try lasso_rule='min' "
                "or model_spec='full'"
            )
        return ModelChoice(
            spec,
            sel.factors,
            f"Covariates: chosen by a cross-validated lasso ({sel.folds}-fold, '{sel.rule}' rule, "
            f"seeded) from {sel.candidates} candidate factors on the {sel.n_used} families "
            f"complete on all of them: {len(sel.factors)} selected. The OLS refit below reuses "
            "(mostly) the same families that chose them, "
            "so its CIs are too narrow and its p-values too small: read them as descriptive, not "
            "as tests. Which factors are selected is itself unstable at this size, and a factor "
            "left out is not shown to be unrelated to TAYC-R. Valid tests of the selected factors "
            "need an independent sample (e.g. the next STEP report).",
            sel,
        )
    raise ValueError(f"model_spec must be one of {MODEL_SPECS}, not {spec!r}")


__all__ = [
    "LASSO_RULES",
    "MODEL_SPECS",
    "SCREEN_MODEL_COLUMNS",
    "LassoSelection",
    "ModelChoice",
    "alpha_max",
    "choose_covariates",
    "coordinate_descent",
    "lasso_fit",
    "lasso_path",
    "lasso_select",
    "screen_against_model",
    "screen_model_disclosure",
]
