"""Loader for the ASG (ASGLB successor) agency-level workbook, Q4 2022/23 (Coram-i).

Quirks handled: a wide, formatted workbook with title rows and a 4-5 row merged header (flattened
into "level | level | ..." labels), a duplicated column, agency rows of different kinds (England,
region, LA, RAA, VAA, Bi-Borough) told apart by their code, "c" (1 to 5), ".." (not returned) and
"." (reported by another agency) markers, and LA rows naming their RAA in free text (with an
unbalanced parenthesis in one row).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from nps_analysis.datasets.engine import check_frame
from nps_analysis.datasets.spec import public_spec
from nps_analysis.errors import InputDataError, Problem
from nps_analysis.paths import PUBLIC_DIR, display_path
from nps_analysis.public.quirks import MISSING_FILE_FIX, parse_counts

ASGLB_FILE = PUBLIC_DIR / "asg_agency_level" / "Local-Level-ASG-Agency-Level-Data-Q4-2022-2023.xlsx"
SHEET_CHILDREN = "Adoption LAs"
SHEET_ADOPTERS = "Adoptive families LAs & RAAs"
SHEET_VAAS = "Adoptive families VAAs"
_ENGLAND_ROW = re.compile(r"^ALL (LOCAL AUTHORITIES|VOLUNTARY)", re.IGNORECASE)
_SEE = re.compile(r"^(?P<la>.*?)\s*\(see (?P<target>[^)]*?)\s*(?P<kind>RAA|VAA|LA)?\)?\s*$")
_GOR_NAMES = {
    "NORTH EAST": "North East",
    "NORTH WEST": "North West",
    "YORKSHIRE AND THE HUMBER": "Yorkshire and The Humber",
    "EAST MIDLANDS": "East Midlands",
    "WEST MIDLANDS": "West Midlands",
    "EAST OF ENGLAND": "East of England",
    "LONDON": "London",
    "INNER LONDON": "London",
    "OUTER LONDON": "London",
    "SOUTH EAST": "South East",
    "SOUTH WEST": "South West",
}


@lru_cache(maxsize=8)
def _read_sheet_raw(path: str, sheet: str) -> pd.DataFrame:
    try:
        return pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, engine="openpyxl")
    except FileNotFoundError as exc:
        raise InputDataError(
            [
                Problem(
                    display_path(path),
                    "file_not_found",
                    "workbook not found",
                    MISSING_FILE_FIX,
                )
            ]
        ) from exc
    except ValueError as exc:
        raise InputDataError(
            [
                Problem(
                    display_path(path),
                    "sheet_missing",
                    str(exc),
                    f"the workbook must contain a sheet named '{sheet}'",
                    sheet=sheet,
                )
            ]
        ) from exc


def _flatten_header(header: pd.DataFrame) -> list[str]:
    """Join a merged multi-row header into one label per column, filling merges left-to-right."""
    levels: list[pd.Series] = []
    parent = pd.Series("", index=header.columns)
    for _, row in header.iterrows():
        level = row.astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
        level = level.groupby(parent.to_numpy()).ffill()
        levels.append(level)
        parent = parent + "|" + level.fillna("")
    joined = pd.concat(levels, axis=1).apply(
        lambda r: " | ".join(v for v in r.dropna() if v), axis=1
    )
    return joined.tolist()


def read_agency_sheet(path: str | Path = ASGLB_FILE, sheet: str = SHEET_CHILDREN) -> pd.DataFrame:
    """One row per agency row of a sheet: ``row_kind, code, name, sheet_row`` + raw value columns.

    Value columns are labelled by their flattened header, e.g.
    ``"... with a placement order but not yet placed as | at 31 Mar 2023 (end of Q4 2022/23)"``.
    Values stay raw text/numbers; use :func:`counts` to parse them.
    """
    raw = _read_sheet_raw(str(path), sheet)
    file = display_path(path)
    names = raw[1].astype("string").str.strip()
    england = names.str.match(_ENGLAND_ROW).fillna(False)
    if not england.any():
        raise InputDataError(
            [
                Problem(
                    file,
                    "layout",
                    "no 'ALL LOCAL AUTHORITIES ...' England row found",
                    "use the original Coram-i workbook layout",
                    sheet=sheet,
                    column="B",
                )
            ]
        )
    first = int(england.to_numpy().argmax())
    labels = _flatten_header(raw.iloc[3:first, 2:])
    body = raw.iloc[first:].copy()
    body = body[body[1].notna()]
    code = body[0].astype("string").str.strip()
    name = body[1].astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
    kind = pd.Series("la", index=body.index)
    kind = kind.mask(code.str.startswith("RAA").fillna(False), "raa")
    kind = kind.mask(
        code.str.startswith("VAA").fillna(False) | (sheet == SHEET_VAAS) & code.isna(), "vaa"
    )
    kind = kind.mask(code.isna() & name.str.isupper().fillna(False), "region")
    kind = kind.mask(body.index == raw.index[first], "england")
    values = body.iloc[:, 2:].copy()
    values.columns = pd.Index(labels)
    # The workbook repeats a few columns verbatim (a formatting artefact): keep the first copy.
    dup = values.columns.duplicated()
    values = values.loc[:, ~dup]
    out = pd.concat(
        [
            pd.DataFrame(
                {
                    "row_kind": kind,
                    "code": code,
                    "name": name,
                    "sheet_row": body.index.to_numpy() + 1,
                }
            ),
            values,
        ],
        axis=1,
    ).reset_index(drop=True)
    out["code"] = out["code"].astype(object).where(out["code"].notna(), None)
    out["name"] = out["name"].astype(str)
    out.attrs["source_file"] = file
    out.attrs["sheet"] = sheet
    return check_frame(out, public_spec("asg_agency_sheet"), file=file)


def find_column(df: pd.DataFrame, *patterns: str) -> str:
    """The one column whose label contains every pattern (case-insensitive); raise otherwise."""
    hits = [c for c in df.columns if all(p.lower() in str(c).lower() for p in patterns)]
    if len(hits) != 1:
        raise InputDataError(
            [
                Problem(
                    df.attrs.get("source_file", "ASG workbook"),
                    "column_match",
                    f"{len(hits)} columns match {patterns!r}",
                    "the workbook layout changed; update the patterns in asglb.py",
                    sheet=df.attrs.get("sheet"),
                )
            ]
        )
    return hits[0]


def counts(df: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    """Parse one value column into ``<name>`` (Float64) and ``<name>_flag`` (marker)."""
    raw = df[column].map(lambda v: v if isinstance(v, str) or pd.isna(v) else repr(v))
    number, flag = parse_counts(
        raw,
        file=df.attrs.get("source_file", "ASG workbook"),
        column=column[:60],
        sheet=df.attrs.get("sheet"),
        allow_decimal=True,
    )
    return pd.DataFrame({name: number, f"{name}_flag": flag}, index=df.index)


def la_raa_membership(path: str | Path = ASGLB_FILE) -> pd.DataFrame:
    """LA rows of the adopters sheet: which agency each LA's adopter work sits with in 2022/23.

    Parses e.g. "Darlington (see Adoption Tees Valley RAA)", "Rutland (see Lincolnshire LA)",
    "Westminster (see Bi-Borough)" and the unbalanced "Gateshead (see Adopt North East RAA".
    """
    sheet = read_agency_sheet(path, SHEET_ADOPTERS)
    region = sheet["name"].where(sheet["row_kind"] == "region").ffill()
    las = sheet[sheet["row_kind"] == "la"].assign(gor_region=region)
    parts = las["name"].str.extract(_SEE)
    standalone = parts["la"].isna()
    target = parts["target"].astype("string").str.strip()
    kind = parts["kind"].astype("string").fillna("Bi-Borough").where(~standalone, "none")
    out = pd.DataFrame(
        {
            "old_la_code": las["code"].astype(str),
            "la_name": parts["la"]
            .fillna(las["name"])
            .str.replace(r"\s*\(and .*?\)", "", regex=True),
            "gor_region": las["gor_region"].map(_GOR_NAMES),
            "member_of": target.where(~standalone),
            "member_kind": kind,
        }
    ).reset_index(drop=True)
    out["member_of"] = out["member_of"].astype(object).where(out["member_of"].notna(), None)
    return check_frame(out, public_spec("asg_la_membership"), file=display_path(path))
