"""STEP / TAYC-R charts: coefficient plot, TAYC-R by key factors, diagnostics (project theme)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.outliers_influence import OLSInfluence

from nps_analysis.plotting import PALETTE, new_figure
from nps_analysis.step import OUTCOME
from nps_analysis.step.model import FittedModel
from nps_analysis.step.profile import PROFILE_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

KEY_FACTORS: tuple[str, ...] = (
    "has_biological_children",
    "dv_exposure",
    "parent_anxiety",
    "dx_learning_difficulty",
    "dx_autism",
    "dx_attachment_disorder",
)
"""Binary factors shown in the TAYC-R-by-factor chart."""


SHORT_LABELS: dict[str, str] = {
    "child_age": "Child's age (per year)",
    "has_biological_children": "Biological children in family",
    "dv_exposure": "Exposure to domestic violence",
    "parent_anxiety": "Parent anxiety",
    "dx_learning_difficulty": "Learning difficulty",
    "dx_autism": "Autism",
    "dx_fasd": "FASD",
    "dx_ptsd": "PTSD",
    "dx_attachment_disorder": "Attachment disorder",
    "dx_neurological": "Neurological condition",
    "dx_conduct_disorder": "Conduct disorder",
}


def _label(term: str) -> str:
    if term in SHORT_LABELS:
        return SHORT_LABELS[term]
    return PROFILE_LABELS.get(term, term.replace("_", " ")).split(": ")[-1].capitalize()


def coefficient_plot(
    coefficients: pd.DataFrame, published: pd.DataFrame | None = None, title: str = ""
) -> Figure:
    """Estimates with 95% CIs (classical; HC3 as a thinner bar), published values as crosses."""
    coefs = coefficients.loc[coefficients["term"] != "Intercept"].iloc[::-1].reset_index(drop=True)
    fig, ax = new_figure(8, 0.45 * len(coefs) + 1.5)
    y = np.arange(len(coefs))
    ax.hlines(y, coefs["ci_low"], coefs["ci_high"], color=PALETTE[0], lw=3, label="95% CI")
    if "robust_ci_low" in coefs:
        ax.hlines(
            y + 0.2,
            coefs["robust_ci_low"],
            coefs["robust_ci_high"],
            color=PALETTE[1],
            lw=1.2,
            label="95% CI (HC3 robust)",
        )
    ax.plot(coefs["estimate"], y, "o", color=PALETTE[0], label="Estimate")
    if published is not None:
        pub = published.dropna(subset=["published_value"])
        pub = pub.loc[pub["measure"].isin(["coefficient_per_year", "approx_difference"])]
        pos = pd.Series(y, index=coefs["term"]).reindex(pub["term"]).to_numpy()
        ax.plot(pub["published_value"], pos, "X", color=PALETTE[2], ms=9, label="Published")
    ax.axvline(0, color="#3D3D3D", lw=0.8)
    ax.set_yticks(y, [_label(t) for t in coefs["term"]])
    ax.set_xlabel("Difference in TAYC-R total score (points; child's age: per year)")
    ax.set_title(title or "TAYC-R linear model: estimated effects with 95% CIs")
    ax.legend(loc="lower left", fontsize=8, frameon=True)
    return fig


def outcome_by_factor(
    df: pd.DataFrame, factors: Sequence[str] = KEY_FACTORS, outcome: str = OUTCOME
) -> Figure:
    """Mean TAYC-R (95% t-CI) for families with and without each factor (unadjusted)."""
    rows = []
    for f in factors:
        sub = df.loc[:, [f, outcome]].dropna()
        g = sub.groupby(sub[f].astype(bool))[outcome].agg(["mean", "std", "count"])
        half = stats.t.ppf(0.975, np.maximum(g["count"] - 1, 1)) * g["std"] / np.sqrt(g["count"])
        rows.append(g.assign(half=half, factor=f).reset_index(names="level"))
    tab = pd.concat(rows, ignore_index=True)
    fig, ax = new_figure(8, 4.5)
    x = pd.Series(np.arange(len(factors)), index=list(factors))
    for level, shift, colour, name in (
        (False, -0.12, PALETTE[0], "Without"),
        (True, 0.12, PALETTE[2], "With"),
    ):
        t = tab.loc[tab["level"] == level]
        ax.errorbar(
            x[t["factor"]].to_numpy() + shift,
            t["mean"],
            yerr=t["half"],
            fmt="o",
            color=colour,
            capsize=3,
            label=name,
        )
    ax.set_xticks(x.to_numpy(), [_label(f) for f in factors], rotation=20, ha="right")
    ax.set_ylabel("Mean TAYC-R total score (95% CI)")
    ax.set_title("TAYC-R by key factors (unadjusted)")
    ax.legend(fontsize=8)
    return fig


def residuals_vs_fitted(model: FittedModel) -> Figure:
    """Residuals against fitted values, with a LOWESS smooth."""
    from statsmodels.nonparametric.smoothers_lowess import lowess

    res = model.result
    fitted, resid = np.asarray(res.fittedvalues), np.asarray(res.resid)
    fig, ax = new_figure(7, 4.5)
    ax.scatter(fitted, resid, s=8, alpha=0.4, color=PALETTE[0], edgecolors="none")
    smooth = lowess(resid, fitted, frac=0.5, return_sorted=True)
    ax.plot(smooth[:, 0], smooth[:, 1], color=PALETTE[2], lw=2, label="LOWESS")
    ax.axhline(0, color="#3D3D3D", lw=0.8)
    ax.set_xlabel("Fitted TAYC-R total score")
    ax.set_ylabel("Residual")
    ax.set_title("Residuals vs fitted")
    ax.legend(fontsize=8)
    return fig


def qq_plot(model: FittedModel) -> Figure:
    """Normal Q-Q plot of the internally studentised residuals."""
    r = np.asarray(OLSInfluence(model.result).resid_studentized_internal)
    (theo, ordered), (slope, intercept, _) = stats.probplot(r, dist="norm")
    fig, ax = new_figure(5.5, 5)
    ax.scatter(theo, ordered, s=8, alpha=0.5, color=PALETTE[0], edgecolors="none")
    ax.plot(theo, intercept + slope * theo, color=PALETTE[2], lw=1.5)
    ax.set_xlabel("Theoretical normal quantiles")
    ax.set_ylabel("Studentised residuals")
    ax.set_title("Normal Q-Q plot")
    return fig


def cooks_plot(model: FittedModel) -> Figure:
    """Cook's distance by observation, with the 4/n guide line."""
    d = np.asarray(OLSInfluence(model.result).cooks_distance[0])
    fig, ax = new_figure(8, 3.5)
    ax.vlines(np.arange(len(d)), 0, d, color=PALETTE[0], lw=0.8)
    ax.axhline(4 / len(d), color=PALETTE[2], lw=1, ls="--", label="4/n")
    ax.set_xlabel("Complete case (row order)")
    ax.set_ylabel("Cook's distance")
    ax.set_title("Influence: Cook's distance")
    ax.legend(fontsize=8)
    return fig


__all__ = [
    "KEY_FACTORS",
    "coefficient_plot",
    "cooks_plot",
    "outcome_by_factor",
    "qq_plot",
    "residuals_vs_fitted",
]
