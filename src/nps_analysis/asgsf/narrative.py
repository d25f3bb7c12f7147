"""Sentences about the ASGSF results, worded from the released tables only (suppressed cells,
``c``, are said to be withheld, never shown)."""

from __future__ import annotations

import pandas as pd

from nps_analysis.asgsf.rounding import REPORT_ROUNDING, Rounding, format_pct

WITHHELD = "withheld (disclosure control)"


def _suppressed(*values: object) -> bool:
    """True when any released value is a suppression mark or missing."""
    return any(isinstance(v, str) or pd.isna(v) for v in values)


def growth_sentences(summary: pd.DataFrame, area: str) -> list[str]:
    """One sentence per row of the released `growth_summary`, with the report's truncated
    growth beside the half-up one and the compound annual growth rate (CAGR)."""
    lines = []
    for r in summary.itertuples():
        span = f"{r.first_year} to {r.last_year}"
        if _suppressed(r.packages_first, r.packages_last, r.total_growth_pct, r.cagr_pct):
            lines.append(f"ASGSF funded packages in {area}, {span}: {WITHHELD}.")
            continue
        first, last, growth, cagr = (
            float(v) for v in (r.packages_first, r.packages_last, r.total_growth_pct, r.cagr_pct)
        )
        lines.append(
            f"In {area}, ASGSF funded therapeutic packages went from {first:,.0f} in "
            f"{r.first_year} to {last:,.0f} in {r.last_year} ({int(r.n_years)} financial years): "
            f"growth of {format_pct(growth, 1, REPORT_ROUNDING)} as the report prints it "
            f"(rounding: {REPORT_ROUNDING.value.replace('_', ' ')}), "
            f"{format_pct(growth, 1, Rounding.HALF_UP)} rounded half up, or "
            f"{format_pct(cagr, 1, Rounding.HALF_UP)} a year (CAGR). Two counts, not an "
            "estimate: there is no interval."
        )
    return lines


def largest_therapies(shares: pd.DataFrame, area: str, period: str, top: int = 3) -> str:
    """The `top` therapy types by share of packages in the released `therapy_shares`."""
    suppressed = shares["share_pct"].map(_suppressed) | shares["packages"].map(_suppressed)
    shown = shares.loc[~suppressed]
    shown = shown.assign(share=shown["share_pct"].astype(float)).nlargest(top, "share")
    if shown.empty:
        return f"Therapy shares in {area}, {period}: {WITHHELD}."
    listed = "; ".join(
        f"{r.therapy_type} {int(float(r.packages)):,} ({format_pct(r.share, 1, Rounding.HALF_UP)})"
        for r in shown.itertuples()
    )
    note = (
        " Some smaller categories are suppressed (disclosure control)." if suppressed.any() else ""
    )
    return f"The largest therapy types in {area}, {period}, by packages funded: {listed}.{note}"


__all__ = ["WITHHELD", "growth_sentences", "largest_therapies"]
