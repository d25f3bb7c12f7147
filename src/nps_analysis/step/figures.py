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
from nps_analysis.step.design import RAA, factor_of
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
    """Estimates with 95% CIs (classical; HC3 as a thinner bar), published values as crosses.

    RAA fixed effects are left out (they adjust for the RAA, they are not findings).
    """
    keep = (coefficients["term"] != "Intercept") & (coefficients["term"].map(factor_of) != RAA)
    coefs = coefficients.loc[keep].iloc[::-1].reset_index(drop=True)
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


def outcome_by_factor_table(
    df: pd.DataFrame, factors: Sequence[str] = KEY_FACTORS, outcome: str = OUTCOME
) -> pd.DataFrame:
    """Mean TAYC-R with a 95% t-CI for families with and without each factor (unadjusted).

    Columns `factor, level, n, df, mean, ci_low, ci_high` (level "with" / "without"; df = n - 1,
    the t reference of the interval, exact only for normally distributed scores).
    """
    long = df.loc[:, [*factors, outcome]].melt(
        id_vars=outcome, var_name="factor", value_name="flag"
    )
    long = long.dropna(subset=["flag", outcome])
    long["level"] = np.where(long["flag"].astype(bool), "with", "without")
    g = long.groupby(["factor", "level"], sort=False)[outcome].agg(["count", "mean", "std"])
    n = g["count"].to_numpy()
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * g["std"].to_numpy() / np.sqrt(n)
    out = g.reset_index().rename(columns={"count": "n"})
    out.insert(out.columns.get_loc("n") + 1, "df", out["n"] - 1)
    out = out.assign(ci_low=out["mean"] - half, ci_high=out["mean"] + half).drop(columns="std")
    order = {f: i for i, f in enumerate(factors)}
    return out.sort_values(
        ["factor", "level"],
        key=lambda c: c.map(order) if c.name == "factor" else c,
        kind="mergesort",
    ).reset_index(drop=True)


def outcome_by_factor(table: pd.DataFrame) -> Figure:
    """Plot `outcome_by_factor_table` (as released: suppressed cells are left out)."""
    numeric = table.assign(
        **{c: pd.to_numeric(table[c], errors="coerce") for c in ("mean", "ci_low", "ci_high")}
    ).dropna(subset=["mean", "ci_low", "ci_high"])
    factors = list(dict.fromkeys(table["factor"]))
    x = pd.Series(np.arange(len(factors)), index=factors)
    fig, ax = new_figure(8, 4.5)
    styles = (("without", -0.12, PALETTE[0], "Without"), ("with", 0.12, PALETTE[2], "With"))
    for level, shift, colour, name in styles:
        t = numeric.loc[numeric["level"] == level]
        err = np.vstack([t["mean"] - t["ci_low"], t["ci_high"] - t["mean"]])
        ax.errorbar(
            x[t["factor"]].to_numpy() + shift,
            t["mean"],
            yerr=err,
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
    "outcome_by_factor_table",
    "qq_plot",
    "residuals_vs_fitted",
]
