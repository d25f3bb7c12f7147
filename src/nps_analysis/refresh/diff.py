"""The release diff: what changed between two builds, table by table.

A table's rows are matched on its key columns (the ``filter`` columns of its release spec, else
its text columns), its time column (``year``, ``financial_year`` ...) among them. Each change is
one row of a long table: a value revised in a year the old build had (old -> new, absolute and
relative change), a value of a year the old build did not have, a row added or removed, a rank or
band that moved, a headline sentence that changed, and tables or columns added or removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from nps_analysis.release import metadata

TIME_COLUMNS = ("year", "financial_year", "time_period", "as_at_year", "reporting_year")
"""Key columns read as the time of a row, first found wins."""
RANK_OR_BAND = re.compile(r"(^|_)(rank|ranking|band|quintile|decile|tier)(_|$)")
"""Value columns whose change is a ranking or band moving."""
MARKERS = frozenset({"c", "x", "z", "k", "u", "low", ":"})
"""Suppression and not-applicable symbols: values of a new year, like numbers."""
HEADLINE_COLUMN = "headline"
KINDS = (
    "table_added",
    "table_removed",
    "column_added",
    "column_removed",
    "revised",
    "new_year",
    "row_added",
    "row_removed",
    "rank_or_band_moved",
    "headline_changed",
)
CHANGE_COLUMNS = (
    "table",
    "kind",
    "key",
    "year",
    "column",
    "old",
    "new",
    "abs_change",
    "rel_change",
)
"""One change per row; ``key`` reads ``raa=Adopt East; region=Eastern`` (the time column apart)."""


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


def key_columns(frame: pd.DataFrame, table: str, folder: str | None = None) -> list[str]:
    """The columns that identify a row: the spec's filters, else the non-numeric columns; ranks,
    bands and headline sentences are values, never keys."""
    keys: list[str] | None = None
    if folder is not None:
        try:
            spec = metadata.table_spec(metadata.analysis_of(folder, table), table)
            keys = [
                c for c in frame.columns if c in spec.columns and not spec.columns[c].is_indicator
            ]
        except metadata.SpecError:
            keys = None
    if keys is None:
        keys = [
            c
            for c in frame.columns
            if c in TIME_COLUMNS or pd.to_numeric(frame[c], errors="coerce").isna().any()
        ]
    return [c for c in keys if not RANK_OR_BAND.search(c) and c != HEADLINE_COLUMN]


def _keyed(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Index by the keys, numbering repeats so every row has its own key."""
    seq = frame.groupby(keys, sort=False, dropna=False).cumcount() if keys else frame.index
    return frame.assign(_n=np.asarray(seq)).set_index([*keys, "_n"])


def _key_text(key: tuple, names: list[str], time: str | None) -> str:
    parts = [f"{n}={v}" for n, v in zip(names, key, strict=False) if n not in (time, "_n")]
    if key[-1]:
        parts.append(f"repeat={key[-1] + 1}")
    return "; ".join(parts)


def diff_frames(
    old: pd.DataFrame, new: pd.DataFrame, table: str, keys: list[str] | None = None
) -> pd.DataFrame:
    """Every change from ``old`` to ``new`` (both read as text), as CHANGE_COLUMNS rows."""
    keys = key_columns(new, table) if keys is None else keys
    keys = [k for k in keys if k in old.columns and k in new.columns]
    time = next((c for c in TIME_COLUMNS if c in keys), None)
    rows: list[dict] = []
    for column in [c for c in new.columns if c not in old.columns]:
        rows.append({"kind": "column_added", "column": column})
    for column in [c for c in old.columns if c not in new.columns]:
        rows.append({"kind": "column_removed", "column": column})
    a, b = _keyed(old, keys), _keyed(new, keys)
    names = list(b.index.names)
    values = [c for c in new.columns if c in old.columns and c not in keys]
    old_years = set(old[time]) if time else set()
    for key in b.index.difference(a.index, sort=False):
        year = key[names.index(time)] if time else ""
        text = _key_text(key, names, time)
        if time and year not in old_years:
            for column in values:
                if _number(b.loc[key, column]) is None and b.loc[key, column] not in MARKERS:
                    continue  # a label of the new row, not a value
                rows.append(
                    {
                        "kind": "new_year",
                        "key": text,
                        "year": year,
                        "column": column,
                        "new": b.loc[key, column],
                    }
                )
        else:
            rows.append({"kind": "row_added", "key": text, "year": year})
    for key in a.index.difference(b.index, sort=False):
        year = key[names.index(time)] if time else ""
        rows.append({"kind": "row_removed", "key": _key_text(key, names, time), "year": year})
    common = a.index.intersection(b.index, sort=False)
    for column in values:
        before, after = a.loc[common, column], b.loc[common, column]
        changed = before.ne(after)
        for key in common[changed.to_numpy()]:
            o, n = before.loc[key], after.loc[key]
            x, y = _number(o), _number(n)
            if x is not None and y is not None and x == y:
                continue  # same number, other spelling
            kind = (
                "rank_or_band_moved"
                if RANK_OR_BAND.search(column)
                else "headline_changed"
                if column == HEADLINE_COLUMN
                else "revised"
            )
            row = {
                "kind": kind,
                "key": _key_text(key, names, time),
                "year": key[names.index(time)] if time else "",
                "column": column,
                "old": o,
                "new": n,
            }
            if x is not None and y is not None:
                row["abs_change"] = y - x
                row["rel_change"] = (y - x) / abs(x) if x else np.nan
            rows.append(row)
    out = pd.DataFrame(rows, columns=[c for c in CHANGE_COLUMNS if c != "table"])
    out.insert(0, "table", table)
    return out


def table_files(folder: str | Path) -> dict[str, Path]:
    """Released tables under a build folder, by path relative to it (``x/tables/t.csv``); the
    refresh's own folder is left out."""
    folder = Path(folder)
    files = {}
    for path in sorted(folder.rglob("tables/*.csv")):
        rel = path.relative_to(folder).as_posix()
        if not rel.startswith("refresh/"):
            files[rel] = path
    return files


def diff_folders(old_dir: str | Path, new_dir: str | Path) -> pd.DataFrame:
    """Every change between two builds (``outputs/``-like folders), table by table."""
    old, new = table_files(old_dir), table_files(new_dir)
    parts = []
    for rel in sorted(set(old) | set(new)):
        if rel not in old:
            parts.append(pd.DataFrame([{"table": rel, "kind": "table_added"}]))
            continue
        if rel not in new:
            parts.append(pd.DataFrame([{"table": rel, "kind": "table_removed"}]))
            continue
        a = pd.read_csv(old[rel], dtype=str, keep_default_na=False)
        b = pd.read_csv(new[rel], dtype=str, keep_default_na=False)
        folder = new[rel].parent.parent
        parts.append(diff_frames(a, b, rel, key_columns(b, new[rel].stem, str(folder))))
    changes = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return changes.reindex(columns=list(CHANGE_COLUMNS))


def diff_tables(
    old: dict[str, pd.DataFrame],
    new: dict[str, pd.DataFrame],
    keys: dict[str, list[str]],
    ignore: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The changes between two sets of in-memory tables, each compared as its CSV text (as a
    released table would be), on the given keys; ``ignore`` columns are not compared."""
    from io import StringIO

    from nps_analysis.outputs import to_csv_text

    def text(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.drop(columns=[c for c in ignore if c in frame.columns])
        return pd.read_csv(StringIO(to_csv_text(frame)), dtype=str, keep_default_na=False)

    parts = [diff_frames(text(old[n]), text(new[n]), n, keys[n]) for n in new if n in old]
    return pd.concat(parts, ignore_index=True).reindex(columns=list(CHANGE_COLUMNS))


def snapshot_tables(outputs_dir: str | Path, dest: str | Path) -> int:
    """Copy every released table of a build into ``dest`` (same relative paths): the previous
    build a later diff compares with. The number of tables copied."""
    import shutil

    files = table_files(outputs_dir)
    for rel, path in files.items():
        target = Path(dest) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return len(files)
