"""Validate every data set file in a folder and write typed Parquet files (deterministic bytes)."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pandas as pd

from nps_analysis.datasets.loading import DataWarning, dataset_files
from nps_analysis.datasets.spec import DATASET_NAMES
from nps_analysis.errors import InputDataError
from nps_analysis.paths import atomic_write

__all__ = ["build_processed", "dataset_files", "write_processed"]


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
