"""Errors that speak to the analyst: which file, which column, which row, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

#: Longest cell value echoed at the terminal; longer values are cut and their length given.
MAX_SHOWN_VALUE = 60
#: Rows listed for a group of identical problems before "and N more".
ROWS_SHOWN = 5


def shown_value(value: str) -> str:
    """A cell value as echoed at the terminal: quoted, long values cut with their length."""
    if len(value) <= MAX_SHOWN_VALUE:
        return repr(value)
    return f"{value[: MAX_SHOWN_VALUE - 20]!r}... ({len(value):,} characters)"


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

    def where(self) -> str:
        """File, sheet, row and column, as written in messages."""
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def describe(self, *, show_value: bool = True) -> str:
        """A one-line, human-readable description."""
        value = (
            f" (value: {shown_value(self.value)})" if show_value and self.value is not None else ""
        )
        return f"{self.where()}: {self.message}{value} [{self.rule}] Fix: {self.fix}"


def _rows_text(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:ROWS_SHOWN])
    more = f" and {len(rows) - ROWS_SHOWN:,} more" if len(rows) > ROWS_SHOWN else ""
    return f"rows {shown}{more}"


def describe_grouped(problems: list[Problem], *, show_value: bool = True) -> list[str]:
    """One line per group of identical problems (same file, sheet, column, rule, message and
    fix): '420 rows (rows 2, 3, 4, 5, 6 and 415 more)' instead of 420 lines. Order kept."""
    groups: dict[tuple, list[Problem]] = {}
    for p in problems:
        key = (p.file, p.sheet, p.column, p.rule, p.message, p.fix, p.row is None)
        groups.setdefault(key if p.row is not None else (id(p),), []).append(p)
    lines = []
    for members in groups.values():
        first = members[0]
        if len(members) == 1:
            lines.append(first.describe(show_value=show_value))
            continue
        where = ", ".join(
            [first.file]
            + ([f"sheet '{first.sheet}'"] if first.sheet else [])
            + ([f"column '{first.column}'"] if first.column else [])
        )
        values = ""
        if show_value:
            counts: dict[str, int] = {}
            for p in members:
                if p.value is not None:
                    counts[p.value] = counts.get(p.value, 0) + 1
            if counts:
                listed = [
                    shown_value(v) + (f" x{n:,}" if n > 1 else "")
                    for v, n in list(counts.items())[:3]
                ]
                more = f" and {len(counts) - 3:,} other value(s)" if len(counts) > 3 else ""
                values = f" (values: {', '.join(listed)}{more})"
        rows = _rows_text([p.row for p in members if p.row is not None])
        lines.append(
            f"{where}: {len(members):,} rows ({rows}): {first.message}{values} "
            f"[{first.rule}] Fix: {first.fix}"
        )
    return lines


class InputDataError(ValueError):
    """Raised when an input file fails validation; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], *, show_values: bool = False) -> None:
        self.problems = list(problems)
        grouped = describe_grouped(self.problems, show_value=show_values)
        lines = grouped[:50]
        more = len(grouped) - len(lines)
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
