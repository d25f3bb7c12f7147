"""Reproduced national figures next to those printed in s5 of the National Picture.

`reproduced_figures` reads the s5 figures from the released tables, keyed by figure_id;
`published_check` compares them with the register through ``nps_analysis.figure_check`` (printed
precision: whole per cent, FTE to two decimals, counts exactly; half-up, as the audit finds the
report printed them). On the synthetic default they match by construction: that validates the
pipeline, not the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.figure_check import check_figures
from nps_analysis.published import load_published


def _num(value: object) -> float:
    out = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return float(out) if pd.notna(out) else np.nan


def _lookup(df: pd.DataFrame, key: str, value: str, column: str) -> float:
    if df is None or df.empty or key not in df.columns:
        return np.nan
    hit = df.loc[df[key].astype(str).str.casefold() == value.casefold(), column]
    return _num(hit.iloc[0]) if len(hit) else np.nan


def reproduced_figures(
    fte_by_role: pd.DataFrame,
    coverage: pd.DataFrame,
    gaps: pd.DataFrame,
    stated: pd.DataFrame,
    counts: dict[str, int],
) -> dict[str, float]:
    """Every s5 figure the workforce tables reproduce, keyed by figure_id (register order).

    Suppressed 'c' cells become NaN. `counts` holds raas_in_workforce (RAAs with staff records),
    raas_in_gaps_file and raas_indicating_gaps.
    """
    resp_raas = (
        pd.to_numeric(coverage["raas_responding"], errors="coerce").max()
        if len(coverage)
        else np.nan
    )
    by_id = {
        "workforce.fte.total": pd.to_numeric(fte_by_role["fte"], errors="coerce").sum(min_count=1),
        "workforce.skills.raas_reporting_fte": resp_raas,
        "workforce.skills.fte_base": pd.to_numeric(coverage["base_fte"], errors="coerce").max(),
        "workforce.skills.raas_not_reporting_fte": counts.get("raas_in_workforce", np.nan)
        - resp_raas,
        "workforce.skills.raas_stating_types": _num(stated["raas_stating"].iloc[0])
        if len(stated)
        else np.nan,
        "workforce.gaps.raas_reporting": counts.get("raas_indicating_gaps", np.nan),
        "workforce.gaps.raas_completing": counts.get("raas_in_gaps_file", np.nan),
    }
    by_measure = {  # measure -> (table, key column, value column)
        "fte_share": (fte_by_role, "role", "share_pct"),
        "share_of_fte_trained": (coverage, "skill", "share_pct"),
        "raas_with_staff_trained": (stated, "skill", "raas_stating_skill"),
        "raas_with_skills_gap": (gaps, "skill", "raas_with_gap"),
    }
    values: dict[str, float] = {}
    for r in load_published("workforce").itertuples(index=False):
        if r.figure_id in by_id:
            values[r.figure_id] = _num(by_id[r.figure_id])
        elif r.measure in by_measure:
            table, key, column = by_measure[r.measure]
            values[r.figure_id] = _lookup(
                table, key, str(r.role if key == "role" else r.skill), column
            )
    return values


def published_check(
    fte_by_role: pd.DataFrame,
    coverage: pd.DataFrame,
    gaps: pd.DataFrame,
    stated: pd.DataFrame,
    counts: dict[str, int],
) -> pd.DataFrame:
    """One row per published s5 figure reproduced (``figure_check.CHECK_COLUMNS``); works on
    released tables, so suppressed cells compare as missing and do not match."""
    return check_figures(reproduced_figures(fte_by_role, coverage, gaps, stated, counts))
