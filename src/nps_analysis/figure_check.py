"""Does an analysis reproduce the published figures? One check for every analysis.

An analysis returns ``{figure_id: value}``; `check_figures` sets each value beside the register's
printed figure and rounds it as the report printed that figure: to the printed number of decimals
(``audit.printed_decimals``) with the convention the audit finds for it
(``audit.printing_conventions``: half-up where that gives the printed value from the report's own
inputs, truncation where only truncation does, e.g. the ASGSF growth's 209.9%), half-up for
figures the audit cannot recompute. The comparison is decimal-exact (``nps_analysis.rounding``).
On the synthetic default a match validates the pipeline, not the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import numpy as np
import pandas as pd

from nps_analysis.audit import printed_decimals, printing_conventions
from nps_analysis.published import all_figures
from nps_analysis.rounding import Rounding, as_decimal, round_decimal

CHECK_COLUMNS = [
    "figure_id",
    "published",
    "reproduced",
    "reproduced_as_printed",
    "matches",
    "convention",
]
"""The columns of every check table (``convention``: a `Rounding` value)."""
DEFAULT_CONVENTION = Rounding.HALF_UP
"""How a figure is rounded when neither the register nor the audit names its convention."""


@cache
def _register_conventions() -> dict[str, Rounding]:
    return printing_conventions()


def convention_of(figure: pd.Series) -> Rounding:
    """The rounding of one register row: its ``convention`` column if given, else the audit's."""
    given = figure.get("convention")
    if isinstance(given, str) and given:
        return Rounding(given)
    return _register_conventions().get(str(figure.name), DEFAULT_CONVENTION)


def check_figures(
    reproduced: Mapping[str, float], register: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per reproduced figure found in `register` (default: every published figure), in
    the order of `reproduced`; ids not in the register are left out. A missing reproduced value
    (NaN, e.g. a suppressed cell) does not match."""
    published = (all_figures() if register is None else register).set_index("figure_id")
    rows = []
    for figure_id, value in reproduced.items():
        if figure_id not in published.index:
            continue
        fig = published.loc[figure_id]
        how = convention_of(fig)
        value = float(value) if pd.notna(value) else np.nan
        as_printed = round_decimal(value, printed_decimals(str(fig["value_as_printed"])), how)
        target = as_decimal(fig["value"])
        rows.append(
            {
                "figure_id": figure_id,
                "published": float(fig["value"]),
                "reproduced": value,
                "reproduced_as_printed": float(as_printed),
                "matches": bool(as_printed.is_finite() and as_printed == target),
                "convention": how.value,
            }
        )
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


__all__ = ["CHECK_COLUMNS", "DEFAULT_CONVENTION", "check_figures", "convention_of"]
