"""Regression diagnostics: Breusch-Pagan, HC3 vs classical SEs, VIFs, normality, influence
(DFBETAS and a Huber robust fit), and a plain-words summary worded from the values.

Disclosure control: no single-family value is released (no largest leverage, Cook's distance or
|DFBETAS|: each describes one family). Influence is reported as counts of families above the usual
cut-offs (2/sqrt(n) for |DFBETAS|, 1 for |DFBETAS| in SE units, 4/n for Cook's distance, 2k/n for
leverage), and a count is released only when it and the families not counted (n - count) both
pass the threshold rule (`release_rules.count_is_releasable`); otherwise it is withheld.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.robust.norms import HuberT
from statsmodels.robust.robust_linear_model import RLM, RLMResults
from statsmodels.stats.diagnostic import het_breuschpagan
from statsmodels.stats.outliers_influence import OLSInfluence

from nps_analysis.provenance import SUPPRESSED
from nps_analysis.sdc import SDCConfig
from nps_analysis.step.model import FittedModel, clean_term
from nps_analysis.step.release_rules import count_is_releasable


def vif_table(model: FittedModel) -> pd.DataFrame:
    """Variance inflation factors of the covariates: diag of the inverse correlation matrix.

    Equals statsmodels' regression-based VIF for a model with an intercept.
    """
    x = model.data.loc[:, list(model.covariates)].to_numpy(dtype=float)
    corr = np.atleast_2d(np.corrcoef(x, rowvar=False))
    vif = np.diag(np.linalg.inv(corr))
    return pd.DataFrame({"term": list(model.covariates), "vif": vif})


def released_count(count: int, total: int, config: SDCConfig) -> int | None:
    """`count` when it and `total - count` pass the threshold rule, else None (withheld)."""
    return int(count) if count_is_releasable(int(count), int(total), config) else None


@dataclass(frozen=True)
class Diagnostics:
    """The numbers behind the diagnostic checks: aggregates and counts of families above cut-offs
    (None where a count is withheld by disclosure control), never a single family's value."""

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
    n_dfbetas_above: int | None
    """Families above 2/sqrt(n) in |DFBETAS| for some coefficient (None: withheld)."""
    n_dfbetas_above_one: int | None
    """Families moving some covariate's coefficient by more than one SE (None: withheld)."""
    max_robust_shift_se: float
    max_robust_shift_term: str
    cooks_threshold: float
    n_cooks_above: int | None
    leverage_threshold: float
    n_leverage_above: int | None
    residual_skew: float
    residual_excess_kurtosis: float
    count_threshold: int
    """The disclosure threshold the counts were checked against."""

    def to_frame(self) -> pd.DataFrame:
        """One row per statistic: `statistic, value` (text in `value_text`; withheld counts `c`)."""
        items = self.__dict__.items()
        return pd.DataFrame(
            {
                "statistic": [k for k, _ in items],
                "value": [
                    np.nan if v is None or isinstance(v, str) else float(v) for _, v in items
                ],
                "value_text": [
                    SUPPRESSED if v is None else v if isinstance(v, str) else "" for _, v in items
                ],
            }
        )


def robust_fit(model: FittedModel) -> RLMResults:
    """Huber M-estimate of the same model (statsmodels RLM, MAD scale): down-weights outliers."""
    res = model.result
    return RLM(res.model.endog, res.model.exog, M=HuberT()).fit()


def influence_table(model: FittedModel, config: SDCConfig | None = None) -> pd.DataFrame:
    """Per coefficient: how many families are influential (|DFBETAS| above the 2/sqrt(n) guide)
    and the shift to a Huber robust fit in OLS SEs, instead of refitting without "influential"
    families.

    DFBETAS_ij = (b_j - b_j(-i)) / SE_j(-i): dropping family i moves coefficient j by that many
    SEs. The 2/sqrt(n) guide flags some families in any data set, it is not a rule for removal.
    `n_dfbetas_above` is `c` where it or the families below the guide are under the disclosure
    threshold (`config`, default params.yaml); no single family's DFBETAS is given. RLM SEs are
    asymptotic and are shown for comparison only.
    """
    config = config or SDCConfig.from_params()
    res = model.result
    dfb = np.abs(np.asarray(OLSInfluence(res).dfbetas))
    rlm = robust_fit(model)
    threshold = 2 / np.sqrt(model.n_used)
    bse = res.bse.to_numpy()
    above = [released_count(k, model.n_used, config) for k in (dfb > threshold).sum(axis=0)]
    return pd.DataFrame(
        {
            "term": [clean_term(t) for t in res.params.index],
            "estimate": res.params.to_numpy(),
            "std_error": bse,
            "n_dfbetas_above": pd.Series(
                [SUPPRESSED if k is None else k for k in above], dtype=object
            ),
            "dfbetas_threshold": threshold,
            "robust_estimate": np.asarray(rlm.params),
            "robust_std_error": np.asarray(rlm.bse),
            "robust_shift_se": (np.asarray(rlm.params) - res.params.to_numpy()) / bse,
            "n_used": model.n_used,
            "df_resid": model.df_resid,
        }
    )


def diagnose(model: FittedModel, config: SDCConfig | None = None) -> Diagnostics:
    """Compute the diagnostics for a fitted model (complete cases); counts of families above the
    influence cut-offs are checked against `config` (default: params.yaml `sdc:`)."""
    config = config or SDCConfig.from_params()
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
    k = res.model.exog.shape[1]
    hat_threshold = 2.0 * k / n
    dfbetas = np.abs(np.asarray(infl.dfbetas))
    vifs = vif_table(model)
    imax = int(vifs["vif"].to_numpy().argmax())
    terms = [clean_term(t) for t in res.params.index]
    ratio = np.asarray(res.get_robustcov_results(cov_type="HC3").bse) / res.bse.to_numpy()
    table = influence_table(model, config)
    findings = table["term"].isin(model.effects).to_numpy()  # not the intercept or RAA effects
    shift = np.where(findings, table["robust_shift_se"].abs(), -np.inf)
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
        n_dfbetas_above=released_count((dfbetas > 2 / np.sqrt(n)).any(axis=1).sum(), n, config),
        n_dfbetas_above_one=released_count((dfbetas[:, findings] > 1).any(axis=1).sum(), n, config),
        max_robust_shift_se=float(shift.max()),
        max_robust_shift_term=terms[int(shift.argmax())],
        cooks_threshold=threshold,
        n_cooks_above=released_count((cooks > threshold).sum(), n, config),
        leverage_threshold=hat_threshold,
        n_leverage_above=released_count(
            (np.asarray(infl.hat_matrix_diag) > hat_threshold).sum(), n, config
        ),
        residual_skew=float(stats.skew(resid)),
        residual_excess_kurtosis=float(stats.kurtosis(resid)),
        count_threshold=config.threshold,
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
    t = diag.count_threshold

    def families(count: int | None) -> str:
        return f"{count} families" if count is not None else "a withheld number of families"

    one = diag.n_dfbetas_above_one
    if one is None:
        single = (
            "whether any single family moves a covariate's coefficient by more than one standard "
            "error is not released (a count of fewer than "
            f"{t} families is withheld); the robust fit below answers the same question"
        )
    elif one == 0:
        single = (
            "no single family moves any covariate's coefficient by more than one standard "
            "error (|DFBETAS| > 1), so no single family changes the reading of any coefficient"
        )
    else:
        single = (
            f"{one} families each move some covariate's coefficient by more than one standard "
            "error when left out (|DFBETAS| > 1), so a single family changes the reading of "
            "that coefficient"
        )
    lines.append(
        f"Influence: {single}. {families(diag.n_dfbetas_above).capitalize()} exceed the "
        f"2/sqrt(n) = {diag.dfbetas_threshold:.3f} screening guide for some coefficient, "
        f"{families(diag.n_cooks_above)} exceed Cook's 4/n = {diag.cooks_threshold:.4f} and "
        f"{families(diag.n_leverage_above)} have leverage above 2k/n = "
        f"{diag.leverage_threshold:.3f}; such guides flag families in any data set and are no "
        "reason to drop them. No single family's leverage, Cook's distance or DFBETAS is "
        f"released, and a count is withheld when it, or the families it leaves out, number "
        f"fewer than {t}."
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
