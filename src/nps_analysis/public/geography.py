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

Which codes are in force in which year is data too: ``la_raa_region_versions.csv`` (one row per
code and period, ``valid_from`` / ``valid_to``); :func:`lookup_for_year` gives the lookup of one
year, and ``attach_geography(..., year_column="year")`` maps each row with its year's lookup, so a
series never counts a predecessor and its successor in the same year.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from nps_analysis.datasets.engine import check_frame
from nps_analysis.datasets.spec import public_spec, reference_spec
from nps_analysis.errors import InputDataError, Problem
from nps_analysis.paths import PUBLIC_DIR, REFERENCE_DIR, display_path
from nps_analysis.public import asglb
from nps_analysis.public.quirks import normalise_name, read_public_csv
from nps_analysis.published import load_reference, read_published_csv, validate_published
from nps_analysis.regions import PAN_REGIONS_FILE

GEOGRAPHY_DIR = PUBLIC_DIR / "geography"
ALIASES_FILE = GEOGRAPHY_DIR / "raa_aliases.csv"
NOT_IN_REPORT_FILE = GEOGRAPHY_DIR / "raa_not_in_report.csv"
OVERRIDES_FILE = GEOGRAPHY_DIR / "la_overrides.csv"
VERSIONS_FILE = REFERENCE_DIR / "la_raa_region_versions.csv"
YEAR_BASES = ("year_ending_march", "mid_year")
"""How a ``year`` is read: DfE reporting years end 31 March (the code must be in force for the whole
12 months from 1 April of the year before); ONS mid-year estimates are at 30 June."""

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


def load_pan_regions() -> pd.DataFrame:
    """The report's RAAs and pan-regions (``region, region_order, raa, ...``), checked against
    their spec and read through the one reader of the reference list."""
    return load_reference("pan_regions_raas")


def raa_units(
    pan_regions: pd.DataFrame | None = None, not_in_report: str | Path = NOT_IN_REPORT_FILE
) -> pd.DataFrame:
    """Every unit an LA can map to: the report's 30 RAAs plus the documented non-report units."""
    report = load_pan_regions() if pan_regions is None else pan_regions
    extra = read_public_csv(not_in_report, required=("raa", "region", "reason"))
    order = report.drop_duplicates("region").set_index("region")["region_order"]
    bad = ~extra["region"].isin(order.index)
    if bad.any():
        raise InputDataError(
            [
                Problem(
                    display_path(not_in_report),
                    "unknown_region",
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
    aliases = read_public_csv(aliases_file, required=("alias", "raa"))
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
    overrides = read_public_csv(
        overrides_file, required=("old_la_code", "la_name", "gor_region", "raa", "reason")
    )
    unknown = ~overrides["raa"].isin(units["raa"])
    if unknown.any():
        raise InputDataError(
            [
                Problem(
                    display_path(overrides_file),
                    "unknown_raa",
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
                    "raa_unmapped",
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
    out = out.sort_values(["region_order", "raa", "old_la_code"]).reset_index(drop=True)
    sources = f"{display_path(asg_file)} + {display_path(overrides_file)}"
    return check_frame(out, public_spec("la_lookup"), file=sources)


def attach_geography(
    df: pd.DataFrame,
    code_column: str = "old_la_code",
    year_column: str | None = None,
    basis: str = "year_ending_march",
) -> pd.DataFrame:
    """Add ``raa, in_report, region, region_order`` to LA rows; raise if a code is unknown.

    With ``year_column``, each row is mapped with the lookup of its year
    (:func:`lookup_for_year`, read by ``basis``), and a code not in force that year (e.g. Cumbria
    909 in 2024, or North Northamptonshire 940 in 2021) raises instead of being counted twice.
    """
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
                    "la_code_unknown",
                    f"LA code {c} is not in the LA -> RAA lookup",
                    f"add code {c} to {display_path(OVERRIDES_FILE)}",
                    column=code_column,
                    value=c,
                )
                for c in codes
            ]
        )
    if year_column is not None:
        out = _map_by_year(df, out, code_column, year_column, basis)
    if code_column != "old_la_code":
        out = out.drop(columns="old_la_code")
    return out


# ----------------------------------------------------------------------- versions over time
VERSIONS_SPEC = "la_raa_region_versions"
"""One row per LA code and period: blank ``valid_from`` = in force before the data start, blank
``valid_to`` = still in force. Periods start on 1 April and end on 31 March (reorganisation
dates); ``predecessors`` / ``successors`` list codes separated by ``;``."""


def load_lookup_versions(path: str | Path = VERSIONS_FILE) -> pd.DataFrame:
    """The versioned LA -> RAA -> pan-region table, checked against its spec (reference list
    ``la_raa_region_versions``: dates on 1 April / 31 March, no overlapping periods for a code,
    predecessor/successor codes known) and each RAA and pan-region against the report's list (or
    ``raa_not_in_report.csv``). Raise InputDataError naming every bad row."""
    path = Path(path)
    raw = read_published_csv(path, reference=True)
    problems = _unknown_version_raas(raw, path)
    try:
        checked = validate_published(raw, reference_spec(VERSIONS_SPEC), file=display_path(path))
    except InputDataError as err:
        problems = [*err.problems, *problems]
    if problems:
        raise InputDataError(problems)
    return checked


def _unknown_version_raas(raw: pd.DataFrame, path: Path) -> list[Problem]:
    """Rows whose RAA and pan-region are not as in the report's list or raa_not_in_report.csv."""
    if not {"raa", "region"} <= set(raw.columns):
        return []  # the spec check reports the missing column
    units = raa_units().drop_duplicates("raa").set_index("raa")["region"]
    home = raw["raa"].map(units)
    return [
        Problem(
            display_path(path),
            "version_raa",
            f"RAA '{raa}' in pan-region '{region}' is not in the report's list "
            f"(the report places it in '{units.get(raa, 'no pan-region')}')",
            f"use the spelling and pan-region of {display_path(PAN_REGIONS_FILE)} or "
            f"{display_path(NOT_IN_REPORT_FILE)}",
            row=int(i) + 2,
            column="raa",
            value=str(raa),
        )
        for i, raa, region in zip(raw.index, raw["raa"], raw["region"], strict=True)
        if home[i] != region
    ]


def year_period(year: int, basis: str = "year_ending_march") -> tuple[date, date]:
    """First and last day a code must be in force to count in ``year`` (read by ``basis``)."""
    if basis == "year_ending_march":
        return date(year - 1, 4, 1), date(year, 3, 31)
    if basis == "mid_year":
        return date(year, 6, 30), date(year, 6, 30)
    raise ValueError(f"basis must be one of {YEAR_BASES}, not {basis!r}")


def _in_force(versions: pd.DataFrame, first: date, last: date) -> pd.Series:
    start = versions["valid_from"].fillna(pd.Timestamp.min)
    end = versions["valid_to"].fillna(pd.Timestamp.max)
    return (start <= pd.Timestamp(first)) & (end >= pd.Timestamp(last))


def lookup_for_year(
    year: int,
    basis: str = "year_ending_march",
    versions: pd.DataFrame | None = None,
    *,
    reporting_units: bool = False,
) -> pd.DataFrame:
    """The LA -> RAA -> pan-region lookup of one year: the codes in force for the whole year
    (``old_la_code, la_name, raa, in_report, region, region_order, predecessors, successors``).
    Reporting units (Bi-Borough) are left out unless ``reporting_units``: their LAs are counted."""
    versions = load_lookup_versions() if versions is None else versions
    first, last = year_period(year, basis)
    keep = _in_force(versions, first, last)
    if not reporting_units:
        keep &= versions["unit_kind"] == "local authority"
    units = raa_units().drop_duplicates("raa")[["raa", "in_report", "region_order"]]
    out = versions[keep].merge(units, on="raa", how="left", validate="many_to_one")
    out = out.assign(in_report=out["in_report"].astype(bool), year=year)
    columns = ["year", "old_la_code", "la_name", "raa", "in_report", "region", "region_order"]
    return out[[*columns, "predecessors", "successors"]].reset_index(drop=True)


def _span(versions: pd.DataFrame, code: str) -> str:
    """When a code is in force, as written in messages."""
    rows = versions[versions["old_la_code"] == code]
    if rows.empty:
        return "not in the versioned lookup"
    first, last = rows["valid_from"].min(), rows["valid_to"].max()
    since = "" if pd.isna(first) else f" from {first.date()}"
    until = "" if pd.isna(last) else f" until {last.date()}"
    return f"in force{since}{until}" if since or until else "always in force"


def _map_by_year(
    df: pd.DataFrame, out: pd.DataFrame, code_column: str, year_column: str, basis: str
) -> pd.DataFrame:
    """Replace the geography of ``out`` with each row's year's lookup; raise for a code that is
    not in force in its year."""
    versions = load_lookup_versions()
    years = sorted(int(y) for y in pd.unique(df[year_column]))
    yearly = pd.concat(
        [lookup_for_year(y, basis, versions, reporting_units=True) for y in years],
        ignore_index=True,
    )
    key = pd.MultiIndex.from_arrays([yearly["year"], yearly["old_la_code"]])
    yearly = yearly.set_index(key)
    rows = pd.MultiIndex.from_arrays([df[year_column].astype(int), df[code_column].astype(str)])
    missing = ~rows.isin(yearly.index)
    if missing.any():
        problems = []
        for y, c in sorted(set(rows[missing])):
            problems.append(
                Problem(
                    df.attrs.get("source_file", "input"),
                    "la_code_not_in_force",
                    f"LA code {c} is not in force in {y} ({_span(versions, c)}; "
                    f"year read as '{basis}')",
                    f"check the file's year and codes, or correct valid_from / valid_to of {c} "
                    f"in {display_path(VERSIONS_FILE)}",
                    column=code_column,
                    value=c,
                )
            )
        raise InputDataError(problems)
    found = yearly.loc[rows]
    for column in ("raa", "in_report", "region", "region_order"):
        out[column] = found[column].to_numpy().astype(out[column].dtype)
    return out


def coverage_by_year(
    df: pd.DataFrame,
    code_column: str = "old_la_code",
    year_column: str = "year",
    basis: str = "year_ending_march",
) -> pd.DataFrame:
    """Per year, the LA codes in force that a series lacks (an area dropped) and the codes it has
    that are not in force (an area counted twice): ``year, missing, not_in_force`` (";"-joined)."""
    versions = load_lookup_versions()
    rows = []
    for year, group in df.groupby(year_column, sort=True):
        expected = set(lookup_for_year(int(year), basis, versions)["old_la_code"])
        present = set(group[code_column].astype(str))
        rows.append(
            {
                "year": int(year),
                "missing": ";".join(sorted(expected - present)),
                "not_in_force": ";".join(sorted(present - expected)),
            }
        )
    return pd.DataFrame(rows, columns=["year", "missing", "not_in_force"])
