"""Read CSV, Excel and Parquet files as text tables, so every cell can be checked and reported."""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from nps_analysis.datasets.spec import DATASET_NAMES, get_spec, match_key
from nps_analysis.errors import Problem
from nps_analysis.paths import display_path

CSV_SUFFIXES = (".csv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUPPORTED_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
README_SHEET = "read me"


@dataclass
class RawTable:
    """One sheet (or the whole CSV/Parquet file) read as text: every cell a str, blanks as ''."""

    file: str
    sheet: str | None
    frame: pd.DataFrame | None
    warnings: list[Problem]
    errors: list[Problem]


def file_label(path: Path) -> str:
    """How a file is named in messages: relative to the project root, or just its name."""
    return display_path(path)


def _text_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Every column as Python str with '' for missing (Parquet / Excel cells -> text)."""
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s.dtype):
            s = s.map({True: "true", False: "false"}).astype(object)
        out[col] = s.astype("string").fillna("").astype(object)
    return pd.DataFrame(out, index=df.index)


def read_csv_text(path: Path) -> tuple[pd.DataFrame | None, list[Problem], list[Problem]]:
    """Read a CSV as text: try UTF-8 (with or without BOM), fall back to Windows-1252 and say so."""
    label = file_label(path)
    data = path.read_bytes()
    warnings: list[Problem] = []
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]:
        return (
            None,
            [],
            [
                Problem(
                    label,
                    "empty_file",
                    "the file is empty (no header row, no data)",
                    "export the data again with a header row and at least one data row",
                )
            ],
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        warnings.append(
            Problem(
                label,
                "encoding_cp1252",
                "the file is not UTF-8; it was read as Windows-1252 (e.g. '£' signs from Excel 'CSV')",
                "save as 'CSV UTF-8 (Comma delimited)' to avoid this warning",
            )
        )
    raw = text.encode("utf-8") if warnings else data.removeprefix(b"\xef\xbb\xbf")
    try:
        frame = _parse_csv(raw, text)
    except (pa.ArrowInvalid, pd.errors.ParserError):
        row, detail = _locate_parse_error(text)
        return (
            None,
            warnings,
            [
                Problem(
                    label,
                    "malformed_csv",
                    f"the CSV cannot be parsed: {detail}",
                    "check that row for stray commas or unclosed quotes; "
                    "export again from Excel as 'CSV UTF-8'",
                    row=row,
                )
            ],
        )
    return frame, warnings, []


def _locate_parse_error(text: str) -> tuple[int | None, str]:
    """Row number and a value-free description of a CSV parse error (pandas reports the line)."""
    try:
        pd.read_csv(
            io.StringIO(text), dtype=str, na_filter=False, skip_blank_lines=False, engine="c"
        )
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found:
            want, line, saw = found.groups()
            return int(line), f"expected {want} cells but found {saw}"
        return None, "unclosed quote or malformed line"
    return None, "the fast reader failed (often an unclosed quote)"


def _parse_csv(raw: bytes, text: str) -> pd.DataFrame:
    """Parse CSV bytes as all-text columns (Arrow: fast; pandas C engine when blank lines exist)."""
    tail = raw[-4096:]
    end = len(raw) - (len(tail) - len(tail.rstrip(b"\r\n \t")))
    first = text.lstrip("\ufeff")
    header = next(csv.reader(io.StringIO(first[: first.find("\n") % (len(first) + 1)])), [])
    if raw.find(b"\n\n", 0, end) >= 0 or raw.find(b"\n\r\n", 0, end) >= 0 or not header:
        # keep blank lines so spreadsheet row numbers stay right
        return pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    names = [f"c{i}" for i in range(len(header))]
    table = pacsv.read_csv(
        io.BytesIO(raw),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    frame.columns = header
    return frame


def _failed(label: str, rule: str, message: str, fix: str) -> list[RawTable]:
    """A file that could not be read at all: one table with no frame and one problem."""
    return [RawTable(label, None, None, [], [Problem(label, rule, message, fix)])]


def read_path(path: Path, dataset: str | None = None) -> list[RawTable]:
    """Read `path` into one RawTable per data set sheet (CSV/Parquet: one table).

    For Excel workbooks, `dataset` picks the sheet of that name; without it every sheet named
    after a data set is returned (the 'read me' sheet and hidden list sheets are ignored).
    """
    label = file_label(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        return _failed(label, "file_not_found", "the file does not exist", "check the path")
    if suffix in CSV_SUFFIXES:
        frame, warns, errs = read_csv_text(path)
        return [RawTable(label, None, frame, warns, errs)]
    if suffix in PARQUET_SUFFIXES:
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - any reader failure is a file problem
            return _failed(
                label,
                "unreadable_file",
                f"the Parquet file could not be read ({type(exc).__name__})",
                "re-export the file",
            )
        return [RawTable(label, None, _text_frame(frame.reset_index(drop=True)), [], [])]
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, dataset)
    return _failed(
        label,
        "unsupported_file_type",
        f"files of type '{suffix or '(none)'}' cannot be read",
        "supply a .csv (UTF-8), .xlsx or .parquet file",
    )


def _read_excel(path: Path, dataset: str | None) -> list[RawTable]:
    label = file_label(path)
    if path.stat().st_size == 0:
        return _failed(
            label,
            "empty_file",
            "the workbook is empty (0 bytes)",
            "save the workbook again from Excel",
        )
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001
        return _failed(
            label,
            "unreadable_file",
            f"the workbook could not be opened ({type(exc).__name__})",
            "check it is a real .xlsx file (not renamed CSV or .xls) and save it again from Excel",
        )
    by_key = {match_key(s): s for s in book.sheet_names}
    wanted = [dataset] if dataset else [n for n in DATASET_NAMES if match_key(n) in by_key]
    if not wanted or (dataset and match_key(dataset) not in by_key):
        names = list(DATASET_NAMES) if dataset is None else [dataset]
        data_sheets = [s for s in book.sheet_names if match_key(s) != README_SHEET]
        close = sorted(
            {m for s in data_sheets for m in difflib.get_close_matches(s, names, n=2, cutoff=0.5)}
        )
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        return _failed(
            label,
            "sheet_not_found",
            f"no sheet named {' or '.join(repr(n) for n in names)} (sheets found: "
            f"{', '.join(repr(s) for s in book.sheet_names)}){hint}",
            "rename the sheet holding the data to the data set name, as in the template (nps template)",
        )
    tables = []
    for name in wanted:
        sheet = by_key[match_key(name)]
        frame = book.parse(sheet, dtype=str, header=0)
        tables.append(RawTable(label, sheet, _text_frame(frame), [], []))
    return tables


def spec_for_sheet(sheet: str) -> str | None:
    """The data set a sheet name stands for, if any."""
    key = match_key(sheet)
    return next((n for n in DATASET_NAMES if match_key(n) == key), None)


def infer_dataset_from_name(path: Path) -> str | None:
    """Infer the data set from a file name (longest matching alias wins), or None."""
    stem = match_key(path.stem)
    padded = f" {stem} "
    best: tuple[int, str] | None = None
    for name in DATASET_NAMES:
        for alias in get_spec(name).file_aliases:
            key = match_key(alias)
            if f" {key} " in padded and (best is None or len(key) > best[0]):
                best = (len(key), name)
    return best[1] if best else None
