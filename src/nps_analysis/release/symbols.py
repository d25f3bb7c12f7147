"""GSS symbols for cells that hold no number, with the key every released table carries.

From the Analysis Function's "Symbols, shorthand and codes" guidance: a symbol in square brackets
replaces the value (never a blank, NaN or a bare letter), and every table or sheet that uses one
shows the key. The CSVs written by `OutputWriter` mark suppressed cells with a bare ``c``
(DfE's convention for machine-readable files); the release formats show it as ``[c]``.
"""

from __future__ import annotations

from enum import StrEnum


class Symbol(StrEnum):
    """A GSS symbol, as shown in a table cell."""

    CONFIDENTIAL = "[c]"
    NOT_AVAILABLE = "[x]"
    NOT_APPLICABLE = "[z]"
    LOW = "[low]"
    ESTIMATE = "[e]"

    @property
    def meaning(self) -> str:
        """The key's wording for this symbol."""
        return {
            Symbol.CONFIDENTIAL: "confidential: suppressed by statistical disclosure control",
            Symbol.NOT_AVAILABLE: "not available",
            Symbol.NOT_APPLICABLE: "not applicable",
            Symbol.LOW: "low: a figure that rounds to zero at the precision shown, but is not zero",
            Symbol.ESTIMATE: "estimate: the figure (or the column so marked) is estimated",
        }[self]

    @property
    def ees_code(self) -> str:
        """The symbol as EES open data writes it (no brackets)."""
        return self.value.strip("[]")


MISSING_SYMBOLS = {"x": Symbol.NOT_AVAILABLE, "z": Symbol.NOT_APPLICABLE, "c": Symbol.CONFIDENTIAL}
"""A column's `missing` setting (what a blank cell means) -> the symbol shown."""


def symbol_key(symbols: list[Symbol] | None = None) -> list[tuple[str, str]]:
    """(symbol, meaning) for the key under a table: all five unless `symbols` is given."""
    return [(s.value, s.meaning) for s in (symbols or list(Symbol))]


def symbol_key_text(symbols: list[Symbol] | None = None) -> str:
    """The key as one line: ``[c] confidential: ...; [x] not available; ...``."""
    return "; ".join(f"{s} {m}" for s, m in symbol_key(symbols))
