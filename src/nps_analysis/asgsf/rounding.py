"""The report's printing convention for ASGSF percentages: truncation, not rounding.

The National Picture prints the ASGSF growth 4,672 -> 14,481 as "209.9%"; the exact value is
209.953...%. Round-half-up (the usual convention, and what a spreadsheet cell format shows) gives
210.0%; only *truncation to one decimal place* (rounding toward zero, Excel `TRUNC`/`ROUNDDOWN`,
Python `decimal.ROUND_DOWN`) gives 209.9%; specialist assessments 5,804 / 50,202 = 11.56% is
printed "11%". Which figures were printed this way is the audit's finding
(`audit.printing_conventions()`); `nps_analysis.figure_check` takes each figure's rounding from it.

The conventions themselves (`Rounding`, `round_values`) are the project's single implementation in
`nps_analysis.rounding` (decimal-exact, float noise removed: 0.29 * 100 = 28.999999999999996
truncates to 29); they are re-exported here for the ASGSF modules.
"""

from __future__ import annotations

import numpy as np

from nps_analysis.rounding import Rounding, round_decimal, round_values

REPORT_ROUNDING = Rounding.TRUNCATE
"""The convention the National Picture report uses for ASGSF percentages (see module docstring)."""


def format_pct(value: float, dp: int = 1, how: Rounding | str = REPORT_ROUNDING) -> str:
    """A percentage as printed text, e.g. `format_pct(209.953) == '209.9%'` (report convention)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{round_decimal(value, dp, how):.{dp}f}%"


__all__ = ["REPORT_ROUNDING", "Rounding", "format_pct", "round_values"]
