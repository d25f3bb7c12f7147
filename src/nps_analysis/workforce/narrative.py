"""Headline sentences about the workforce, worded from the released tables only (a suppressed
cell, ``c``, makes its sentence say the figure is withheld, never shown)."""

from __future__ import annotations

import pandas as pd

from nps_analysis.rounding import round_half_up

WITHHELD = "withheld (disclosure control)"


def _numbers(values: pd.Series) -> pd.Series | None:
    """The released values as numbers, or None when any is suppressed or missing."""
    numbers = pd.to_numeric(values, errors="coerce")
    return None if numbers.isna().any() else numbers


def _pct(value: float) -> str:
    return f"{round_half_up(float(value), 0):.0f}%"


def fte_sentence(fte_by_role: pd.DataFrame, area: str) -> str:
    """Total FTE in adoption support and the largest role (released `fte_by_role`)."""
    fte, share = _numbers(fte_by_role["fte"]), _numbers(fte_by_role["share_pct"])
    if fte is None or share is None or fte.empty:
        return f"Adoption support FTE by role in {area}: {WITHHELD}."
    largest = share.idxmax()
    return (
        f"About {round_half_up(float(fte.sum()), 2):,.2f} FTE work in adoption support in {area}; "
        f"{fte_by_role.loc[largest, 'role']} are the largest group ({_pct(share[largest])} of FTE)."
    )


def skills_sentence(coverage: pd.DataFrame, area: str) -> str:
    """The therapeutic model most of the recorded FTE is trained in (released `skills_coverage`)."""
    share = _numbers(coverage["share_pct"])
    if share is None or share.empty:
        return f"Skills coverage in {area}: {WITHHELD}."
    top = coverage.loc[share.idxmax()]
    return (
        f"{top['skill']} is the model most staff in {area} are trained in: {_pct(share.max())} of "
        f"the FTE whose training was recorded, in {top['raas_responding']} responding RAAs."
    )


def gaps_sentence(bounds: pd.DataFrame, area: str) -> str:
    """The skill most often named as a gap, with its interval for all the area's RAAs
    (released `skills_gaps_bounds`)."""
    counts = _numbers(bounds["raas_with_gap"])
    if counts is None or counts.empty:
        return f"Skills gaps in {area}: {WITHHELD}."
    top = bounds.loc[counts.idxmax()]
    low, high = pd.to_numeric(pd.Series([top["ci_low"], top["ci_high"]]), errors="coerce")
    interval = (
        f"; for all {top['raas_in_area']} RAAs, between {_pct(low)} and {_pct(high)} "
        "(95% interval if the responders are like the others)"
        if pd.notna(low) and pd.notna(high)
        else ""
    )
    return (
        f"The skills gap named most often in {area} is {top['skill']}: "
        f"{int(counts.max())} of the {top['raas_responding']} RAAs that indicated their gaps"
        f"{interval}."
    )


def headline_sentences(released: dict[str, pd.DataFrame], area: str) -> list[str]:
    """The workforce report's headline facts, from its released tables."""
    return [
        fte_sentence(released["fte_by_role"], area),
        skills_sentence(released["skills_coverage"], area),
        gaps_sentence(released["skills_gaps_bounds"], area),
    ]


__all__ = ["WITHHELD", "fte_sentence", "gaps_sentence", "headline_sentences", "skills_sentence"]
