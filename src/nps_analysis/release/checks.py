"""Checks of what a release shows: conventions, tables equal to the released CSVs, no leaks.

Pure functions (a page's HTML, an executed notebook or a folder of released CSVs in; a list of
`Problem` out), run by the test suite on every page and notebook the pipeline writes:

- `convention_problems`: page titles (never "Notebook", never shared), alt text, table titles,
  raw values (NaN, True ...), decimals beyond the spec, numbers without thousands separators,
  "¶" anchor links (issue 17, item 8);
- `table_problems`: every table of a report page is a released table (found by its fixed
  `html_tables.table_id`) whose cells equal its CSV after `formatting.format_frame`;
- `notebook_problems`: no output of an executed notebook shows a pandas frame or series that
  is not released, and every released table shown equals its CSV cell by cell: a ``c`` in
  the CSV is ``[c]`` on the page, never a number (issue 16, item 1).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from nps_analysis.provenance import SUPPRESSED
from nps_analysis.release.symbols import Symbol

CONVENTIONS, TABLES, LEAKS = "conventions", "tables", "leaks"
"""The three kinds of problem (`Problem.check`)."""
PLACEHOLDER_ALT = re.compile(
    r"^(no description.*|image|chart|figure|graph|picture|plot|untitled|png|svg|none)\.?$", re.I
)
"""Alt text that describes nothing (nbconvert writes "No description has been provided ...")."""
BAD_CELLS = frozenset({"nan", "NaN", "None", "True", "False", "<NA>", "NaT", "inf", "-inf"})
"""Cell text a release never shows: pandas' missing values and Python's booleans."""
BAD_TITLES = frozenset({"", "Notebook"})
_UNSEPARATED = re.compile(r"[-−]?\d{4,}(\.\d+)?")
_DECIMALS = re.compile(r"[<>]?[-−]?[\d,]*\.(\d+)")
_NUMBER = re.compile(r"[-−]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_TRUNCATED = re.compile(r"Showing the first ([\d,]+) of ([\d,]+) rows")
_SERIES_TEXT = re.compile(r"^(Name: .*, )?dtype: \w+\s*$", re.M)
_FRAME_TEXT = re.compile(r"^\[\d+ rows x \d+ columns\]\s*$", re.M)
_MISSING_TEXT = frozenset({"", "NaN", "nan", "None", "<NA>", "NaT"})
MAX_CELLS_REPORTED = 20
"""Differing cells listed per table (the count says how many more)."""


@dataclass(frozen=True)
class Problem:
    """One thing a page or notebook gets wrong."""

    where: str
    check: str
    detail: str
    table: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.detail}"


@dataclass(frozen=True)
class Cell:
    text: str
    header: bool
    right: bool


@dataclass(frozen=True)
class ShownTable:
    """A table as a page shows it."""

    title: str
    wrapper_id: str
    data_table: str
    data_csv: str
    headers: tuple[str, ...]
    column_ids: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    notes: str
    raw: bool

    @property
    def label(self) -> str:
        return self.data_table or self.title[:60] or ", ".join(self.headers[:4])[:60]


def _soup(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def _text(node: Any) -> str:
    return re.sub(r"\s+", " ", node.get_text(" ") if node is not None else "").strip()


def _title_of(table: Any, ids: dict[str, Any]) -> str:
    caption = table.find("caption")
    if caption is not None and _text(caption):
        return _text(caption)
    for holder in (table, table.find_parent("div", class_="nps-table")):
        named = holder.get("aria-labelledby") if holder is not None else None
        if named:
            found = [ids.get(i) for i in named.split()]
            text = " ".join(_text(f) for f in found if f is not None)
            if text:
                return text
    return ""


@dataclass(frozen=True)
class ShownPage:
    """What the convention checks read from a page."""

    title: str
    alts: tuple[str, ...]
    unnamed_svgs: int
    anchor_links: int
    tables: tuple[ShownTable, ...]


@functools.lru_cache(maxsize=256)
def parse_page(html: str) -> ShownPage:
    """A page (or a notebook output's HTML) parsed once: title, images, anchors and tables."""
    soup = _soup(html)
    ids = {node["id"]: node for node in soup.find_all(id=True)}
    svgs = soup.find_all("svg", attrs={"role": "img"})
    anchors = [
        a for a in soup.find_all("a") if _text(a) == "¶" or "anchor-link" in (a.get("class") or [])
    ]
    return ShownPage(
        title=_text(soup.title),
        alts=tuple((i.get("alt") or "").strip() for i in soup.find_all("img")),
        unnamed_svgs=sum(
            not (s.get("aria-label") or s.get("aria-labelledby") or s.find("title")) for s in svgs
        ),
        anchor_links=len(anchors),
        tables=tuple(_shown_table(t, ids) for t in soup.find_all("table")),
    )


def parse_tables(html: str) -> tuple[ShownTable, ...]:
    """Every table of a page (or a notebook output's HTML): title, headings and cells."""
    return parse_page(html).tables if "<table" in html else ()


def _shown_table(table: Any, ids: dict[str, Any]) -> ShownTable:
    wrapper = table.find_parent("div", class_="nps-table")
    raw = "dataframe" in (table.get("class") or [])
    heading_row = table.select_one("thead tr.gt_col_headings")
    if heading_row is None:
        head_rows = table.select("thead tr")
        heading_row = head_rows[0] if head_rows else None
    heads = heading_row.find_all(["th", "td"]) if heading_row is not None else []
    body_rows = [r for body in table.find_all("tbody") for r in body.find_all("tr")]
    if not body_rows and table.find("thead") is None:
        body_rows = table.find_all("tr")
    rows = tuple(
        tuple(
            Cell(_text(c), c.name == "th", "gt_right" in (c.get("class") or []))
            for c in r.find_all(["th", "td"])
        )
        for r in body_rows
    )
    return ShownTable(
        title=_title_of(table, ids),
        wrapper_id=wrapper.get("id", "") if wrapper is not None else "",
        data_table=wrapper.get("data-table", "") if wrapper is not None else "",
        data_csv=wrapper.get("data-csv", "") if wrapper is not None else "",
        headers=tuple(_text(h) for h in heads),
        column_ids=tuple(h.get("id", "") for h in heads),
        rows=rows,
        notes=_text(table.find("tfoot")),
        raw=raw,
    )


@functools.cache
def _specs_by_id() -> dict[str, Any]:
    from nps_analysis.release.html_tables import table_id
    from nps_analysis.release.metadata import load_specs

    return {
        table_id(spec): spec
        for analysis in load_specs().values()
        for spec in analysis.tables.values()
    }


def released_spec(table: ShownTable):
    """The spec of a released table, found by its fixed table id (None: not a released table)."""
    return _specs_by_id().get(table.wrapper_id)


def _column_names(table: ShownTable, spec: Any) -> list[str | None]:
    """The released column each heading shows (great_tables ids are ``<table id>-<column>``;
    the stub's id is its label, so the stub resolves to the spec's first column)."""
    prefix = f"{table.wrapper_id}-"
    names = [i[len(prefix) :] if i.startswith(prefix) else "" for i in table.column_ids]
    return [n if n in spec.columns else None for n in names]


# --------------------------------------------------------------------------- 1. conventions
def convention_problems(pages: Mapping[str, str]) -> list[Problem]:
    """Page conventions of every page (name -> HTML): unique, meaningful titles; real alt text;
    titled tables without raw values, extra decimals or unseparated thousands; no "¶" links."""
    parsed = {name: parse_page(html) for name, html in pages.items()}
    titles = [page.title for page in parsed.values()]
    problems: list[Problem] = []
    for name, page in parsed.items():
        found = []
        if page.title in BAD_TITLES:
            found.append(f"page titled {page.title!r}")
        elif titles.count(page.title) > 1:
            found.append(f"title {page.title!r} is not unique")
        found += [
            f"image with missing or placeholder alt text {alt!r}"
            for alt in page.alts
            if not alt or PLACEHOLDER_ALT.match(alt)
        ]
        if page.unnamed_svgs:
            found.append(f"{page.unnamed_svgs} svg image(s) with no accessible name")
        if page.anchor_links:
            found.append(f"{page.anchor_links} '¶' anchor link(s)")
        problems += [Problem(name, CONVENTIONS, d) for d in found]
        for table in page.tables:
            problems += [
                Problem(name, CONVENTIONS, d, table.label) for d in _table_conventions(table)
            ]
    return problems


def _table_conventions(table: ShownTable) -> list[str]:
    label = table.label
    found = []
    if not table.title:
        found.append(f"untitled table {label!r}")
    cells = [c for row in table.rows for c in row]
    bad = sorted({c.text for c in cells if c.text in BAD_CELLS})
    if bad:
        found.append(f"table {label!r} shows {bad}")
    spec = released_spec(table)
    names = _column_names(table, spec) if spec is not None else []
    numeric: list[tuple[Cell, int | None]] = []
    for row in table.rows:
        for k, cell in enumerate(row):
            column = (
                spec.columns.get(names[k])
                if spec is not None and k < len(names) and names[k]
                else None
            )
            if column is not None:
                if column.is_numeric:
                    numeric.append((cell, column.indicator_dp))
            elif cell.right or (not cell.header and spec is None):
                numeric.append((cell, None))
    unseparated = sorted({c.text for c, _ in numeric if _UNSEPARATED.fullmatch(c.text)})
    if unseparated:
        found.append(f"table {label!r} numbers without separators {unseparated[:3]}")
    extra = sorted(
        {
            (c.text, dp)
            for c, dp in numeric
            if dp is not None and (m := _DECIMALS.fullmatch(c.text)) and len(m.group(1)) > dp
        }
    )
    if extra:
        found.append(
            f"table {label!r} shows more decimals than declared: "
            + ", ".join(f"{t} (> {dp} dp)" for t, dp in extra[:3])
        )
    return found


# --------------------------------------------------------------------------- 2. released tables
def _context_of(folder: Path | None) -> dict[str, str]:
    from nps_analysis.release.notebook import region_of_folder

    region = region_of_folder(folder) if folder is not None else None
    return {"region": region} if region else {}


def _read_csv(folder: Path | None, name: str) -> pd.DataFrame | None:
    path = folder / "tables" / f"{name}.csv" if folder is not None else None
    if path is None or not path.is_file():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _differences(
    table: ShownTable, spec: Any, frame: pd.DataFrame, context: dict[str, str]
) -> list[str]:
    """How a rendered released table differs from its CSV formatted by its spec."""
    from nps_analysis.release.formatting import format_frame
    from nps_analysis.release.metadata import SpecError

    try:
        expected = format_frame(frame, spec, context)
    except (SpecError, ValueError) as error:
        return [f"the CSV does not format by its spec: {error}"]
    found = []
    if list(table.headers) != list(expected.columns):
        found.append(
            f"headings {list(table.headers)} differ from the spec's {list(expected.columns)}"
        )
    truncated = _TRUNCATED.search(table.notes)
    rows = len(table.rows)
    if truncated:
        shown, total = (int(g.replace(",", "")) for g in truncated.groups())
        if total != len(frame) or shown != rows:
            found.append(f"says it shows {shown} of {total} rows; it shows {rows} of {len(frame)}")
        expected = expected.head(rows)
    elif rows != len(frame):
        found.append(f"shows {rows} rows; the CSV has {len(frame)}")
    cells = []
    for i, (shown_row, (_, want)) in enumerate(zip(table.rows, expected.iterrows(), strict=False)):
        texts = [c.text for c in shown_row]
        if len(texts) != len(want):
            cells.append(f"row {i + 1} shows {len(texts)} cells, not {len(want)}")
            continue
        for (column, value), text in zip(want.items(), texts, strict=True):
            if text == value:
                continue
            if value == Symbol.CONFIDENTIAL.value:
                cells.append(f"LEAK row {i + 1} {column!r} shows {text!r} where the CSV has c")
            else:
                cells.append(f"row {i + 1} {column!r} shows {text!r}, the CSV gives {value!r}")
    found += cells[:MAX_CELLS_REPORTED]
    if len(cells) > MAX_CELLS_REPORTED:
        found.append(f"... and {len(cells) - MAX_CELLS_REPORTED} more differing cells")
    return found


def _released_table_problems(
    where: str, table: ShownTable, folder: Path | None, check: str
) -> list[Problem]:
    spec = released_spec(table)
    if spec is None:
        return []
    label = f"{spec.analysis}/{spec.name}"
    if table.data_table and table.data_table != label:
        return [
            Problem(
                where,
                check,
                f"table id {table.wrapper_id!r} is labelled {table.data_table!r}",
                label,
            )
        ]
    frame = _read_csv(folder, spec.name)
    if folder is None or frame is None:  # no folder: no CSV either
        where_csv = folder / "tables" if folder is not None else "no folder"
        return [Problem(where, check, f"table {label!r} has no released CSV in {where_csv}", label)]
    found = []
    if table.data_csv and not table.data_csv.endswith(f"{folder.name}/tables/{spec.name}.csv"):
        found.append(f"links to {table.data_csv}, not its CSV {folder.name}/tables/{spec.name}.csv")
    found += _differences(table, spec, frame, _context_of(folder))
    return [Problem(where, check, f"table {label!r}: {d}", label) for d in found]


def table_problems(where: str, html: str, folder: Path | None) -> list[Problem]:
    """Every table of a report page is a released table of `folder` (an analysis output folder
    with ``tables/*.csv``) and shows its CSV exactly as `format_frame` formats it."""
    problems = []
    for table in parse_tables(html):
        if released_spec(table) is None:
            problems.append(
                Problem(
                    where, TABLES, f"table not from a released CSV: {table.label!r}", table.label
                )
            )
        else:
            problems += _released_table_problems(where, table, folder, TABLES)
    return problems


def folder_of_page(html: str, reports: Path) -> Path | None:
    """The analysis folder a page's released tables link to (``data-csv``), if any."""
    for table in parse_tables(html):
        if table.data_csv:
            return (reports / table.data_csv).resolve().parent.parent
    return None


def tables_checked(html: str) -> int:
    """How many released tables a page shows."""
    return sum(released_spec(t) is not None for t in parse_tables(html))


# --------------------------------------------------------------------------- 3. notebook leaks
def _joined(value: Any) -> str:
    return value if isinstance(value, str) else "".join(value or [])


def looks_like_frame_text(text: str) -> bool:
    """A pandas DataFrame or Series printed as text (its repr, or ``print(df)``)."""
    if _SERIES_TEXT.search(text) or _FRAME_TEXT.search(text):
        return True
    lines = text.splitlines()
    return any(
        re.match(r"^0\s+\S", lines[i])
        and re.match(r"^1\s+\S", lines[i + 1])
        and lines[i - 1].strip()
        and len(lines[i].split()) >= 2
        for i in range(1, len(lines) - 1)
    )


def _as_float(text: str) -> float | None:
    cleaned = text.replace(",", "").replace("−", "-")
    return float(cleaned) if _NUMBER.fullmatch(cleaned) else None


def _raw_cell_matches(shown: str, csv: str) -> bool:
    """A raw frame's cell shows the CSV's value (to the decimals it shows; text maybe cut)."""
    if csv == SUPPRESSED:
        return shown in (SUPPRESSED, Symbol.CONFIDENTIAL.value)
    if csv in _MISSING_TEXT:
        return shown in _MISSING_TEXT
    a, b = _as_float(shown), _as_float(csv)
    if a is not None and b is not None:
        if "e" in shown.lower():
            return math.isclose(a, b, rel_tol=1e-5)
        decimals = len(shown.partition(".")[2].rstrip("0"))  # "5095.0": shown to 0 dp
        return abs(a - b) <= 0.5 * 10.0**-decimals + 1e-9 * max(1.0, abs(b))
    if shown.endswith("...") and csv.startswith(shown[:-3]):
        return True  # pandas cuts long text
    return shown == csv


def _raw_rows(table: ShownTable, frame: pd.DataFrame) -> list[tuple[int, list[str]]]:
    """(CSV row, shown values) of a raw frame: rows are matched by their integer index label
    when pandas elided rows ("...") or the counts differ, else by position."""
    rows = [r for r in table.rows if not all(c.text in ("...", "…") for c in r)]
    labels = [r[0].text if r and r[0].header else "" for r in rows]
    by_label = len(rows) != len(table.rows) or len(rows) != len(frame)
    if by_label and all(x.isdigit() and int(x) < len(frame) for x in labels):
        return [
            (int(x), [c.text for c in r if not c.header]) for x, r in zip(labels, rows, strict=True)
        ]
    return [(i, [c.text for c in r if not c.header]) for i, r in enumerate(rows[: len(frame)])]


def _raw_differences(table: ShownTable, frame: pd.DataFrame, columns: list[str]) -> list[str]:
    found = []
    for i, values in _raw_rows(table, frame):
        want = frame.iloc[i]
        for column, text in zip(columns, values, strict=False):
            csv = want[column]
            if _raw_cell_matches(text, csv):
                continue
            if csv == SUPPRESSED:
                found.append(f"LEAK row {i + 1} {column!r} shows {text!r} where the CSV has c")
            else:
                found.append(f"row {i + 1} {column!r} shows {text!r}, the CSV has {csv!r}")
    return found


def _raw_frame_problems(
    where: str, table: ShownTable, released: Mapping[str, pd.DataFrame]
) -> list[Problem]:
    """A pandas frame in an output is never a release; where its columns are (some of) a
    released table's, every cell it shows that the CSV suppresses is a leak."""
    width = max((sum(c.header for c in r) for r in table.rows), default=0)
    columns = list(table.headers[width:]) if len(table.headers) > width else list(table.headers)
    candidates = [n for n, f in released.items() if columns and set(columns) <= set(f.columns)]
    label = ", ".join(columns[:4])
    if not candidates:
        detail = f"pandas frame shown that is not a released table (columns {label} ...)"
        return [Problem(where, LEAKS, detail, label)]
    scored = {n: _raw_differences(table, released[n], columns) for n in candidates}
    name = min(candidates, key=lambda n: (len(scored[n]), len(released[n].columns), n))
    problems = [
        Problem(
            where,
            LEAKS,
            f"released table {name!r} shown as a raw pandas frame (show it with release.display)",
            name,
        )
    ]
    cells = scored[name]
    for group in (
        [c for c in cells if c.startswith("LEAK")],
        [c for c in cells if not c.startswith("LEAK")],
    ):
        problems += [
            Problem(where, LEAKS, f"table {name!r}: {c}", name) for c in group[:MAX_CELLS_REPORTED]
        ]
        if len(group) > MAX_CELLS_REPORTED:
            more = f"table {name!r}: ... and {len(group) - MAX_CELLS_REPORTED} more"
            problems.append(Problem(where, LEAKS, more, name))
    return problems


def notebook_problems(name: str, nb: dict, folder: Path | None) -> list[Problem]:
    """Every output of an executed notebook shows released tables only, each equal to its CSV
    in `folder` cell by cell (a suppressed ``c`` shown as ``[c]``, never a number)."""
    from nps_analysis.release.metadata import released_tables

    released = (
        released_tables(folder) if folder is not None and (folder / "tables").is_dir() else {}
    )
    problems: list[Problem] = []
    for n, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        for k, output in enumerate(cell.get("outputs", [])):
            where = f"{name} cell {cell.get('id') or n} output {k + 1}"
            data = output.get("data", {})
            html = _joined(data.get("text/html", ""))
            if output.get("output_type") == "stream":
                text = _joined(output.get("text", ""))
            else:
                text = "" if html else _joined(data.get("text/plain", ""))
            if text and looks_like_frame_text(text):
                first = text.strip().splitlines()[0][:60]
                problems.append(
                    Problem(where, LEAKS, f"pandas frame or series printed as text: {first!r}")
                )
            for table in parse_tables(html):
                if released_spec(table) is not None:
                    problems += _released_table_problems(where, table, folder, LEAKS)
                elif table.raw:
                    problems += _raw_frame_problems(where, table, released)
                else:
                    problems.append(
                        Problem(
                            where,
                            LEAKS,
                            f"table not from a released CSV: {table.label!r}",
                            table.label,
                        )
                    )
    return problems
