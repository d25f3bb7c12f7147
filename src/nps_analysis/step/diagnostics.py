"""Regression diagnostics: Breusch-Pagan, VIFs, Cook's distance, normality, plain-words summary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.diagnostic import het_breuschpagan
from statsmodels.stats.outliers_influence import OLSInfluence

from nps_analysis.step.model import FittedModel, clean_term


def vif_table(model: FittedModel) -> pd.DataFrame:
    """Variance inflation factors of the covariates: diag of the inverse correlation matrix.

    Equals statsmodels' regression-based VIF for a model with an intercept.
    """
    x = model.data.loc[:, list(model.covariates)].to_numpy(dtype=float)
    corr = np.atleast_2d(np.corrcoef(x, rowvar=False))
    vif = np.diag(np.linalg.inv(corr))
    return pd.DataFrame({"term": list(model.covariates), "vif": vif})


@dataclass(frozen=True)
class Diagnostics:
    """The numbers behind the diagnostic checks (aggregates only: no record-level values)."""

    n_used: int
    breusch_pagan_lm: float
    breusch_pagan_p: float
    shapiro_or_jb_stat: float
    normality_p: float
    normality_test: str
    max_vif: float
    max_vif_term: str
    cooks_threshold: float
    n_influential: int
    max_cooks_distance: float
    max_leverage: float
    residual_skew: float
    residual_excess_kurtosis: float

    def to_frame(self) -> pd.DataFrame:
        """One row per statistic: `statistic, value` (text values in `value_text`)."""
        items = self.__dict__.items()
        return pd.DataFrame(
            {
                "statistic": [k for k, _ in items],
                "value": [float(v) if not isinstance(v, str) else np.nan for _, v in items],
                "value_text": [v if isinstance(v, str) else "" for _, v in items],
            }
        )


def diagnose(model: FittedModel) -> Diagnostics:
    """Compute the diagnostics for a fitted model (complete cases)."""
    res = model.result
    resid = np.asarray(res.resid)
    lm, lm_p, _, _ = het_breuschpagan(resid, res.model.exog)
    n = model.n_used
    if n <= 5000:
        norm = stats.shapiro(resid)
        test = "Shapiro-Wilk"
    else:
        norm = stats.jarque_bera(resid)
        test = "Jarque-Bera"
    infl = OLSInfluence(res)
    cooks = np.asarray(infl.cooks_distance[0])
    threshold = 4.0 / n
    vifs = vif_table(model)
    imax = int(vifs["vif"].to_numpy().argmax())
    return Diagnostics(
        n_used=n,
        breusch_pagan_lm=float(lm),
        breusch_pagan_p=float(lm_p),
        shapiro_or_jb_stat=float(norm.statistic),
        normality_p=float(norm.pvalue),
        normality_test=test,
        max_vif=float(vifs["vif"].iloc[imax]),
        max_vif_term=str(vifs["term"].iloc[imax]),
        cooks_threshold=threshold,
        n_influential=int((cooks > threshold).sum()),
        max_cooks_distance=float(cooks.max()),
        max_leverage=float(np.asarray(infl.hat_matrix_diag).max()),
        residual_skew=float(stats.skew(resid)),
        residual_excess_kurtosis=float(stats.kurtosis(resid)),
    )


def influence_sensitivity(model: FittedModel) -> pd.DataFrame:
    """Coefficients refitted without the points whose Cook's distance exceeds 4/n."""
    res = model.result
    cooks = np.asarray(OLSInfluence(res).cooks_distance[0])
    keep = cooks <= 4.0 / model.n_used
    refit = res.model.__class__(res.model.endog[keep], res.model.exog[keep]).fit()
    return pd.DataFrame(
        {
            "term": [clean_term(t) for t in res.params.index],
            "estimate_all": res.params.to_numpy(),
            "estimate_without_influential": np.asarray(refit.params),
            "n_dropped": int((~keep).sum()),
        }
    )


def interpret(diag: Diagnostics, alpha: float = 0.05) -> list[str]:
    """Plain-words reading of the diagnostics, generated from the numbers."""
    lines = []
    if diag.breusch_pagan_p < alpha:
        lines.append(
            f"The Breusch-Pagan test suggests the residual spread changes with the covariates "
            f"(p = {diag.breusch_pagan_p:.3g}): read the HC3 robust standard errors, not the "
            "classical ones."
        )
    else:
        lines.append(
            f"No evidence that the residual spread changes with the covariates (Breusch-Pagan "
            f"p = {diag.breusch_pagan_p:.3g}); classical and HC3 robust standard errors should agree."
        )
    if diag.normality_p < alpha:
        lines.append(
            f"Residuals depart from a normal distribution ({diag.normality_test} p = "
            f"{diag.normality_p:.3g}; skew {diag.residual_skew:.2f}, excess kurtosis "
            f"{diag.residual_excess_kurtosis:.2f}). With {diag.n_used} families the coefficient "
            "CIs rely on the central limit theorem rather than on exact normality."
        )
    else:
        lines.append(
            f"Residuals are consistent with a normal distribution ({diag.normality_test} p = "
            f"{diag.normality_p:.3g})."
        )
    if diag.max_vif >= 5:
        lines.append(
            f"Collinearity is a concern: the largest VIF is {diag.max_vif:.2f} ({diag.max_vif_term}); "
            "its coefficient is imprecise and hard to separate from correlated covariates."
        )
    else:
        lines.append(
            f"No worrying collinearity: the largest VIF is {diag.max_vif:.2f} ({diag.max_vif_term}), "
            "well below the usual concern level of 5."
        )
    share = 100 * diag.n_influential / diag.n_used
    lines.append(
        f"{diag.n_influential} families ({share:.1f}%) have Cook's distance above 4/n "
        f"= {diag.cooks_threshold:.4f}; the largest is {diag.max_cooks_distance:.3f}"
        + (
            ", above 1, so a single family may be driving the estimates."
            if diag.max_cooks_distance > 1
            else ", below 1, so no single family dominates the fit."
        )
    )
    return lines


__all__ = ["Diagnostics", "diagnose", "influence_sensitivity", "interpret", "vif_table"]
