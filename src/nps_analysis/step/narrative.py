"""Plain-words sentences generated from the model's numbers (no hand-typed results)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.outputs import DataKind
from nps_analysis.step import SYNTHETIC_NOTE

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


def published_effects(published: pd.DataFrame) -> dict[str, float]:
    """Per-term published effect (per year for age; the stated difference otherwise)."""
    keep = published["measure"].isin(["coefficient_per_year", "approx_difference"])
    rows = published.loc[keep].dropna(subset=["value"])
    return dict(zip(rows["term"], rows["value"].astype(float), strict=True))


def _direction(x: float) -> str:
    return "lower" if x < 0 else "higher"


def describe_model(
    coefficients: pd.DataFrame,
    fit: pd.DataFrame,
    age: pd.DataFrame,
    data_kind: DataKind | str,
    alpha: float = 0.05,
) -> list[str]:
    """Bulleted sentences describing the fitted model, in the report's own style."""
    kind = DataKind(data_kind)
    f = fit.iloc[0]
    level = f"{100 * (1 - alpha):.0f}%"
    lines = [
        f"The model used {int(f['n_used'])} families with complete data "
        f"({int(f['n_excluded'])} excluded for missing values) and explains "
        f"{100 * f['r_squared']:.1f}% of the variation in TAYC-R total scores "
        f"(adjusted R² {f['adj_r_squared']:.3f})."
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
            f"{b['ci_low']:.3f} to {b['ci_high']:.3f}); {steps}."
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
            f"to {b['ci_high']:.2f}; {sig}, p = {b['p_value']:.3g})."
        )
    if "robust_std_error" in coefficients:
        ratio = (coefficients["robust_std_error"] / coefficients["std_error"]).to_numpy()
        lines.append(
            f"HC3 robust standard errors are {np.min(ratio):.2f} to {np.max(ratio):.2f} times the "
            "classical ones."
        )
    if kind is DataKind.SYNTHETIC:
        lines.append(SYNTHETIC_NOTE)
    return lines


def as_markdown(lines: list[str]) -> str:
    """Bullets as a Markdown string."""
    return "\n".join(f"- {line}" for line in lines)


__all__ = ["as_markdown", "describe_model", "published_effects"]
