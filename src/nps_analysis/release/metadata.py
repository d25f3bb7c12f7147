"""Table metadata as data: one spec per released table drives every release format.

The specs live in ``release/tables/*.yaml``: ``columns.yaml`` is a shared dictionary of column
definitions, and one file per analysis lists its tables (title, notes, source, time and
geography) and every column each table may release, with overrides of the dictionary. Column
fields follow DfE Explore Education Statistics (EES) ``.meta.csv``: ``col_type`` (filter or
indicator), ``label``, ``indicator_unit``, ``indicator_dp``, ``filter_hint``; a few more say how
a value is shown (``format``), what a blank cell means (``missing``) and whether a column is an
estimate. A released table or column the specs do not describe is an error, never rendered raw.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

SPEC_DIR = Path(__file__).resolve().parent / "tables"
COLUMN_TYPES = ("filter", "indicator")
FORMATS = ("number", "p_value", "yes_no", "text")
INDICATOR_UNITS = ("", "%", "£", "£m", "pp")
"""EES's indicator units; other units belong in the label ("per 1,000 adopted children")."""
MISSING = ("x", "z")
TIME_IDENTIFIERS = {
    "financial_year": "Financial year",
    "reporting_year": "Reporting year",
    "calendar_year": "Calendar year",
}
"""How a time column's values are read: financial years "2018/19", years ending 31 March, ..."""
GEOGRAPHY_LEVELS = ("National", "Regional")
RECORD_SOURCES = {
    "synthetic": (
        "SYNTHETIC record-level data generated from the report's published aggregates "
        "(not real families, children or staff)"
    ),
    "microdata": "the region's own record-level data, disclosure-controlled before release",
    "published": "figures transcribed from the National Picture report",
    "public": "official public statistics",
}
"""What ``{record_source}`` in a source line says, by the data kind of the table."""
_COLUMN_KEYS = {
    "col_type",
    "label",
    "indicator_unit",
    "indicator_dp",
    "filter_hint",
    "format",
    "missing",
    "estimate",
}
_TABLE_KEYS = {
    "title",
    "columns",
    "notes",
    "source",
    "time_column",
    "time_identifier",
    "time_period",
    "geography",
    "audience",
    "open_data",
}
_FIELD = re.compile(r"{(\w+)}")


class SpecError(ValueError):
    """A released table does not match its metadata (or has none)."""


class UnknownTableError(SpecError):
    """A released table has no spec: add one to ``release/tables/<analysis>.yaml``."""


@dataclass(frozen=True)
class ColumnSpec:
    """How one released column is labelled, typed and shown."""

    col_name: str
    col_type: str
    label: str
    indicator_unit: str = ""
    indicator_dp: int | None = None
    filter_hint: str = ""
    format: str = "number"
    missing: str = "x"
    estimate: bool = False

    @property
    def is_indicator(self) -> bool:
        return self.col_type == "indicator"

    @property
    def is_numeric(self) -> bool:
        """Shown as a number at `indicator_dp` decimals (p-values included)."""
        return self.format in ("number", "p_value")

    @property
    def header(self) -> str:
        """The column heading readers see: label, unit in brackets, [e] for estimates."""
        unit = f" ({self.indicator_unit})" if self.indicator_unit else ""
        return f"{self.label}{unit}{' [e]' if self.estimate else ''}"

    def header_for(self, values: dict[str, str]) -> str:
        """`header` with ``{region}``-style fields filled (a label may name the region)."""
        return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), self.header)


@dataclass(frozen=True)
class TableSpec:
    """One released table: title (what, where, when), columns, notes and source."""

    analysis: str
    name: str
    title: str
    columns: dict[str, ColumnSpec]
    source: str
    notes: tuple[str, ...] = ()
    time_column: str | None = None
    time_identifier: str | None = None
    time_period: str | None = None
    geography: str = "National"
    audience: str = "reader"
    open_data: bool = True
    context: dict[str, str] = field(default_factory=dict)

    def title_for(
        self, context: dict[str, Any] | None = None, frame: pd.DataFrame | None = None
    ) -> str:
        """The title with its fields filled: ``{area}``, ``{region}``, ``{period}`` ..."""
        values = self.context_for(context, frame)
        missing = sorted(set(_FIELD.findall(self.title)) - set(values))
        if missing:
            raise SpecError(
                f"table '{self.analysis}/{self.name}': title needs {missing}; pass them as context"
            )
        return self.title.format(**values)

    def context_for(
        self, context: dict[str, Any] | None = None, frame: pd.DataFrame | None = None
    ) -> dict[str, str]:
        """Defaults of the analysis, then `context`; ``period`` from the time column if absent."""
        values = {
            **self.context,
            **{k: str(v) for k, v in (context or {}).items() if v is not None},
        }
        if "region" in values and "area" not in (context or {}):
            values["area"] = values["region"]
        if "period" not in values:
            values["period"] = self.period_of(frame)
        return values

    def period_of(self, frame: pd.DataFrame | None) -> str:
        """ "2018/19 to 2022/23" from the time column, else the spec's fixed period."""
        columns = getattr(frame, "columns", ())
        if frame is not None and {"first_year", "last_year"} <= set(columns):
            first = sorted({str(v) for v in frame["first_year"] if str(v) not in ("", "nan")})
            last = sorted({str(v) for v in frame["last_year"] if str(v) not in ("", "nan")})
            if first and last:
                return first[0] if first[0] == last[-1] else f"{first[0]} to {last[-1]}"
        if frame is not None and self.time_column in columns:
            values = sorted({str(v) for v in frame[self.time_column] if str(v) not in ("", "nan")})
            if values:
                return values[0] if len(values) == 1 else f"{values[0]} to {values[-1]}"
        return self.context.get("period", "")

    def source_for(self, context: dict[str, Any] | None = None) -> str:
        """The source line with ``{record_source}`` (from ``data_kind``) and other fields filled."""
        values = self.context_for(context)
        kind = str(values.get("data_kind", "synthetic"))
        values["record_source"] = RECORD_SOURCES.get(kind, kind)
        try:
            return self.source.format(**values)
        except KeyError as error:
            raise SpecError(
                f"table '{self.analysis}/{self.name}': source needs {error}; pass it as context"
            ) from None

    def check(self, frame: pd.DataFrame) -> None:
        """Raise SpecError unless every column of `frame` is described and holds what it says."""
        unknown = [c for c in frame.columns if c not in self.columns]
        if unknown:
            raise SpecError(
                f"table '{self.analysis}/{self.name}': column(s) {unknown} have no metadata; add "
                f"them to release/tables/{self.analysis}.yaml (label, col_type, decimals)"
            )
        headers = [self.columns[c].header for c in frame.columns]
        repeated = sorted({h for h in headers if headers.count(h) > 1})
        if repeated:
            raise SpecError(
                f"table '{self.analysis}/{self.name}': two columns share the heading(s) {repeated}"
            )
        for name in frame.columns:
            column = self.columns[name]
            if not column.is_numeric:
                continue
            values = frame[name].astype(str).str.strip()
            values = values[~values.isin(["", "c", "z", "x", "nan", "<NA>", "None"])]
            bad = values[pd.to_numeric(values, errors="coerce").isna()]
            if len(bad):
                raise SpecError(
                    f"table '{self.analysis}/{self.name}': column '{name}' is declared numeric "
                    f"but holds {sorted(set(bad))[:3]}"
                )


@dataclass(frozen=True)
class AnalysisSpec:
    """The tables one analysis releases, and the folder(s) under outputs/ it writes."""

    name: str
    folders: tuple[str, ...]
    source: str
    tables: dict[str, TableSpec]
    context: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> TableSpec:
        try:
            return self.tables[name]
        except KeyError:
            raise UnknownTableError(
                f"table '{name}' of analysis '{self.name}' has no metadata: add it to "
                f"release/tables/{self.name}.yaml (title, source, every column's label and "
                "decimals) before releasing it"
            ) from None


def _column(name: str, entry: dict[str, Any], where: str) -> ColumnSpec:
    extra = set(entry) - _COLUMN_KEYS
    if extra:
        raise SpecError(f"{where}: column '{name}' has unknown key(s) {sorted(extra)}")
    if not entry.get("label"):
        raise SpecError(f"{where}: column '{name}' has no label")
    col_type = entry.get("col_type", "indicator")
    fmt = entry.get("format", "number" if col_type == "indicator" else "text")
    if col_type not in COLUMN_TYPES or fmt not in FORMATS:
        raise SpecError(f"{where}: column '{name}': col_type {col_type!r} / format {fmt!r}")
    unit = entry.get("indicator_unit", "")
    if unit not in INDICATOR_UNITS:
        raise SpecError(
            f"{where}: column '{name}': indicator_unit {unit!r} not in {INDICATOR_UNITS}"
        )
    dp = entry.get("indicator_dp")
    if fmt in ("number", "p_value") and not isinstance(dp, int):
        raise SpecError(f"{where}: numeric column '{name}' has no indicator_dp (decimals)")
    missing = entry.get("missing", "x")
    if missing not in MISSING:
        raise SpecError(f"{where}: column '{name}': missing {missing!r} not in {MISSING}")
    return ColumnSpec(
        col_name=name,
        col_type=col_type,
        label=str(entry["label"]),
        indicator_unit=unit,
        indicator_dp=dp,
        filter_hint=str(entry.get("filter_hint", "")),
        format=fmt,
        missing=missing,
        estimate=bool(entry.get("estimate", False)),
    )


def _table(analysis: str, name: str, entry: dict, dictionary: dict, defaults: dict) -> TableSpec:
    where = f"release/tables/{analysis}.yaml: table '{name}'"
    extra = set(entry) - _TABLE_KEYS
    if extra:
        raise SpecError(f"{where} has unknown key(s) {sorted(extra)}")
    if not entry.get("title"):
        raise SpecError(f"{where} has no title")
    columns = {}
    for col, override in (entry.get("columns") or {}).items():
        merged = {**dictionary.get(col, {}), **(override or {})}
        columns[col] = _column(col, merged, where)
    if not columns:
        raise SpecError(f"{where} lists no columns")
    time_column = entry.get("time_column")
    if time_column is None:
        time_column = next((c for c in columns if c in TIME_IDENTIFIERS or c == "year"), None)
    identifier = entry.get("time_identifier", defaults.get("time_identifier"))
    if time_column in TIME_IDENTIFIERS:
        identifier = TIME_IDENTIFIERS[time_column]
    geography = entry.get("geography", defaults.get("geography", "National"))
    if geography not in GEOGRAPHY_LEVELS:
        raise SpecError(f"{where}: geography {geography!r} not in {GEOGRAPHY_LEVELS}")
    notes = entry.get("notes") or []
    return TableSpec(
        analysis=analysis,
        name=name,
        title=str(entry["title"]),
        columns=columns,
        source=str(entry.get("source", defaults["source"])),
        notes=tuple(str(n) for n in ([notes] if isinstance(notes, str) else notes)),
        time_column=time_column,
        time_identifier=identifier,
        time_period=str(entry.get("time_period", defaults.get("time_period", ""))) or None,
        geography=geography,
        audience=entry.get("audience", "reader"),
        open_data=bool(entry.get("open_data", True)),
        context=dict(defaults.get("context", {})),
    )


@functools.cache
def load_specs(spec_dir: str | Path = SPEC_DIR) -> dict[str, AnalysisSpec]:
    """Every analysis spec under `spec_dir`, keyed by analysis name (validated on load)."""
    import yaml

    spec_dir = Path(spec_dir)
    dictionary = yaml.safe_load((spec_dir / "columns.yaml").read_text(encoding="utf-8"))
    specs = {}
    for path in sorted(spec_dir.glob("*.yaml")):
        if path.name == "columns.yaml":
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = raw["analysis"]
        if name != path.stem:
            raise SpecError(f"{path.name}: analysis '{name}' must match the file name")
        defaults = {
            "source": raw["source"],
            "time_identifier": raw.get("time_identifier"),
            "time_period": raw.get("time_period"),
            "geography": raw.get("geography", "National"),
            "context": {k: str(v) for k, v in (raw.get("context") or {}).items()},
        }
        tables = {
            table: _table(name, table, entry or {}, dictionary, defaults)
            for table, entry in (raw.get("tables") or {}).items()
        }
        specs[name] = AnalysisSpec(
            name=name,
            folders=tuple(raw.get("folders", [name])),
            source=raw["source"],
            tables=tables,
            context=defaults["context"],
        )
    return specs


def analysis_of(output_dir: str | PathLike[str], table: str | None = None) -> str:
    """The analysis an output folder belongs to (``outputs/regions/eastern`` -> the regional
    one). A folder of another name (a test's temporary folder) falls back on the one analysis
    that releases `table`; when several do, pass ``analysis=`` to the caller."""
    folder = Path(output_dir)
    for spec in load_specs().values():
        for pattern in spec.folders:
            parent, _, child = pattern.rpartition("/")
            if child == "*" and folder.parent.name == parent:
                return spec.name
            if not parent and child == folder.name:
                return spec.name
    owners = [a for a, spec in load_specs().items() if table in spec.tables] if table else []
    if len(owners) == 1:
        return owners[0]
    raise UnknownTableError(
        f"output folder '{folder.name}' belongs to no analysis spec in release/tables/"
        + (f" and table '{table}' is released by {owners or 'none'}" if table else "")
        + "; pass analysis=... or add the analysis (its folders and tables) before releasing"
    )


def table_spec(analysis: str, name: str) -> TableSpec:
    """The spec of one released table (UnknownTableError if there is none)."""
    specs = load_specs()
    if analysis not in specs:
        raise UnknownTableError(f"no metadata for analysis '{analysis}' in release/tables/")
    return specs[analysis].table(name)


def released_tables(output_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The released CSVs of one analysis folder, read as text (``c`` and blanks kept)."""
    tables = {}
    for path in sorted((Path(output_dir) / "tables").glob("*.csv")):
        tables[path.stem] = pd.read_csv(path, dtype=str, keep_default_na=False)
    return tables


def check_folder(output_dir: str | Path) -> list[str]:
    """Every released table of a folder checked against its spec: the list of problems."""
    problems = []
    try:
        analysis = analysis_of(output_dir)
    except SpecError as error:
        return [str(error)]
    for name, frame in released_tables(output_dir).items():
        try:
            table_spec(analysis, name).check(frame)
        except SpecError as error:
            problems.append(str(error))
    return problems
