"""Whether a fitted TAYC-R model's outputs may be released (disclosure control for regressions).

A model passes only when all three rules hold (thresholds from `params.yaml` `sdc:`):

1. **Residual degrees of freedom** n - k are at least `safe_dof_threshold`.
2. **Every level of every binary or categorical covariate** is held by at least `threshold`
   families: a binary covariate on both sides (with and without), a categorical one (ethnicity,
   RAA fixed effects) in every level, its reference level included. A coefficient carried by a few
   families is, in effect, a statement about those families.
3. **No family is fitted exactly**: a family with leverage h_ii >= 1 - `LEVERAGE_TOLERANCE` has
   residual 0, so its TAYC-R score equals x_i'b and anyone who knows its covariates recovers it
   from the released coefficients (a single-family dummy has leverage 1).

Reasons are worded for readers and never print a count below the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
from statsmodels.stats.outliers_influence import OLSInfluence

from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.sdc import SDCConfig, primary_mask
from nps_analysis.step.design import INDICATOR_SEPARATOR, RAA, factor_of, is_categorical
from nps_analysis.step.model import FittedModel

LEVERAGE_TOLERANCE = 1e-8
"""A family with leverage >= 1 - this is treated as fitted exactly (its score is recoverable)."""


@dataclass(frozen=True)
class ModelCheck:
    """The verdict on one fitted model: `passed`, and the reasons in plain words when it fails.

    `small_levels` and `n_exact_fit` are the checker's detail (which levels are too small, how many
    families are fitted exactly): for the output-checking log, never for a released report.
    """

    passed: bool
    reasons: tuple[str, ...]
    df_resid: int
    small_levels: tuple[str, ...] = ()
    n_exact_fit: int = 0
    config: SDCConfig = field(default_factory=SDCConfig, repr=False)

    @property
    def disclosure(self) -> Disclosure:
        """The declaration of every table of this model: released with its residual degrees of
        freedom, or withheld with the reason."""
        if self.passed:
            return Disclosure(min_dof=self.df_resid)
        return Disclosure(withhold=self.summary)

    @property
    def summary(self) -> str:
        """One paragraph for the report: released because ..., or withheld because ..."""
        c = self.config
        if self.passed:
            return (
                "The model's outputs pass disclosure control: residual degrees of freedom "
                f"{self.df_resid} >= {c.safe_dof_threshold}; every level of the binary and "
                f"categorical covariates is held by at least {c.threshold} families; no family is "
                "fitted exactly (leverage 1)."
            )
        return "The model's outputs are withheld by disclosure control. " + " ".join(self.reasons)


@dataclass(frozen=True)
class ModelRelease:
    """The tables of a model that may be released (all or none), and the reason."""

    tables: Mapping[str, pd.DataFrame]
    withheld: tuple[str, ...]
    reason: str


def leverage(fitted: FittedModel) -> np.ndarray:
    """The hat-matrix diagonal h_ii of the fitted model (statsmodels' OLSInfluence)."""
    return np.asarray(OLSInfluence(fitted.result).hat_matrix_diag, dtype=float)


def count_is_releasable(count: int, total: int, config: SDCConfig) -> bool:
    """True when a count of families and its complement (total - count) both pass the threshold
    rule (zeros included when `zeros_are_disclosive`), so neither side of the split is small."""
    both = pd.Series([count, total - count])
    return not bool(primary_mask(both, config).any())


def level_counts(fitted: FittedModel) -> list[tuple[str, str, int]]:
    """(factor, level, families) for every level of the binary and categorical covariates.

    A 0/1 design column that is not an indicator is a binary covariate (levels `yes`, `no`); the
    indicator columns of a categorical factor give its levels, and families in none of them are
    its reference level (the largest group). Continuous covariates have no levels.
    """
    data = fitted.data
    out: list[tuple[str, str, int]] = []
    for factor in dict.fromkeys(factor_of(t) for t in fitted.covariates):
        terms = [t for t in fitted.covariates if factor_of(t) == factor]
        x = data.loc[:, terms].to_numpy(dtype=float)
        if not np.isin(x, (0.0, 1.0)).all():
            continue
        if is_categorical(factor) or terms != [factor]:
            for term, n in zip(terms, x.sum(axis=0), strict=True):
                out.append((factor, term.split(INDICATOR_SEPARATOR, 1)[1], int(n)))
            out.append((factor, "reference level", int((x.sum(axis=1) == 0).sum())))
        else:
            yes = int(x.sum())
            out.append((factor, "yes", yes))
            out.append((factor, "no", len(x) - yes))
    return out


def _levels_reason(small: list[tuple[str, str, int]], config: SDCConfig) -> str:
    """Which levels are too small and what to do about them, by kind of covariate."""
    t = config.threshold
    factors = list(dict.fromkeys(f for f, _, _ in small))
    binary = [f for f in factors if not is_categorical(f) and f != RAA]
    categorical = [f for f in factors if is_categorical(f) and f != RAA]
    shown = ", ".join(f"{f} = {lvl}" for f, lvl, _ in small)
    actions = []
    if binary:
        actions.append(f"leave {', '.join(binary)} out of the model")
    if categorical:
        actions.append(f"merge the small levels of {', '.join(categorical)} with other levels")
    if RAA in factors:
        actions.append("merge small RAAs with a neighbouring RAA or fit without RAA effects")
    return (
        f"Fewer than {t} families are in: {shown}. Every level of a binary or categorical "
        f"covariate (for a yes/no covariate both the yes and the no side) needs at least {t} "
        f"families: {'; '.join(actions)}, or withhold the model."
    )


def check_model(fitted: FittedModel, config: SDCConfig) -> ModelCheck:
    """Apply the three release rules (module docstring) to a fitted model."""
    reasons = []
    df = fitted.df_resid
    if df < config.safe_dof_threshold:
        k = fitted.n_used - df
        reasons.append(
            f"Residual degrees of freedom are {df} (n = {fitted.n_used} families for {k} "
            f"parameters), below the minimum of {config.safe_dof_threshold}: fit fewer covariates "
            "or pool more families."
        )
    small = [lvl for lvl in level_counts(fitted) if primary_mask(pd.Series([lvl[2]]), config)[0]]
    if small:
        reasons.append(_levels_reason(small, config))
    n_exact = int((leverage(fitted) >= 1 - LEVERAGE_TOLERANCE).sum())
    if n_exact:
        reasons.append(
            "At least one family is fitted exactly (leverage 1): its TAYC-R score could be "
            "recovered from the released coefficients and its covariates. This happens when a "
            "covariate value is held by a single family; remove or merge that value."
        )
    return ModelCheck(
        passed=not reasons,
        reasons=tuple(reasons),
        df_resid=df,
        small_levels=tuple(f"{f} = {lvl}" for f, lvl, _ in small),
        n_exact_fit=n_exact,
        config=config,
    )


def release(check: ModelCheck, /, **tables: pd.DataFrame) -> ModelRelease:
    """The model tables to release: every one when the model passed, none when it failed."""
    kept = dict(tables) if check.passed else {}
    withheld = () if check.passed else tuple(tables)
    return ModelRelease(MappingProxyType(kept), withheld, check.summary)


__all__ = [
    "LEVERAGE_TOLERANCE",
    "ModelCheck",
    "ModelRelease",
    "check_model",
    "count_is_releasable",
    "level_counts",
    "leverage",
    "release",
]
