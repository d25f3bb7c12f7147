"""What the STEP survey's descriptive tables count, for disclosure control and the audit.

Families are the records. Each profile characteristic, model variable or key factor is a flag of
the family (`has_<name>`: yes, no or not recorded), so the intruder can link the profile's
bases, the missing-data counts and the with/without groups of the outcome table.
"""

from __future__ import annotations

from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.vocabulary import FAMILIES, FLAG_NOT_RECORDED, YES_NO
from nps_analysis.step import PARENT_CONDITIONS
from nps_analysis.step.missing import OUTCOME

FLAG = "has_{}"
"""The audit dimension of a family characteristic or variable."""
SUMMARY_ROWS = ("outcome_only", "any_covariate", "any_model_variable", "complete_cases")
"""Rows of the missing-data table that combine variables: protected within the table only."""

_ANXIETY, _DEPRESSION = FLAG.format("parent_anxiety"), FLAG.format("parent_depression")
PROFILE_COMBINATIONS: dict[str, dict[str, str] | None] = {
    "parent_anxiety_only": {_ANXIETY: "yes", _DEPRESSION: "no"},
    "parent_anxiety_and_depression": {_ANXIETY: "yes", _DEPRESSION: "yes"},
    "parent_depression_only": {_ANXIETY: "no", _DEPRESSION: "yes"},
    "parent_no_condition": {FLAG.format(c): "no" for c in PARENT_CONDITIONS},
    "dx_any": None,  # "at least one of" is no single combination: protected within the table
}
"""Profile rows that combine flags: the families they count, so that "depression with or
without anxiety" minus "anxiety and depression" is seen to give "depression only"."""


def _profile_members(row: dict, column: str) -> dict[str, object] | None:
    name = row["characteristic"]
    if name in PROFILE_COMBINATIONS:
        combined = PROFILE_COMBINATIONS[name]
        # the base of a combination (families with every part known) is not one cell either
        return None if combined is None or column == "base" else dict(combined)
    return {FLAG.format(name): "yes" if column == "count" else YES_NO}


PROFILE_DISCLOSURE = Disclosure(
    counts=["count", "base"],
    derived={c: "count" for c in ("pct", "ci_low", "ci_high", "published_pct", "within_ci")},
    population=FAMILIES,
    dimensions={"characteristic": "", "label": ""},
    dims=(),
    members={
        "count": lambda row: _profile_members(row, "count"),
        "base": lambda row: _profile_members(row, "base"),
    },
)
"""Disclosure declaration of the sample profile (`profile.compare_profile` output): rows are
characteristics of the same families (no margins inside the table); their links are the
audit's to check."""

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
