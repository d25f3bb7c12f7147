"""The pipeline's one rounding convention: decimal-exact round half up (ties away from zero).

Why a module: binary floating point cannot hold most decimals, so "round half up" implemented
with ``floor(x + 0.5)`` depends on noise in the 16th digit. ``0.285 * 100`` is
``28.499999999999996`` in binary, and the project used to round it to 28 in two places and 29 in
two others; ``-2.5`` gave -2 or -3 depending on the place. Every rounding now goes through here.

The rule (what `round_values` does to a float ``x``):

1. **The decimal a person would write.** ``x`` is read as its shortest round-tripping decimal,
   ``Decimal(repr(x))``: ``1.005`` is 1.005, not the binary 1.00499999999999989...
2. **Float noise removed.** That decimal is rounded (half-even) to `SIGNIFICANT_DIGITS` = 12
   significant digits, which drops the noise arithmetic leaves in the last 3-4 of a double's ~16
   digits: ``28.499999999999996`` becomes 28.5000000000. At least `GUARD_DIGITS` = 3 digits are
   always kept below the digit being rounded, so this step can never decide a rounding by itself
   (so from 1e9 units of that digit up, e.g. 1e9 at whole numbers, more than 12 significant
   digits are kept and a few ulps of noise can still show).
3. **Rounded** to `digits` decimal places (or to a multiple of `base`) with ``decimal``'s
   ``ROUND_HALF_UP``: ties go away from zero, ``2.5 -> 3``, ``-2.5 -> -3``, ``0.285 * 100 -> 29``,
   ``0.125 -> 0.13`` and ``1.005 -> 1.01`` at 2 d.p. The function is odd: ``f(-x) == -f(x)``.

The price of step 2, chosen deliberately: a value within a relative 5e-12 of a tie counts as the
tie (``28.4999999999996 -> 29``). The report prints no figure with more than 12 significant
digits, so only computed values are affected, and there such digits are noise. Another
consequence: ``round_half_up(2.675, 2) == 2.68`` where Python's ``round`` gives 2.67.

`Rounding` also names the two other conventions used to match printed figures (the ASGSF section
truncates; see ``nps_analysis.asgsf.rounding``); they share steps 1-2. NaN stays NaN and +-inf
stays +-inf; a negative zero result is returned as 0.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from enum import StrEnum
from numbers import Integral
from typing import Any, overload

import numpy as np
import pandas as pd

SIGNIFICANT_DIGITS = 12
"""Significant digits a float is trusted to (step 2 of the module docstring)."""
GUARD_DIGITS = 3
"""Digits always kept below the rounding digit when removing float noise."""

# Enough precision for any double at any sensible number of decimals (1e308 has 309 digits).
_CTX = Context(prec=1000, Emax=999_999, Emin=-999_999, traps=[InvalidOperation])
_ONE = Decimal(1)


class Rounding(StrEnum):
    """A rounding convention for a number printed to a fixed precision."""

    # (member order is the row order of tables iterating over conventions, e.g. growth_rounding)
    TRUNCATE = "truncate"  # toward zero: 209.953 -> 209.9, -1.29 -> -1.2 (ASGSF report figures)
    HALF_UP = "half_up"  # ties away from zero: 2.45 -> 2.5, -2.5 -> -3 (the project's convention)
    HALF_EVEN = "half_even"  # banker's rounding: 2.45 -> 2.4, 2.55 -> 2.6

    @property
    def description(self) -> str:
        """A one-line description for notes and tables."""
        return {
            Rounding.TRUNCATE: "truncation toward zero (Excel TRUNC/ROUNDDOWN; decimal.ROUND_DOWN)",
            Rounding.HALF_UP: "round half up, ties away from zero (decimal.ROUND_HALF_UP)",
            Rounding.HALF_EVEN: "round half to even (banker's rounding; decimal.ROUND_HALF_EVEN)",
        }[self]

    @property
    def decimal_mode(self) -> str:
        """The matching ``decimal`` rounding constant."""
        return {
            Rounding.HALF_UP: ROUND_HALF_UP,
            Rounding.TRUNCATE: ROUND_DOWN,
            Rounding.HALF_EVEN: ROUND_HALF_EVEN,
        }[self]


def as_decimal(x: Any) -> Decimal:
    """The decimal a person would write for `x`: ``repr`` of a float, exact for integers.

    No noise removal (that depends on the precision rounded to; see `round_decimal`). Missing
    values (None, NaN, pd.NA) give ``Decimal('NaN')``.
    """
    if isinstance(x, Decimal):
        return x
    if isinstance(x, bool | np.bool_):
        return Decimal(int(x))
    if isinstance(x, Integral):
        return Decimal(int(x))
    if isinstance(x, np.floating) and not isinstance(x, np.float64):
        return Decimal(str(x))  # float32's own shortest repr, not that of its float64 widening
    if x is None or x is pd.NA or x is pd.NaT:
        return Decimal("NaN")
    return Decimal(repr(float(x)))


def _denoise(q: Decimal) -> Decimal:
    """`q` (in units of the rounding quantum) to `SIGNIFICANT_DIGITS`, keeping `GUARD_DIGITS`."""
    position = min(q.adjusted() - (SIGNIFICANT_DIGITS - 1), -GUARD_DIGITS)
    if int(q.as_tuple().exponent) >= position:  # already no finer than that: nothing to remove
        return q
    return q.quantize(_ONE.scaleb(position), rounding=ROUND_HALF_EVEN, context=_CTX)


def _check_base(base: Any) -> Decimal:
    b = as_decimal(base)
    if not b.is_finite() or b <= 0:
        raise ValueError(f"rounding base must be a positive number, not {base!r}")
    return b


def round_decimal(
    x: Any,
    digits: int = 0,
    how: Rounding | str = Rounding.HALF_UP,
    *,
    base: Any = None,
) -> Decimal:
    """`x` rounded to `digits` decimal places (or to a multiple of `base`), as an exact Decimal.

    The scalar core of this module (see its docstring for the rule). ``digits`` may be negative
    (-1: tens). ``base`` (e.g. 10 for DfE's national counts) replaces ``digits``. Non-finite input
    comes back unchanged (``Decimal('NaN')``, ``Decimal('Infinity')``).
    """
    how = Rounding(how)
    d = as_decimal(x)
    if not d.is_finite():
        return d
    if base is not None:
        if digits != 0:
            raise ValueError("give either digits or base, not both")
        b = _check_base(base)
        n = _denoise(_CTX.divide(d, b)).quantize(_ONE, rounding=how.decimal_mode, context=_CTX)
        out = _CTX.multiply(n, b)
    else:
        q = d.scaleb(int(digits), context=_CTX)
        n = _denoise(q).quantize(_ONE, rounding=how.decimal_mode, context=_CTX)
        out = n.scaleb(-int(digits), context=_CTX)
    return out.copy_abs() if out.is_zero() else out


def _round_float(x: float, digits: int, how: Rounding, base: Any) -> float:
    if not np.isfinite(x):
        return x
    return float(round_decimal(x, digits, how, base=base))


@overload
def round_values(
    x: pd.Series, digits: int = 0, how: Rounding | str = ..., *, base: Any = None
) -> pd.Series: ...
# pandas has no stubs here (pd.Series is Any), so mypy sees the first signature as catching all
@overload
def round_values(  # type: ignore[overload-cannot-match]
    x: np.ndarray | list, digits: int = 0, how: Rounding | str = ..., *, base: Any = None
) -> np.ndarray: ...
@overload
def round_values(  # type: ignore[overload-cannot-match]
    x: float, digits: int = 0, how: Rounding | str = ..., *, base: Any = None
) -> float: ...
def round_values(x, digits=0, how=Rounding.HALF_UP, *, base=None):
    """Round a scalar, array or Series (see the module docstring); NaN stays NaN.

    Returns a float for a scalar, a float ndarray of the same shape for an array or list, and a
    float Series with the same index and name for a Series (nullable and object Series too: pd.NA
    becomes NaN).
    """
    how = Rounding(how)
    if base is not None:
        _check_base(base)
        if digits != 0:
            raise ValueError("give either digits or base, not both")
    if isinstance(x, pd.Series):
        arr = pd.to_numeric(x, errors="raise").astype("Float64").to_numpy(float, na_value=np.nan)
        return pd.Series(round_values(arr, digits, how, base=base), index=x.index, name=x.name)
    if np.ndim(x) == 0:
        return float(round_decimal(x, digits, how, base=base))
    arr = np.asarray(x, dtype=float)
    out = np.array([_round_float(v, digits, how, base) for v in arr.ravel().tolist()], dtype=float)
    return out.reshape(arr.shape)


def round_half_up(x, digits: int = 0, *, base: Any = None):
    """Round half away from zero to `digits` decimals (or to a multiple of `base`); vectorised."""
    return round_values(x, digits, Rounding.HALF_UP, base=base)


def truncate(x, digits: int = 0):
    """Truncate toward zero at `digits` decimals, after float-noise removal; vectorised."""
    return round_values(x, digits, Rounding.TRUNCATE)


def round_to_base(x, base: Any = 10, how: Rounding | str = Rounding.HALF_UP):
    """Round to the nearest multiple of `base` (DfE rounds national counts to 10); vectorised."""
    return round_values(x, 0, how, base=base)


def round_count(x: Any) -> int:
    """A whole number, half up, as an int: how a printed percentage maps back to a count.

    ``round_count(0.285 * 100) == 29``. Raises ValueError for NaN or infinite input.
    """
    d = round_decimal(x, 0, Rounding.HALF_UP)
    if not d.is_finite():
        raise ValueError(f"cannot round {x!r} to a count")
    return int(d)


__all__ = [
    "GUARD_DIGITS",
    "SIGNIFICANT_DIGITS",
    "Rounding",
    "as_decimal",
    "round_count",
    "round_decimal",
    "round_half_up",
    "round_to_base",
    "round_values",
    "truncate",
]
