"""The release diff written for an analyst: ``release_diff.md`` (sections by kind of change) and
``release_diff.csv`` (every change, one per row)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nps_analysis.outputs import to_csv_text

SECTIONS = {
    "revised": "Values revised in years the previous build had",
    "new_year": "Values of new years",
    "row_added": "Rows added (new areas, new categories)",
    "row_removed": "Rows removed",
    "rank_or_band_moved": "Rankings and bands that moved",
    "headline_changed": "Headline sentences that changed",
    "table_added": "Tables added",
    "table_removed": "Tables removed",
    "column_added": "Columns added",
    "column_removed": "Columns removed",
}
MAX_ROWS_SHOWN = 200
"""Rows per section in the Markdown; the CSV has them all."""


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.6g}"
    return str(value).replace("|", "\\|")


def _markdown_table(frame: pd.DataFrame) -> list[str]:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return lines


def summary(changes: pd.DataFrame) -> pd.DataFrame:
    """Changes per table and kind."""
    if changes.empty:
        return pd.DataFrame(columns=["table", "kind", "changes"])
    return (
        changes.groupby(["table", "kind"], as_index=False)
        .size()
        .rename(columns={"size": "changes"})
    )


def render(changes: pd.DataFrame, title: str, context: list[str] | None = None) -> str:
    """The Markdown report."""
    lines = [f"# {title}", ""]
    lines += [f"- {c}" for c in context or []]
    lines += ["", f"{len(changes)} change(s) in {changes['table'].nunique()} table(s).", ""]
    if changes.empty:
        return "\n".join([*lines, "Nothing changed.", ""])
    lines += ["## Summary", "", *_markdown_table(summary(changes)), ""]
    for kind, heading in SECTIONS.items():
        part = changes[changes["kind"] == kind]
        if part.empty:
            continue
        shown = part.drop(columns="kind").dropna(axis=1, how="all")
        shown = shown.loc[:, (shown.astype(str) != "").any()]
        if kind == "revised" and "rel_change" in shown:
            shown = shown.assign(
                rel_change=shown["rel_change"].map(lambda v: "" if pd.isna(v) else f"{v:+.1%}")
            )
        lines += [f"## {heading} ({len(part)})", ""]
        lines += _markdown_table(shown.head(MAX_ROWS_SHOWN))
        if len(part) > MAX_ROWS_SHOWN:
            lines.append(f"... and {len(part) - MAX_ROWS_SHOWN} more (release_diff.csv).")
        lines.append("")
    return "\n".join(lines)


def write_report(
    changes: pd.DataFrame, out_dir: str | Path, title: str, context: list[str] | None = None
) -> Path:
    """Write ``release_diff.md`` and ``release_diff.csv`` into ``out_dir``; the Markdown path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "release_diff.csv").write_text(to_csv_text(changes), encoding="utf-8")
    path = out / "release_diff.md"
    path.write_text(render(changes, title, context), encoding="utf-8")
    return path
