"""What notebooks call to show a released table: the rendered release, never the raw frame."""

from __future__ import annotations

import html
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nps_analysis.release.html_tables import render_table_html, table_id
from nps_analysis.release.metadata import analysis_of, table_spec

if TYPE_CHECKING:  # pragma: no cover
    from nps_analysis.outputs import OutputWriter

MAX_ROWS = 100
"""Rows a report page shows of one table; longer tables show their first rows and say so."""
OUTPUT_METADATA_KEY = "nps_release"
"""Key of the display metadata the report renderer reads (table name, audience)."""


def data_href(output_dir: str | PathLike[str], relative: str) -> str:
    """Link from a report page (``outputs/reports/``) to a file of an analysis folder."""
    folder = Path(output_dir)
    inner = (
        f"{folder.parent.name}/{folder.name}" if folder.parent.name == "regions" else folder.name
    )
    return f"../{inner}/{relative}"


OWN_DATA_SUFFIX = "-own-data"
"""Suffix of an own-data run's analysis folder (`nps run --region ... --data-dir ...`)."""


def region_of_folder(output_dir: str | PathLike[str]) -> str | None:
    """``outputs/regions/south-west`` (or an own-data run's ``regions/south-west-own-data``)
    -> ``"South West"`` (None for other folders)."""
    from nps_analysis.regions import PAN_REGIONS
    from nps_analysis.release.pages import region_key

    folder = Path(output_dir)
    if folder.parent.name != "regions":
        return None
    key = folder.name.removesuffix(OWN_DATA_SUFFIX)
    return next((r for r in PAN_REGIONS if region_key(r) == key), None)


def table_context(out: OutputWriter, name: str, context: dict[str, Any]) -> dict[str, Any]:
    """The context a table is rendered with: the caller's, plus the table's data kind."""
    kinds = {r.output: r.data_kind for r in out.records}
    base = {"data_kind": kinds.get(f"tables/{name}.csv", str(out.data_kind))}
    region = region_of_folder(out.output_dir)
    if region:  # outputs/regions/<key>: the region is known even when the caller omits it
        base["region"] = region
    return {**base, **{k: v for k, v in context.items() if v is not None}}


def release_html(out: OutputWriter, name: str, **context: Any) -> str:
    """The released table `name` of `out` as the HTML shown in reports (title, formatted
    cells, notes, source, symbol key and a link to the CSV)."""
    analysis = context.pop("analysis", None) or analysis_of(out.output_dir, name)
    spec = table_spec(analysis, name)
    context = table_context(out, name, context)
    max_rows = context.pop("max_rows", MAX_ROWS)
    markup = render_table_html(out.released(name), spec, context, max_rows=max_rows)
    href = html.escape(data_href(out.output_dir, f"tables/{name}.csv"))
    markup = markup.replace(
        'class="nps-table"',
        f'class="nps-table" data-table="{html.escape(analysis)}/{html.escape(name)}" '
        f'data-csv="{href}"',
        1,
    )
    label = html.escape(spec.title_for(context, out.released(name)))
    return (
        f'{markup}<p class="nps-download"><a href="{href}">Download the data: {label} '
        f"(CSV)</a></p>\n"
    )


def display(out: OutputWriter, name: str, **context: Any) -> None:
    """Show the released table `name` in the notebook as it will read in the report.

    A table withheld by disclosure control shows a sentence saying so. Context fills the
    title's fields (``region="Eastern"``; ``period`` comes from the data). A table with no
    metadata raises UnknownTableError: add its spec to ``release/tables/<analysis>.yaml``.
    """
    from IPython.display import display as ipython_display

    try:
        out.released(name)
    except KeyError:
        withheld = html.escape(
            f"Table '{name}' is withheld by disclosure control (see the manifest)."
        )
        ipython_display({"text/html": f"<p><em>{withheld}</em></p>"}, raw=True)
        return
    analysis = context.get("analysis") or analysis_of(out.output_dir, name)
    spec = table_spec(analysis, name)
    markup = release_html(out, name, **context)
    meta = {
        OUTPUT_METADATA_KEY: {
            "table": name,
            "audience": spec.audience,
            "id": table_id(spec, context),
            "analysis": analysis,
            "max_rows": context.get("max_rows", MAX_ROWS),
        }
    }
    ipython_display(
        {
            "text/html": markup,
            "text/plain": spec.title_for(table_context(out, name, context), out.released(name)),
        },
        raw=True,
        metadata=meta,
    )
