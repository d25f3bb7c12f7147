"""Section 7: the report's own findings for this region (Appendix A), with Wilson CIs where a
base is given, next to the audit ledger's recomputation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.rounding import round_half_up
from nps_analysis.stats import wilson_ci


def appendix_findings(appendix: pd.DataFrame, ledger: pd.DataFrame, region: str) -> pd.DataFrame:
    """Appendix A figures for `region`: value as printed, base, implied count, 95% Wilson CI (for
    proportions with a stated base), and the audit's recomputed value and status."""
    rows = appendix.loc[appendix["region"] == region].copy()
    base = pd.to_numeric(rows["base"], errors="coerce")
    value = pd.to_numeric(rows["value"], errors="coerce")
    is_pct = rows["unit"].eq("percent") & base.notna()
    is_count_of_base = rows["unit"].eq("count") & base.notna() & rows["measure"].eq("respondents")
    count = np.where(
        is_pct, round_half_up(value * base / 100), np.where(is_count_of_base, value, np.nan)
    )
    pct = np.where(is_pct, value, np.where(is_count_of_base, 100 * value / base, np.nan))
    low, high = wilson_ci(np.nan_to_num(count), base.fillna(0).to_numpy())
    has_ci = ~np.isnan(count)
    rows["implied_count"] = count
    rows["pct"] = pct
    rows["ci_low"] = np.where(has_ci, 100 * low, np.nan)
    rows["ci_high"] = np.where(has_ci, 100 * high, np.nan)
    first_rule = ledger.drop_duplicates("figure_id")[["figure_id", "recomputed_value", "status"]]
    rows = rows.merge(first_rule, on="figure_id", how="left")
    columns = [
        "figure_id",
        "topic",
        "measure",
        "value_as_printed",
        "unit",
        "base",
        "base_description",
        "implied_count",
        "pct",
        "ci_low",
        "ci_high",
        "recomputed_value",
        "status",
        "source_locator",
        "source_text",
    ]
    return rows[columns].reset_index(drop=True)
