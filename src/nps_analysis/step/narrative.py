"""Plain-words sentences generated from the model's numbers (no hand-typed results)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from nps_analysis.provenance import DataKind
from nps_analysis.step import SYNTHETIC_NOTE
from nps_analysis.step.design import RAA, factor_of

_PHRASES: dict[str, str] = {
    "has_biological_children": "Families with biological children",
    "dv_exposure": "Children with previous exposure to domestic violence",
    "parent_anxiety": "Families where a parent reports anxiety",
    "dx_learning_difficulty": "Children with a diagnosed learning difficulty",
    "dx_autism": "Children with an autism diagnosis",
    "dx_fasd": "Children with an FASD diagnosis",
    "dx_ptsd": "Children with a PTSD diagnosis",
    "dx_attachment_disorder": "Children with a diagnosed attachment disorder",
    "dx_neurological": "Children with a diagnosed neurological condition",
}

_NAMES: dict[str, str] = {
    "child_age": "the child's age",
    "has_biological_children": "biological children in the family",
    "dv_exposure": "exposure to domestic violence",
    "parent_anxiety": "parent anxiety",
    "dx_learning_difficulty": "a learning difficulty",
    "dx_autism": "autism",
    "dx_fasd": "FASD",
    "dx_ptsd": "PTSD",
    "dx_attachment_disorder": "an attachment disorder",
    "dx_neurological": "a neurological condition",
}
"""Model terms as a reader names them (other terms: the name with spaces)."""


def _listed(terms: list[str]) -> str:
    """``a, b and c`` in readers' words."""
    names = [_NAMES.get(t, t.replace("_", " ")) for t in terms]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def published_effects(published: pd.DataFrame) -> dict[str, float]:
    """Per-term published effect (per year for age; the stated difference otherwise)."""
    keep = published["measure"].isin(["coefficient_per_year", "approx_difference"])
    rows = published.loc[keep].dropna(subset=["value"])
    return dict(zip(rows["term"], rows["value"].astype(float), strict=True))


def _direction(x: float) -> str:
    return "lower" if x < 0 else "higher"


def _num(value: object) -> float:
    """A released cell as float (NaN when suppressed or blank)."""
    out = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return float(out) if pd.notna(out) else float("nan")


def _p(value: object, spec: str = ".3g") -> str:
    """A released number for a sentence ("suppressed (small group)" when it was suppressed)."""
    x = _num(value)
    return "suppressed (small group)" if np.isnan(x) else format(x, spec)


def _hc3(row: pd.Series, digits: int = 2) -> str:
    """`; HC3 a to b` when the row has robust CI bounds."""
    if "robust_ci_low" not in row.index:
        return ""
    return f"; HC3 {row['robust_ci_low']:.{digits}f} to {row['robust_ci_high']:.{digits}f}"


def interval_basis(n: int, df: int) -> str:
    """What an interval rests on: `t reference, df = ..., n = ...`."""
    return f"t reference, df = {df}, n = {n}"


def describe_model(
    coefficients: pd.DataFrame,
    fit: pd.DataFrame,
    age: pd.DataFrame,
    data_kind: DataKind | str,
    alpha: float = 0.05,
) -> list[str]:
    """Bulleted sentences describing the fitted model, in the report's own style.

    Every interval carries its n and df; the last sentences say what the data cannot show.
    """
    kind = DataKind(data_kind)
    f = fit.iloc[0]
    level = f"{100 * (1 - alpha):.0f}%"
    basis = interval_basis(int(f["n_used"]), int(f["df_resid"]))
    lines = [
        f"The model used {int(f['n_used'])} families with complete data "
        f"({int(f['n_excluded'])} excluded for missing values; {int(f['df_resid'])} residual "
        f"degrees of freedom) and explains {100 * f['r_squared']:.1f}% of the variation in "
        f"TAYC-R total scores (adjusted R² {f['adj_r_squared']:.3f})."
    ]
    coef = coefficients.set_index("term")
    if "child_age" in coef.index:
        b = coef.loc["child_age"]
        steps = "; ".join(
            f"over {int(r.years)} years, {abs(r.estimate):.2f} points {_direction(r.estimate)} "
            f"({level} CI {r.ci_low:.2f} to {r.ci_high:.2f})"
            for r in age.itertuples()
        )
        lines.append(
            f"Each extra year of the child's current age is associated with a TAYC-R total score "
            f"{abs(b['estimate']):.3f} points {_direction(b['estimate'])} ({level} CI "
            f"{b['ci_low']:.3f} to {b['ci_high']:.3f}{_hc3(b, 3)}; {basis})"
            + (f"; {steps}." if steps else ".")
        )
    for term, phrase in _PHRASES.items():
        if term not in coef.index:
            continue
        b = coef.loc[term]
        sig = (
            "statistically significant" if b["p_value"] < alpha else "not statistically significant"
        )
        lines.append(
            f"{phrase} had scores {abs(b['estimate']):.2f} points {_direction(b['estimate'])} "
            f"than those without, all other variables being equal ({level} CI {b['ci_low']:.2f} "
            f"to {b['ci_high']:.2f}{_hc3(b)}; {basis}; {sig}, p = {b['p_value']:.3g})."
        )
    others = [t for t in coef.index if t not in (*_PHRASES, "Intercept", "child_age")]
    fixed = [t for t in others if factor_of(t) == RAA]
    for terms, title in (
        ([t for t in others if t not in fixed], "Other terms, adjusted differences"),
        (
            fixed,
            "RAA fixed effects (adjustments for the RAA, not findings; versus the largest RAA)",
        ),
    ):
        if terms:
            listed = "; ".join(
                f"{t} {coef.loc[t, 'estimate']:.2f} ({coef.loc[t, 'ci_low']:.2f} to "
                f"{coef.loc[t, 'ci_high']:.2f})"
                for t in terms
            )
            lines.append(f"{title} with {level} CIs ({basis}): {listed}.")
    if "robust_std_error" in coefficients:
        ratio = (coefficients["robust_std_error"] / coefficients["std_error"]).to_numpy()
        lines.append(
            f"HC3 robust standard errors are {np.min(ratio):.2f} to {np.max(ratio):.2f} times the "
            "classical ones (see the diagnostics for which intervals to read)."
        )
    lines.extend(limits(coefficients, fit, alpha))
    if kind is DataKind.SYNTHETIC:
        lines.append(SYNTHETIC_NOTE)
    return lines


def limits(coefficients: pd.DataFrame, fit: pd.DataFrame, alpha: float = 0.05) -> list[str]:
    """What these data cannot show, worded from the fitted model."""
    f = fit.iloc[0]
    coef = coefficients.loc[coefficients["term"] != "Intercept"]
    spans = coef.loc[(coef["ci_low"] < 0) & (coef["ci_high"] > 0), "term"].tolist()
    lines = [
        f"What these data cannot show: the estimates are associations among the "
        f"{int(f['n_used'])} responding families with complete answers, not effects of the "
        "factors; they cannot show that changing a factor would change the score, cannot separate "
        "the child's age from time since placement, and say nothing about families who did not "
        "respond. The t-intervals are exact only if the residuals are normal with constant "
        f"variance; otherwise they are large-sample approximations (df = {int(f['df_resid'])})."
    ]
    if spans:
        lines.append(
            f"For {_listed(spans)} the {100 * (1 - alpha):.0f}% CI includes zero: these data "
            "cannot tell whether the association is negative, absent or positive, which is not "
            "evidence that there is none."
        )
    return lines


def _passes_screen_but(
    t: pd.DataFrame, agreement: str, but: Callable[[pd.Series], str]
) -> list[str]:
    """'<factor> passes the screen (p = ...) but <but(row)>' for each factor with `agreement`."""
    return [
        f"{f} passes the screen (p = {_p(t.loc[f, 'p_screen'])}) but {but(t.loc[f])}"
        for f in t.index[t["agreement"].eq(agreement)]
    ]


def describe_screening(table: pd.DataFrame, alpha: float = 0.05) -> list[str]:
    """The screen against the published model (`screen_against_model`, as released), and the
    selection pitfall, in plain words."""
    t = table.set_index("factor")
    lines = []
    fails = t.index[t["agreement"].eq("in model, fails screen")]
    if len(fails):
        listed = ", ".join(f"{f} (p = {_p(t.loc[f, 'p_screen'])})" for f in fails)
        lines.append(
            f"The published model includes {listed}, although on this extract their screening "
            f"p-values are at or above {alpha}: the report's own rule (enter a factor if its "
            "screening p is below α) would have left them out."
        )
    lines += _passes_screen_but(
        t,
        "not in model, passes screen only through current age",
        lambda r: (
            f"not once the child's current age is adjusted for (p = {_p(r['p_given_child_age'])}; "
            f"correlation with current age r = {_p(r['r_with_child_age'], '.2f')}): its screening "
            "association runs through current age, which the model already contains."
        ),
    )
    lines += _passes_screen_but(
        t,
        "not in model, passes screen",
        lambda r: (
            f"is not in the published model (p = {_p(r['p_adjusted'])} when added to it; "
            f"n = {int(_num(r['n_adjusted']))}, df = {int(_num(r['df_adjusted']))})."
        ),
    )
    if not lines:
        lines.append("On this extract the screen and the published model agree factor by factor.")
    lines.append(
        "Selection pitfall: choosing covariates by their screening p-values and then testing them "
        "on the same data makes the final p-values too small and the CIs too narrow; the screen "
        "can also miss a factor that matters only after adjustment and pass one that is "
        "significant only through a correlated factor. Sound alternatives are offered as the "
        'notebook parameter `model_spec`: "full" (a pre-specified model with every screened '
        'factor) or "lasso" (cross-validated penalised selection, whose refitted intervals are '
        "descriptive only)."
    )
    return lines


def describe_imputation(sensitivity: pd.DataFrame) -> list[str]:
    """Multiple imputation beside the complete-case fit, in plain words.

    `sensitivity` is `mice_sensitivity(...)` merged with the complete-case `estimate` and
    `std_error` by term (the notebook's `missing_data_sensitivity` table).
    """
    t = sensitivity
    m, n = int(t["m"].iloc[0]), int(t["n_total"].iloc[0])
    fmi = t["fraction_missing_information"].to_numpy(dtype=float)
    mce_ratio = (t["mce_estimate"] / t["mi_std_error"]).to_numpy(dtype=float)
    mce_ci = np.maximum(t["mce_ci_low"], t["mce_ci_high"]).to_numpy(dtype=float)
    shift = ((t["mi_estimate"] - t["estimate"]) / t["std_error"]).to_numpy(dtype=float)
    worst = int(np.nanargmax(np.abs(shift)))
    needed = int(np.ceil(100 * fmi.max()))
    enough = (
        "enough imputations for results stable to the precision shown"
        if mce_ratio.max() <= 0.1 and m >= needed
        else "increase `mice_imputations` for stabler results"
    )
    return [
        f"Pooled over m = {m} imputations of all {n} families with Rubin's rules; every interval "
        f"uses a t reference with Barnard-Rubin degrees of freedom ({t['mi_df'].min():.0f} to "
        f"{t['mi_df'].max():.0f}; complete-data df {int(t['df_complete'].iloc[0])}), not a "
        "normal one.",
        f"Fraction of missing information up to {100 * fmi.max():.1f}% "
        f"({t['term'].iloc[int(fmi.argmax())]}); Monte Carlo error of the pooled estimates at "
        f"most {100 * mce_ratio.max():.1f}% of their standard error, and of the CI limits at "
        f"most {mce_ci.max():.3f} points: {enough} (rule of thumb m >= 100 x FMI = {needed}).",
        f"The largest difference from the complete-case estimate is {shift[worst]:+.2f} "
        f"complete-case SEs ({t['term'].iloc[worst]}). Imputation assumes data missing at random "
        "given the imputation model's variables; it cannot correct for missingness that depends "
        "on the unobserved score itself.",
    ]


def describe_precision(table: pd.DataFrame, alpha: float = 0.05) -> list[str]:
    """Minimum detectable effects by planned size (`precision_table`), in plain words."""
    lines = []
    for (n, n_raas), g in table.groupby(["n", "n_raas"], sort=True):
        base = g.loc[np.isclose(g["sd_multiplier"], 1.0)]
        base = base if len(base) else g
        binary = base.loc[base["kind"] == "binary"].sort_values("min_detectable_effect")
        r = base.iloc[0]
        sentence = (
            f"With {n} families from {n_raas} RAA{'s' if n_raas > 1 else ''} (about "
            f"{int(r['n_complete'])} with complete data at this extract's "
            f"{100 * r['complete_case_rate']:.1f}% complete-case rate; df = {int(r['df_resid'])})"
        )
        if len(binary):
            lo, hi = binary.iloc[0], binary.iloc[-1]
            sd_lo, sd_hi = g["residual_sd"].min(), g["residual_sd"].max()
            spread = g.loc[g["term"] == hi["term"], "min_detectable_effect"]
            sentence += (
                f", the smallest adjusted differences detectable with "
                f"{100 * r['power_target']:.0f}% power at α = {alpha} run from "
                f"{lo['min_detectable_effect']:.1f} points ({lo['term']}) to "
                f"{hi['min_detectable_effect']:.1f} ({hi['term']}) at the fitted residual SD of "
                f"{r['residual_sd']:.1f}; for residual SDs of {sd_lo:.1f} to {sd_hi:.1f} the "
                f"{hi['term']} figure ranges {spread.min():.1f} to {spread.max():.1f}."
            )
        lines.append(sentence + " Smaller true differences are likely to be missed.")
    lines.append(
        "These are design calculations from this extract's prevalences, spread and residual SD; "
        "no 'observed power' is shown, because power computed at an effect estimated on the same "
        "data only restates its p-value, and effects picked by a screen on the same data tend to "
        "overstate the true ones."
    )
    return lines


def as_markdown(lines: list[str]) -> str:
    """Bullets as a Markdown string."""
    return "\n".join(f"- {line}" for line in lines)


__all__ = [
    "as_markdown",
    "describe_imputation",
    "describe_model",
    "describe_precision",
    "describe_screening",
    "interval_basis",
    "limits",
    "published_effects",
]
