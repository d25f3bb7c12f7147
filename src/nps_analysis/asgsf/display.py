"""Notebook display of the ASGSF outputs *as released* (after disclosure control), never raw."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from nps_analysis.asgsf.analysis import display_rounded
from nps_analysis.asgsf.prediction import LEVELS
from nps_analysis.asgsf.rounding import REPORT_ROUNDING, Rounding, format_pct

if TYPE_CHECKING:  # pragma: no cover
    from nps_analysis.outputs import OutputWriter

WITHHELD = "withheld (disclosure control)"

WHOLE_PACKAGES: dict[str, int] = {
    "forecast": 0,
    **{f"pi{round(lv * 100):d}_{end}": 0 for lv in LEVELS for end in ("low", "high")},
}
"""Forecast columns shown as whole packages."""


def _show(obj: object) -> None:
    from IPython.display import Markdown, display

    display(Markdown(obj) if isinstance(obj, str) else obj)


def released_or_none(out: OutputWriter, name: str) -> pd.DataFrame | None:
    """The released table `name`, or None if it was withheld or never written."""
    try:
        return out.released(name)
    except KeyError:
        return None


def show_table(
    out: OutputWriter,
    name: str,
    *,
    title: str | None = None,
    drop: Iterable[str] = (),
    columns: Iterable[str] | None = None,
    decimals: Mapping[str, int] | None = None,
) -> None:
    """Display released table `name` (percentages rounded half-up to 1 dp for display only).

    `drop` leaves columns out, `columns` keeps only those; `decimals` rounds further columns.
    """
    if title:
        _show(f"**{title}**")
    df = released_or_none(out, name)
    if df is None:
        _show(f"*{name}: {WITHHELD}.*")
        return
    if columns is not None:
        df = df[[c for c in columns if c in df.columns]]
    shown = display_rounded(df.drop(columns=[c for c in drop if c in df.columns]))
    for col, dp in (decimals or {}).items():
        if col in shown.columns and pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].round(dp)
    _show(shown)


def show_wide(out: OutputWriter, name: str, index: str, columns: str, values: str) -> None:
    """Display a released long table pivoted wide (suppressed cells stay 'c')."""
    df = released_or_none(out, name)
    _show(
        f"*{name}: {WITHHELD}.*"
        if df is None
        else df.pivot(index=index, columns=columns, values=values)
    )


def show_figure(written: Mapping[str, Path | None], name: str) -> None:
    """Display a written figure, or say it was withheld by disclosure control."""
    from IPython.display import Image

    path = written.get(f"figures/{name}.png")
    _show(Image(path) if path is not None else f"*{name}: {WITHHELD}.*")


def growth_sentences(summary: pd.DataFrame) -> list[str]:
    """One sentence per row of the released `growth_summary` (suppressed values say so)."""
    out = []
    for r in summary.itertuples():
        if any(isinstance(v, str) for v in (r.packages_first, r.packages_last, r.total_growth_pct)):
            out.append(f"**{r.first_year} to {r.last_year}**: {WITHHELD}.")
            continue
        out.append(
            f"**{r.first_year} to {r.last_year}** ({r.n_years} years): {int(r.packages_first):,} to "
            f"{int(r.packages_last):,} packages; growth "
            f"{format_pct(r.total_growth_pct, 1, REPORT_ROUNDING)} (report convention: "
            f"{REPORT_ROUNDING.description}), {format_pct(r.total_growth_pct, 1, Rounding.HALF_UP)} "
            f"rounded half-up; CAGR {format_pct(r.cagr_pct, 1, Rounding.HALF_UP)} a year."
        )
    return out


__all__ = [
    "WHOLE_PACKAGES",
    "WITHHELD",
    "growth_sentences",
    "released_or_none",
    "show_figure",
    "show_table",
    "show_wide",
]
