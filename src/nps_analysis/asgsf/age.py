"""Age profile: share of packages for children aged 12 and over, by year, with Wilson CIs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.stats import wilson_ci

OLDER_AGE = 12


def older_child_share(
    df: pd.DataFrame, years: list[str] | None = None, age: int = OLDER_AGE
) -> pd.DataFrame:
    """`financial_year, packages_known_age, packages_aged_12_plus, share_pct, ci_low, ci_high`.

    Packages without a recorded age are left out of the denominator (counted in
    `packages_unknown_age`). CIs are Wilson score 95% intervals, in percent.
    """
    a = pd.to_numeric(df["child_age"], errors="coerce")
    work = pd.DataFrame(
        {
            "financial_year": df["financial_year"],
            "known": a.notna().to_numpy(),
            "older": (a >= age).to_numpy(),
        }
    )
    g = work.groupby("financial_year", observed=True, sort=True).agg(
        packages=("known", "size"), packages_known_age=("known", "sum"), older=("older", "sum")
    )
    g.index = g.index.astype(str)
    if years is not None:
        g = g.reindex(years, fill_value=0)
    g = g.astype(np.int64)
    n, k = g["packages_known_age"].to_numpy(), g["older"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, k / np.where(n > 0, n, 1) * 100.0, np.nan)
    lo, hi = wilson_ci(k, n)
    col = f"packages_aged_{age}_plus"
    return pd.DataFrame(
        {
            "financial_year": g.index.astype(str),
            "packages_known_age": n,
            "packages_unknown_age": g["packages"].to_numpy() - n,
            col: k,
            "share_pct": share,
            "ci_low": lo * 100.0,
            "ci_high": hi * 100.0,
        }
    )
