"""Local authority -> RAA -> pan-region lookup (the report's 2024 configuration).

Built from three things, all data rather than code:

* the ASG workbook (Q4 2022/23): which RAA/VAA each LA's adopter work sits with;
* ``data/raw/published/reference/pan_regions_raas.csv``: the report's 30 RAAs in 8 pan-regions;
* ``data/raw/public/geography/``: ``raa_aliases.csv`` (name variants -> report name),
  ``raa_not_in_report.csv`` (RAAs/LAs the report does not name, and the pan-region we put them in)
  and ``la_overrides.csv`` (reorganised LA codes and documented edge cases such as Cumbria).

LA codes are DfE's 3-digit "old" codes, the only code present in every source (2010 SFR, ASG,
s251). Reorganisations (Dorset/BCP 2019, Northamptonshire 2021, Cumbria 2023) happen within one
RAA, so every predecessor and successor code maps to the same RAA and series stay comparable.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from nps_analysis.errors import InputDataError, Problem
from nps_analysis.paths import PUBLIC_DIR, REFERENCE_DIR, display_path
from nps_analysis.public import asglb
from nps_analysis.public.quirks import normalise_name, read_csv_text

GEOGRAPHY_DIR = PUBLIC_DIR / "geography"
PAN_REGIONS_FILE = REFERENCE_DIR / "pan_regions_raas.csv"
ALIASES_FILE = GEOGRAPHY_DIR / "raa_aliases.csv"
NOT_IN_REPORT_FILE = GEOGRAPHY_DIR / "raa_not_in_report.csv"
OVERRIDES_FILE = GEOGRAPHY_DIR / "la_overrides.csv"

GOR_TO_PAN_REGION: dict[str, str] = {
    "North East": "North East",
    "North West": "North West",
    "Yorkshire and The Humber": "Yorkshire & Humber",
    "East Midlands": "Midlands",
    "West Midlands": "Midlands",
    "East of England": "Eastern",
    "London": "London",
    "Inner London": "London",
    "Outer London": "London",
    "South East": "South East",
    "South West": "South West",
}
"""Government Office Region -> pan-region, used only where no LA is known (e.g. Ofsted rows)."""

LOOKUP_SCHEMA = pa.DataFrameSchema(
    {
        "old_la_code": pa.Column(str, pa.Check.str_matches(r"^\d{3}[A-Z]?$"), unique=True),
        "la_name": pa.Column(str),
        "gor_region": pa.Column(str, pa.Check.isin(list(GOR_TO_PAN_REGION))),
        "raa": pa.Column(str),
        "in_report": pa.Column(bool),
        "region": pa.Column(str),
        "region_order": pa.Column(int, pa.Check.in_range(1, 9)),
        "asg_member_of": pa.Column(str, nullable=True),
        "cross_region": pa.Column(bool),
        "basis": pa.Column(str, pa.Check.isin(["asg_workbook", "override"])),
        "note": pa.Column(str, nullable=True),
    },
    strict=True,
)


def load_pan_regions(path: str | Path = PAN_REGIONS_FILE) -> pd.DataFrame:
    """The report's RAAs and pan-regions (``region, region_order, raa, ...``)."""
    df = read_csv_text(path, required=("region", "region_order", "raa", "raa_name_as_printed"))
    df["region_order"] = pd.to_numeric(df["region_order"]).astype(int)
    return df


def raa_units(
    pan_regions: pd.DataFrame | None = None, not_in_report: str | Path = NOT_IN_REPORT_FILE
) -> pd.DataFrame:
    """Every unit an LA can map to: the report's 30 RAAs plus the documented non-report units."""
    report = load_pan_regions() if pan_regions is None else pan_regions
    extra = read_csv_text(not_in_report, required=("raa", "region", "reason"))
    order = report.drop_duplicates("region").set_index("region")["region_order"]
    bad = ~extra["region"].isin(order.index)
    if bad.any():
        raise InputDataError(
            [
                Problem(
                    display_path(not_in_report),
                    "unknown-region",
                    "region is not a report pan-region",
                    f"use one of {sorted(order.index)}",
                    row=int(i) + 2,
                    column="region",
                    value=extra.loc[i, "region"],
                )
                for i in extra.index[bad]
            ]
        )
    units = pd.concat(
        [
            report[["raa", "region", "region_order"]].assign(in_report=True),
            extra[["raa", "region"]].assign(
                region_order=extra["region"].map(order), in_report=False
            ),
        ],
        ignore_index=True,
    )
    return units


def canonical_raa(
    names: pd.Series, units: pd.DataFrame, aliases_file: str | Path = ALIASES_FILE
) -> pd.Series:
    """Map RAA name variants to the report's spelling via the alias table (NA if unknown)."""
    aliases = read_csv_text(aliases_file, required=("alias", "raa"))
    key = pd.concat(
        [
            pd.Series(units["raa"].to_numpy(), index=normalise_name(units["raa"])),
            pd.Series(aliases["raa"].to_numpy(), index=normalise_name(aliases["alias"])),
        ]
    )
    key = key[~key.index.duplicated()]
    return normalise_name(names).map(key)


@lru_cache(maxsize=1)
def _cached_lookup() -> pd.DataFrame:
    return build_la_lookup()


def la_lookup() -> pd.DataFrame:
    """The LA -> RAA -> pan-region lookup (cached; a copy)."""
    return _cached_lookup().copy()


def build_la_lookup(
    asg_file: str | Path = asglb.ASGLB_FILE,
    overrides_file: str | Path = OVERRIDES_FILE,
    aliases_file: str | Path = ALIASES_FILE,
    not_in_report_file: str | Path = NOT_IN_REPORT_FILE,
) -> pd.DataFrame:
    """Build the lookup; raise InputDataError for any LA or RAA name that cannot be placed."""
    units = raa_units(not_in_report=not_in_report_file)
    members = asglb.la_raa_membership(asg_file)
    members = members.assign(
        raa=canonical_raa(
            members["member_of"].where(members["member_kind"] != "LA"), units, aliases_file
        ),
        basis="asg_workbook",
        note=None,
    )
    overrides = read_csv_text(
        overrides_file, required=("old_la_code", "la_name", "gor_region", "raa", "reason")
    )
    unknown = ~overrides["raa"].isin(units["raa"])
    if unknown.any():
        raise InputDataError(
            [
                Problem(
                    display_path(overrides_file),
                    "unknown-raa",
                    "RAA is not in the report list nor raa_not_in_report.csv",
                    "use the report's spelling or add the unit to raa_not_in_report.csv",
                    row=int(i) + 2,
                    column="raa",
                    value=overrides.loc[i, "raa"],
                )
                for i in overrides.index[unknown]
            ]
        )
    ov = overrides.set_index("old_la_code")
    base = members.set_index("old_la_code")
    lookup = base.reindex(base.index.union(ov.index))
    is_ov = lookup.index.isin(ov.index)
    lookup.loc[is_ov, "raa"] = ov["raa"]
    lookup.loc[is_ov, "note"] = ov["reason"]
    lookup.loc[is_ov, "basis"] = "override"
    lookup["la_name"] = lookup["la_name"].fillna(ov["la_name"].reindex(lookup.index))
    lookup["gor_region"] = lookup["gor_region"].fillna(ov["gor_region"].reindex(lookup.index))
    missing = lookup["raa"].isna()
    if missing.any():
        raise InputDataError(
            [
                Problem(
                    display_path(asg_file),
                    "raa-unmapped",
                    f"LA '{lookup.loc[c, 'la_name']}' points to '{lookup.loc[c, 'member_of']}', which is not a known RAA",
                    f"add '{lookup.loc[c, 'member_of']}' to {display_path(aliases_file)} or an override to "
                    f"{display_path(overrides_file)}",
                    sheet=asglb.SHEET_ADOPTERS,
                    column="B",
                )
                for c in lookup.index[missing]
            ]
        )
    out = (
        lookup.rename(columns={"member_of": "asg_member_of"})
        .reset_index()
        .merge(units, on="raa", how="left", validate="many_to_one")
    )
    out["cross_region"] = out["gor_region"].map(GOR_TO_PAN_REGION) != out["region"]
    out = out[
        [
            "old_la_code",
            "la_name",
            "gor_region",
            "raa",
            "in_report",
            "region",
            "region_order",
            "cross_region",
            "asg_member_of",
            "basis",
            "note",
        ]
    ]
    out["in_report"] = out["in_report"].astype(bool)
    out["region_order"] = out["region_order"].astype(int)
    out = out.astype({"asg_member_of": object, "note": object})
    out = out.where(out.notna(), None)
    out["in_report"] = out["in_report"].astype(bool)
    out["cross_region"] = out["cross_region"].astype(bool)
    return LOOKUP_SCHEMA.validate(
        out.sort_values(["region_order", "raa", "old_la_code"]).reset_index(drop=True)
    )


def attach_geography(df: pd.DataFrame, code_column: str = "old_la_code") -> pd.DataFrame:
    """Add ``raa, in_report, region, region_order`` to LA rows; raise if a code is unknown."""
    lookup = la_lookup()[["old_la_code", "raa", "in_report", "region", "region_order"]]
    out = df.merge(
        lookup,
        left_on=code_column,
        right_on="old_la_code",
        how="left",
        suffixes=("", "_lookup"),
        validate="many_to_one",
    )
    unknown = out["raa"].isna()
    if unknown.any():
        codes = sorted(out.loc[unknown, code_column].astype(str).unique())
        raise InputDataError(
            [
                Problem(
                    df.attrs.get("source_file", "input"),
                    "la-code-unknown",
                    f"LA code {c} is not in the LA -> RAA lookup",
                    f"add code {c} to {display_path(OVERRIDES_FILE)}",
                    column=code_column,
                    value=c,
                )
                for c in codes
            ]
        )
    if code_column != "old_la_code":
        out = out.drop(columns="old_la_code")
    return out
