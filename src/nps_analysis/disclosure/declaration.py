"""What disclosure control must know about one released table, declared where the table is built.

One frozen value per table, passed to `OutputWriter.table(df, name, disclosure=...)`:

* for per-table control: which columns are counts of records, which columns are derived from
  which count or counts (suppressed when any of them is), which category columns the table must
  cover completely (`grid`: every combination listed, see `nps_analysis.disclosure.grid`), which
  columns are the table's dimensions, a model's residual
  degrees of freedom, why the table needs no check (`safe_reason`) or why it must not be
  released at all (`withhold`, e.g. a model that fails the regression rules);
* for the release-wide audit (`nps audit`): which records the counts count (`population`:
  packages, staff, families, cases; `populations` for a count column of other records), what a
  count column restricts the records to (`members`: e.g. ``{"aged_12_plus": {"age_group":
  "12 plus"}}``; see `nps_analysis.disclosure.cells`), and which audit dimension a column is
  (`dimensions`: e.g. ``{"area": "region"}``; ``""`` for a column that is no dimension).
* for magnitudes (spend): `magnitudes` maps each column computed from amounts (a total, a mean,
  a ratio of means) to the hidden yes/no column(s) saying whether the amounts behind it fail ACRO's
  dominance rules (`sdc.dominance_flags`: n-k, p%); where they do the value is suppressed,
  whatever its counts. The flag columns are never released.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

Members = Mapping[str, Any]
# A count column's members: fixed, or computed from the row (None: the count is no one cell).
RowMembers = Members | Callable[[dict[str, Any]], Members | None]


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Disclosure:
    """A table's disclosure-control declaration (see the module docstring)."""

    # Sequences of column names are accepted and stored as tuples (see __post_init__).
    counts: Sequence[str] = ()
    derived: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    dims: Sequence[str] | None = None
    min_dof: int | None = None
    safe_reason: str | None = None
    hidden_counts: Sequence[str] = ()
    population: str | None = None
    members: Mapping[str, RowMembers] = field(default_factory=dict)
    dimensions: Mapping[str, str] = field(default_factory=dict)
    populations: Mapping[str, str] = field(default_factory=dict)
    grid: Sequence[str] = ()
    withhold: str | None = None
    magnitudes: Mapping[str, str | Sequence[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "counts", tuple(self.counts))
        set_(self, "hidden_counts", tuple(self.hidden_counts))
        set_(self, "grid", tuple(self.grid))
        if self.dims is not None:
            set_(self, "dims", tuple(self.dims))
        for name in ("derived", "members", "dimensions", "populations", "magnitudes"):
            set_(self, name, _frozen(getattr(self, name)))
        if self.min_dof is not None:
            set_(self, "min_dof", int(self.min_dof))
        undeclared = sorted(
            {s for c in self.derived for s in self.sources(c)} - set(self.all_counts)
        )
        if undeclared:
            raise ValueError(
                f"derived columns must point at count columns; {undeclared} are not counts"
            )
        loose = sorted(set(self.magnitudes) - set(self.derived))
        if loose:
            raise ValueError(f"magnitude columns {loose} must also be derived from a count")

    def sources(self, column: str) -> tuple[str, ...]:
        """The count columns derived column `column` is computed from."""
        source = self.derived[column]
        return (source,) if isinstance(source, str) else tuple(source)

    @property
    def dominance_flags(self) -> tuple[str, ...]:
        """The hidden columns that say where a magnitude fails the dominance rules."""
        return tuple(dict.fromkeys(f for c in self.magnitudes for f in self.flags_of(c)))

    def flags_of(self, column: str) -> tuple[str, ...]:
        """The dominance flags magnitude column `column` follows (suppressed if any is set)."""
        flags = self.magnitudes[column]
        return (flags,) if isinstance(flags, str) else tuple(flags)

    @property
    def all_counts(self) -> tuple[str, ...]:
        """Counts checked against the threshold: released ones, then hidden ones."""
        return (*self.counts, *self.hidden_counts)

    def but(self, **changes: Any) -> Disclosure:
        """A copy with some fields changed (e.g. only the derived columns a table has)."""
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return Disclosure(**{**fields, **changes})
