"""Section 2: open adoption support cases, region vs national shares."""

from __future__ import annotations

import pandas as pd


def _shares(df: pd.DataFrame, key: str) -> pd.DataFrame:
    counts = df.groupby(key, observed=True)["count"].sum().astype(int)
    return pd.DataFrame({"count": counts, "share_pct": 100 * counts / counts.sum()})


def cases_vs_national(cases: pd.DataFrame, region: str, key: str) -> pd.DataFrame:
    """Open cases by `key` (recipient_group or child_age_band): counts and shares, region vs England.

    Child age bands cover children only.
    """
    if key == "child_age_band":
        cases = cases.loc[cases["recipient_group"].astype(str) == "children"]
    national = _shares(cases, key)
    regional = _shares(cases.loc[cases["region"].astype(str) == region], key)
    out = regional.join(national, lsuffix="_region", rsuffix="_england", how="right").reset_index()
    out["count_region"] = out["count_region"].fillna(0).astype(int)
    out["share_pct_region"] = out["share_pct_region"].fillna(0.0)
    out[key] = out[key].astype(str)
    return out[[key, "count_region", "share_pct_region", "count_england", "share_pct_england"]]


CASES_DISCLOSURE = {
    "counts": ["count_region", "count_england"],
    "derived": {"share_pct_region": "count_region", "share_pct_england": "count_england"},
}
"""OutputWriter keywords for `cases_vs_national` tables."""
