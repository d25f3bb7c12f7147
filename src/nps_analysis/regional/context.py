"""Section 1: the region in real published statistics (DfE, ONS, Ofsted, ASGLB)."""

from __future__ import annotations

import os

import pandas as pd

from nps_analysis.datasets.processed import load_processed

REGION_TOTAL = "All"
"""The ``raa`` value of a pan-region's total row in the public adoption tables."""


def _region_rows(name: str, region: str, public_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """The rows of processed table `name` for `region`, renumbered from 0."""
    df = load_processed(name, public_dir)
    return df.loc[df["region"] == region].reset_index(drop=True)


def adoptions_region_vs_england(region: str, public_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Children adopted from care per year (year to 31 March): region, England, region's share.

    Each region's total is its ``raa == "All"`` row of ``adoptions_by_region_year`` (the RAA rows
    are parts of it and are not added again); England is the sum of the eight regions' totals,
    with England's own feasible range (narrower than the sum of the regions' ranges). Where DfE
    suppressed LA cells the counts include an estimate: ``_low``/``_high`` give the range.
    """
    df = load_processed("adoptions_by_region_year", public_dir)
    totals = df.loc[df["raa"] == REGION_TOTAL]
    measures = ["adoptions", "adoptions_low", "adoptions_high", "suppressed_cells", "la_cells"]
    england = totals.groupby("year", as_index=False)[measures].sum()
    exact = load_processed("england_totals_check", public_dir).set_index(
        "year"
    )  # England's own range
    england["adoptions_low"] = england["year"].map(exact["la_low"]).astype("int64")
    england["adoptions_high"] = england["year"].map(exact["la_high"]).astype("int64")
    mine = totals.loc[totals["region"] == region, ["year", *measures]]
    out = mine.merge(england, on="year", suffixes=("_region", "_england"), validate="one_to_one")
    out["region_share_pct"] = 100 * out["adoptions_region"] / out["adoptions_england"]
    out["share_suppressed_la_cells_region"] = (
        out["suppressed_cells_region"] / out["la_cells_region"]
    )
    return out[
        [
            "year",
            "adoptions_region",
            "adoptions_low_region",
            "adoptions_high_region",
            "adoptions_england",
            "adoptions_low_england",
            "adoptions_high_england",
            "region_share_pct",
            "share_suppressed_la_cells_region",
        ]
    ].reset_index(drop=True)


def adopted_population(region: str, public_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Estimated adopted children under 18/21/25 in the region (central, low, high)."""
    return _region_rows("adopted_population_by_region", region, public_dir)


def adopted_population_by_raa(region: str, public_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """The same estimate by RAA."""
    return _region_rows("adopted_population_estimate", region, public_dir)


def adopted_population_by_year(region: str, public_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """The estimate by RAA at 31 March of each year (``as_at_year``): rate denominators."""
    return _region_rows("adopted_population_by_year", region, public_dir)


def adopted_population_by_year_region(
    region: str, public_dir: str | os.PathLike[str]
) -> pd.DataFrame:
    """The region's estimate at 31 March of each year, with its feasible (exact) range."""
    return _region_rows("adopted_population_by_region_by_year", region, public_dir)


def system_snapshot(region: str, public_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """ASGLB 2022/23: children waiting, adopters approved and waiting, sufficiency, by RAA."""
    return _region_rows("asg_snapshot_2022_23", region, public_dir)


def agency_supply(region: str, public_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Ofsted-registered adoption support and voluntary adoption agencies: region vs England."""
    df = load_processed("adoption_agencies_2023", public_dir)
    england = df.groupby("provision_type").size().rename("england")
    mine = df.loc[df["region"] == region].groupby("provision_type").size().rename("region")
    out = pd.concat([mine, england], axis=1).fillna(0).astype(int).reset_index()
    return out.rename(columns={"index": "provision_type"})
