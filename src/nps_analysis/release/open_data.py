"""EES-style open data: one tidy CSV and ``.meta.csv`` per released table, and their checks.

DfE Explore Education Statistics (EES) open data standards: mandatory time columns
(``time_period``, ``time_identifier``) and geography columns (``geographic_level`` with the
country's code and name), then filters, then indicators; no blank cells (GSS/EES symbols
``c``, ``x``, ``z``, ``low`` instead); a ``.meta.csv`` naming each filter and indicator with
its label, unit and decimals. The DfE screener is R-only; `check_open_data` implements the
rules that can be checked here.

ASSUMPTION (docs/reports.md): Adoption England's eight pan-regions are not ONS regions, so they
have no E12 code and EES's ``Regional`` level does not fit them. Rows are published at
``National`` level (England) with the pan-region as a filter (``region``, or ``pan_region``
added for one region's tables), which EES accepts.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pandas as pd

from nps_analysis.provenance import SUPPRESSED
from nps_analysis.release.formatting import is_blank
from nps_analysis.release.metadata import TableSpec, analysis_of, released_tables, table_spec

TIME_COLUMNS = ["time_period", "time_identifier"]
GEOGRAPHY_COLUMNS = ["geographic_level", "country_code", "country_name"]
MANDATORY = [*TIME_COLUMNS, *GEOGRAPHY_COLUMNS]
META_COLUMNS = [
    "col_name",
    "col_type",
    "label",
    "indicator_grouping",
    "indicator_unit",
    "indicator_dp",
    "filter_hint",
    "filter_grouping_column",
]
TIME_IDENTIFIERS = ("Financial year", "Reporting year", "Calendar year", "Academic year")
GEOGRAPHIC_LEVELS = ("National", "Regional", "Local authority")
ENGLAND = ("E92000001", "England")
EES_SYMBOLS = ("c", "x", "z", "low", "u", "k")
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_FINANCIAL = re.compile(r"^(\d{4})/(\d{2})$")


def time_period(value: str, identifier: str) -> str:
    """EES time_period: ``2018/19`` -> ``201819`` for financial years, ``2024`` stays."""
    text = str(value).strip()
    match = _FINANCIAL.match(text)
    if match:
        return f"{match.group(1)}{match.group(2)}"
    if re.fullmatch(r"\d{4}", text):
        return text
    raise ValueError(f"{value!r} is not a {identifier.lower()} (expected 'YYYY/YY' or 'YYYY')")


def ees_name(name: str) -> str:
    """A column name as EES wants it: lower-case snake_case (``curvature_F`` -> ``curvature_f``)."""
    return re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")


def _cell(value: Any, column) -> str:
    if isinstance(value, str) and value.strip() == SUPPRESSED:
        return "c"
    if is_blank(value):
        return column.missing
    if column.format == "yes_no":
        return "Yes" if str(value).strip().lower() in ("true", "1", "yes") else "No"
    return str(value)


def tidy_table(
    frame: pd.DataFrame, spec: TableSpec, region: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(data, meta) of one table in EES form. `region` adds a ``pan_region`` filter to a
    single region's tables that do not already name it."""
    spec.check(frame)
    identifier = spec.time_identifier or "Calendar year"
    rows = len(frame)
    data: dict[str, list[str]] = {}
    if spec.time_column and spec.time_column in frame.columns:
        data["time_period"] = [
            time_period(v, identifier) if not is_blank(v) else (spec.time_period or "")
            for v in frame[spec.time_column]
        ]
    elif spec.time_period:
        data["time_period"] = [spec.time_period] * rows
    else:
        raise ValueError(f"table '{spec.analysis}/{spec.name}' has no time period for open data")
    data["time_identifier"] = [identifier] * rows
    data["geographic_level"] = ["National"] * rows
    data["country_code"] = [ENGLAND[0]] * rows
    data["country_name"] = [ENGLAND[1]] * rows
    meta = []
    if region and "region" not in frame.columns:
        data["pan_region"] = [region] * rows
        meta.append(("pan_region", "Filter", "Pan-region", "", "", "Adoption England pan-region"))
    columns = [spec.columns[c] for c in frame.columns if c != spec.time_column]
    for column in sorted(columns, key=lambda c: c.is_indicator):  # filters, then indicators
        name = ees_name(column.col_name)
        data[name] = [_cell(v, column) for v in frame[column.col_name]]
        if column.is_indicator:
            meta.append(
                (
                    name,
                    "Indicator",
                    column.label,
                    column.indicator_unit,
                    str(column.indicator_dp if column.indicator_dp is not None else 0),
                    "",
                )
            )
        else:
            meta.append(
                (
                    column.col_name,
                    "Filter",
                    column.label,
                    "",
                    "",
                    column.filter_hint or column.label,
                )
            )
    meta_frame = pd.DataFrame(
        [
            {
                "col_name": n,
                "col_type": t,
                "label": label,
                "indicator_grouping": "",
                "indicator_unit": unit,
                "indicator_dp": dp,
                "filter_hint": hint,
                "filter_grouping_column": "",
            }
            for n, t, label, unit, dp, hint in meta
        ],
        columns=META_COLUMNS,
    )
    return pd.DataFrame(data, dtype=str), meta_frame


def _csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue()


def write_open_data(
    output_dir: str | Path,
    folder: str | Path | None = None,
    *,
    region: str | None = None,
    analysis: str | None = None,
) -> list[Path]:
    """Write ``<table>.csv`` and ``<table>.meta.csv`` for every released table of an analysis
    folder into `folder` (default ``<output_dir>/open_data``); returns the data files."""
    output_dir = Path(output_dir)
    folder = Path(folder) if folder is not None else output_dir / "open_data"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.csv"):  # a table no longer released must not linger
        stale.unlink()
    analysis = analysis or analysis_of(output_dir)
    written = []
    for name, frame in released_tables(output_dir).items():
        spec = table_spec(analysis, name)
        if not spec.open_data:
            continue
        data, meta = tidy_table(frame, spec, region)
        path = folder / f"{name}.csv"
        path.write_text(_csv(data), encoding="utf-8")
        (folder / f"{name}.meta.csv").write_text(_csv(meta), encoding="utf-8")
        written.append(path)
    return written


def check_open_data(path: str | Path) -> list[str]:
    """Problems with one EES data file and its ``.meta.csv`` (empty list: it passes)."""
    path = Path(path)
    meta_path = path.with_name(path.name.replace(".csv", ".meta.csv"))
    problems: list[str] = []
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append("file starts with a byte-order mark")
    data = pd.read_csv(path, dtype=str, keep_default_na=False)
    if not meta_path.is_file():
        return [*problems, f"no metadata file {meta_path.name}"]
    meta = pd.read_csv(meta_path, dtype=str, keep_default_na=False)
    cols = list(data.columns)
    missing = [c for c in MANDATORY if c not in cols]
    if missing:
        problems.append(f"mandatory column(s) missing: {missing}")
    if len(set(cols)) != len(cols):
        problems.append("duplicate column names")
    bad_names = [c for c in cols if not _SNAKE.match(c)]
    if bad_names:
        problems.append(f"column names not snake_case: {bad_names}")
    blank = [c for c in cols if (data[c].str.strip() == "").any()]
    if blank:
        problems.append(f"blank cells in {blank}")
    if "time_identifier" in cols:
        wrong = sorted(set(data["time_identifier"]) - set(TIME_IDENTIFIERS))
        if wrong:
            problems.append(f"time_identifier not allowed: {wrong}")
        for identifier, period in zip(
            data["time_identifier"], data.get("time_period", []), strict=False
        ):
            ok = (
                re.fullmatch(r"(\d{4})(\d{2})", period)
                and int(period[4:]) == (int(period[2:4]) + 1) % 100
                if identifier in ("Financial year", "Academic year")
                else re.fullmatch(r"\d{4}", period)
            )
            if not ok:
                problems.append(f"time_period {period!r} does not fit {identifier!r}")
                break
    if "geographic_level" in cols:
        wrong = sorted(set(data["geographic_level"]) - set(GEOGRAPHIC_LEVELS))
        if wrong:
            problems.append(f"geographic_level not allowed: {wrong}")
        national = data[data["geographic_level"] == "National"]
        if len(national) and (
            (national.get("country_code") != ENGLAND[0]).any()
            or (national.get("country_name") != ENGLAND[1]).any()
        ):
            problems.append(
                "National rows must have country_code E92000001 and country_name England"
            )
    if list(meta.columns) != META_COLUMNS:
        problems.append(f"meta columns must be {META_COLUMNS}")
        return problems
    described = list(meta["col_name"])
    expected = [c for c in cols if c not in MANDATORY]
    if sorted(described) != sorted(expected) or len(set(described)) != len(described):
        problems.append(
            f"meta must describe each non-mandatory column once: extra {sorted(set(described) - set(expected))}, "
            f"missing {sorted(set(expected) - set(described))}"
        )
    for row in meta.itertuples(index=False):
        where = f"meta {row.col_name}"
        if row.col_type not in ("Filter", "Indicator"):
            problems.append(f"{where}: col_type {row.col_type!r}")
        if not row.label.strip():
            problems.append(f"{where}: no label")
        if row.col_type == "Indicator":
            if not row.indicator_dp.isdigit():
                problems.append(f"{where}: indicator_dp must be a whole number")
            if row.indicator_unit not in ("", "%", "£", "£m", "pp"):
                problems.append(f"{where}: indicator_unit {row.indicator_unit!r}")
            if row.filter_hint:
                problems.append(f"{where}: indicators take no filter_hint")
            if row.col_name in cols:
                values = data[row.col_name]
                bad = values[
                    ~values.isin(EES_SYMBOLS) & pd.to_numeric(values, errors="coerce").isna()
                ]
                if len(bad):
                    problems.append(f"{where}: non-numeric values {sorted(set(bad))[:3]}")
        elif row.indicator_unit or row.indicator_dp:
            problems.append(f"{where}: filters take no indicator_unit or indicator_dp")
    keys = [*TIME_COLUMNS, *GEOGRAPHY_COLUMNS, *meta.loc[meta["col_type"] == "Filter", "col_name"]]
    keys = [k for k in keys if k in cols]
    if data.duplicated(subset=keys).any():
        problems.append("rows repeat the same time, geography and filter combination")
    return problems


def incomplete_matrix(path: str | Path) -> int:
    """Filter combinations missing from a data file ("complete the matrix"): 0 when every
    combination of its filters' values appears for every time period. Advisory: some tables
    (rankings, shortlists) are lists, not cross-tabulations."""
    path = Path(path)
    data = pd.read_csv(path, dtype=str, keep_default_na=False)
    meta = pd.read_csv(path.with_name(path.name.replace(".csv", ".meta.csv")), dtype=str)
    filters = [c for c in meta.loc[meta["col_type"] == "Filter", "col_name"] if c in data]
    keys = ["time_period", *filters]
    expected = 1
    for key in keys:
        expected *= data[key].nunique()
    return expected - len(data.drop_duplicates(subset=keys))
