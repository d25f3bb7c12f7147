"""Load, filter and aggregate ASGSF packages: every analysis starts from these aggregates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from nps_analysis.asgsf.categories import NOT_RECORDED, canonical_label
from nps_analysis.asgsf.years import fy_label, fy_start
from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.vocabulary import PACKAGES
from nps_analysis.regions import rows_in_region

NATIONAL = "England"


def filter_region(df: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """Packages of one pan-region (`None`, "" or "England" = all of England; categories kept).
    Raises ValueError for an unknown region or one without packages in this file."""
    if region is None or str(region).strip() == "" or str(region) == NATIONAL:
        return df
    out = rows_in_region(df, region, drop_unused_categories=False)
    if out.empty:
        raise ValueError(f"no ASGSF packages for region {region!r} in this file")
    return out


def area_name(region: str | None) -> str:
    """'England' for national runs, else the region name."""
    return NATIONAL if region in (None, "", NATIONAL) else str(region)


def year_span(df: pd.DataFrame) -> list[str]:
    """Every financial year from the earliest to the latest in `df` (gaps filled)."""
    starts = [fy_start(y) for y in pd.unique(df["financial_year"].dropna())]
    if not starts:
        raise ValueError("no financial years in the packages data")
    return [fy_label(y) for y in range(min(starts), max(starts) + 1)]


def therapy_year_counts(df: pd.DataFrame, years: Sequence[str] | None = None) -> pd.DataFrame:
    """Packages by financial year (rows, every year of the span) and therapy (columns).

    Blank therapy types count as `'Not recorded'`; labels are canonicalised. Years without packages
    are zero. Columns are ordered by total packages, largest first, 'Not recorded' last.
    """
    grouped = (
        df.groupby(["financial_year", "therapy_type"], observed=True, dropna=False, sort=False)
        .size()
        .rename("packages")
        .reset_index()
    )
    grouped["financial_year"] = grouped["financial_year"].astype(str)
    labels = grouped["therapy_type"].astype(object)
    uniq = pd.unique(labels)
    mapping = {lab: (NOT_RECORDED if _blank(lab) else canonical_label(lab)) for lab in uniq}
    grouped["therapy_type"] = labels.map(mapping)
    table = grouped.pivot_table(
        index="financial_year",
        columns="therapy_type",
        values="packages",
        aggfunc="sum",
        fill_value=0,
    )
    if years is None:
        years = year_span(grouped)
    table = table.reindex(list(years), fill_value=0)
    table.index.name = "financial_year"
    table.columns.name = "therapy_type"
    order = table.sum().sort_values(ascending=False, kind="mergesort").index.tolist()
    if NOT_RECORDED in order:
        order = [c for c in order if c != NOT_RECORDED] + [NOT_RECORDED]
    return table[order].astype(np.int64)


def _blank(label: object) -> bool:
    return (
        label is None
        or (not isinstance(label, str) and bool(pd.isna(label)))
        or not str(label).strip()
    )


def packages_by(packages: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Packages per combination of `keys` (the combinations observed; `packages_disclosure`
    completes the grid)."""
    out = packages.groupby(keys, observed=True).size().rename("packages").reset_index()
    for key in keys:
        out[key] = out[key].astype(str)
    return out


def packages_disclosure(keys: list[str]) -> Disclosure:
    """Disclosure declaration of :func:`packages_by` tables: every combination of `keys`."""
    return Disclosure(counts=["packages"], population=PACKAGES, grid=tuple(keys))
