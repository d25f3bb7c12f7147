"""Check files against the data set specs and load them as typed frames."""

from __future__ import annotations

import warnings
from os import PathLike
from pathlib import Path

import pandas as pd

from nps_analysis.datasets.engine import CheckResult, check_table
from nps_analysis.datasets.reading import (
    LISTS_SHEET,
    README_SHEET,
    SUPPORTED_SUFFIXES,
    WORKBOOK_SUFFIXES,
    RawTable,
    file_label,
    header_match,
    infer_dataset_from_name,
    read_path,
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

SKIP_REASONS = {
    README_SHEET: "the template's read-me sheet; skipped",
    LISTS_SHEET: "the template's drop-down lists; skipped",
    "empty": "empty sheet; skipped",
}


class DataWarning(UserWarning):
    """Something in an input file was accepted but the analyst should know (e.g. header spacing)."""


def therapy_vocabulary(extra_map: Path | None = None) -> Vocabulary:
    """The therapy-type vocabulary, extended with a region's mapping table if given."""
    vocab = get_vocabulary("therapy_type")
    if extra_map is not None and extra_map.is_file():
        vocab = vocab.extended(read_mapping_table(extra_map), file_label(extra_map))
    return vocab


def dataset_files(in_dir: Path) -> list[Path]:
    """Data files in `in_dir` (not recursive), sorted by name; mapping tables, hidden files and
    Office lock files (~$...) are excluded."""
    return sorted(
        p
        for p in Path(in_dir).iterdir()
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and p.name != THERAPY_MAP_FILENAME
        and not p.name.startswith((".", "~$", ".~lock"))
    )


def _unknown_dataset(name: str, table: RawTable, message: str, fix: str) -> CheckResult:
    """The one result for a file whose data set is not known; the fix lists the valid names."""
    return CheckResult(
        name, table.file, table.sheet, None, [Problem(table.file, "unknown_dataset", message, fix)]
    )


def _dataset_of(table: RawTable, path: Path, dataset: str | None) -> str | CheckResult:
    """The data set `table` holds, or the result explaining why that is not known."""
    if dataset is not None:
        if dataset not in DATASET_NAMES:
            return _unknown_dataset(
                dataset,
                table,
                f"there is no data set called {dataset!r}",
                f"use one of: {', '.join(DATASET_NAMES)}",
            )
        return dataset
    if table.dataset is not None:
        return table.dataset
    inferred = infer_dataset_from_name(path)
    if inferred is not None:
        return inferred
    name, n = header_match(table.headers)
    hint = ""
    if name is not None and n >= max(2, len(get_spec(name).required_columns) // 2):
        hint = f"; its columns are those of {name}"
    return _unknown_dataset(
        "?",
        table,
        f"cannot tell which data set this file holds from its name{hint}",
        "start the file name with its data set ("
        + ", ".join(DATASET_NAMES)
        + f"), e.g. {name or 'asgsf_packages'}_2023{path.suffix or '.csv'}"
        " (nps validate also takes --dataset)",
    )


def check_path(
    path: Path,
    dataset: str | None = None,
    *,
    therapy_map: Path | None = None,
    skip_empty_sheets: bool = True,
    sheet_map: dict[str, str] | None = None,
) -> list[CheckResult]:
    """Check one file; one result per table in it (workbooks: per sheet, skipped ones included).

    The data set is `dataset`, else the sheet name (or `sheet_map`), else the file name. A file
    called `therapy_type_map.csv` beside `path` extends the therapy-type mapping table.
    """
    path = Path(path)
    vocab = {"therapy_type": therapy_vocabulary(therapy_map or path.parent / THERAPY_MAP_FILENAME)}
    results: list[CheckResult] = []
    for table in read_path(path, dataset, sheet_map=sheet_map):
        if table.skipped is not None and not table.errors:
            reason = SKIP_REASONS.get(table.skipped, table.skipped)
            if table.sheet is None and table.skipped in (README_SHEET, LISTS_SHEET):
                reason = f"a CSV export of {reason}"
            note = Problem(table.file, "sheet_skipped", reason, "", table.sheet)
            results.append(
                CheckResult(
                    "",
                    table.file,
                    table.sheet,
                    None,
                    [],
                    table.warnings,
                    skipped=reason,
                    notes=[*table.notes, note],
                )
            )
            continue
        if table.frame is None:
            results.append(
                CheckResult(
                    table.dataset or dataset or "?",
                    table.file,
                    table.sheet,
                    None,
                    table.errors,
                    table.warnings,
                    notes=table.notes,
                )
            )
            continue
        name = _dataset_of(table, path, dataset)
        if isinstance(name, CheckResult):
            results.append(name)
            continue
        result = check_table(
            table.frame,
            get_spec(name),
            file=table.file,
            sheet=table.sheet,
            vocabularies=vocab,
            headers=table.headers,
            separator=table.separator,
            merged_header=table.merged_header,
        )
        result.warnings[:0] = table.warnings
        result.notes[:0] = table.notes
        results.append(result)
    is_workbook = path.suffix.lower() in WORKBOOK_SUFFIXES
    if is_workbook and dataset is None and skip_empty_sheets:
        data = [r for r in results if r.skipped is None]
        empty = [[p.rule for p in r.errors] == ["no_data_rows"] for r in data]
        if not all(empty):
            for r, is_empty in zip(data, empty, strict=True):
                if is_empty:
                    r.errors = []
                    r.skipped = "no data rows"
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


def load_dataset(
    name: str, path: str | PathLike[str], *, therapy_map: Path | None = None
) -> pd.DataFrame:
    """Read CSV/Excel/LibreOffice/Parquet `path` as data set `name`, validate it and return a
    typed frame.

    Raises InputDataError carrying every problem found; accepted oddities (header spacing,
    Windows-1252 encoding, blank rows) are reported as DataWarning.
    """
    results = check_path(Path(path), name, therapy_map=therapy_map, skip_empty_sheets=False)
    results = [r for r in results if r.skipped is None]
    problems = [p for r in results for p in r.errors]
    for r in results:
        for w in r.warnings:
            warnings.warn(DataWarning(w.describe(show_value=False)), stacklevel=2)
    if problems:
        raise InputDataError(problems)
    frame = results[0].frame
    assert frame is not None
    return frame
