"""Complete the matrix: a table lists every combination of its categories, not only those that
occur, so a missing row never says "zero" (a `c` then no longer says "at least one").

Zeros are then counts like any other and go through disclosure control (`zeros_are_disclosive`);
combinations that cannot occur (a therapy category in a year it did not exist) are marked `z`,
not applicable, and the audit knows them to be zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import product

import pandas as pd

NOT_APPLICABLE = "z"
"""Marker of an impossible cell in the released CSVs (shown as [z])."""


def grid_categories(
    frame: pd.DataFrame, columns: Sequence[str], context: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """The categories each grid column must cover: the reference list where there is one
    (therapy types with "Not recorded", roles, regions), a regional report's RAAs, else the
    table's own values."""
    from nps_analysis.disclosure.vocabulary import reference_categories
    from nps_analysis.regions import raas_of

    known = reference_categories()
    region = (context or {}).get("region")
    out: dict[str, list[str]] = {}
    for column in columns:
        seen = [str(v) for v in pd.unique(frame[column].dropna())]
        if column == "raa":
            listed = raas_of(region) if region else sorted(seen)
        elif column in known and column != "provider":
            listed = list(known[column])
        else:
            listed = sorted(seen)
        out[column] = [*listed, *[v for v in seen if v not in listed]]
    return out


def impossible(row: Mapping[str, str]) -> bool:
    """True for a combination that cannot occur: a therapy category in a financial year before
    or after the November 2018 change that created or removed it."""
    from nps_analysis.asgsf.categories import availability
    from nps_analysis.asgsf.years import fy_start

    if "therapy_type" not in row or "financial_year" not in row:
        return False
    return not availability(row["therapy_type"]).available(fy_start(str(row["financial_year"])))


def complete_grid(
    frame: pd.DataFrame,
    columns: Sequence[str],
    counts: Sequence[str],
    context: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """`frame` with a row for every combination of `columns` (in category order): added rows
    have zero counts and blank other values; impossible combinations have `z` counts."""
    if not columns:
        return frame
    categories = grid_categories(frame, columns, context)
    full = pd.DataFrame(list(product(*categories.values())), columns=list(columns))
    keyed = frame.assign(**{c: frame[c].astype(str) for c in columns})
    if keyed.duplicated(list(columns)).any():
        raise ValueError(f"grid columns {list(columns)} do not identify the rows of the table")
    out = full.merge(keyed, on=list(columns), how="left", indicator=True)
    added = out.pop("_merge").eq("left_only")
    blocked = out[list(columns)].apply(lambda r: impossible(r.to_dict()), axis=1)
    for count in counts:
        filled = out[count].astype(object).where(~added, 0)
        out[count] = filled.where(~(added & blocked), NOT_APPLICABLE)
        if not (added & blocked).any():
            out[count] = pd.to_numeric(out[count]).astype("int64")
    return out[list(frame.columns)]
