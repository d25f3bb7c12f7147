"""The one check of a region's files, used by `nps validate`, `nps run` and `nps process`.

`validate_report` reads every file (folders: every data file in them), checks each table against
its spec, then the rules across files (an id or key supplied twice) and, for a region, which rows
belong to it. "Valid" therefore means the run will start. Nothing is written.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nps_analysis.datasets.engine import CheckResult
from nps_analysis.datasets.loading import DataWarning, check_path, dataset_files
from nps_analysis.datasets.reading import file_label
from nps_analysis.datasets.spec import DATASET_NAMES, get_spec
from nps_analysis.errors import Problem, describe_grouped
from nps_analysis.paths import atomic_write

#: Lines of grouped problems printed at the terminal before pointing to --report.
MAX_PRINTED = 60


@dataclass
class ValidationReport:
    """Errors (the files cannot be used), warnings (accepted, but worth fixing), notes (facts)
    and, when there are no errors, the typed frame of each data set (files combined)."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    checked: list[tuple[str, str | None, str]] = field(
        default_factory=list
    )  # (file, sheet, dataset)
    results: list[CheckResult] = field(default_factory=list)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    region: str | None = None
    region_rows: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no errors were found."""
        return not self.errors

    def counts_by_rule(self) -> dict[str, int]:
        """Failures per rule (no values): safe to log or publish."""
        counts: dict[str, int] = {}
        for p in self.errors:
            counts[p.rule] = counts.get(p.rule, 0) + 1
        return dict(sorted(counts.items()))

    def summary(self) -> list[str]:
        """What was read: each data set with its source file / sheet and row count, then what
        was skipped and which data sets were not supplied."""
        lines = []
        for name in DATASET_NAMES:
            parts = [r for r in self.results if r.dataset == name and r.frame is not None]
            if not parts:
                continue
            total = sum(len(r.frame) for r in parts if r.frame is not None)
            sources = " + ".join(
                f"{len(r.frame):,} from {r.file}"  # type: ignore[arg-type]
                + (f" (sheet '{r.sheet}')" if r.sheet else "")
                for r in parts
            )
            used = ""
            if self.region and name in self.region_rows:
                used = f"; {self.region_rows[name].get(self.region, 0):,} for {self.region}"
            lines.append(f"{name}: {total:,} row(s){used} = {sources}")
        skipped = [
            f"{r.file}" + (f" sheet '{r.sheet}'" if r.sheet else "") + f" ({r.skipped})"
            for r in self.results
            if r.skipped is not None
        ]
        if skipped:
            lines.append("skipped: " + "; ".join(skipped))
        missing = [n for n in DATASET_NAMES if n not in self.frames]
        if missing and self.frames:
            lines.append(f"not supplied: {', '.join(missing)}")
        return lines


def expand_paths(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Files to check: each file as given, each folder's data files; problems for empty folders."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = dataset_files(path)
            if not found:
                problems.append(
                    Problem(
                        file_label(path),
                        "no_data_files",
                        "the folder holds no data files (.csv, .txt, .tsv, .xlsx, .xls, .ods, "
                        ".parquet)",
                        "give the folder holding your filled-in template or CSV files "
                        "(nps template makes the template)",
                    )
                )
            files.extend(found)
        else:
            files.append(path)
    return files, problems


def validate_report(
    paths: list[Path],
    dataset: str | None = None,
    *,
    region: str | None = None,
    sheet_map: dict[str, str] | None = None,
) -> ValidationReport:
    """Check every file in `paths` (folders: their data files) and the rules across them.

    The data set comes from `dataset`, else sheet names (or `sheet_map`), else file names. With
    `region`, rows of other regions are counted and a run for a region none of whose rows are
    in the files is an error (`region_not_in_files`).
    """
    report = ValidationReport(region=region)
    files, report.errors = expand_paths(paths)
    for path in files:
        for result in _check_file(path, dataset, sheet_map):
            report.results.append(result)
            report.errors.extend(result.errors)
            report.warnings.extend(result.warnings)
            report.notes.extend(result.notes)
            if result.skipped is None:
                report.checked.append((result.file, result.sheet, result.dataset))
    for name in DATASET_NAMES:
        parts = [r for r in report.results if r.dataset == name and r.frame is not None]
        if parts:
            frame, problems = combine(name, parts)
            report.errors.extend(problems)
            report.frames[name] = frame
    if region is not None and report.frames:
        _account_for_region(report, region)
    if report.errors:
        report.frames = {}
    return report


def _check_file(
    path: Path, dataset: str | None, sheet_map: dict[str, str] | None
) -> list[CheckResult]:
    """`check_path`, with a reader failure nobody foresaw turned into a message on the file."""
    try:
        return check_path(path, dataset, sheet_map=sheet_map)
    except Exception as exc:  # noqa: BLE001 - the analyst gets the file and the fix, no traceback
        label = file_label(path)
        problem = Problem(
            label,
            "unreadable_file",
            f"the file could not be read ({type(exc).__name__}: {str(exc)[:200]})",
            "save it again as 'CSV UTF-8 (Comma delimited)' or .xlsx; if this persists, report "
            "it with this message",
        )
        return [CheckResult(dataset or "?", label, None, None, [problem])]


def combine(name: str, parts: list[CheckResult]) -> tuple[pd.DataFrame, list[Problem]]:
    """Concatenate one data set's tables; ids and keys must stay unique across files."""
    frames = [p.frame for p in parts if p.frame is not None]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
    spec = get_spec(name)
    problems: list[Problem] = []
    if "financial_year" in frame.columns:
        years = sorted(frame["financial_year"].dropna().astype(str).unique())
        frame["financial_year"] = pd.Categorical(
            frame["financial_year"].astype(object), categories=years, ordered=True
        )
    if len(frames) > 1:
        source = np.concatenate([np.full(len(f), i) for i, f in enumerate(frames)])
        rows = np.concatenate(
            [
                p.rows if p.rows is not None else np.arange(len(p.frame)) + 2  # type: ignore[arg-type]
                for p in parts
            ]
        )
        labels = [p.file + (f" (sheet '{p.sheet}')" if p.sheet else "") for p in parts]
        keys = [[c.name] for c in spec.columns if c.unique and c.name in frame.columns]
        keys += [r["columns"] for r in spec.rules if r["rule"] == "unique_key"]
        for key in keys:
            dup = frame.duplicated(subset=key, keep="first").to_numpy()
            if not dup.any():
                continue
            group = (
                frame.groupby(
                    [frame[c].astype(object).fillna("").astype(str).to_numpy() for c in key],
                    sort=False,
                )
                .ngroup()
                .to_numpy()
            )
            first = pd.Series(np.arange(len(frame))).groupby(group).transform("first").to_numpy()
            for i in np.flatnonzero(dup):
                j = int(first[i])
                if source[i] == source[j]:
                    continue  # within one file: reported by that file's own check
                problems.append(
                    Problem(
                        parts[source[i]].file,
                        "duplicate_across_files",
                        f"this {', '.join(key)} is also in {labels[source[j]]}: the same "
                        f"{name} rows are supplied twice",
                        "remove the rows supplied twice (keep each record in one file only), or "
                        "make the ids unique across files",
                        parts[source[i]].sheet,
                        int(rows[i]),
                        key[0],
                        str(frame[key[0]].iloc[i]) if len(key) == 1 else None,
                    )
                )
    return frame, problems


def _account_for_region(report: ValidationReport, region: str) -> None:
    """Count each data set's rows per region; say which are not used; refuse when none is."""
    report.region_rows = {
        name: df["region"].astype(str).value_counts().sort_index().to_dict()
        for name, df in report.frames.items()
        if "region" in df.columns
    }
    files = sorted({r.file for r in report.results if r.frame is not None})
    if not any(region in per for per in report.region_rows.values()):
        report.errors.append(
            Problem(
                ", ".join(files),
                "region_not_in_files",
                no_rows_message(region, report.region_rows),
                f"run with --region {' or '.join(repr(r) for r in _regions(report))} for these "
                f"files, or give the folder that holds {region}'s files",
                column="region",
            )
        )
        return
    for name, per in report.region_rows.items():
        others = {r: n for r, n in per.items() if r != region}
        if not others:
            continue
        listed = ", ".join(f"{n:,} for {r}" for r, n in others.items())
        mine = per.get(region, 0)
        sources = sorted(
            {r.file for r in report.results if r.dataset == name and r.frame is not None}
        )
        report.warnings.append(
            Problem(
                f"{name} ({', '.join(sources)})",
                "other_regions_rows",
                (
                    f"{mine:,} row(s) are for {region} and are used; {sum(others.values()):,} "
                    f"belong to other regions ({listed}) and are not used"
                    if mine
                    else f"no row is for {region} ({listed}): this data set is not used"
                )
                + " (England comparators always come from the national data)",
                "nothing to fix if intended; otherwise supply only your region's rows",
                column="region",
            )
        )


def _regions(report: ValidationReport) -> list[str]:
    return sorted({r for per in report.region_rows.values() for r in per})


def no_rows_message(region: str, rows: dict[str, dict[str, int]]) -> str:
    """Why a region run cannot start: no file has a row for the region, and what they hold."""
    listed = "; ".join(
        f"{name}: " + ", ".join(f"{n:,} row(s) for {r}" for r, n in per.items())
        for name, per in rows.items()
    )
    return (
        f"None of the files has a row for {region} (column 'region'). "
        f"They hold: {listed or 'no rows'}. Nothing was run or written"
    )


def problem_lines(problems: list[Problem], *, show_value: bool = True) -> list[str]:
    """Problems as printed at the terminal: identical ones grouped, at most MAX_PRINTED lines."""
    lines = describe_grouped(problems, show_value=show_value)
    if len(lines) > MAX_PRINTED:
        more = len(lines) - MAX_PRINTED
        lines = lines[:MAX_PRINTED] + [
            f"... and {more:,} more kind(s) of problem: write them all with --report problems.xlsx"
        ]
    return lines


def show_report(report: ValidationReport, console: Any) -> None:
    """Print notes and warnings (each once), then the problems (grouped) to a rich console."""
    for note in dict.fromkeys(f"note: {n.where()}: {n.message}" for n in report.notes):
        console.print(note, style="dim", markup=False, highlight=False, soft_wrap=True)
    for warning in dict.fromkeys(
        f"warning: {w.where()}: {w.message}" + (f" Fix: {w.fix}" if w.fix else "")
        for w in report.warnings
    ):
        console.print(warning, style="yellow", markup=False, highlight=False, soft_wrap=True)
    for line in problem_lines(report.errors):
        console.print("✗ " + line, style="red", markup=False, highlight=False, soft_wrap=True)


def write_problem_report(report: ValidationReport, path: Path) -> Path:
    """Every problem, row by row (errors, then warnings and notes), as .xlsx or .csv for the
    analyst to work through. It holds cell values: keep it with the data, never share it."""
    rows = [
        {
            "severity": severity,
            "file": p.file,
            "sheet": p.sheet or "",
            "row": p.row if p.row is not None else "",
            "column": p.column or "",
            "rule": p.rule,
            "problem": p.message,
            "value": p.value if p.value is not None else "",
            "fix": p.fix,
        }
        for severity, problems in (
            ("error", report.errors),
            ("warning", report.warnings),
            ("note", report.notes),
        )
        for p in problems
    ]
    table = pd.DataFrame(
        rows,
        columns=["severity", "file", "sheet", "row", "column", "rule", "problem", "value", "fix"],
    )
    buffer = io.BytesIO()
    if Path(path).suffix.lower() == ".xlsx":
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            table.to_excel(writer, sheet_name="problems", index=False)
    else:
        buffer.write(table.to_csv(index=False).encode("utf-8-sig"))
    return atomic_write(path, buffer.getvalue())


def validate_paths(paths: list[Path], dataset: str | None = None) -> list[Problem]:
    """Every error in `paths` (empty list = all valid); warnings are issued as DataWarning.

    The data set is inferred from the file name or Excel sheet names unless `dataset` is given.
    Nothing is written.
    """
    report = validate_report(paths, dataset)
    for w in report.warnings:
        warnings.warn(DataWarning(w.describe(show_value=False)), stacklevel=2)
    return report.errors
