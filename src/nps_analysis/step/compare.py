"""Published vs estimated TAYC-R effects; on synthetic data this is parameter recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.provenance import DataKind

EFFECT_MEASURES: dict[str, int] = {
    "coefficient_per_year": 1,
    "effect_per_5_years": 5,
    "effect_per_10_years": 10,
    "approx_difference": 1,
}
"""Published measures with a number, and the multiple of the coefficient each states."""


def comparison_kind(data_kind: DataKind | str) -> str:
    """How to word agreement with the published figures for this kind of data."""
    kind = DataKind(data_kind)
    if kind is DataKind.SYNTHETIC:
        return (
            "parameter recovery (synthetic data built from the published figures; not replication)"
        )
    if kind is DataKind.MICRODATA:
        return "comparison with the published report on a regional STEP extract"
    return "comparison"


def _first(coef: pd.DataFrame, column: str) -> int | None:
    """A per-model constant column of the coefficient table (None when absent)."""
    return int(coef[column].iloc[0]) if column in coef and len(coef) else None


def compare_effects(
    coefficients: pd.DataFrame,
    published: pd.DataFrame,
    data_kind: DataKind | str = DataKind.SYNTHETIC,
) -> pd.DataFrame:
    """One row per published effect statement, beside the estimate and its 95% CI.

    `coefficients` is `coefficient_table(...)`; `published` is `load_published("step_regression")`.
    Multi-year age effects are the coefficient times the years (so are their CIs); `n_used` and
    `df_resid` are what every interval rests on. Terms entered
    without a published number are listed with a blank published value; terms the report found
    non-significant (not in the model) are left out here (see the screening table).
    """
    pub = published.loc[published["in_final_model"].astype(str).str.lower().eq("yes")]
    coef = coefficients.set_index("term")
    scale = pub["measure"].map(EFFECT_MEASURES).fillna(1).to_numpy(dtype=float)
    terms = pub["term"].to_numpy()

    def pick(col: str) -> np.ndarray:
        return coef[col].reindex(terms).to_numpy(dtype=float) * scale

    est, low, high = pick("estimate"), pick("ci_low"), pick("ci_high")
    value = pd.to_numeric(pub["value"], errors="coerce").to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "figure_id": pub["figure_id"].to_numpy(),
            "term": terms,
            "measure": pub["measure"].to_numpy(),
            "value_as_printed": pub["value_as_printed"].fillna("").to_numpy(),
            "published_value": value,
            "approximate": pub["measure"].eq("approx_difference").to_numpy(),
            "estimate": est,
            "ci_low": low,
            "ci_high": high,
            "robust_ci_low": pick("robust_ci_low") if "robust_ci_low" in coef else np.nan,
            "robust_ci_high": pick("robust_ci_high") if "robust_ci_high" in coef else np.nan,
            "published_within_ci": pd.array((value >= low) & (value <= high), dtype="boolean"),
            "difference": est - value,
            "n_used": _first(coef, "n_used"),
            "df_resid": _first(coef, "df_resid"),
            "comparison": comparison_kind(data_kind),
        }
    )
    out.loc[np.isnan(value), "published_within_ci"] = pd.NA
    out.loc[np.isnan(value), "difference"] = np.nan
    return out


def recovery_sentence(comparison: pd.DataFrame, data_kind: DataKind | str) -> str:
    """One plain-words sentence on how many published effects fall inside the estimated CIs."""
    numeric = comparison.dropna(subset=["published_value"])
    k = int(numeric["published_within_ci"].fillna(False).sum())
    total = len(numeric)
    kind = DataKind(data_kind)
    if kind is DataKind.SYNTHETIC:
        return (
            f"{k} of {total} published effect statements lie inside the 95% CIs estimated from the "
            "SYNTHETIC extract. The synthetic data were generated from these same published figures, "
            "so this is parameter recovery (a check that the pipeline gets back what was put in), "
            "not a replication of the STEP findings."
        )
    return (
        f"{k} of {total} published effect statements lie inside the 95% CIs estimated from this "
        f"extract ({kind.value} data)."
    )


__all__ = ["EFFECT_MEASURES", "compare_effects", "comparison_kind", "recovery_sentence"]
