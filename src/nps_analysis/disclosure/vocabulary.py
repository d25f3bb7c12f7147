"""The intruder's data dictionary: the records a release counts and the full category lists.

`Cell.population` and the dimensions of `nps_analysis.disclosure.cells` use these names. A
dimension with a reference list (regions, RAAs, therapy types, staff roles) or a fixed set of
values (yes/no flags, age groups) is complete: its categories are every category a record can
have. Any other dimension's categories are the values the release shows: the intruder knows the
data dictionary. (A residual "any other" category would let a suppressed cell hide in it and make
the audit optimistic; if records of a category no table shows exist, the totals no longer add up
and the audit stops with an inconsistency, naming the tables, rather than passing.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

PACKAGES = "packages"
"""ASGSF funded packages (applications)."""
STAFF = "staff"
"""Staff records of the skills audit (posts)."""
CASES = "cases"
"""Open adoption support cases."""
FAMILIES = "families"
"""STEP survey families."""

AGE_GROUPS = ("under 12", "12 plus", "not recorded")
KNOWN_AGE = AGE_GROUPS[:2]
OLDER_AGE_GROUP = AGE_GROUPS[1]
AGE_NOT_RECORDED = AGE_GROUPS[2]
YES_NO = ("yes", "no")
FLAG_NOT_RECORDED = "not recorded"
"""A yes/no flag (e.g. a training flag) left blank in the data."""
DIMENSIONS = frozenset(
    {
        "region",
        "raa",
        "financial_year",
        "therapy_type",
        "role",
        "provider",
        "recipient_group",
        "child_age_band",
        "age_group",
        "in_scope",
        "amount_recorded",
    }
)
"""Table columns read as audit dimensions without a declaration (others need `dimensions`)."""
CASE_RETURNS = ("period", "snapshot", "no return")
"""How an RAA's open-case return counts (`count_basis`), or that it sent none: an attribute of
its staff and cases, so staff tables split by the basis of their RAA's return link up."""
NOT_PREFIX = "!"
"""A member value "!X" means every category of the dimension but X (e.g. "!Not recorded")."""


def reference_categories() -> dict[str, tuple[str, ...]]:
    """Complete category lists from the project's reference files."""
    from nps_analysis.asgsf.categories import NOT_RECORDED
    from nps_analysis.published import load_reference
    from nps_analysis.regions import PAN_REGIONS, pan_regions_raas

    therapies = tuple(load_reference("asgsf_therapy_categories")["therapy_type"])
    roles = tuple(load_reference("staff_roles")["role"])
    return {
        "region": tuple(PAN_REGIONS),
        "raa": tuple(pan_regions_raas()["raa"]),
        "therapy_type": (*therapies, NOT_RECORDED),
        "role": roles,
        "age_group": AGE_GROUPS,
        "in_scope": YES_NO,
        "amount_recorded": YES_NO,
        "provider": (NOT_RECORDED,),  # plus every provider the release names
        "case_return": CASE_RETURNS,
    }


def is_flag(dimension: str) -> bool:
    """Yes/no dimensions named by convention (`trained_<skill>`, `has_<...>`)."""
    return dimension.startswith(("trained_", "has_"))


def categories(
    seen: Mapping[str, Iterable[str]], known: Mapping[str, tuple[str, ...]] | None = None
) -> dict[str, tuple[str, ...]]:
    """Every dimension's categories: the known list (if any) and every value the release shows."""
    known = reference_categories() if known is None else known
    out: dict[str, tuple[str, ...]] = {}
    for dimension, values in seen.items():
        values = sorted(set(values))
        if dimension in known:
            extra = [v for v in values if v not in known[dimension]]
            out[dimension] = (*known[dimension], *extra)
        elif is_flag(dimension):
            flags = (*YES_NO, FLAG_NOT_RECORDED)
            out[dimension] = (*flags, *[v for v in values if v not in flags])
        else:
            out[dimension] = tuple(values)
    return out
