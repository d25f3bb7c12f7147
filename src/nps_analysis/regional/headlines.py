"""Section 8: a short list of headline numbers, generated from released tables only."""

from __future__ import annotations

import pandas as pd

from nps_analysis.provenance import SUPPRESSED
from nps_analysis.workforce.settings import min_responders_to_rank, rankable


def _num(value: object) -> float | None:
    if value is None or (isinstance(value, str) and value == SUPPRESSED):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _fmt(value: object, unit: str = "", dp: int = 0) -> str:
    number = _num(value)
    if number is None:
        return "suppressed (c)"
    text = f"{number:,.{dp}f}"
    return f"£{text}" if unit == "gbp" else f"{text}{unit}"


def headline_findings(region: str, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Numbers-only headlines with the table each comes from; sections without data are skipped."""
    rows: list[tuple[str, str, str]] = []
    if (t := tables.get("adoptions_region_vs_england")) is not None and len(t):
        last = t.iloc[-1]
        rows.append(
            (
                "public",
                "adoptions_region_vs_england",
                f"{int(last['year'])}: {_fmt(last['adoptions_region'])} children adopted from care in "
                f"{region} ({_fmt(last['region_share_pct'], '%', 1)} of England's {_fmt(last['adoptions_england'])}).",
            )
        )
    if (t := tables.get("adopted_population")) is not None and len(t):
        u18 = t.loc[t["age_limit"] == 18].iloc[0]
        rows.append(
            (
                "public",
                "adopted_population",
                f"Estimated adopted children under 18: {_fmt(u18['estimate'])} "
                f"(range {_fmt(u18['low'])} to {_fmt(u18['high'])}).",
            )
        )
    if (t := tables.get("packages_by_year")) is not None and len(t) > 1:
        first, last = t.iloc[0], t.iloc[-1]
        rows.append(
            (
                "record-level",
                "packages_by_year",
                f"ASGSF packages: {_fmt(first['packages'])} in {first['financial_year']} and "
                f"{_fmt(last['packages'])} in {last['financial_year']}.",
            )
        )
    if (t := tables.get("share_aged_12_plus")) is not None and len(t):
        last = t.iloc[-1]
        rows.append(
            (
                "record-level",
                "share_aged_12_plus",
                f"Packages for children aged 12+ in {last['financial_year']}: {_fmt(last['pct'], '%', 1)} "
                f"(95% CI {_fmt(last['ci_low'], '%', 1)} to {_fmt(last['ci_high'], '%', 1)}).",
            )
        )
    if (t := tables.get("joint_commissioning_shortlist")) is not None and len(t):
        top = t.iloc[0]
        rows.append(
            (
                "record-level",
                "joint_commissioning_shortlist",
                f"{len(t)} provider(s) used by more than one RAA shortlisted; the first, {top['provider']}, "
                f"is used by {int(top['raas'])} RAAs ({_fmt(top['share_of_region_spend_pct'], '%', 1)} of "
                "the region's known provider spend).",
            )
        )
    if (t := tables.get("provider_concentration")) is not None and len(t):
        rows.append(
            (
                "record-level",
                "provider_concentration",
                f"Provider spend concentration (HHI, 0-10,000): {_fmt(t.iloc[0]['hhi'])}.",
            )
        )
    t = tables.get("skills_gaps")
    if t is not None and len(t) and rankable(t["raas_responding"], min_responders_to_rank()).all():
        gaps = t.assign(n=pd.to_numeric(t["raas_with_gap"], errors="coerce")).sort_values(
            "n", ascending=False
        )
        top = gaps.iloc[0]
        rows.append(
            (
                "record-level",
                "skills_gaps",
                f"Skill gap named most often: {top['skill']} ({_fmt(top['raas_with_gap'])} of "
                f"{_fmt(top['raas_responding'])} responding RAAs).",
            )
        )
    return pd.DataFrame(rows, columns=["data", "source_table", "headline"])
