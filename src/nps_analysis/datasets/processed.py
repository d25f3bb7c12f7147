"""Validate every data set file in a folder and write typed Parquet files (deterministic bytes)."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import pandas as pd

from nps_analysis.datasets.engine import CheckResult
from nps_analysis.datasets.loading import THERAPY_MAP_FILENAME, DataWarning, check_path
from nps_analysis.datasets.reading import SUPPORTED_SUFFIXES
from nps_analysis.datasets.spec import DATASET_NAMES, get_spec
from nps_analysis.errors import InputDataError, Problem


def dataset_files(in_dir: Path) -> list[Path]:
    """Data files in `in_dir` (not recursive), sorted by name; mapping tables are excluded."""
    return sorted(
        p
        for p in Path(in_dir).iterdir()
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and p.name != THERAPY_MAP_FILENAME
        and not p.name.startswith((".", "~$"))
    )


def _combine(name: str, parts: list[CheckResult]) -> tuple[pd.DataFrame, list[Problem]]:
    """Concatenate one data set's tables; re-check ids and keys across files."""
    frames = [p.frame for p in parts if p.frame is not None]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    spec = get_spec(name)
    problems: list[Problem] = []
    if "financial_year" in frame.columns:
        years = sorted(frame["financial_year"].dropna().astype(str).unique())
        frame["financial_year"] = pd.Categorical(
            frame["financial_year"].astype(object), categories=years, ordered=True
        )
    if len(frames) > 1:
        keys = [[c.name] for c in spec.columns if c.unique and c.name in frame.columns]
        keys += [r["columns"] for r in spec.rules if r["rule"] == "unique_key"]
        files = ", ".join(f"{p.file}" + (f" [{p.sheet}]" if p.sheet else "") for p in parts)
        for key in keys:
            n = int(frame.duplicated(subset=key).sum())
            if n:
                problems.append(
                    Problem(
                        files,
                        "duplicate_across_files",
                        f"{n} row(s) repeat a {', '.join(key)} already used in another {name} file",
                        "remove rows supplied twice, or make the ids unique across files",
                        column=key[0],
                    )
                )
    return frame, problems


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow", compression="snappy")
    return buffer.getvalue()


def build_processed(in_dir: Path, out_dir: Path) -> list[Path]:
    """Validate every data set file in `in_dir`; write `out_dir/<dataset>.parquet` for each.

    Nothing is written unless every file passes. Several files of one data set (e.g. one per
    region) are concatenated in file-name order. Data sets with no file are skipped with a warning.
    """
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    results: list[CheckResult] = []
    for path in dataset_files(in_dir):
        results.extend(check_path(path))
    problems = [p for r in results for p in r.errors]
    for r in results:
        for w in r.warnings:
            warnings.warn(DataWarning(w.describe(show_value=False)), stacklevel=2)
    frames: dict[str, pd.DataFrame] = {}
    for name in DATASET_NAMES:
        parts = [r for r in results if r.dataset == name and r.frame is not None]
        if not parts:
            if not problems:
                warnings.warn(
                    DataWarning(f"{in_dir.name}: no {name} file found; {name}.parquet not written"),
                    stacklevel=2,
                )
            continue
        frame, extra = _combine(name, parts)
        problems.extend(extra)
        frames[name] = frame
    if problems:
        raise InputDataError(problems)
    from nps_analysis.datasets.schemas import pandera_schema  # pandera is slow to import

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in frames.items():
        pandera_schema(name).validate(frame)
        path = out_dir / f"{name}.parquet"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(_parquet_bytes(frame))
        os.replace(tmp, path)
        written.append(path)
    return written
