"""ASGSF therapy categories and the November 2018 category change (National Picture s4.2).

Labels in the data are matched on a normalised key, so `"Creative therapies"`,
`"creative therapy"` and `"Creative Therapies "` are the same category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

NOT_RECORDED = "Not recorded"
"""Label used for packages with a blank `therapy_type`."""

# key -> (display label, keywords that identify it)
_CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "creative": ("Creative therapies", ("creative",)),
    "life_story": ("Extensive therapeutic life story work", ("life story",)),
    "family": ("Family therapy", ("family therapy",)),
    "filial": ("Filial therapy", ("filial",)),
    "multi_disciplinary": (
        "Multi-disciplinary packages of support",
        ("multi disciplinary", "multidisciplinary"),
    ),
    "psychotherapy": ("Psychotherapy", ("psychotherapy",)),
    "short_breaks": ("Short breaks", ("short break",)),
    "assessment": ("Specialist assessments", ("assessment",)),
    "parenting": ("Therapeutic parenting", ("parenting",)),
    "not_recorded": (NOT_RECORDED, ("not recorded",)),
}

CATEGORY_CHANGE_YEAR = "2018/19"
"""Financial year of the category change (November 2018, part-way through 2018/19)."""

CATEGORY_CHANGE_NOTE = (
    "ASGSF service categories changed in November 2018 (part-way through 2018/19): Family therapy "
    "was added, Multi-disciplinary packages of support was removed, and some therapies previously "
    "recorded as Psychotherapy or Creative therapies were recorded as Family therapy afterwards "
    "(National Picture, s4.2). Counts for these categories are not comparable across the change; "
    "the comparable series 'Psychological & creative therapies (comparable)' adds them together."
)

COMPARABLE_KEYS: tuple[str, ...] = ("psychotherapy", "creative", "family", "multi_disciplinary")
"""Categories summed into the comparable series (decision documented in docs/asgsf-methodology.md)."""

COMPARABLE_LABEL = "Psychological & creative therapies (comparable)"

# Years (financial-year start) in which a category existed. None = open-ended.
# Family therapy: from Nov 2018 (2018/19 partial). Multi-disciplinary: up to Nov 2018 (2018/19 partial).
_AVAILABLE: dict[str, tuple[int | None, int | None]] = {
    "family": (2018, None),
    "multi_disciplinary": (None, 2018),
}
_PARTIAL_YEAR = 2018


def series_members(label: str) -> dict[str, str | tuple[str, ...]]:
    """Which packages a series label counts, as audit members: all (the total), the comparable
    series' categories, or one category."""
    from nps_analysis.asgsf.trends import TOTAL_LABEL

    if label == TOTAL_LABEL:
        return {}
    if label == COMPARABLE_LABEL:
        return {"therapy_type": tuple(_CATEGORIES[k][0] for k in COMPARABLE_KEYS)}
    return {"therapy_type": canonical_label(label)}


RECLASSIFIED_KEYS: tuple[str, ...] = ("psychotherapy", "creative")
"""Categories that existed throughout but lost packages to Family therapy in November 2018: their
counts up to and including 2018/19 are not comparable with the counts after it."""

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _normalise(label: object) -> str:
    return _NON_ALNUM.sub(" ", str(label).lower()).strip()


def therapy_key(label: object) -> str:
    """A stable key for a therapy label (`'Family Therapy'` -> `'family'`); blanks -> `'not_recorded'`.

    Labels matching no known category get a slug of their own.
    """
    if (
        label is None
        or (not isinstance(label, str) and bool(pd.isna(label)))
        or not str(label).strip()
    ):
        return "not_recorded"
    norm = _normalise(label)
    # 'family therapy' must win over 'therapeutic parenting' etc.; check specific keywords first.
    for key, (_, words) in _CATEGORIES.items():
        if any(w in norm for w in words):
            return key
    return norm.replace(" ", "_")


def canonical_label(label: object) -> str:
    """The display label for a therapy (known categories get the report's wording)."""
    key = therapy_key(label)
    if key in _CATEGORIES:
        return _CATEGORIES[key][0]
    return str(label).strip()


def is_assessment(label: object) -> bool:
    """True for specialist assessments (fair access limit for assessments applies)."""
    return therapy_key(label) == "assessment"


@dataclass(frozen=True)
class Availability:
    """Financial years (start years) a category existed in, and whether a year was partial."""

    first: int | None
    last: int | None

    def available(self, start: int) -> bool:
        """True if the category existed (at least part of) the financial year starting `start`."""
        return (self.first is None or start >= self.first) and (
            self.last is None or start <= self.last
        )

    def partial(self, start: int) -> bool:
        """True if the category existed only part of that year (the change year)."""
        return start == _PARTIAL_YEAR and (
            self.first == _PARTIAL_YEAR or self.last == _PARTIAL_YEAR
        )


def availability(label: object) -> Availability:
    """When a category existed (most categories: throughout)."""
    first, last = _AVAILABLE.get(therapy_key(label), (None, None))
    return Availability(first, last)


def reclassified_at_change(label: object) -> bool:
    """True for Psychotherapy and Creative therapies, whose definition narrowed in November 2018."""
    return therapy_key(label) in RECLASSIFIED_KEYS


def consistent_definition(label: object, start: int) -> bool:
    """True if the category had, throughout the financial year starting `start`, the definition it
    has in the latest years: False for the part-year 2018/19 of a category added or removed then,
    and for 2018/19 and earlier of a category that lost packages to Family therapy."""
    if reclassified_at_change(label):
        return start > _PARTIAL_YEAR
    return not availability(label).partial(start)


def affected_by_change(label: object) -> bool:
    """True for categories whose counts moved at the November 2018 change."""
    return therapy_key(label) in COMPARABLE_KEYS
