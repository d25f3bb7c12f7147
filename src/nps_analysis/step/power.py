"""Power and precision of the TAYC-R model at other sample sizes (235 now, ~1,000 next report)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from nps_analysis.step.diagnostics import vif_table
from nps_analysis.step.model import FittedModel

SAMPLE_SIZES: tuple[int, ...] = (235, 1000)
"""The published STEP sample (235 Adopt East families) and the next report's expected ~1,000."""


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


def power_table(
    model: FittedModel,
    sizes: Sequence[int] = SAMPLE_SIZES,
    alpha: float = 0.05,
    power: float = 0.8,
    effects: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Per covariate and sample size: expected SE, CI half-width, min detectable effect.

    Prevalences, covariate SDs, VIFs and the residual SD are taken from the fitted complete cases
    (on synthetic data these are synthetic). `effects` (e.g. the published effects) adds the power
    to detect each at every size.
    """
    data = model.data
    sigma = float(np.sqrt(model.result.scale))
    vif = vif_table(model).set_index("term")["vif"]
    k = len(model.covariates) + 1
    rows = []
    for term in model.covariates:
        x = data[term].to_numpy(dtype=float)
        binary = bool(np.isin(np.unique(x), (0.0, 1.0)).all())
        sd_x = float(np.std(x))  # population SD: matches sum of squares / n
        for n in sizes:
            df = n - k
            se = float(coefficient_se(sigma, n, sd_x, float(vif[term])))
            row = {
                "term": term,
                "kind": "binary" if binary else "continuous",
                "prevalence": float(x.mean()) if binary else np.nan,
                "sd_x": sd_x,
                "vif": float(vif[term]),
                "residual_sd": sigma,
                "n": int(n),
                "df_resid": int(df),
                "expected_std_error": se,
                "ci_half_width": float(stats.t.ppf(1 - alpha / 2, df) * se),
                "min_detectable_effect": min_detectable_effect(se, df, alpha, power),
                "power_target": power,
                "alpha": alpha,
            }
            if effects is not None:
                eff = effects.get(term, np.nan)
                row["effect_of_interest"] = eff
                row["power_at_effect"] = (
                    float(power_two_sided(eff, se, df, alpha)) if np.isfinite(eff) else np.nan
                )
            rows.append(row)
    return pd.DataFrame(rows)


__all__ = [
    "SAMPLE_SIZES",
    "coefficient_se",
    "min_detectable_effect",
    "power_table",
    "power_two_sided",
]
