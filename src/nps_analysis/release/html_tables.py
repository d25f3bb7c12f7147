"""Released tables as accessible HTML, rendered from their metadata with great_tables.

great_tables gives the markup a screen reader needs: the title is the table's accessible name
(``aria-labelledby``), column headings are ``<th scope="col">``, the first filter column is the
row heading (``<th scope="row">``) and every data cell names its headings (``headers``). Table
ids are fixed (analysis and table name), so reruns are byte-identical. Cell text comes from
`formatting.format_value`; great_tables only lays it out. Its per-table ``<style>`` block is
dropped: the report stylesheet (``templates/nps/static/release.css``) styles every table.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from nps_analysis.release.formatting import format_value
from nps_analysis.release.metadata import TableSpec
from nps_analysis.release.symbols import symbol_key_text

_STYLE = re.compile(r"<style>.*?</style>\s*", re.S)
_WRAPPER = re.compile(r'^\s*<div id="([^"]+)" style="[^"]*">')
_QUARTO = re.compile(r' data-quarto-disable-processing="false" data-quarto-bootstrap="false"')
_TITLE = re.compile(r'<td colspan="(\d+)" class="gt_heading gt_title gt_font_normal" id="([^"]+)">')
_SLUG = re.compile(r"[^a-z0-9]+")


def table_id(spec: TableSpec, context: dict[str, Any] | None = None) -> str:
    """A stable, page-unique id: ``t-<analysis>-<table>`` (``table_id`` in context overrides)."""
    given = (context or {}).get("table_id")
    return str(given) if given else "t-" + _SLUG.sub("-", f"{spec.analysis} {spec.name}".lower())


def source_line(spec: TableSpec, context: dict[str, Any] | None = None) -> str:
    """ "Source: ..." with the record-level data kind filled in."""
    return f"Source: {spec.source_for(context)}"


def render_table_html(
    frame: pd.DataFrame,
    spec: TableSpec,
    context: dict[str, Any] | None = None,
    *,
    max_rows: int | None = None,
) -> str:
    """One released table as an accessible HTML table: title, labelled headings with units,
    formatted cells (GSS symbols for suppressed or missing values), notes, source and the
    symbol key. A table longer than `max_rows` shows its first rows and says so (the download
    has all). Raises SpecError when `frame` has a column its spec does not describe."""
    from great_tables import GT

    context = dict(context or {})
    spec.check(frame)
    total = len(frame)
    full = frame
    if max_rows is not None and total > max_rows:
        frame = frame.head(max_rows)
    columns = [spec.columns[c] for c in frame.columns]
    cells = pd.DataFrame(
        {c.col_name: [format_value(v, c) for v in frame[c.col_name]] for c in columns},
        index=range(len(frame)),
        dtype=object,
    )
    values = spec.context_for(context, full)
    tid = table_id(spec, context)
    stub = columns[0] if columns[0].col_type == "filter" and len(columns) > 1 else None
    gt = GT(cells, id=tid, rowname_col=stub.col_name if stub else None)
    gt = gt.tab_header(title=spec.title_for(context, full))
    if stub is not None:
        gt = gt.tab_stubhead(label=stub.header_for(values))
    gt = gt.cols_label(cases={c.col_name: c.header_for(values) for c in columns if c is not stub})
    numeric = [c.col_name for c in columns if c.is_numeric and c is not stub]
    other = [c.col_name for c in columns if not c.is_numeric and c is not stub]
    if numeric:
        gt = gt.cols_align("right", columns=numeric)
    if other:
        gt = gt.cols_align("left", columns=other)
    if len(frame) < total:
        gt = gt.tab_source_note(
            f"Showing the first {len(frame):,} of {total:,} rows: download the data for the full table."
        )
    for note in spec.notes:
        gt = gt.tab_source_note(f"Note: {note}")
    gt = gt.tab_source_note(source_line(spec, context))
    gt = gt.tab_source_note(f"Symbols: {symbol_key_text()}.")
    return _tidy(gt.as_raw_html(inline_css=False), tid)


def _tidy(markup: str, tid: str) -> str:
    """Drop great_tables' per-table CSS and Quarto attributes; make the scrolling wrapper a
    labelled, keyboard-focusable region (WCAG 2.1.1 for tables wider than the page)."""
    markup = _STYLE.sub("", markup)
    markup = _QUARTO.sub("", markup)
    markup = _WRAPPER.sub(
        f'<div id="{tid}" class="nps-table" role="region" aria-labelledby="{tid}-title" tabindex="0">',
        markup,
        count=1,
    )
    markup = _TITLE.sub(
        lambda m: f'<td colspan="{m.group(1)}" class="gt_heading gt_title" id="{m.group(2)}">',
        markup,
        count=1,
    )
    return "\n".join(line.rstrip() for line in markup.strip().splitlines() if line.strip()) + "\n"
