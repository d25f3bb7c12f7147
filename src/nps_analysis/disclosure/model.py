"""What the intruder knows: the classifications, the released cells and other linear facts.

Every released count is the number of records of one *population* (packages, staff, families)
whose categories match `members`; dimensions a cell does not name are summed over, so an England
row is simply a cell without the region dimension. Anything else the intruder can derive from a
release (a percentage, a mean with its total, a rounded value) is a `Relation`: a linear bound on
counts. `ratio_relations` and `mean_relation` build the exact ones for printed, rounded values.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

Members = Mapping[str, str | Collection[str]]
"""Dimension -> one category, or a group of categories (e.g. an age band); others summed over."""
CellKey = tuple[str, int, str]
"""(table, row, column) of a released cell."""
Convention = Literal["half_up", "half_even", "truncate"]
DEFAULT_POPULATION = "records"


@dataclass(frozen=True)
class Dimension:
    """A classification of the records with its FULL category list (as the data dictionary)."""

    name: str
    categories: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.categories or len(set(self.categories)) != len(self.categories):
            raise ValueError(f"dimension {self.name!r} needs distinct categories")


@dataclass(frozen=True)
class Cell:
    """One count cell of a released table: the number of records matching `members`.

    `value` is None when the cell is suppressed; `bounds` are then the a-priori bounds the intruder
    has for it (None: the audit's default for a `c`)."""

    table: str
    row: int
    column: str
    members: Members
    value: int | None
    bounds: tuple[float, float] | None = None
    population: str = DEFAULT_POPULATION

    @property
    def key(self) -> CellKey:
        """(table, row, column)."""
        return (self.table, self.row, self.column)

    @property
    def suppressed(self) -> bool:
        """True when the cell is released as `c`."""
        return self.value is None


@dataclass(frozen=True)
class Relation:
    """Other linear knowledge: lo <= sum_k coef_k * count(members_k) <= hi.

    `derived_from` names the cells the released value was computed from: if one of them is
    suppressed by `protect`, the derived value goes with it (and the relation is dropped)."""

    terms: tuple[tuple[float, Members], ...]
    lo: float
    hi: float
    source: str
    population: str = DEFAULT_POPULATION
    derived_from: tuple[CellKey, ...] = ()

    def __post_init__(self) -> None:
        if not self.terms or self.lo > self.hi:
            raise ValueError(f"relation {self.source!r} needs terms and lo <= hi")


def _window(shown: float, decimals: int, convention: Convention) -> tuple[int, int, bool, bool]:
    """The true values a printed `shown` stands for, in units of half the last digit:
    (lo, hi, lo_open, hi_open) such that x * 2 * 10**decimals lies in <lo, hi>."""
    units = Decimal(repr(shown)).scaleb(decimals)
    if units != units.to_integral_value():
        raise ValueError(f"{shown} has more than {decimals} decimals")
    s = int(units)
    if convention == "truncate":
        return 2 * s, 2 * s + 2, False, True
    if convention == "half_up":
        return 2 * s - 1, 2 * s + 1, False, True
    even = s % 2 == 0  # half-even: ties go to the even neighbour
    return 2 * s - 1, 2 * s + 1, not even, not even


def ratio_relations(
    part: Members,
    whole: Members,
    shown: float,
    decimals: int,
    *,
    scale: int = 100,
    convention: Convention = "half_up",
    source: str,
    population: str = DEFAULT_POPULATION,
    derived_from: tuple[CellKey, ...] = (),
) -> tuple[Relation, Relation]:
    """A printed ratio `shown` = scale * count(part) / count(whole), rounded to `decimals`.

    Linear in both counts, so it holds whether the whole is released or not. The coefficients are
    integers, so a strict bound (the open end of a rounding window) becomes `<= -1` exactly."""
    lo, hi, lo_open, hi_open = _window(shown, decimals, convention)
    k = 2 * 10**decimals * scale  # k * part / whole lies in <lo, hi>
    common = (source, population, derived_from)
    return (
        Relation(((k, part), (-lo, whole)), 1 if lo_open else 0, math.inf, *common),
        Relation(((k, part), (-hi, whole)), -math.inf, -1 if hi_open else 0, *common),
    )


def mean_relation(
    count: Members,
    total: float,
    shown: float,
    decimals: int,
    *,
    convention: Convention = "half_up",
    source: str,
    population: str = DEFAULT_POPULATION,
    derived_from: tuple[CellKey, ...] = (),
) -> Relation:
    """A printed mean `shown` of a released `total` over count(count) records (mean * n = total)."""
    lo, hi, lo_open, hi_open = _window(shown, decimals, convention)
    scaled = Fraction(Decimal(repr(total))) * 2 * 10**decimals  # = mean * n in half units
    # n > scaled / hi (or >=), n < scaled / lo (or <=); n is an integer
    q = scaled / hi
    n_lo = math.floor(q) + 1 if hi_open else math.ceil(q)
    if lo <= 0:
        n_hi: float = math.inf
    else:
        q = scaled / lo
        n_hi = math.ceil(q) - 1 if lo_open else math.floor(q)
    return Relation(((1, count),), n_lo, n_hi, source, population, derived_from)
