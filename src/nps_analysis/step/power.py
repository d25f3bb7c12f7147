"""Precision of the TAYC-R model at other sample sizes (235 now, ~1,000 next report): expected
SEs, CI half-widths and minimum detectable effects (design calculations, not observed power)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from nps_analysis.step.diagnostics import vif_table
from nps_analysis.step.model import FittedModel

SAMPLE_SIZES: tuple[int, ...] = (235, 1000)
"""The published STEP sample (235 Adopt East families) and the next report's expected ~1,000."""

SAMPLE_RAAS: tuple[int, ...] = (1, 3)
"""RAAs behind each of SAMPLE_SIZES: Adopt East only now, all three Eastern RAAs next."""

SD_MULTIPLIERS: tuple[float, ...] = (0.75, 1.0, 1.25, 1.5)
"""Residual SDs tried, as multiples of the fitted one (params.yaml `step.power_sd_multipliers`)."""


def coefficient_se(
    residual_sd: float | np.ndarray,
    n: int | np.ndarray,
    sd_x: float | np.ndarray,
    vif: float | np.ndarray = 1.0,
) -> np.ndarray:
    """Expected SE of a regression coefficient: sigma * sqrt(VIF) / (sqrt(n) * SD(x)).

    For a binary factor with prevalence p, SD(x) = sqrt(p (1 - p)).
    """
    return np.asarray(residual_sd) * np.sqrt(vif) / (np.sqrt(n) * np.asarray(sd_x))


def power_two_sided(
    effect: float | np.ndarray, se: float | np.ndarray, df: float, alpha: float = 0.05
) -> np.ndarray:
    """Exact power of the two-sided t-test of a coefficient (noncentral t, noncentrality effect/se)."""
    t_crit = stats.t.ppf(1 - alpha / 2, df)
    nc = np.asarray(effect, dtype=float) / np.asarray(se, dtype=float)
    return stats.nct.sf(t_crit, df, nc) + stats.nct.cdf(-t_crit, df, nc)


def min_detectable_effect(se: float, df: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest |effect| detected with `power` by a two-sided level-`alpha` t-test (exact).

    Close to (z_{1-alpha/2} + z_{power}) * se = 2.8016 * se for large df and the defaults.
    """
    guess = (stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)) * se
    return float(
        optimize.brentq(
            lambda d: power_two_sided(d, se, df, alpha) - power,
            0.5 * guess,
            2.0 * guess,
            xtol=1e-12,
        )
    )


def precision_table(
    model: FittedModel,
    sizes: Sequence[int] = SAMPLE_SIZES,
    raas: Sequence[int] = SAMPLE_RAAS,
    sd_multipliers: Sequence[float] = SD_MULTIPLIERS,
    alpha: float = 0.05,
    power: float = 0.8,
) -> pd.DataFrame:
    """Per covariate, planned size and residual SD: expected SE, CI half-width and MDE.

    `sizes` are families surveyed; each loses this extract's share with missing model data, so
    `n_complete = floor(n * n_used / n_total)`. `raas[i]` is the number of RAAs behind `sizes[i]`:
    their fixed effects cost `raas[i] - 1` residual df (ASSUMPTION: RAA is unrelated to the
    covariates, so the VIFs do not change). The residual SD is the fitted one times each of
    `sd_multipliers` (its value in another extract is unknown). Prevalences, covariate SDs and
    VIFs come from the fitted complete cases (synthetic on synthetic data). No observed power is
    computed: power at an effect estimated on the same data only restates its p-value.
    """
    if len(sizes) != len(raas):
        raise ValueError(f"sizes {list(sizes)} and raas {list(raas)} must have the same length")
    data = model.data
    sigma = float(np.sqrt(model.result.scale))
    rate = model.n_used / model.n_total
    vif = vif_table(model).set_index("term")["vif"]
    k = len(model.effects) + 1
    rows = []
    for term in model.effects:
        x = data[term].to_numpy(dtype=float)
        binary = bool(np.isin(np.unique(x), (0.0, 1.0)).all())
        sd_x = float(np.std(x))  # population SD: matches sum of squares / n
        for n, n_raas in zip(sizes, raas, strict=True):
            n_complete = int(np.floor(n * rate + 1e-9))
            df = n_complete - k - (int(n_raas) - 1)
            if df < 1:
                raise ValueError(f"{n} families leave no residual df for {k} parameters")
            for mult in sd_multipliers:
                se = float(coefficient_se(mult * sigma, n_complete, sd_x, float(vif[term])))
                rows.append(
                    {
                        "term": term,
                        "kind": "binary" if binary else "continuous",
                        "prevalence": float(x.mean()) if binary else np.nan,
                        "sd_x": sd_x,
                        "vif": float(vif[term]),
                        "n": int(n),
                        "n_raas": int(n_raas),
                        "complete_case_rate": rate,
                        "n_complete": n_complete,
                        "df_resid": int(df),
                        "sd_multiplier": float(mult),
                        "residual_sd": mult * sigma,
                        "expected_std_error": se,
                        "ci_half_width": float(stats.t.ppf(1 - alpha / 2, df) * se),
                        "min_detectable_effect": min_detectable_effect(se, df, alpha, power),
                        "power_target": power,
                        "alpha": alpha,
                    }
                )
    return pd.DataFrame(rows)


__all__ = [
    "SAMPLE_RAAS",
    "SAMPLE_SIZES",
    "SD_MULTIPLIERS",
    "coefficient_se",
    "min_detectable_effect",
    "power_two_sided",
    "precision_table",
]
