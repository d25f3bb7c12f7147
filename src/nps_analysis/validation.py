"""`nps validate`: check input files against the minimum data set specs, writing nothing."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

from nps_analysis.datasets.loading import DataWarning, check_path
from nps_analysis.errors import Problem


@dataclass
class ValidationReport:
    """Errors (the file cannot be used) and warnings (accepted, but worth fixing) for some files."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    checked: list[tuple[str, str | None, str]] = field(
        default_factory=list
    )  # (file, sheet, dataset)

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


def validate_report(paths: list[Path], dataset: str | None = None) -> ValidationReport:
    """Check every file in `paths` (data set from `dataset`, sheet names or file name)."""
    report = ValidationReport()
    for path in paths:
        for result in check_path(Path(path), dataset):
            report.errors.extend(result.errors)
            report.warnings.extend(result.warnings)
            report.checked.append((result.file, result.sheet, result.dataset))
    return report


def validate_paths(paths: list[Path], dataset: str | None = None) -> list[Problem]:
    """Every error in `paths` (empty list = all valid); warnings are issued as DataWarning.

    The data set is inferred from the file name or Excel sheet names unless `dataset` is given.
    Nothing is written.
    """
    report = validate_report(paths, dataset)
    for w in report.warnings:
        warnings.warn(DataWarning(w.describe(show_value=False)), stacklevel=2)
    return report.errors
