"""Rounding conventions, named, so printed figures can be matched to the report.

The National Picture prints the ASGSF growth 4,672 -> 14,481 as "209.9%"; the exact value is
209.953...%. Round-half-up (the usual convention, and what a spreadsheet cell format shows) gives
210.0%; only *truncation to one decimal place* (rounding toward zero, Excel `TRUNC`/`ROUNDDOWN`,
Python `decimal.ROUND_DOWN`) gives 209.9%. The therapy shares in the same paragraph are truncated
to whole percent as well: specialist assessments 5,804 / 50,202 = 11.56% is printed "11%".
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

import numpy as np
import pandas as pd

# Tolerance (in units of the last kept digit) absorbing binary floating-point noise, so that e.g.
# 0.29 * 100 = 28.999999999999996 truncates to 29, not 28.
_NOISE_DIGITS = 9


class Rounding(StrEnum):
    """A rounding convention for printing a number to a fixed number of decimal places."""

    TRUNCATE = "truncate"  # toward zero: 209.953 -> 209.9 (what the report does)
    HALF_UP = "half_up"  # ties away from zero: 209.953 -> 210.0, 2.45 -> 2.5
    HALF_EVEN = "half_even"  # banker's rounding (Python round / numpy.round): 2.45 -> 2.4

    @property
    def description(self) -> str:
        """A one-line description for notes and tables."""
        return {
            Rounding.TRUNCATE: "truncation toward zero (Excel TRUNC/ROUNDDOWN; decimal.ROUND_DOWN)",
            Rounding.HALF_UP: "round half up, ties away from zero (decimal.ROUND_HALF_UP)",
            Rounding.HALF_EVEN: "round half to even (banker's rounding; numpy.round)",
        }[self]


REPORT_ROUNDING = Rounding.TRUNCATE
"""The convention the National Picture report uses for ASGSF percentages (see module docstring)."""


def round_values(
    x: float | np.ndarray | pd.Series, dp: int = 1, how: Rounding | str = Rounding.HALF_UP
):
    """Round `x` (scalar, array or Series) to `dp` decimal places under convention `how`.

    Vectorised; NaN stays NaN. Float noise below 1e-9 of the last kept digit is ignored.
    """
    how = Rounding(how)
    scale = 10.0**dp
    arr = np.asarray(x, dtype=float) * scale
    arr = np.round(arr, _NOISE_DIGITS)  # remove representation noise before the decision
    if how is Rounding.TRUNCATE:
        out = np.trunc(arr)
    elif how is Rounding.HALF_UP:
        out = np.sign(arr) * np.floor(np.abs(arr) + 0.5)
    else:
        out = np.round(arr)
    out = out / scale
    if isinstance(x, pd.Series):
        return pd.Series(out, index=x.index, name=x.name)
    if np.ndim(out) == 0:
        return float(out)
    return out


def format_pct(value: float, dp: int = 1, how: Rounding | str = REPORT_ROUNDING) -> str:
    """A percentage as printed text, e.g. `format_pct(209.953) == '209.9%'` (report convention)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    mode = ROUND_DOWN if Rounding(how) is Rounding.TRUNCATE else ROUND_HALF_UP
    if Rounding(how) is Rounding.HALF_EVEN:
        return f"{round_values(value, dp, how):.{dp}f}%"
    q = Decimal(1).scaleb(-dp)
    d = (
        Decimal(repr(float(value)))
        .quantize(Decimal(10) ** -_NOISE_DIGITS)
        .quantize(q, rounding=mode)
    )
    return f"{d:.{dp}f}%"
