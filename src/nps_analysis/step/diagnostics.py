"""Regression diagnostics: Breusch-Pagan, HC3 vs classical SEs, VIFs, normality, influence
(DFBETAS and a Huber robust fit), and a plain-words summary worded from the values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.robust.norms import HuberT
from statsmodels.robust.robust_linear_model import RLM, RLMResults
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
    df_resid: int
    breusch_pagan_lm: float
    breusch_pagan_df: int
    breusch_pagan_p: float
    shapiro_or_jb_stat: float
    normality_p: float
    normality_test: str
    max_vif: float
    max_vif_term: str
    se_ratio_min: float
    se_ratio_max: float
    se_ratio_max_term: str
    dfbetas_threshold: float
    n_dfbetas_above: int
    max_abs_dfbetas: float
    max_abs_dfbetas_term: str
    max_robust_shift_se: float
    max_robust_shift_term: str
    cooks_threshold: float
    n_cooks_above: int
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


def robust_fit(model: FittedModel) -> RLMResults:
    """Huber M-estimate of the same model (statsmodels RLM, MAD scale): down-weights outliers."""
    res = model.result
    return RLM(res.model.endog, res.model.exog, M=HuberT()).fit()


def influence_table(model: FittedModel) -> pd.DataFrame:
    """Per coefficient: the largest single-family influence (|DFBETAS|, in SE units) and the shift
    to a Huber robust fit in OLS SEs, instead of refitting without "influential" families.

    DFBETAS_ij = (b_j - b_j(-i)) / SE_j(-i): dropping family i moves coefficient j by that many
    SEs. `n_dfbetas_above` counts families above the 2/sqrt(n) guide (a screening guide that
    flags some families in any data set, not a rule for removal). RLM SEs are asymptotic and are
    shown for comparison only.
    """
    res = model.result
    dfb = np.abs(np.asarray(OLSInfluence(res).dfbetas))
    rlm = robust_fit(model)
    threshold = 2 / np.sqrt(model.n_used)
    bse = res.bse.to_numpy()
    return pd.DataFrame(
        {
            "term": [clean_term(t) for t in res.params.index],
            "estimate": res.params.to_numpy(),
            "std_error": bse,
            "max_abs_dfbetas": dfb.max(axis=0),
            "n_dfbetas_above": (dfb > threshold).sum(axis=0),
            "dfbetas_threshold": threshold,
            "robust_estimate": np.asarray(rlm.params),
            "robust_std_error": np.asarray(rlm.bse),
            "robust_shift_se": (np.asarray(rlm.params) - res.params.to_numpy()) / bse,
            "n_used": model.n_used,
            "df_resid": model.df_resid,
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
    terms = [clean_term(t) for t in res.params.index]
    ratio = np.asarray(res.get_robustcov_results(cov_type="HC3").bse) / res.bse.to_numpy()
    table = influence_table(model)
    findings = table["term"].isin(model.effects).to_numpy()  # not the intercept or RAA effects
    shift = np.where(findings, table["robust_shift_se"].abs(), -np.inf)
    dfb = np.where(findings, table["max_abs_dfbetas"], -np.inf)
    return Diagnostics(
        n_used=n,
        df_resid=model.df_resid,
        breusch_pagan_lm=float(lm),
        breusch_pagan_df=int(res.model.exog.shape[1] - 1),
        breusch_pagan_p=float(lm_p),
        shapiro_or_jb_stat=float(norm.statistic),
        normality_p=float(norm.pvalue),
        normality_test=test,
        max_vif=float(vifs["vif"].iloc[imax]),
        max_vif_term=str(vifs["term"].iloc[imax]),
        se_ratio_min=float(ratio.min()),
        se_ratio_max=float(ratio.max()),
        se_ratio_max_term=terms[int(np.argmax(np.abs(np.log(ratio))))],
        dfbetas_threshold=float(table["dfbetas_threshold"].iloc[0]),
        n_dfbetas_above=int((np.abs(np.asarray(infl.dfbetas)) > 2 / np.sqrt(n)).any(axis=1).sum()),
        max_abs_dfbetas=float(dfb.max()),
        max_abs_dfbetas_term=terms[int(dfb.argmax())],
        max_robust_shift_se=float(shift.max()),
        max_robust_shift_term=terms[int(shift.argmax())],
        cooks_threshold=threshold,
        n_cooks_above=int((cooks > threshold).sum()),
        max_cooks_distance=float(cooks.max()),
        max_leverage=float(np.asarray(infl.hat_matrix_diag).max()),
        residual_skew=float(stats.skew(resid)),
        residual_excess_kurtosis=float(stats.kurtosis(resid)),
    )


SE_AGREEMENT = 0.10
"""HC3 and classical SEs "agree" when every ratio is within 10% of 1."""

HUBER_CHANCE_SD = float(np.sqrt(1 / 0.95 - 1))
"""SD of (Huber - OLS) / SE_OLS under normal errors: Huber's (t = 1.345) efficiency is 95%, and
Var(Huber - OLS) = Var(Huber) - Var(OLS) for the efficient OLS (about 0.23 SE)."""


def interpret(diag: Diagnostics, alpha: float = 0.05) -> list[str]:
    """Plain-words reading of the diagnostics, worded from the values (never from a bare p)."""
    lines = []
    n, df = diag.n_used, diag.df_resid
    bp = (
        f"LM {diag.breusch_pagan_lm:.2f} on {diag.breusch_pagan_df} df, "
        f"large-sample chi-squared reference, p = {diag.breusch_pagan_p:.3g}, n = {n}"
    )
    if diag.breusch_pagan_p < alpha:
        lines.append(
            f"The Breusch-Pagan test finds a residual spread that changes with the covariates "
            f"({bp})."
        )
    else:
        lines.append(
            f"The Breusch-Pagan test does not detect a residual spread that changes with the "
            f"covariates ({bp}); "
            f"with {n} families that is not evidence of constant variance."
        )
    lo, hi = diag.se_ratio_min, diag.se_ratio_max
    if lo >= 1 - SE_AGREEMENT and hi <= 1 + SE_AGREEMENT:
        lines.append(
            f"HC3 robust standard errors are {lo:.2f} to {hi:.2f} times the classical ones: they "
            f"agree within {100 * SE_AGREEMENT:.0f}%, so either set of intervals reads the same."
        )
    else:
        far = max(abs(lo - 1), abs(hi - 1))
        lines.append(
            f"HC3 robust standard errors are {lo:.2f} to {hi:.2f} times the classical ones (up to "
            f"{100 * far:.0f}% different, most for {diag.se_ratio_max_term}), so they do not "
            "agree: the classical intervals may be too narrow for those terms and the HC3 "
            f"intervals (t reference with df = {df}, a small-sample convention) are the safer "
            "reading, themselves approximate for factors carried by few families."
        )
    shape = f"skew {diag.residual_skew:.2f}, excess kurtosis {diag.residual_excess_kurtosis:.2f}"
    if diag.normality_p < alpha:
        lines.append(
            f"Residuals depart from a normal distribution ({diag.normality_test} p = "
            f"{diag.normality_p:.3g}; {shape}). The t-intervals are exact only for normal "
            f"residuals; here they rest on a large-sample (central limit) approximation with "
            f"n = {n}, df = {df}, which is weaker for the rare diagnoses."
        )
    else:
        lines.append(
            f"The {diag.normality_test} test does not reject normal residuals (p = "
            f"{diag.normality_p:.3g}; {shape}). That is not proof of normality: at n = {n} "
            "moderate departures can go undetected, so the t-intervals (df = "
            f"{df}) are exact only if the residuals are in fact normal and approximate otherwise."
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
    single = (
        "more than one standard error, so a single family changes the reading of that coefficient"
        if diag.max_abs_dfbetas > 1
        else "less than one standard error, so no single family changes the reading of any "
        "coefficient"
    )
    lines.append(
        f"Influence: dropping any one family moves a coefficient by at most "
        f"{diag.max_abs_dfbetas:.2f} of its SE (|DFBETAS|, {diag.max_abs_dfbetas_term}): {single}. "
        f"{diag.n_dfbetas_above} families exceed the 2/sqrt(n) = {diag.dfbetas_threshold:.3f} "
        f"screening guide for some coefficient (and {diag.n_cooks_above} exceed Cook's 4/n "
        f"= {diag.cooks_threshold:.4f}; largest Cook's distance {diag.max_cooks_distance:.3f}); "
        "such guides flag families in any data set and are no reason to drop them."
    )
    chance = 3 * HUBER_CHANCE_SD
    bound = f"the {chance:.2f} SE that chance alone rarely exceeds under normal errors"
    robust = (
        f"more than {bound}, so outlying families pull that estimate: compare the two fits "
        "before relying on it"
        if diag.max_robust_shift_se > chance
        else f"within {bound}, so the estimates do not hinge on a few outlying families"
    )
    lines.append(
        f"A Huber robust regression (RLM) moves the coefficients by at most "
        f"{diag.max_robust_shift_se:.2f} OLS standard errors ({diag.max_robust_shift_term}): "
        f"{robust}."
    )
    return lines


__all__ = [
    "HUBER_CHANCE_SD",
    "SE_AGREEMENT",
    "Diagnostics",
    "diagnose",
    "influence_table",
    "interpret",
    "robust_fit",
    "vif_table",
]
