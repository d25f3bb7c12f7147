"""Check files against the data set specs and load them as typed frames."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from nps_analysis.datasets.engine import CheckResult, check_table
from nps_analysis.datasets.reading import (
    EXCEL_SUFFIXES,
    file_label,
    infer_dataset_from_name,
    read_path,
    spec_for_sheet,
)
from nps_analysis.datasets.spec import (
    DATASET_NAMES,
    Vocabulary,
    get_spec,
    get_vocabulary,
    read_mapping_table,
)
from nps_analysis.errors import InputDataError, Problem

#: A region's own extra therapy-type spellings: a CSV of this name beside its data files.
THERAPY_MAP_FILENAME = "therapy_type_map.csv"


class DataWarning(UserWarning):
    """Something in an input file was accepted but the analyst should know (e.g. header spacing)."""


def therapy_vocabulary(extra_map: Path | None = None) -> Vocabulary:
    """The therapy-type vocabulary, extended with a region's mapping table if given."""
    vocab = get_vocabulary("therapy_type")
    if extra_map is not None and extra_map.is_file():
        vocab = vocab.extended(read_mapping_table(extra_map), file_label(extra_map))
    return vocab


def _unknown_dataset(
    name: str, label: str, message: str, fix_before: str, fix_after: str = ""
) -> list[CheckResult]:
    """The one result for a file whose data set is not known; the fix lists the valid names."""
    fix = f"{fix_before}{', '.join(DATASET_NAMES)}{fix_after}"
    return [CheckResult(name, label, None, None, [Problem(label, "unknown_dataset", message, fix)])]


def check_path(
    path: Path,
    dataset: str | None = None,
    *,
    therapy_map: Path | None = None,
    skip_empty_sheets: bool = True,
) -> list[CheckResult]:
    """Check one file; one result per data set table in it (Excel: per data set sheet).

    The data set is `dataset`, else the Excel sheet names, else the file name. A file called
    `therapy_type_map.csv` beside `path` extends the therapy-type mapping table.
    """
    path = Path(path)
    label = file_label(path)
    is_excel = path.suffix.lower() in EXCEL_SUFFIXES
    if dataset is not None and dataset not in DATASET_NAMES:
        return _unknown_dataset(
            dataset, label, f"there is no data set called {dataset!r}", "use one of: "
        )
    if dataset is None and not is_excel:
        dataset = infer_dataset_from_name(path)
        if dataset is None:
            return _unknown_dataset(
                "?",
                label,
                "cannot tell which data set this file holds from its name",
                "name the file after its data set (",
                ") or pass --dataset",
            )
    vocab = {"therapy_type": therapy_vocabulary(therapy_map or path.parent / THERAPY_MAP_FILENAME)}
    results: list[CheckResult] = []
    for table in read_path(path, dataset):
        name = dataset or (spec_for_sheet(table.sheet) if table.sheet else None) or "?"
        if table.frame is None:
            results.append(
                CheckResult(name, table.file, table.sheet, None, table.errors, table.warnings)
            )
            continue
        result = check_table(
            table.frame, get_spec(name), file=table.file, sheet=table.sheet, vocabularies=vocab
        )
        result.warnings[:0] = table.warnings
        results.append(result)
    if is_excel and dataset is None and skip_empty_sheets:
        empty = [[p.rule for p in r.errors] == ["no_data_rows"] for r in results]
        if not all(empty):
            for r, is_empty in zip(results, empty, strict=True):
                if is_empty:
                    r.errors = []
                    r.warnings.append(
                        Problem(
                            r.file,
                            "empty_sheet_skipped",
                            "the sheet has no data rows; skipped",
                            "ignore this if the data set is not being supplied",
                            r.sheet,
                        )
                    )
    return results


def load_dataset(name: str, path: str | Path, *, therapy_map: Path | None = None) -> pd.DataFrame:
    """Read CSV/Excel/Parquet `path` as data set `name`, validate it and return a typed frame.

    Raises InputDataError carrying every problem found; accepted oddities (header spacing,
    Windows-1252 encoding, blank rows) are reported as DataWarning.
    """
    results = check_path(Path(path), name, therapy_map=therapy_map, skip_empty_sheets=False)
    problems = [p for r in results for p in r.errors]
    for r in results:
        for w in r.warnings:
            warnings.warn(DataWarning(w.describe(show_value=False)), stacklevel=2)
    if problems:
        raise InputDataError(problems)
    frame = results[0].frame
    assert frame is not None
    return frame
