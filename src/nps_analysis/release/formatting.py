"""Released values as readers see them: fixed decimals, thousands separators, GSS symbols.

One function per cell, used by the HTML tables and by the checks that compare the HTML with the
released CSVs. Rounding is the pipeline's one convention (`nps_analysis.rounding`, half up).
Full precision stays in the CSVs, the workbook's cells and the open data files.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from nps_analysis.release.metadata import ColumnSpec, TableSpec
from nps_analysis.release.symbols import MISSING_SYMBOLS, Symbol
from nps_analysis.rounding import round_decimal

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


def is_blank(value: Any) -> bool:
    """None, NaN, pd.NA or an empty string: a cell with no value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in ("", "nan", "NaN", "<NA>", "None")


def as_number(value: Any) -> Decimal:
    """The exact decimal a released cell holds (a float's shortest repr, or the CSV text)."""
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    if isinstance(value, bool):
        return Decimal(int(value))
    return Decimal(repr(float(value))) if not isinstance(value, int) else Decimal(value)


def symbol_of(value: Any, column: ColumnSpec) -> Symbol | None:
    """The GSS symbol a cell shows instead of a value, or None when it has a value."""
    if isinstance(value, str) and value.strip() in MISSING_SYMBOLS:
        return MISSING_SYMBOLS[value.strip()]  # c (suppressed) or z (not applicable) in the CSV
    if is_blank(value):
        return MISSING_SYMBOLS[column.missing]
    return None


def format_value(value: Any, column: ColumnSpec) -> str:
    """One cell as shown in a release: ``1,020``, ``41.2``, ``<0.001``, ``Yes``, ``[c]``."""
    symbol = symbol_of(value, column)
    if symbol is not None:
        return symbol.value
    if column.format == "yes_no":
        text = str(value).strip().lower()
        if text in _TRUE:
            return "Yes"
        if text in _FALSE:
            return "No"
        raise ValueError(f"column '{column.col_name}': {value!r} is not a yes/no value")
    if column.format == "text":
        if isinstance(value, pd.Timestamp):
            return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return f"{int(value)}"
        return str(value)
    number = as_number(value)
    dp = int(column.indicator_dp or 0)
    if column.format == "p_value":
        floor = Decimal(1).scaleb(-dp)
        if number < floor:
            return f"<{floor:.{dp}f}"
    rounded = round_decimal(number, dp)
    if rounded.is_zero() and not number.is_zero() and column.format == "number":
        return Symbol.LOW.value
    return f"{rounded:,.{dp}f}"


def format_frame(
    frame: pd.DataFrame, spec: TableSpec, context: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Every cell of a released table formatted by its column spec (headers become labels).

    Raises SpecError (via `spec.check`) when the table has columns the spec does not describe.
    """
    spec.check(frame)
    values = spec.context_for(context, frame)
    shown = pd.DataFrame(
        {
            spec.columns[c].header_for(values): [format_value(v, spec.columns[c]) for v in frame[c]]
            for c in frame.columns
        },
        index=range(len(frame)),
        dtype=object,
    )
    return shown


def symbols_used(shown: pd.DataFrame) -> list[Symbol]:
    """The symbols a formatted table shows (for a short key), in the key's order."""
    cells = set(shown.to_numpy().ravel().tolist())
    headers = " ".join(shown.columns)
    return [s for s in Symbol if s.value in cells or (s is Symbol.ESTIMATE and s.value in headers)]
