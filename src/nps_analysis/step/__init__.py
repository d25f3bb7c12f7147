"""STEP survey / TAYC-R: the Eastern region's linear regression (National Picture, s6).

The STEP microdata is not public. Everything here runs on any extract that meets the STEP data
contract (`STEP_COLUMNS`); by default that is the project's SYNTHETIC extract, on which agreement
with the published coefficients is *parameter recovery*, never replication.
"""

from __future__ import annotations

OUTCOME = "tayc_r_total"
"""The outcome: TAYC-R total score (higher = the measured quality the scale scores higher)."""

PARENT_CONDITIONS: tuple[str, ...] = (
    "parent_anxiety",
    "parent_depression",
    "parent_chronic_illness",
    "parent_disability",
)
CHILD_DIAGNOSES: tuple[str, ...] = (
    "dx_learning_difficulty",
    "dx_autism",
    "dx_fasd",
    "dx_ptsd",
    "dx_attachment_disorder",
    "dx_neurological",
    "dx_conduct_disorder",
)
STEP_COLUMNS: tuple[str, ...] = (
    "family_id",
    "region",
    "raa",
    "child_age",
    "child_age_at_entry_to_care",
    "child_age_at_placement",
    "child_ethnicity",
    "dv_exposure",
    "has_biological_children",
    *PARENT_CONDITIONS,
    *CHILD_DIAGNOSES,
    "receiving_support",
    OUTCOME,
)
"""The STEP data contract: column names exactly as in every extract."""

BINARY_FACTORS: tuple[str, ...] = (
    "dv_exposure",
    "has_biological_children",
    *PARENT_CONDITIONS,
    *CHILD_DIAGNOSES,
    "receiving_support",
)
CONTINUOUS_FACTORS: tuple[str, ...] = (
    "child_age",
    "child_age_at_entry_to_care",
    "child_age_at_placement",
)
CATEGORICAL_FACTORS: tuple[str, ...] = ("child_ethnicity",)
CANDIDATE_FACTORS: tuple[str, ...] = (*CONTINUOUS_FACTORS, *CATEGORICAL_FACTORS, *BINARY_FACTORS)
"""Every factor screened for a bivariate association with TAYC-R."""

MODEL_COVARIATES: tuple[str, ...] = (
    "child_age",
    "has_biological_children",
    "dv_exposure",
    "parent_anxiety",
    "dx_learning_difficulty",
    "dx_autism",
    "dx_fasd",
    "dx_ptsd",
    "dx_attachment_disorder",
    "dx_neurological",
)
"""The published final model's independent variables (National Picture, s6, Eastern region)."""

AGE_STEPS: tuple[int, ...] = (5, 10)
"""Age differences (years) for which the report restates the child's-age effect (2.37, 4.74)."""

SYNTHETIC_NOTE = (
    "Built on SYNTHETIC data generated from published aggregates: agreement with the published "
    "coefficients is parameter recovery, not replication."
)

__all__ = [
    "AGE_STEPS",
    "BINARY_FACTORS",
    "CANDIDATE_FACTORS",
    "CATEGORICAL_FACTORS",
    "CHILD_DIAGNOSES",
    "CONTINUOUS_FACTORS",
    "MODEL_COVARIATES",
    "OUTCOME",
    "PARENT_CONDITIONS",
    "STEP_COLUMNS",
    "SYNTHETIC_NOTE",
]
