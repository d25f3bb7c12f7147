"""Therapy mix: counts and shares over the whole period and by year; the comparable series."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from nps_analysis.asgsf.categories import COMPARABLE_KEYS, COMPARABLE_LABEL, therapy_key


def therapy_shares(counts: pd.DataFrame) -> pd.DataFrame:
    """`therapy_type, packages, share_pct` over all years of `counts` (shares unrounded, sum 100)."""
    totals = counts.sum(axis=0).astype(np.int64)
    grand = int(totals.sum())
    out = pd.DataFrame({"therapy_type": totals.index.astype(str), "packages": totals.to_numpy()})
    out["share_pct"] = out["packages"] / grand * 100.0 if grand else np.nan
    return out


def shares_by_year(counts: pd.DataFrame) -> pd.DataFrame:
    """Long table `financial_year, therapy_type, packages, share_pct` (shares within each year)."""
    long = counts.stack().rename("packages").reset_index()
    year_total = long.groupby("financial_year", sort=False)["packages"].transform("sum")
    long["share_pct"] = np.where(
        year_total > 0, long["packages"] / year_total.where(year_total > 0, 1) * 100.0, np.nan
    )
    long["packages"] = long["packages"].astype(np.int64)
    return long[["financial_year", "therapy_type", "packages", "share_pct"]]


def comparable_series(
    counts: pd.DataFrame, keys: Iterable[str] = COMPARABLE_KEYS, label: str = COMPARABLE_LABEL
) -> pd.DataFrame:
    """Counts with the categories hit by the November 2018 change summed into one column.

    By default Psychotherapy + Creative therapies + Family therapy + Multi-disciplinary packages
    become `label`; other columns are unchanged. The row totals are unchanged.
    """
    keys = set(keys)
    merge = [c for c in counts.columns if therapy_key(c) in keys]
    keep = [c for c in counts.columns if c not in merge]
    out = counts[keep].copy()
    out.insert(0, label, counts[merge].sum(axis=1).astype(np.int64) if merge else 0)
    return out
