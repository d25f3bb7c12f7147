"""The published LA adoption series of a set of releases, mapped with each year's lookup.

These are the refresh's own check tables: what a new release changes in the published inputs,
before any estimate (imputation) is made from them.
"""

from __future__ import annotations

import pandas as pd

from nps_analysis.public import geography

LA_TABLE = "adoptions_la_published"
RAA_TABLE = "adoptions_raa_published"


def published_la(routes: pd.DataFrame) -> pd.DataFrame:
    """One row per LA and year that existed (``z`` rows dropped): the published total (NA when
    any route is suppressed), its flag, the release it comes from and its year's RAA and
    pan-region (:func:`geography.lookup_for_year`)."""
    from nps_analysis.public.cla import adoptions_from_routes

    adoptions = adoptions_from_routes(routes)
    la = adoptions[
        (adoptions["geographic_level"] == "Local authority") & adoptions["flag"].fillna("").ne("z")
    ]
    la = geography.attach_geography(la.drop(columns=["region_name"]), year_column="year")
    out = la[["year", "region", "raa", "old_la_code", "la_name", "adoptions", "flag", "release"]]
    return out.sort_values(["year", "region", "raa", "old_la_code"]).reset_index(drop=True)


def published_by_raa(la: pd.DataFrame) -> pd.DataFrame:
    """Per year, pan-region and RAA: the sum of the LA totals DfE published (``adoptions_known``),
    the LA cells and how many were suppressed (no estimate is made here)."""
    out = la.groupby(["year", "region", "raa"], as_index=False).agg(
        adoptions_known=("adoptions", lambda v: float(v.sum())),
        la_cells=("old_la_code", "size"),
        suppressed_cells=("adoptions", lambda v: int(v.isna().sum())),
    )
    return out.sort_values(["year", "region", "raa"]).reset_index(drop=True)


def published_tables(routes: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The two check tables, by name."""
    la = published_la(routes)
    return {LA_TABLE: la, RAA_TABLE: published_by_raa(la)}


CHECK_KEYS: dict[str, list[str]] = {
    LA_TABLE: ["year", "old_la_code"],
    RAA_TABLE: ["year", "region", "raa"],
}
"""Row keys of the check tables (an LA moving RAA shows as a revised ``raa``)."""
