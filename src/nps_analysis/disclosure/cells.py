"""The released count cells of one table, as the intruder reads them: records matching members.

`table_cells` turns a released table and its `Disclosure` declaration into plain records (for
the checker's store and `nps audit`): one per released count, with the categories it counts
(`members`), its released value (None for a `c`) and the records it counts (`population`).

Members come from the row's dimension columns (a total label such as "All", "All (North East)"
or "England" means "summed over"), then the declaration's `members` for that count column
(templates like ``"{skill}"`` read the row; ``"*"`` sums a dimension out, e.g. England columns
beside a region's; a function of the row for groups that depend on it), then the writer's context (a regional report's tables count that region's
records unless a row says otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.grid import NOT_APPLICABLE
from nps_analysis.disclosure.vocabulary import DIMENSIONS
from nps_analysis.provenance import SUPPRESSED

SUMMED = "*"
"""A member value meaning "all categories of this dimension" (the dimension is dropped)."""


def is_total_label(value: Any) -> bool:
    """True for a row label that stands for all categories ("All ...", "England", "Total")."""
    text = str(value).strip()
    return text in {"England", "Total", "all"} or text.startswith("All")


def _resolve(value: Any, row: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**{k: str(v) for k, v in row.items()}) if "{" in value else value
    return tuple(_resolve(v, row) for v in value)


def _dimension_columns(frame: pd.DataFrame, declaration: Disclosure) -> dict[str, str]:
    """Table column -> audit dimension: the declared `dimensions`, plus any other non-count
    column named like a known dimension (`vocabulary.DIMENSIONS`)."""
    counts = set(declaration.all_counts) | set(declaration.derived)
    mapping = {c: c for c in frame.columns if c in DIMENSIONS and c not in counts}
    mapping.update(declaration.dimensions)
    return {c: d for c, d in mapping.items() if d and c in frame.columns}


def _count(value: Any, table: str, column: str, row: int) -> int | None:
    if isinstance(value, str) and value.strip() == SUPPRESSED:
        return None
    if isinstance(value, str) and value.strip() == NOT_APPLICABLE:
        return 0  # an impossible combination: the intruder knows it is zero
    number = float(value)
    if number != int(number):
        raise ValueError(f"{table}: count column {column!r} row {row} is not whole: {value!r}")
    return int(number)


def table_cells(
    table: str,
    frame: pd.DataFrame,
    declaration: Disclosure,
    context: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Every count cell of released `frame` (before hidden counts are dropped) as a record:
    table, row, column, members, value (None when suppressed), population."""
    population = declaration.population
    if population is None or not declaration.all_counts:
        return []
    dims = _dimension_columns(frame, declaration)
    fixed = {k: v for k, v in (context or {}).items() if v not in (None, "")}
    cells = []
    for i, row in enumerate(frame.to_dict("records")):
        base: dict[str, Any] = {}
        for column, dimension in dims.items():
            value = row[column]
            if pd.isna(value) or is_total_label(value):
                continue
            base[dimension] = str(value)
        for column in declaration.counts:  # hidden counts are not released: no cell
            raw = row[column]
            if pd.isna(raw):
                continue  # nothing released (not applicable)
            members = {**fixed, **base}
            spec = declaration.members.get(column, {})
            extra = spec(row) if callable(spec) else spec
            if extra is None:
                continue  # a count the data dictionary cannot describe: protected within its table
            for key, value in extra.items():
                dimension = _resolve(key, row)
                resolved = _resolve(value, row)
                if resolved == SUMMED:
                    members.pop(dimension, None)
                else:
                    members[dimension] = resolved
            value = _count(raw, table, column, i)
            if any(isinstance(v, tuple) and not v for v in members.values()):
                if value:  # a count of no category at all must be zero
                    raise ValueError(f"{table}: {column!r} row {i} counts no category: {value}")
                continue
            cells.append(
                {
                    "table": table,
                    "row": i,
                    "column": column,
                    "members": {
                        k: (list(v) if isinstance(v, tuple) else v)
                        for k, v in sorted(members.items())
                    },
                    "value": value,
                    "population": declaration.populations.get(column, population),
                }
            )
    return cells
