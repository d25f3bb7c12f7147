"""Simulate STEP-shaped extracts from KNOWN coefficients, for tests and power checks.

This is not the project's synthetic default data (that is `nps synth`, built from published
aggregates). It exists so the statistics can be checked against a truth we chose: prevalences
follow the published Adopt East profile where the report gives one; everything else (FASD,
neurological, DV, biological-children prevalences, the ages, the intercept, the residual SD and the
diagnosis effects the report does not quantify) is an ASSUMPTION made for testing only.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from nps_analysis.step import (
    BINARY_FACTORS,
    CHILD_DIAGNOSES,
    MODEL_COVARIATES,
    OUTCOME,
    PARENT_CONDITIONS,
    STEP_COLUMNS,
)

TRUE_COEFFICIENTS: dict[str, float] = {
    "Intercept": 75.0,  # assumption
    "child_age": -0.474,  # published
    "has_biological_children": -5.8,  # published "nearly six points lower"
    "dv_exposure": -2.9,  # published "nearly three points lower"
    "parent_anxiety": -2.0,  # published "two points lower"
    "dx_learning_difficulty": -3.0,  # assumption: entered, effect not published
    "dx_autism": -4.0,  # assumption
    "dx_fasd": -3.0,  # assumption
    "dx_ptsd": -3.5,  # assumption
    "dx_attachment_disorder": -4.0,  # assumption
    "dx_neurological": -2.5,  # assumption
}
"""Coefficients the simulator draws TAYC-R from (model covariates only; other factors have 0)."""

RESIDUAL_SD = 9.0
"""Residual standard deviation of TAYC-R in the simulator (assumption)."""

PREVALENCE: dict[str, float] = {
    "dv_exposure": 0.40,  # assumption
    "has_biological_children": 0.15,  # assumption
    "parent_anxiety": 0.25,  # published: 15% anxiety + 10% anxiety and depression
    "parent_depression": 0.14,  # published: 4% depression + 10% anxiety and depression
    "parent_chronic_illness": 0.11,  # published
    "parent_disability": 0.02,  # published
    "dx_learning_difficulty": 0.20,  # published
    "dx_autism": 0.13,  # published
    "dx_fasd": 0.06,  # assumption
    "dx_ptsd": 0.05,  # published
    "dx_attachment_disorder": 0.11,  # published
    "dx_neurological": 0.05,  # assumption
    "dx_conduct_disorder": 0.03,  # published
    "receiving_support": 0.48,  # published: "just over half currently receiving no support"
}

ANX_DEP_P: tuple[float, float, float] = (0.15, 0.10, 0.04)
"""Published: anxiety only, anxiety and depression, depression only (parents)."""

ETHNICITIES: tuple[str, ...] = ("White", "Mixed", "Black", "Asian", "Other")
ETHNICITY_P: tuple[float, ...] = (0.80, 0.10, 0.04, 0.03, 0.03)


def simulate_step(
    n: int,
    seed: int,
    *,
    coefficients: Mapping[str, float] | None = None,
    residual_sd: float = RESIDUAL_SD,
    missing_rate: float = 0.0,
    missing_rates: Mapping[str, float] | None = None,
    region: str = "Eastern",
    raas: tuple[str, ...] = ("Adopt East",),
) -> pd.DataFrame:
    """A STEP extract of `n` families with TAYC-R drawn from `coefficients` (default: TRUE_COEFFICIENTS).

    `missing_rate` blanks that share of every covariate and of the outcome, completely at random;
    `missing_rates` (column -> share) replaces it with a rate per column (others stay complete).
    Binary columns use pandas' nullable "boolean" dtype, as in the STEP data contract.
    """
    coefs = dict(TRUE_COEFFICIENTS if coefficients is None else coefficients)
    rng = np.random.default_rng(seed)
    entry = np.clip(rng.gamma(1.5, 1.0, n), 0.0, 10.0)
    placement = np.clip(entry + rng.exponential(1.0, n), 0.0, 15.0)
    age = np.clip(placement + rng.uniform(0.5, 16.0, n), 0.0, 25.0)
    df = pd.DataFrame(
        {
            "family_id": [f"F{i:06d}" for i in range(1, n + 1)],
            "region": region,
            "raa": rng.choice(np.asarray(raas), n),
            "child_age": np.round(age, 1),
            "child_age_at_entry_to_care": np.round(entry, 1),
            "child_age_at_placement": np.round(placement, 1),
            "child_ethnicity": pd.Categorical(
                rng.choice(np.asarray(ETHNICITIES), n, p=ETHNICITY_P), categories=ETHNICITIES
            ),
        }
    )
    draws = rng.random((n, len(BINARY_FACTORS)))
    probs = np.array([PREVALENCE[c] for c in BINARY_FACTORS])
    flags = pd.DataFrame(draws < probs, columns=list(BINARY_FACTORS))
    # Parents' anxiety/depression jointly, as the report's exclusive categories: 15% anxiety only,
    # 10% both, 4% depression only.
    u = rng.random(n)
    flags["parent_anxiety"] = u < ANX_DEP_P[0] + ANX_DEP_P[1]
    flags["parent_depression"] = (u >= ANX_DEP_P[0]) & (u < sum(ANX_DEP_P))
    flags = flags.astype("boolean")
    df = pd.concat([df, flags], axis=1)
    linpred = np.full(n, coefs.get("Intercept", 0.0))
    for term in MODEL_COVARIATES:
        linpred += coefs.get(term, 0.0) * df[term].to_numpy(dtype=float)
    df[OUTCOME] = linpred + rng.normal(0.0, residual_sd, n)
    blankable = [c for c in STEP_COLUMNS if c not in ("family_id", "region", "raa")]
    rates = dict.fromkeys(blankable, missing_rate) if missing_rates is None else missing_rates
    unknown = set(rates) - set(blankable)
    if unknown:
        raise ValueError(f"cannot blank column(s) {sorted(unknown)}")
    if any(r > 0 for r in rates.values()):
        mask = rng.random((n, len(blankable))) < np.array([rates.get(c, 0.0) for c in blankable])
        for j, col in enumerate(blankable):
            df.loc[mask[:, j], col] = pd.NA if df[col].dtype == "boolean" else np.nan
    return df.loc[:, list(STEP_COLUMNS)]


def simulate_design_batch(reps: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`reps` independent designs and outcomes at once (numpy only): X (reps, n, k), y (reps, n).

    Same generating model as `simulate_step` (ages, prevalences, TRUE_COEFFICIENTS, RESIDUAL_SD),
    without missing values, for cheap coverage studies.
    """
    rng = np.random.default_rng(seed)
    entry = np.clip(rng.gamma(1.5, 1.0, (reps, n)), 0.0, 10.0)
    placement = np.clip(entry + rng.exponential(1.0, (reps, n)), 0.0, 15.0)
    age = np.round(np.clip(placement + rng.uniform(0.5, 16.0, (reps, n)), 0.0, 25.0), 1)
    binary = [t for t in MODEL_COVARIATES if t != "child_age"]
    probs = np.array([PREVALENCE[t] for t in binary])
    probs[binary.index("parent_anxiety")] = ANX_DEP_P[0] + ANX_DEP_P[1]
    flags = (rng.random((reps, n, len(binary))) < probs).astype(float)
    x = np.concatenate([np.ones((reps, n, 1)), age[..., None], flags], axis=2)
    beta = true_beta()
    y = x @ beta + rng.normal(0.0, RESIDUAL_SD, (reps, n))
    return x, y


def true_beta() -> np.ndarray:
    """TRUE_COEFFICIENTS as a vector ordered Intercept, then MODEL_COVARIATES."""
    return np.array([TRUE_COEFFICIENTS[t] for t in ("Intercept", *MODEL_COVARIATES)])


__all__ = [
    "CHILD_DIAGNOSES",
    "PARENT_CONDITIONS",
    "PREVALENCE",
    "RESIDUAL_SD",
    "TRUE_COEFFICIENTS",
    "true_beta",
    "simulate_design_batch",
    "simulate_step",
]
