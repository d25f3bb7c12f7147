"""The processed Parquet files: written here after validation, and read back here.

`build_processed` / `write_processed` write `data/processed/<dataset>.parquet` only from frames the
engine has validated and typed; `load_processed` reads those files, and the public tables that
`nps public-data` writes to `data/processed/public/`, back. The reader sits beside the writer
because it relies on what the writer guarantees: a record-level file holds exactly the engine's
typed frame, so it is read once and only its columns, dtypes and categories are checked against
the spec, not its values again.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import pandas as pd

from nps_analysis.datasets.loading import DataWarning, dataset_files, load_dataset
from nps_analysis.datasets.spec import DATASET_NAMES, ColumnSpec, get_spec, get_vocabulary
from nps_analysis.errors import InputDataError, Problem
from nps_analysis.paths import PROCESSED_DIR, atomic_write, display_path, resolve

__all__ = [
    "build_processed",
    "dataset_files",
    "load_data_file",
    "load_processed",
    "write_processed",
]

PUBLIC_PROCESSED_DIR = PROCESSED_DIR / "public"
"""Where `nps public-data` writes the tidy public statistics tables."""


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow", compression="snappy")
    return buffer.getvalue()


def write_processed(frames: dict[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    """Write `out_dir/<dataset>.parquet` for each frame the engine checked and typed.

    The frames are not validated a second time: the engine built each one from its spec (columns,
    dtypes, categories from the vocabularies, ranges and uniqueness already checked).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in DATASET_NAMES:
        if name not in frames:
            continue
        written.append(atomic_write(out_dir / f"{name}.parquet", _parquet_bytes(frames[name])))
    return written


def build_processed(in_dir: Path, out_dir: Path) -> list[Path]:
    """Validate every data set file in `in_dir`; write `out_dir/<dataset>.parquet` for each.

    The check is `nps validate`'s (nps_analysis.validation.validate_report). Nothing is written
    unless every file passes. Several files of one data set (e.g. one per region) are
    concatenated in file-name order. Data sets with no file are skipped with a warning.
    """
    from nps_analysis.validation import validate_report

    in_dir, out_dir = Path(in_dir), Path(out_dir)
    report = validate_report([in_dir])
    for w in report.warnings:
        warnings.warn(DataWarning(w.describe(show_value=False)), stacklevel=2)
    if report.errors:
        raise InputDataError(report.errors)
    for name in DATASET_NAMES:
        if name not in report.frames:
            warnings.warn(
                DataWarning(f"{in_dir.name}: no {name} file found; {name}.parquet not written"),
                stacklevel=2,
            )
    return write_processed(report.frames, out_dir)


# ------------------------------------------------------------------------------------- reading
def load_processed(name: str, folder: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """`<folder>/<name>.parquet`, read once.

    A record-level data set (`name` in DATASET_NAMES; default folder `data/processed`) was written
    only after the engine validated it, so its values are trusted: its columns, dtypes and
    categories (values and order) are compared with the spec instead of validating it again. Any
    other name is a public table (default folder `data/processed/public`), returned as written.
    Raises InputDataError if the file is missing or does not match the spec.
    """
    record = name in DATASET_NAMES
    default = PROCESSED_DIR if record else PUBLIC_PROCESSED_DIR
    path = (default if folder is None else resolve(folder)) / f"{name}.parquet"
    if not path.is_file():
        raise InputDataError([_missing_file(path, name, record)])
    frame = pd.read_parquet(path)
    if record:
        problems = _spec_mismatches(frame, name, display_path(path))
        if problems:
            raise InputDataError(problems)
    return frame


def load_data_file(name: str, path: str | os.PathLike[str]) -> pd.DataFrame:
    """Data set `name` from `path`: the project's processed file (`data/processed/<name>.parquet`)
    through `load_processed`; any other file (e.g. an analyst's own extract) is validated by the
    engine (`load_dataset`), as every raw input is."""
    full = resolve(path)
    if full.resolve() == (PROCESSED_DIR / f"{name}.parquet").resolve():
        return load_processed(name)
    return load_dataset(name, full)


def _missing_file(path: Path, name: str, record: bool) -> Problem:
    fix = (
        "run `nps process` to validate the data set files and write it (`make data` does so for "
        "the synthetic default; a region's own files: `nps run`)"
        if record
        else "run `nps public-data` to build it (`make data` does so with the synthetic default)"
    )
    return Problem(
        file=display_path(path),
        rule="processed_file_missing",
        message=f"the processed {'data set' if record else 'public table'} {name} was not found",
        fix=fix,
    )


def _dtype_matches(got: object, col: ColumnSpec) -> bool:
    """Whether `got` is the dtype the engine gives `col` (a vocabulary's categories in order)."""
    if col.type == "financial_year":  # ordered categories: the years present, sorted
        return (
            isinstance(got, pd.CategoricalDtype)
            and bool(got.ordered)
            and list(got.categories) == sorted(got.categories)
        )
    if col.vocab_name is None:
        return bool(got == pd.api.types.pandas_dtype(col.dtype))
    categories = list(get_vocabulary(col.vocab_name).values)
    categories += [col.blank_label] if col.blank_label else []
    return (  # compared as lists: unordered CategoricalDtypes are equal in any order
        isinstance(got, pd.CategoricalDtype)
        and not got.ordered
        and list(got.categories) == categories
    )


def _spec_mismatches(frame: pd.DataFrame, name: str, file: str) -> list[Problem]:
    """Where a processed file's columns or dtypes differ from what the engine writes."""
    spec = get_spec(name)
    fix = "rerun `nps process` to rebuild it from the data set files"

    def problem(rule: str, message: str, column: str | None = None) -> Problem:
        return Problem(file=file, rule=rule, message=message, fix=fix, column=column)

    problems = [
        problem("processed_column_missing", f"column '{c}' is missing", c)
        for c in spec.required_columns
        if c not in frame.columns
    ]
    problems += [
        problem("processed_column_extra", f"column '{c}' is not in the {name} spec", str(c))
        for c in frame.columns
        if c not in spec.column_names
    ]
    in_spec_order = [c for c in spec.column_names if c in frame.columns]
    if not problems and list(frame.columns) != in_spec_order:
        problems.append(problem("processed_column_order", "the columns are not in spec order"))
    problems += [
        problem(
            "processed_dtype",
            f"column '{col.name}' is stored as {frame[col.name].dtype}, not the spec's "
            f"{col.dtype}"
            + (f" of the {col.vocab_name} list, in its order" if col.vocab_name else ""),
            col.name,
        )
        for col in spec.columns
        if col.name in frame.columns and not _dtype_matches(frame[col.name].dtype, col)
    ]
    return problems
