"""Figures transcribed from the National Picture report (Nov 2024) and the implementation strategy.

Each table under ``data/raw/published/`` and each reference list under its ``reference/`` folder is
described as data in ``datasets/specs/published/`` (``tables.yaml``, ``references.yaml``) and checked
on load by the engine that checks the minimum data sets
(:func:`nps_analysis.datasets.engine.check_table`): allowed values come from
``datasets/specs/vocabularies.yaml`` and must be spelt exactly so, the row checks (the printed
figure is in the quoted text and agrees with ``value``, ...) are rules of the engine's registry. Every problem is a :class:`~nps_analysis.errors.Problem` naming file, row (CSV line),
column, rule, value and fix. The engine's warnings (a header spelled differently, an extra column,
a blank row) are errors here: these files are transcriptions kept in git and must be exact. See
``data/raw/published/README.md`` for the tables and ``docs/published-figures.md`` for conventions.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from nps_analysis.datasets.engine import check_table
from nps_analysis.datasets.spec import (
    DatasetSpec,
    get_vocabulary,
    published_common_columns,
    published_spec,
    published_table_names,
    reference_names,
    reference_spec,
)
from nps_analysis.errors import InputDataError, Problem
from nps_analysis.paths import PUBLISHED_DIR, REFERENCE_DIR, display_path
from nps_analysis.regions import read_reference_csv


def _dimensions(spec: DatasetSpec) -> dict[str, Sequence[str] | None]:
    """Dimension column -> its allowed values (None = free text), in file order."""
    columns = spec.columns[1 : -len(COMMON_TAIL)]
    return {
        c.name: list(get_vocabulary(c.vocabulary).values) if c.vocabulary else None for c in columns
    }


COMMON_TAIL = published_common_columns()[1:]
"""The columns every published table ends with (after figure_id and its dimensions)."""
TABLE_DIMENSIONS: dict[str, dict[str, Sequence[str] | None]] = {
    name: _dimensions(published_spec(name)) for name in published_table_names()
}
"""Each table's dimension columns and their allowed values ('' = not applicable is also allowed)."""
REFERENCE_COLUMNS: dict[str, list[str]] = {
    name: reference_spec(name).column_names for name in reference_names()
}


def _problem(path: Path, rule: str, message: str, fix: str) -> InputDataError:
    return InputDataError([Problem(display_path(path), rule, message, fix)])


def read_published_csv(path: Path, *, reference: bool = False) -> pd.DataFrame:
    """A published table, or a reference list (through its one cached reader,
    :func:`nps_analysis.regions.read_reference_csv`), as text; a missing file is a Problem."""
    if not path.is_file():
        raise _problem(
            path,
            "file_not_found",
            "file not found",
            "restore it from git (data/raw/published is tracked)",
        )
    if reference:
        return read_reference_csv(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _as_loaded(frame: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """The checked frame as callers expect it: numbers float64, integers int64, dates
    datetime64[ns], all else str ('' where blank)."""
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        cells = frame[col.name]
        if col.type == "number":
            out[col.name] = cells.astype("float64")
        elif col.type == "integer":
            out[col.name] = cells.astype("int64")
        elif col.type == "date":
            out[col.name] = cells
        else:
            out[col.name] = cells.astype(object).where(cells.notna(), "").astype(str)
    return pd.DataFrame(out, index=frame.index)


def validate_published(
    df: pd.DataFrame, spec: DatasetSpec | str, *, file: str | None = None
) -> pd.DataFrame:
    """Check a raw (all-string) table against its spec (a published table's name or any spec);
    return it typed or raise InputDataError listing every problem."""
    spec = published_spec(spec) if isinstance(spec, str) else spec
    result = check_table(df, spec, file=file or f"data/raw/published/{spec.name}.csv")
    problems = [*result.errors, *result.warnings]
    if problems or result.frame is None:
        problems.sort(key=lambda p: (p.row or 0, p.column or "", p.rule))
        raise InputDataError(problems)
    return _as_loaded(result.frame, spec)


def _directory(directory: str | os.PathLike[str] | None, default: Path) -> Path:
    return Path(directory) if directory is not None else default


_SPECS = {"table": published_spec, "reference": reference_spec}
_KINDS: dict[str, tuple[Path, Collection[str], str]] = {
    "table": (PUBLISHED_DIR, TABLE_DIMENSIONS, "published table"),
    "reference": (REFERENCE_DIR, REFERENCE_COLUMNS, "reference list"),
}
"""Where each kind of file lives by default, the names that have a spec, and what it is called."""


def _load(kind: str, name: str, directory: str | os.PathLike[str] | None) -> pd.DataFrame:
    """Load and check published table or reference list `name` (`kind` 'table' or 'reference')."""
    default, known, noun = _KINDS[kind]
    path = _directory(directory, default) / f"{name}.csv"
    if name not in known:
        raise _problem(
            path, f"unknown_{kind}", f"no spec for {noun} '{name}'", f"use one of {sorted(known)}"
        )
    stat = path.stat() if path.is_file() else None
    key = (stat.st_mtime_ns, stat.st_size) if stat else None
    return _validated(str(path), kind, name, key).copy()


@lru_cache(maxsize=64)
def _validated(path: str, kind: str, name: str, version: tuple[int, int] | None) -> pd.DataFrame:
    """Read and check once per file version (`version` = modification time and size)."""
    del version  # part of the cache key only: an edited file is read again
    spec = _SPECS[kind](name)
    raw = read_published_csv(Path(path), reference=kind == "reference")
    return validate_published(raw, spec, file=display_path(path))


def load_published(name: str, directory: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load and validate `data/raw/published/<name>.csv` (or `<directory>/<name>.csv`)."""
    return _load("table", name, directory)


def list_published_tables(directory: str | os.PathLike[str] | None = None) -> list[str]:
    """Names of the published tables present on disk (each has a schema)."""
    folder = _directory(directory, PUBLISHED_DIR)
    return sorted(p.stem for p in folder.glob("*.csv") if p.stem in TABLE_DIMENSIONS)


def load_reference(name: str, directory: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load and check a reference list, `data/raw/published/reference/<name>.csv`."""
    return _load("reference", name, directory)


@lru_cache(maxsize=4)
def _register(directory: str) -> pd.DataFrame:
    frames = []
    for name in list_published_tables(directory):
        df = load_published(name, directory)
        dims = list(TABLE_DIMENSIONS[name])
        dim_text = (
            df[dims].apply(
                lambda r, dims=dims: "; ".join(f"{d}={r[d]}" for d in dims if r[d] != ""), axis=1
            )
            if len(df)
            else pd.Series(dtype=str)
        )
        part = df[["figure_id", *COMMON_TAIL]].copy()
        part.insert(0, "table", name)
        part.insert(2, "dimensions", dim_text.astype(str))
        frames.append(part)
    register = pd.concat(frames, ignore_index=True)
    dup = register["figure_id"][register["figure_id"].duplicated()]
    if len(dup):
        raise InputDataError(
            [
                Problem(
                    f"data/raw/published/{register.loc[i, 'table']}.csv",
                    "figure_id_unique_across_tables",
                    f"figure_id '{register.loc[i, 'figure_id']}' is used in more than one table",
                    "rename one of them",
                    column="figure_id",
                )
                for i in dup.index
            ]
        )
    return register


def all_figures(directory: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The figure register: every row of every published table, with its table and dimensions."""
    return _register(str(_directory(directory, PUBLISHED_DIR))).copy()


def figure(figure_id: str, directory: str | os.PathLike[str] | None = None) -> float:
    """The numeric value of one published figure (e.g. ``figure("cases.total") == 19454.0``)."""
    register = _register(str(_directory(directory, PUBLISHED_DIR)))
    match = register.loc[register["figure_id"] == figure_id, "value"]
    if match.empty:
        raise KeyError(f"unknown figure_id '{figure_id}' (see all_figures() for the register)")
    value = match.iloc[0]
    if pd.isna(value):
        raise ValueError(f"figure '{figure_id}' is qualitative (no numeric value was published)")
    return float(value)
