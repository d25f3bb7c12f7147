"""Annual totals, year-on-year growth, total growth and CAGR (National Picture s4.2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.asgsf.rounding import REPORT_ROUNDING, Rounding, round_values


def pct_change(new: float | np.ndarray, old: float | np.ndarray) -> float | np.ndarray:
    """Percentage change from `old` to `new` (NaN when `old` is 0)."""
    new_a, old_a = np.asarray(new, dtype=float), np.asarray(old, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(old_a > 0, (new_a - old_a) / np.where(old_a > 0, old_a, 1) * 100.0, np.nan)
    return float(out) if np.ndim(out) == 0 else out


def cagr_pct(first: float, last: float, periods: int) -> float:
    """Compound annual growth rate in percent over `periods` years (NaN if undefined)."""
    if periods <= 0 or first <= 0 or last < 0:
        return float("nan")
    return float(((last / first) ** (1.0 / periods) - 1.0) * 100.0)


def annual_totals(counts: pd.DataFrame) -> pd.DataFrame:
    """`financial_year, packages, yoy_growth_pct` from a year x therapy count table.

    `yoy_growth_pct` is unrounded; NaN for the first year and after a year with no packages.
    """
    totals = counts.sum(axis=1).astype(np.int64)
    prev = totals.shift(1)
    out = pd.DataFrame(
        {
            "financial_year": totals.index.astype(str),
            "packages": totals.to_numpy(),
            "yoy_growth_pct": pct_change(totals.to_numpy(), prev.to_numpy()),
        }
    )
    out.loc[0, "yoy_growth_pct"] = np.nan
    return out


def growth_summary(
    totals: pd.DataFrame, first_year: str | None = None, last_year: str | None = None
) -> pd.DataFrame:
    """One row: `first_year, last_year, packages_first, packages_last, total_growth_pct, cagr_pct,
    n_years` (the years the growth spans, both ends included).

    Defaults to the first and last years of `totals` (output of `annual_totals`). Unrounded.
    Descriptive: two counts, no model and no residual degrees of freedom.
    """
    t = totals.set_index("financial_year")["packages"]
    first_year = first_year or t.index[0]
    last_year = last_year or t.index[-1]
    years = list(t.index)
    if first_year not in years or last_year not in years:
        raise ValueError(
            f"growth years {first_year}..{last_year} are not in the data ({years[0]}..{years[-1]})"
        )
    periods = years.index(last_year) - years.index(first_year)
    a, b = int(t[first_year]), int(t[last_year])
    return pd.DataFrame(
        {
            "first_year": [first_year],
            "last_year": [last_year],
            "packages_first": [a],
            "packages_last": [b],
            "total_growth_pct": [pct_change(b, a)],
            "cagr_pct": [cagr_pct(a, b, periods)],
            "n_years": [periods + 1],
        }
    )


def rounding_comparison(value_pct: float, dp: int = 1) -> pd.DataFrame:
    """How `value_pct` prints under each convention; flags the report's (truncation)."""
    rows = [
        {
            "convention": how.value,
            "description": how.description,
            "printed": round_values(value_pct, dp, how),
            "report_convention": how is REPORT_ROUNDING,
        }
        for how in Rounding
    ]
    return pd.DataFrame(rows)
