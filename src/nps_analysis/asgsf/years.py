"""Financial years written `YYYY/YY` (e.g. `2018/19`): parsing, labelling and full spans."""

from __future__ import annotations

import re

_FY = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2})\s*$")


def fy_start(label: str) -> int:
    """The calendar year a financial year starts in: `'2018/19'` -> 2018.

    Raises ValueError when the label is not `YYYY/YY` with consecutive years.
    """
    m = _FY.match(str(label))
    if not m:
        raise ValueError(f"financial year {label!r} is not in the form YYYY/YY (e.g. '2018/19')")
    start, end = int(m.group(1)), int(m.group(2))
    if (start + 1) % 100 != end:
        raise ValueError(f"financial year {label!r}: the two years are not consecutive")
    return start


def fy_label(start: int) -> str:
    """The `YYYY/YY` label of the financial year starting in `start`: 2018 -> `'2018/19'`."""
    return f"{int(start)}/{(int(start) + 1) % 100:02d}"


def fy_span(first: str | int, last: str | int) -> list[str]:
    """Every financial year from `first` to `last` inclusive, as labels."""
    a = first if isinstance(first, int) else fy_start(first)
    b = last if isinstance(last, int) else fy_start(last)
    if b < a:
        raise ValueError(f"financial year span is reversed: {fy_label(a)} is after {fy_label(b)}")
    return [fy_label(y) for y in range(a, b + 1)]
