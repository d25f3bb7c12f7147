"""STEP / TAYC-R charts: coefficient plot, TAYC-R by key factors, diagnostics.

Following the Analysis Function through `nps_analysis.plotting`: at most four AF colours, never
colour alone (markers and line weights differ), text of at least 12 px, and a headline title,
subtitle, alt text and caption generated from the released tables (or, for the diagnostics of
synthetic data, from the fitted model) each chart draws."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.outliers_influence import OLSInfluence

from nps_analysis.plotting import LABEL_PT, PALETTE, describe, new_figure, not_shown
from nps_analysis.step import OUTCOME
from nps_analysis.step.design import RAA, factor_of
from nps_analysis.step.model import FittedModel
from nps_analysis.step.profile import PROFILE_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

SOURCE = "STEP programme family records (TAYC-R scores)"

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
    numbers = ["estimate", "ci_low", "ci_high", "robust_ci_low", "robust_ci_high"]
    coefs = coefs.assign(
        **{c: pd.to_numeric(coefs[c], errors="coerce") for c in numbers if c in coefs}
    )
    fig, ax = new_figure(9, 0.5 * len(coefs) + 1.8)
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
    ax.legend(loc="lower left", fontsize=LABEL_PT, frameon=True)
    shown = coefs.dropna(subset=["estimate"]).iloc[::-1]
    parts = [
        f"{_label(r.term)}: {r.estimate:+.1f} (95% CI {r.ci_low:+.1f} to {r.ci_high:+.1f})"
        for r in shown.itertuples()
    ]
    clear = shown[(shown["ci_low"] > 0) | (shown["ci_high"] < 0)]
    biggest = shown.loc[shown["estimate"].abs().idxmax()] if len(shown) else None
    headline = (
        f"{_label(biggest['term'])} had the largest estimated effect on TAYC-R: "
        f"{biggest['estimate']:+.1f} points"
        if biggest is not None
        else "TAYC-R linear model: estimated effects"
    )
    return describe(
        fig,
        title=title or headline,
        subtitle="Estimated difference in TAYC-R total score with 95% confidence intervals "
        f"(classical, and HC3 robust as a thinner bar); {len(clear)} of {len(shown)} intervals "
        "exclude zero",
        alt="Coefficient plot of the TAYC-R linear model (RAA fixed effects not shown). "
        + "; ".join(parts)
        + "."
        + (" Published values are marked with crosses." if published is not None else ""),
        caption=f"Source: {SOURCE} (tables coefficients_robust, published_comparison).{not_shown(len(coefs) - len(shown), 'estimate')}",
    )


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
    fig, ax = new_figure(10, 5.2)
    styles = (
        ("without", -0.12, PALETTE[0], "Without", "o"),
        ("with", 0.12, PALETTE[2], "With", "s"),
    )
    for level, shift, colour, name, marker in styles:
        t = numeric.loc[numeric["level"] == level]
        err = np.vstack([t["mean"] - t["ci_low"], t["ci_high"] - t["mean"]])
        ax.errorbar(
            x[t["factor"]].to_numpy() + shift,
            t["mean"],
            yerr=err,
            fmt=marker,
            ms=7,
            color=colour,
            capsize=4,
            label=name,
        )
    ax.set_xticks(x.to_numpy(), [_label(f) for f in factors], rotation=20, ha="right")
    ax.set_ylabel("Mean TAYC-R total score (95% CI)")
    ax.legend(fontsize=LABEL_PT)
    parts = []
    gaps = {}
    for factor in factors:
        rows = numeric[numeric["factor"] == factor].set_index("level")
        text = []
        for level in ("with", "without"):
            if level in rows.index:
                r = rows.loc[level]
                text.append(
                    f"{level} {r['mean']:.1f} (95% CI {r['ci_low']:.1f} to {r['ci_high']:.1f}, "
                    f"n = {r['n']})"
                )
        if {"with", "without"} <= set(rows.index):
            gaps[factor] = float(rows.loc["with", "mean"] - rows.loc["without", "mean"])
        parts.append(f"{_label(factor)}: " + ("; ".join(text) or "not shown"))
    big = max(gaps, key=lambda f: abs(gaps[f])) if gaps else None
    return describe(
        fig,
        title=f"The largest unadjusted difference in mean TAYC-R was for {_label(big).lower()}: "
        f"{gaps[big]:+.1f} points with against without"
        if big
        else "TAYC-R by key factors (unadjusted)",
        subtitle="Mean TAYC-R total score with a 95% t interval, for families with (squares) "
        "and without (circles) each factor; not adjusted for other factors",
        alt="Chart of mean TAYC-R total score for families with and without each factor. "
        + ". ".join(parts)
        + ".",
        caption=f"Source: {SOURCE} (table tayc_by_factor).{not_shown(len(table) - len(numeric), 'group')}",
    )


def residuals_vs_fitted(model: FittedModel) -> Figure:
    """Residuals against fitted values, with a LOWESS smooth."""
    from statsmodels.nonparametric.smoothers_lowess import lowess

    res = model.result
    fitted, resid = np.asarray(res.fittedvalues), np.asarray(res.resid)
    fig, ax = new_figure(8, 4.8)
    ax.scatter(fitted, resid, s=8, alpha=0.4, color=PALETTE[0], edgecolors="none")
    smooth = lowess(resid, fitted, frac=0.5, return_sorted=True)
    ax.plot(smooth[:, 0], smooth[:, 1], color=PALETTE[2], lw=2, label="LOWESS")
    ax.axhline(0, color="#3D3D3D", lw=0.8)
    ax.set_xlabel("Fitted TAYC-R total score")
    ax.set_ylabel("Residual")
    ax.legend(fontsize=LABEL_PT)
    drift = float(np.max(np.abs(smooth[:, 1])))
    return describe(
        fig,
        title=f"Residuals against fitted values: the smooth stays within {drift:.1f} points of "
        "zero",
        subtitle=f"Residual TAYC-R score against the fitted score for each of the {len(resid)} "
        "complete cases, with a LOWESS smooth",
        alt=f"Scatter plot of {len(resid)} residuals against fitted TAYC-R scores (fitted "
        f"{fitted.min():.1f} to {fitted.max():.1f}; residuals {resid.min():.1f} to "
        f"{resid.max():.1f}). The LOWESS smooth runs from {smooth[0, 1]:+.1f} to "
        f"{smooth[-1, 1]:+.1f}, at most {drift:.1f} from zero.",
        caption=f"Source: {SOURCE}, the fitted model. One point per family: shown for "
        "synthetic data only, withheld for real record-level data.",
    )


def qq_plot(model: FittedModel) -> Figure:
    """Normal Q-Q plot of the internally studentised residuals."""
    r = np.asarray(OLSInfluence(model.result).resid_studentized_internal)
    (theo, ordered), (slope, intercept, _) = stats.probplot(r, dist="norm")
    fig, ax = new_figure(5.5, 5)
    ax.scatter(theo, ordered, s=8, alpha=0.5, color=PALETTE[0], edgecolors="none")
    ax.plot(theo, intercept + slope * theo, color=PALETTE[2], lw=1.5)
    ax.set_xlabel("Theoretical normal quantiles")
    ax.set_ylabel("Studentised residuals")
    beyond = int((np.abs(r) > 3).sum())
    return describe(
        fig,
        title=f"Studentised residuals against the normal: {beyond} of {len(r)} beyond 3",
        subtitle="Normal Q-Q plot of the internally studentised residuals, with the fitted line",
        alt=f"Normal Q-Q plot of {len(r)} studentised residuals: from {ordered.min():.2f} to "
        f"{ordered.max():.2f} against theoretical quantiles {theo.min():.2f} to "
        f"{theo.max():.2f}; fitted line slope {slope:.2f}, intercept {intercept:+.2f}; "
        f"{beyond} beyond 3 in absolute value.",
        caption=f"Source: {SOURCE}, the fitted model. One point per family: shown for "
        "synthetic data only, withheld for real record-level data.",
    )


def cooks_plot(model: FittedModel) -> Figure:
    """Cook's distance by observation, with the 4/n guide line."""
    d = np.asarray(OLSInfluence(model.result).cooks_distance[0])
    fig, ax = new_figure(9, 4)
    ax.vlines(np.arange(len(d)), 0, d, color=PALETTE[0], lw=0.8)
    ax.axhline(4 / len(d), color=PALETTE[2], lw=1, ls="--", label="4/n")
    ax.set_xlabel("Complete case (row order)")
    ax.set_ylabel("Cook's distance")
    ax.legend(fontsize=LABEL_PT)
    above = int((d > 4 / len(d)).sum())
    return describe(
        fig,
        title=f"{above} of {len(d)} families have a Cook's distance above 4/n; the largest is "
        f"{d.max():.3f}",
        subtitle="Influence of each complete case on the fitted model (Cook's distance), with "
        f"the 4/n guide line ({4 / len(d):.3f})",
        alt=f"Spike chart of Cook's distance for {len(d)} complete cases: largest {d.max():.3f} "
        f"(case {int(np.argmax(d)) + 1}), median {np.median(d):.4f}; {above} above the 4/n line "
        f"at {4 / len(d):.3f}.",
        caption=f"Source: {SOURCE}, the fitted model. One value per family: shown for "
        "synthetic data only, withheld for real record-level data.",
    )


__all__ = [
    "KEY_FACTORS",
    "coefficient_plot",
    "cooks_plot",
    "outcome_by_factor",
    "outcome_by_factor_table",
    "qq_plot",
    "residuals_vs_fitted",
]
