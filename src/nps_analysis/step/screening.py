"""Bivariate screening of candidate factors against TAYC-R, with raw and Holm-adjusted p-values."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from nps_analysis.step import (
    BINARY_FACTORS,
    CANDIDATE_FACTORS,
    CATEGORICAL_FACTORS,
    CONTINUOUS_FACTORS,
    MODEL_COVARIATES,
    OUTCOME,
)

SCREENING_TEST_COLUMNS: tuple[str, ...] = (
    "difference",
    "statistic",
    "df",
    "effect_size",
    "p_value",
    "p_holm",
    "significant_raw",
    "significant_holm",
)
"""Columns computed from every group: disclosure control ties them to `n_min_group`."""

SCREENING_COLUMNS: tuple[str, ...] = (
    "factor",
    "kind",
    "test",
    "n",
    "n_with",
    "n_without",
    "n_min_group",
    "mean_with",
    "mean_without",
    "difference",
    "statistic",
    "df",
    "effect_size",
    "effect_measure",
    "p_value",
    "p_holm",
    "significant_raw",
    "significant_holm",
    "in_published_model",
)


def cohens_d(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's d = (mean a - mean b) / pooled SD (the pooled-variance SD, n-1 weights)."""
    na, nb = len(a), len(b)
    pooled = ((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1)) / (na + nb - 2)
    return float((np.mean(a) - np.mean(b)) / np.sqrt(pooled))


def eta_squared(y: np.ndarray, groups: np.ndarray) -> float:
    """Eta squared = between-group sum of squares / total sum of squares."""
    codes, inverse = np.unique(groups, return_inverse=True)
    sums = np.bincount(inverse, weights=y, minlength=len(codes))
    counts = np.bincount(inverse, minlength=len(codes))
    means = sums / counts
    ss_between = float(np.sum(counts * (means - y.mean()) ** 2))
    ss_total = float(np.sum((y - y.mean()) ** 2))
    return ss_between / ss_total if ss_total > 0 else float("nan")


def _row(factor: str, kind: str, test: str, **values: float | int | str) -> dict[str, object]:
    base: dict[str, object] = dict.fromkeys(SCREENING_COLUMNS, np.nan)
    base.update(factor=factor, kind=kind, test=test, **values)
    return base


def screen_binary(df: pd.DataFrame, factor: str, outcome: str = OUTCOME) -> dict[str, object]:
    """Welch t-test of the outcome between families with and without `factor`; Cohen's d."""
    sub = df.loc[:, [factor, outcome]].dropna()
    flag = sub[factor].astype(bool).to_numpy()
    y = sub[outcome].to_numpy(dtype=float)
    a, b = y[flag], y[~flag]
    row = _row(
        factor,
        "binary",
        "Welch t-test",
        n=len(y),
        n_with=len(a),
        n_without=len(b),
        n_min_group=min(len(a), len(b)),
    )
    if len(a) < 2 or len(b) < 2:
        return row
    res = stats.ttest_ind(a, b, equal_var=False)
    row.update(
        mean_with=float(a.mean()),
        mean_without=float(b.mean()),
        difference=float(a.mean() - b.mean()),
        statistic=float(res.statistic),
        df=float(res.df),
        effect_size=cohens_d(a, b),
        effect_measure="Cohen's d",
        p_value=float(res.pvalue),
    )
    return row


def screen_continuous(df: pd.DataFrame, factor: str, outcome: str = OUTCOME) -> dict[str, object]:
    """Pearson correlation (= simple regression t-test); `difference` is the slope per unit."""
    sub = df.loc[:, [factor, outcome]].dropna().astype(float)
    x, y = sub[factor].to_numpy(), sub[outcome].to_numpy()
    row = _row(factor, "continuous", "Pearson correlation", n=len(y), n_min_group=len(y))
    if len(y) < 3 or np.ptp(x) == 0:
        return row
    res = stats.pearsonr(x, y)
    r = float(res.statistic)
    slope = r * float(np.std(y, ddof=1) / np.std(x, ddof=1))
    row.update(
        difference=slope,
        statistic=r * np.sqrt((len(y) - 2) / (1 - r**2)),
        df=float(len(y) - 2),
        effect_size=r,
        effect_measure="r",
        p_value=float(res.pvalue),
    )
    return row


def merge_small_groups(
    groups: np.ndarray, min_size: int, other: str = "Other (merged)"
) -> np.ndarray:
    """Merge categories with fewer than `min_size` members into one `other` category.

    If the merged group is still too small, the smallest remaining category joins it (as long as
    two categories would remain to compare).
    """
    labels, counts = np.unique(groups, return_counts=True)
    small = counts < min_size
    if not small.any():
        return groups
    if counts[small].sum() < min_size and (~small).sum() >= 2:
        big = np.flatnonzero(~small)
        small[big[np.argmin(counts[big])]] = True
    return np.where(np.isin(groups, labels[small]), other, groups)


def screen_categorical(
    df: pd.DataFrame, factor: str, outcome: str = OUTCOME, min_group_size: int = 10
) -> dict[str, object]:
    """One-way ANOVA of the outcome across the categories of `factor`; eta squared.

    Categories with fewer than `min_group_size` families are merged first (tiny groups add little
    power and would make the result disclosive); `n_min_group` is the smallest group tested.
    """
    sub = df.loc[:, [factor, outcome]].dropna()
    groups = merge_small_groups(sub[factor].astype(str).to_numpy(), min_group_size)
    y = sub[outcome].to_numpy(dtype=float)
    labels, sizes = np.unique(groups, return_counts=True)
    row = _row(
        factor,
        "categorical",
        f"One-way ANOVA ({len(labels)} groups)",
        n=len(y),
        n_min_group=int(sizes.min()) if len(sizes) else 0,
    )
    if len(labels) < 2 or len(y) <= len(labels):
        return row
    res = stats.f_oneway(*(y[groups == g] for g in labels))
    row.update(
        statistic=float(res.statistic),
        df=float(len(labels) - 1),
        effect_size=eta_squared(y, groups),
        effect_measure="eta squared",
        p_value=float(res.pvalue),
    )
    return row


def screen_factors(
    df: pd.DataFrame,
    factors: Sequence[str] = CANDIDATE_FACTORS,
    outcome: str = OUTCOME,
    alpha: float = 0.05,
    min_group_size: int = 10,
) -> pd.DataFrame:
    """Screen each factor (pairwise complete cases); Holm adjustment across all factors tested.

    `significant_raw` reproduces the report's rule (enter if p < alpha); `significant_holm` is the
    stricter family-wise version. `in_published_model` marks the report's final covariates.
    """
    rows = []
    for f in factors:
        if f in BINARY_FACTORS:
            rows.append(screen_binary(df, f, outcome))
        elif f in CONTINUOUS_FACTORS:
            rows.append(screen_continuous(df, f, outcome))
        elif f in CATEGORICAL_FACTORS:
            rows.append(screen_categorical(df, f, outcome, min_group_size))
        else:
            raise ValueError(f"factor '{f}' is not a known STEP candidate factor")
    out = pd.DataFrame(rows, columns=list(SCREENING_COLUMNS))
    p = out["p_value"].to_numpy(dtype=float)
    tested = ~np.isnan(p)
    p_holm = np.full(len(p), np.nan)
    if tested.any():
        p_holm[tested] = multipletests(p[tested], alpha=alpha, method="holm")[1]
    out["p_holm"] = p_holm
    out["significant_raw"] = (out["p_value"] < alpha).astype("boolean").mask(~tested)
    out["significant_holm"] = (out["p_holm"] < alpha).astype("boolean").mask(~tested)
    out["in_published_model"] = out["factor"].isin(MODEL_COVARIATES)
    out[["n", "n_min_group"]] = out[["n", "n_min_group"]].astype(int)
    # float, not Int64: blank for non-binary factors (sdc's secondary suppression needs numpy NaN)
    out[["n_with", "n_without"]] = out[["n_with", "n_without"]].astype(float)
    return out


def screening_disclosure() -> dict[str, object]:
    """Disclosure declaration of the screening table (counts and what derives from them).

    A binary factor's two sides go together: `n_with`, `n_without`, both means and the tests are
    suppressed with the smaller group `n_min_group`, so neither side follows from
    `n - n_other`. Rows are different factors that add up to no total (`dims=[]`).
    """
    sides = ("n_with", "n_without", "mean_with", "mean_without", *SCREENING_TEST_COLUMNS)
    return {
        "counts": ["n", "n_min_group"],
        "derived": dict.fromkeys(sides, "n_min_group"),
        "dims": [],
    }


__all__ = [
    "SCREENING_COLUMNS",
    "SCREENING_TEST_COLUMNS",
    "screening_disclosure",
    "cohens_d",
    "eta_squared",
    "merge_small_groups",
    "screen_binary",
    "screen_categorical",
    "screen_continuous",
    "screen_factors",
]
