"""What the STEP survey's descriptive tables count, for disclosure control and the audit.

Families are the records. Each profile characteristic, model variable or key factor is a flag of
the family (`has_<name>`: yes, no or not recorded), so the intruder can link the profile's
bases, the missing-data counts and the with/without groups of the outcome table.
"""

from __future__ import annotations

from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.vocabulary import FAMILIES, FLAG_NOT_RECORDED, YES_NO
from nps_analysis.step.missing import OUTCOME

FLAG = "has_{}"
"""The audit dimension of a family characteristic or variable."""
SUMMARY_ROWS = ("outcome_only", "any_covariate", "any_model_variable", "complete_cases")
"""Rows of the missing-data table that combine variables: protected within the table only."""

PROFILE_DISCLOSURE = Disclosure(
    counts=["count", "base"],
    derived={c: "count" for c in ("pct", "ci_low", "ci_high", "published_pct", "within_ci")},
    population=FAMILIES,
    dimensions={"characteristic": "", "label": ""},
    members={
        "count": {FLAG.format("{characteristic}"): "yes"},
        "base": {FLAG.format("{characteristic}"): YES_NO},
    },
)
"""Disclosure declaration of the sample profile (`profile.compare_profile` output)."""

MISSING_DISCLOSURE = Disclosure(
    counts=["n_missing", "base"],
    derived={"pct_missing": "n_missing"},
    population=FAMILIES,
    dimensions={"variable": ""},
    members={
        "n_missing": lambda row: (
            None
            if row["variable"] in SUMMARY_ROWS
            else {FLAG.format(row["variable"]): FLAG_NOT_RECORDED}
        ),
        "base": {},
    },
)
"""Disclosure declaration of `missing.missing_summary` (base: every family of the extract)."""

BY_FACTOR_DISCLOSURE = Disclosure(
    counts=["n"],
    derived={"df": "n", "mean": "n", "ci_low": "n", "ci_high": "n"},
    population=FAMILIES,
    dimensions={"factor": "", "level": ""},
    members={
        "n": lambda row: {
            FLAG.format(row["factor"]): "yes" if row["level"] == "with" else "no",
            FLAG.format(OUTCOME): YES_NO,
        }
    },
)
"""Disclosure declaration of `figures.outcome_by_factor_table` (families with the outcome)."""
