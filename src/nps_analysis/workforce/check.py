"""Reproduced national figures next to those printed in s5 of the National Picture.

Percentages are compared at the report's precision (whole per cent, rounded half up), FTE to two
decimals, counts exactly. On the synthetic default they match by construction: that validates the
pipeline, not the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.rounding import round_half_up

CHECK_COLUMNS = [
    "figure_id",
    "description",
    "published",
    "reproduced",
    "reproduced_at_precision",
    "matches",
]


def _num(value: object) -> float:
    out = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return float(out) if pd.notna(out) else np.nan


def _lookup(df: pd.DataFrame, key: str, value: str, column: str) -> float:
    if df is None or df.empty or key not in df.columns:
        return np.nan
    hit = df.loc[df[key].astype(str).str.casefold() == value.casefold(), column]
    return _num(hit.iloc[0]) if len(hit) else np.nan


def published_check(
    fte_by_role: pd.DataFrame,
    coverage: pd.DataFrame,
    gaps: pd.DataFrame,
    stated: pd.DataFrame,
    counts: dict[str, int],
) -> pd.DataFrame:
    """One row per published s5 figure: published value, reproduced value and whether they agree.

    Works on released tables (suppressed 'c' cells compare as missing, so they do not match).
    `counts` holds raas_in_workforce (RAAs with staff records), raas_in_gaps_file and
    raas_indicating_gaps.
    """
    from nps_analysis.published import load_published

    pub = load_published("workforce")
    rows = []
    resp_raas = (
        pd.to_numeric(coverage["raas_responding"], errors="coerce").max()
        if len(coverage)
        else np.nan
    )
    for r in pub.itertuples(index=False):
        fid, measure, skill, role = r.figure_id, r.measure, str(r.skill), str(r.role)
        digits = 0
        if fid == "workforce.fte.total":
            value, digits, desc = (
                pd.to_numeric(fte_by_role["fte"], errors="coerce").sum(min_count=1),
                2,
                "total FTE",
            )
        elif measure == "fte_share":
            value, desc = _lookup(fte_by_role, "role", role, "share_pct"), f"% of FTE: {role}"
        elif fid == "workforce.skills.raas_reporting_fte":
            value, desc = resp_raas, "RAAs giving staff-level training data"
        elif fid == "workforce.skills.fte_base":
            value, digits, desc = (
                pd.to_numeric(coverage["base_fte"], errors="coerce").max(),
                2,
                "FTE in RAAs giving training data",
            )
        elif measure == "share_of_fte_trained":
            value, desc = (
                _lookup(coverage, "skill", skill, "share_pct"),
                f"% of that FTE trained: {skill}",
            )
        elif fid == "workforce.skills.raas_not_reporting_fte":
            value, desc = (
                counts.get("raas_in_workforce", np.nan) - resp_raas,
                "RAAs without staff-level training data",
            )
        elif fid == "workforce.skills.raas_stating_types":
            value = _num(stated["raas_stating"].iloc[0]) if len(stated) else np.nan
            desc = "of those, RAAs stating training types"
        elif measure == "raas_with_staff_trained":
            value, desc = (
                _lookup(stated, "skill", skill, "raas_stating_skill"),
                f"RAAs stating staff trained: {skill}",
            )
        elif fid == "workforce.gaps.raas_reporting":
            value, desc = counts.get("raas_indicating_gaps", np.nan), "RAAs indicating skills gaps"
        elif fid == "workforce.gaps.raas_completing":
            value, desc = (
                counts.get("raas_in_gaps_file", np.nan),
                "RAAs completing the workforce analysis",
            )
        elif measure == "raas_with_skills_gap":
            value, desc = (
                _lookup(gaps, "skill", skill, "raas_with_gap"),
                f"RAAs naming a gap: {skill}",
            )
        else:  # a figure this analysis does not reproduce
            continue
        value = float(value) if pd.notna(value) else np.nan
        at_precision = round_half_up(value, digits)
        rows.append(
            (
                fid,
                desc,
                float(r.value),
                value,
                at_precision,
                bool(np.isclose(at_precision, float(r.value))),
            )
        )
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)
