"""Read what analysts save (CSV / text exports, Excel and LibreOffice workbooks, Parquet) as text
tables, so every cell can be checked and reported.

CSV: UTF-8 (with or without BOM), UTF-16 (Excel "Unicode Text"), Windows-1252 (Excel "CSV") and
Mac Roman (Excel for Mac "CSV (Macintosh)"); CRLF, LF or CR-only line ends; comma, semicolon or
tab separators, sniffed from the header (and said when not a comma). Workbooks (.xlsx, .xlsm,
.xls, .ods) are read with python-calamine; every sheet is accounted for: data set sheets are read,
the template's helper sheets are skipped with a note, anything else is refused unless mapped.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from nps_analysis.datasets.spec import (
    CATEGORICAL_VOCABULARIES,
    DATASET_NAMES,
    all_specs,
    get_spec,
    header_key,
    match_key,
)
from nps_analysis.errors import Problem
from nps_analysis.paths import PROJECT_ROOT

CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
EXCEL_SUFFIXES = WORKBOOK_SUFFIXES  # former name, kept for callers
PARQUET_SUFFIXES = (".parquet", ".pq")
SUPPORTED_SUFFIXES = CSV_SUFFIXES + WORKBOOK_SUFFIXES + PARQUET_SUFFIXES
README_SHEET = "read me"
LISTS_SHEET = "lists"
#: First cell of the template's read-me sheet (recognises its CSV export too).
TEMPLATE_TITLE = "National Picture of Adoption Support Commissioning: data request template"
#: `--sheet NAME=skip` leaves a sheet out on purpose.
SKIP = "skip"
#: Rows searched for the header when row 1 is not it (a title row above the header).
HEADER_SEARCH_ROWS = 20
#: A cell read from a formula that has no saved result starts with this (then the formula).
FORMULA_MARK = "="
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}

# A cell may be longer than the csv module's default 128 KiB (it is then refused as too long,
# with its length, instead of failing to parse). 2**31 - 1 fits a C long on every platform.
csv.field_size_limit(2**31 - 1)


@dataclass
class RawTable:
    """One sheet (or the whole CSV/Parquet file) read as text: every cell a str, blanks as ''.

    `frame` has positional columns 0..n-1; `headers` holds the header texts (blank headers as '').
    `dataset` is the data set the sheet is (by name or mapping); None = decide from the file.
    `skipped` says why a sheet was not read (template help, empty, mapped to skip); `notes` are
    facts worth saying that need no fix (the separator used).
    """

    file: str
    sheet: str | None
    frame: pd.DataFrame | None
    warnings: list[Problem]
    errors: list[Problem]
    headers: list[str] = field(default_factory=list)
    dataset: str | None = None
    header_row: int = 1
    separator: str = ","
    merged_header: list[str] = field(default_factory=list)
    skipped: str | None = None
    notes: list[Problem] = field(default_factory=list)


def file_label(path: Path) -> str:
    """How a file is named at the terminal: relative to the current folder when inside it, else
    relative to the project, else the full path (so the analyst can find it)."""
    p = Path(path).absolute()
    for base in (Path.cwd(), PROJECT_ROOT):
        try:
            return p.relative_to(base.absolute()).as_posix()
        except ValueError:
            continue
    return str(p)


def _failed(label: str, rule: str, message: str, fix: str, sheet: str | None = None) -> RawTable:
    """A file or sheet that could not be read: no frame, one problem."""
    return RawTable(label, sheet, None, [], [Problem(label, rule, message, fix, sheet)])


def column_letter(j: int) -> str:
    """Spreadsheet column letter of 0-based column `j` (0 -> A, 26 -> AA)."""
    letters = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        letters = chr(65 + r) + letters
    return letters


# ------------------------------------------------------------------------------ header search
def _known_headers() -> dict[str, set[str]]:
    return {s.name: {header_key(c) for c in s.column_names} for s in all_specs()}


def header_match(cells: list[str]) -> tuple[str | None, int]:
    """The data set whose column names `cells` match best, and how many match."""
    keys = {header_key(c) for c in cells if str(c).strip()}
    best: tuple[str | None, int] = (None, 0)
    for name, known in _known_headers().items():
        n = len(keys & known)
        if n > best[1]:
            best = (name, n)
    return best


def find_header_row(rows: list[list[str]]) -> int:
    """0-based index of the header row among the first rows: the row naming most spec columns
    (row 0 unless a later row names at least two more columns than it)."""
    scores = [header_match(r)[1] for r in rows[:HEADER_SEARCH_ROWS]]
    if not scores:
        return 0
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return best if scores[best] >= 2 and scores[best] > scores[0] else 0


def _title_row_problem(label: str, sheet: str | None, rows: list[list[str]], h: int) -> Problem:
    above = next((c for r in rows[:h] for c in r if str(c).strip()), "")
    title = f" (row 1 holds {above[:50]!r})" if above else ""
    return Problem(
        label,
        "title_row_above_header",
        f"the column headers are on row {h + 1}, not row 1{title}: rows above the header "
        "(a title, notes or blank rows) would be read as the header",
        f"delete rows 1 to {h} so the headers ({', '.join(repr(c) for c in rows[h][:3] if c)}, "
        "...) are on row 1, as in the template",
        sheet,
        1,
    )


def helper_kind(cells: list[str]) -> str | None:
    """'read me' or 'lists' when a first row is that of the template's helper sheets (also in a
    CSV exported from them)."""
    text = [str(c).strip() for c in cells if str(c).strip()]
    if text[:1] == [TEMPLATE_TITLE]:
        return README_SHEET
    if text and text == list(CATEGORICAL_VOCABULARIES)[: len(text)] and len(text) >= 3:
        return LISTS_SHEET
    return None


# ---------------------------------------------------------------------------------------- CSV
def _decode(data: bytes, label: str) -> tuple[str | None, str, list[Problem]]:
    """Text, encoding name and notes; text None when undecodable."""
    notes: list[Problem] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data):
        enc = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else _utf16_order(data)
        try:
            return data.decode(enc).lstrip("\ufeff"), "UTF-16", notes
        except UnicodeDecodeError:
            return None, "UTF-16", notes
    try:
        return data.decode("utf-8-sig"), "UTF-8", notes
    except UnicodeDecodeError:
        pass
    cr_only = b"\r" in data and b"\n" not in data
    enc, name, saved_as = (
        ("mac_roman", "Mac Roman", "Excel for Mac 'CSV (Macintosh)'")
        if cr_only
        else ("cp1252", "Windows-1252", "Excel 'CSV (Comma delimited)'")
    )
    notes.append(
        Problem(
            label,
            "encoding_cp1252" if enc == "cp1252" else "encoding_mac_roman",
            f"the file is not UTF-8; it was read as {name} (as {saved_as} saves it, '£' signs "
            "included)",
            "save as 'CSV UTF-8 (Comma delimited)' to avoid this note",
        )
    )
    return data.decode(enc, errors="replace"), name, notes


def _looks_utf16(data: bytes) -> bool:
    head = data[:4000]
    return len(head) >= 4 and head.count(b"\x00") > len(head) // 3


def _utf16_order(data: bytes) -> str:
    head = data[:4000]
    return "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"


def _first_lines(text: str, n: int) -> list[str]:
    lines: list[str] = []
    start = 0
    while len(lines) < n and start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        lines.append(text[start:end].rstrip("\r"))
        start = end + 1
    return lines


def sniff_separator(lines: list[str]) -> str:
    """The separator that makes a line among the first ones name the most spec columns; else
    the one splitting the first line into the most cells; else a comma."""
    best = (",", -1, -1)
    for sep in (",", ";", "\t", "|"):
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sep))
        known = max((header_match(r)[1] for r in rows), default=0)
        cells = len(rows[0]) if rows else 0
        if (known, cells) > best[1:]:
            best = (sep, known, cells)
    return best[0]


def read_csv_text(path: Path) -> RawTable:
    """Read a CSV / text export as a text table (encoding, line ends and separator sniffed)."""
    label = file_label(path)
    data = path.read_bytes()
    text, encoding, notes = _decode(data, label)
    if text is None:
        return _failed(
            label,
            "unreadable_file",
            "the file looks like UTF-16 text but cannot be decoded",
            "save it again as 'CSV UTF-8 (Comma delimited)'",
        )
    if not text.strip(" \t\r\n\ufeff"):
        return _failed(
            label,
            "empty_file",
            "the file is empty (no header row, no data)",
            "export the data again with a header row and at least one data row",
        )
    if "\n" not in text:
        text = text.replace("\r", "\n")  # CR-only line ends (Excel for Mac 'CSV (Macintosh)')
    elif "\r" in text:
        text = text.replace("\r\n", "\n")
    lines = _first_lines(text, HEADER_SEARCH_ROWS)
    sep = sniff_separator(lines)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sep))
    table = RawTable(label, None, None, notes, [], separator=sep)
    if sep != ",":
        how = (
            "tab-separated text (e.g. Excel 'Unicode Text')"
            if sep == "\t"
            else (f"{SEPARATOR_NAMES[sep]}-separated")
        )
        table.notes.append(
            Problem(
                label,
                "separator_not_comma",
                f"the file is {how}, {encoding}; read with that separator",
                "nothing to fix; 'CSV UTF-8 (Comma delimited)' is the usual format",
            )
        )
    if (kind := helper_kind(rows[0] if rows else [])) is not None:
        table.skipped = kind
        return table
    h = find_header_row(rows)
    if h > 0:
        table.errors.append(_title_row_problem(label, None, rows, h))
        return table
    try:
        frame, header = _parse_csv(text, sep)
    except (pa.ArrowInvalid, pd.errors.ParserError, csv.Error):
        row, detail = _locate_parse_error(text, sep)
        table.errors.append(
            Problem(
                label,
                "malformed_csv",
                f"the CSV cannot be parsed: {detail}",
                "check that row for stray separators or unclosed quotes; "
                "export again from Excel as 'CSV UTF-8'",
                row=row,
            )
        )
        return table
    table.frame, table.headers = frame, header
    return table


def _locate_parse_error(text: str, sep: str) -> tuple[int | None, str]:
    """Row number and a value-free description of a CSV parse error (pandas reports the line)."""
    try:
        pd.read_csv(
            io.StringIO(text),
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            sep=sep,
        )
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found:
            want, line, saw = found.groups()
            return int(line), f"expected {want} cells but found {saw}"
        return None, "unclosed quote or malformed line"
    return None, "the fast reader failed (often an unclosed quote)"


def _parse_csv(text: str, sep: str) -> tuple[pd.DataFrame, list[str]]:
    """Parse CSV text as all-text columns (Arrow: fast; pandas C engine when blank lines exist)."""
    first = text[: text.find("\n") % (len(text) + 1)]
    header = next(csv.reader(io.StringIO(first), delimiter=sep), [])
    names = [f"c{i}" for i in range(len(header))]
    body = text.rstrip("\n \t")
    if "\n\n" in body or not header:
        # keep blank lines so spreadsheet row numbers stay right
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            sep=sep,
            header=None,
            skiprows=1,
            names=names,
        )
    else:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    frame.columns = range(len(header))
    return frame, header


# ----------------------------------------------------------------------------------- workbooks
def cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export would hold (numbers without a spurious '.0',
    dates as YYYY-MM-DD, booleans as true/false)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)


_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _ref_to_index(ref: str) -> tuple[int, int]:
    letters, digits = _CELL_REF.fullmatch(ref).groups()  # type: ignore[union-attr]
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


def _xlsx_overlays(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Cells python-calamine reads as blank but are not: Excel error values ('#N/A') and
    formulas without a saved result ('=' + formula), per sheet name, by (row, column)."""
    out: dict[str, dict[tuple[int, int], str]] = {}
    with zipfile.ZipFile(path) as z:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
        for sheet in book.findall("m:sheets/m:sheet", _NS):
            target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if member not in z.namelist():
                continue
            data = z.read(member)
            if b't="e"' not in data and b"<f" not in data:
                continue
            cells: dict[tuple[int, int], str] = {}
            for _, el in ElementTree.iterparse(io.BytesIO(data)):
                if el.tag != f"{{{_NS['m']}}}c":
                    continue
                v = el.find("m:v", _NS)
                f = el.find("m:f", _NS)
                value = v.text if v is not None and v.text else None
                ref = el.get("r")
                if ref and el.get("t") == "e" and value:
                    cells[_ref_to_index(ref)] = value
                elif ref and f is not None and value is None:
                    cells[_ref_to_index(ref)] = FORMULA_MARK + (f.text or "")
                el.clear()
            out[sheet.get("name", "")] = cells
    return out


_ODS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "calcext": "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0",
}


def _ods_overlays(
    path: Path,
) -> tuple[dict[str, dict[tuple[int, int], str]], dict[str, list[tuple[int, int, int, int]]]]:
    """Error values and formulas without results (as `_xlsx_overlays`), and merged ranges
    (row0, col0, row1, col1), per sheet of an OpenDocument spreadsheet."""
    overlays: dict[str, dict[tuple[int, int], str]] = {}
    merges: dict[str, list[tuple[int, int, int, int]]] = {}
    with zipfile.ZipFile(path) as z:
        data = z.read("content.xml")
    if (
        b'value-type="error"' not in data
        and b"columns-spanned" not in data
        and (b"table:formula" not in data)
    ):
        return overlays, merges
    t, o, c = (f"{{{_ODS[k]}}}" for k in ("table", "office", "calcext"))
    sheet, row = "", 0
    for event, el in ElementTree.iterparse(io.BytesIO(data), events=("start", "end")):
        if event == "start" and el.tag == f"{t}table":
            sheet, row = el.get(f"{t}name", ""), 0
            overlays[sheet], merges[sheet] = {}, []
        elif event == "end" and el.tag == f"{t}table-row":
            col = 0
            for cell in el:
                repeat = int(cell.get(f"{t}number-columns-repeated", "1"))
                span = int(cell.get(f"{t}number-columns-spanned", "1"))
                rspan = int(cell.get(f"{t}number-rows-spanned", "1"))
                if span > 1 or rspan > 1:
                    merges[sheet].append((row, col, row + rspan - 1, col + span - 1))
                if cell.get(f"{c}value-type") == "error":
                    overlays[sheet][(row, col)] = "".join(cell.itertext()).strip() or "#VALUE!"
                elif cell.get(f"{t}formula") and cell.get(f"{o}value-type") is None:
                    overlays[sheet][(row, col)] = FORMULA_MARK + cell.get(f"{t}formula", "")
                col += repeat
            row += int(el.get(f"{t}number-rows-repeated", "1"))
            el.clear()
    return overlays, merges


def _sheet_rows(sheet: object, overlay: dict[tuple[int, int], str]) -> list[list[object]]:
    rows = sheet.to_python(skip_empty_area=False)  # type: ignore[attr-defined]
    for (r, c), value in overlay.items():
        while len(rows) <= r:
            rows.append([])
        if len(rows[r]) <= c:
            rows[r].extend([""] * (c + 1 - len(rows[r])))
        rows[r][c] = value
    return rows


def _text_rows(rows: list[list[object]]) -> list[list[str]]:
    """Rows of cells as text, every row as wide as the widest, trailing blank rows dropped."""
    width = max((len(r) for r in rows), default=0)
    out = [[cell_text(v) for v in r] + [""] * (width - len(r)) for r in rows]
    while out and not any(c.strip() for c in out[-1]):
        out.pop()
    return out


def _frame_from_rows(text: list[list[str]], h: int) -> tuple[pd.DataFrame, list[str]]:
    header = [c.strip() for c in text[h]] if text else []
    body = text[h + 1 :]
    frame = pd.DataFrame(body, columns=range(len(header)), dtype=object)
    return frame, header


def parse_sheet_map(pairs: list[str] | None) -> dict[str, str]:
    """`--sheet 'open cases 22-23=open_cases'` options as {sheet key: data set or 'skip'}.

    Raises ValueError with the fix when a pair is malformed or names no data set.
    """
    out: dict[str, str] = {}
    for pair in pairs or []:
        sheet, sep, target = pair.rpartition("=")
        target = target.strip()
        if not sep or not sheet.strip():
            raise ValueError(
                f"--sheet {pair!r} must look like SHEET=DATASET, e.g. --sheet 'Sheet1=open_cases'"
            )
        if target not in (*DATASET_NAMES, SKIP):
            raise ValueError(
                f"--sheet {pair!r}: {target!r} is not a data set; use one of "
                f"{', '.join(DATASET_NAMES)} (or '{SKIP}' to leave the sheet out)"
            )
        out[match_key(sheet)] = target
    return out


def _read_workbook(path: Path, dataset: str | None, sheet_map: dict[str, str]) -> list[RawTable]:
    from python_calamine import CalamineWorkbook

    label = file_label(path)
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        return [_failed(label, "empty_file", "the workbook is empty (0 bytes)", "save it again")]
    try:
        book = CalamineWorkbook.from_path(str(path))
        overlays: dict[str, dict[tuple[int, int], str]] = {}
        merges: dict[str, list[tuple[int, int, int, int]]] = {}
        if suffix in (".xlsx", ".xlsm"):
            overlays = _xlsx_overlays(path)
        elif suffix == ".ods":
            overlays, merges = _ods_overlays(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a file problem
        kind = {".ods": "OpenDocument (.ods)", ".xls": "Excel 97-2003 (.xls)"}.get(
            suffix, "Excel (.xlsx)"
        )
        return [
            _failed(
                label,
                "unreadable_file",
                f"the workbook could not be opened as {kind} ({type(exc).__name__}); it may be "
                "password-protected, damaged, or another format renamed",
                f"open it in Excel or LibreOffice and save it again as {kind}",
            )
        ]
    with book:
        tables = []
        for meta in book.sheets_metadata:
            sheet = book.get_sheet_by_name(meta.name)
            rows = _text_rows(_sheet_rows(sheet, overlays.get(meta.name, {})))
            ranges = merges.get(meta.name) or [
                (a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])
            ]
            tables.append(
                _sheet_table(label, meta.name, rows, ranges, str(meta.visible), dataset, sheet_map)
            )
    tables = _account_for_sheets(label, tables, dataset)
    if suffix == ".xls":
        first = next((t for t in tables if t.frame is not None), None)
        if first is not None:
            first.notes.append(
                Problem(
                    label,
                    "xls_errors_unseen",
                    "in an Excel 97-2003 (.xls) file, error values such as #N/A are read as "
                    "blank cells",
                    "save as .xlsx (or .ods) to have error values reported",
                )
            )
    return tables


def _sheet_table(
    label: str,
    name: str,
    rows: list[list[str]],
    merges: list[tuple[int, int, int, int]],
    visible: str,
    dataset: str | None,
    sheet_map: dict[str, str],
) -> RawTable:
    """One sheet: its role (data set, template helper, mapped, unrecognised) and its table."""
    key = match_key(name)
    empty = not any(c.strip() for r in rows for c in r)
    target = sheet_map.get(key) or next((n for n in DATASET_NAMES if match_key(n) == key), None)
    if dataset is not None and target != dataset:
        target = None if key != match_key(dataset) else dataset
    table = RawTable(label, name, None, [], [], dataset=target)
    if target == SKIP:
        table.dataset, table.skipped = None, "left out with --sheet"
        return table
    if target is None:
        helper = key if key in (README_SHEET, LISTS_SHEET) else helper_kind(rows[0] if rows else [])
        if helper is not None:
            table.skipped = helper
        elif empty:
            table.skipped = "empty"
        else:
            table.headers = rows[find_header_row(rows)]
        return table
    h = find_header_row(rows)
    if h > 0:
        table.errors.append(_title_row_problem(label, name, rows, h))
        return table
    frame, header = _frame_from_rows(rows, 0) if rows else (pd.DataFrame(), [])
    table.frame, table.headers = frame, header
    table.merged_header = [
        f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
        for r0, c0, r1, c1 in merges
        if r0 <= 0 <= r1 and c1 > c0
    ]
    if "Hidden" in visible and target is not None:
        table.warnings.append(
            Problem(label, "hidden_sheet", "this data set sheet is hidden; it was read", "", name)
        )
    return table


def _account_for_sheets(label: str, tables: list[RawTable], dataset: str | None) -> list[RawTable]:
    """Every sheet accounted for: unrecognised non-empty sheets refused (with the sheet's data set
    when its header says it), a workbook without any data set sheet one `sheet_not_found`."""
    names = [t.sheet or "" for t in tables]
    unrecognised = [t for t in tables if t.dataset is None and t.skipped is None and not t.errors]
    if all(t.dataset is None for t in tables):
        wanted = [dataset] if dataset else list(DATASET_NAMES)
        hints = []
        for t in unrecognised or tables:
            hint = _sheet_hint(t, wanted)
            if hint:
                hints.append(hint)
        mapping = (
            f" or map it: --sheet '{unrecognised[0].sheet}={dataset or 'DATASET'}'"
            if unrecognised
            else ""
        )
        return [
            _failed(
                label,
                "sheet_not_found",
                f"no sheet named {' or '.join(repr(n) for n in wanted)} (sheets found: "
                f"{', '.join(repr(s) for s in names)}){'; ' + '; '.join(hints) if hints else ''}",
                "rename the sheet holding the data to the data set name, as in the template "
                f"(nps template){mapping}",
            )
        ]
    if dataset is not None:
        for t in unrecognised:
            t.skipped = f"not read: --dataset {dataset} reads sheet '{dataset}' only"
        return tables
    for t in unrecognised:
        hint = _sheet_hint(t, list(DATASET_NAMES))
        name, n = header_match(t.headers)
        target = name if name is not None and n >= 2 else "DATASET"
        t.errors.append(
            Problem(
                label,
                "unrecognised_sheet",
                "this sheet is not named after a data set, so it was not read"
                + (f"; {hint}" if hint else ""),
                "rename it to its data set's name (as in the template), or map it with "
                f"--sheet '{t.sheet}={target}' (or '{t.sheet}={SKIP}' to leave it out)",
                t.sheet,
            )
        )
    return tables


def _sheet_hint(table: RawTable, wanted: list[str]) -> str:
    """'its columns are those of open_cases' / 'did you mean ...' for a misnamed sheet."""
    name, n = header_match(table.headers)
    if name in wanted and n >= 2:
        return f"its columns are those of {name}"
    close = difflib.get_close_matches(table.sheet or "", wanted, n=1, cutoff=0.5)
    if close:
        return f"did you mean {close[0]!r}?"
    return ""


# -------------------------------------------------------------------------------------- dispatch
def read_path(
    path: Path, dataset: str | None = None, *, sheet_map: dict[str, str] | None = None
) -> list[RawTable]:
    """Read `path` into one RawTable per sheet (CSV/Parquet: one table).

    For workbooks, `dataset` picks the sheet of that name; without it every sheet is accounted
    for (data set sheets read, template helper sheets skipped, others refused unless mapped in
    `sheet_map` {sheet key: data set or 'skip'}).
    """
    label = file_label(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        return [
            _failed(
                label,
                "folder_not_file",
                "this is a folder, not a file",
                "give the folder itself to nps validate / nps run --data-dir (its files are all "
                "checked), or name a file in it",
            )
        ]
    if not path.is_file():
        return [_failed(label, "file_not_found", "the file does not exist", _not_found_fix(path))]
    if suffix in CSV_SUFFIXES:
        return [read_csv_text(path)]
    if suffix in PARQUET_SUFFIXES:
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - any reader failure is a file problem
            return [
                _failed(
                    label,
                    "unreadable_file",
                    f"the Parquet file could not be read ({type(exc).__name__})",
                    "re-export the file",
                )
            ]
        return [_parquet_table(label, frame)]
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(path, dataset, sheet_map or {})
    return [
        _failed(
            label,
            "unsupported_file_type",
            f"files of type '{suffix or '(none)'}' cannot be read",
            "supply a .csv (UTF-8), .xlsx, .ods, .xls or .parquet file",
        )
    ]


def _not_found_fix(path: Path) -> str:
    where = f" (looked in {Path.cwd()})" if not Path(path).is_absolute() else ""
    return (
        f"check the path{where}; paths are relative to the folder you run nps from"
        if os.sep in str(path) or "/" in str(path)
        else f"check the file name{where}"
    )


def _parquet_table(label: str, frame: pd.DataFrame) -> RawTable:
    out = {}
    for j, col in enumerate(frame.columns):
        s = frame[col].reset_index(drop=True)
        if pd.api.types.is_bool_dtype(s.dtype):
            s = s.map({True: "true", False: "false"}).astype(object)
        out[j] = s.astype("string").fillna("").astype(object)
    return RawTable(
        label,
        None,
        pd.DataFrame(out, index=pd.RangeIndex(len(frame))),
        [],
        [],
        headers=[str(c) for c in frame.columns],
    )


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
