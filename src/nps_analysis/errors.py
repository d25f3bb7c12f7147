"""Errors that speak to the analyst: which file, which column, which row, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    `value` is shown at the terminal only; it is never written under outputs/ (it may be microdata).
    """

    file: str
    rule: str
    message: str
    fix: str
    sheet: str | None = None
    row: int | None = None  # 1-based spreadsheet row number (header is row 1), None = whole file
    column: str | None = None
    value: str | None = None

    def describe(self, *, show_value: bool = True) -> str:
        """A one-line, human-readable description."""
        where = [self.file]
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        value = f" (value: {self.value!r})" if show_value and self.value is not None else ""
        return f"{', '.join(where)}: {self.message}{value} [{self.rule}] Fix: {self.fix}"


class InputDataError(ValueError):
    """Raised when an input file fails validation; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], *, show_values: bool = False) -> None:
        self.problems = list(problems)
        lines = [p.describe(show_value=show_values) for p in self.problems[:50]]
        more = len(self.problems) - len(lines)
        if more > 0:
            lines.append(f"... and {more} more problem(s)")
        super().__init__(
            f"{len(self.problems)} problem(s) found in input data:\n" + "\n".join(lines)
        )

    def counts_by_rule(self) -> dict[str, int]:
        """Failures per rule: safe to write into published logs (no values)."""
        counts: dict[str, int] = {}
        for p in self.problems:
            counts[p.rule] = counts.get(p.rule, 0) + 1
        return dict(sorted(counts.items()))
