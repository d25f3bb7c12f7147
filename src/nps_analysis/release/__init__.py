"""Release formats built from what an analysis has released: HTML tables, a spreadsheet per
report, EES open data and the report pages, all driven by the table metadata in ``tables/``.

Notebooks call `display(out, name, **context)` instead of ``display(df)``.
"""

from __future__ import annotations

from nps_analysis.release.html_tables import render_table_html
from nps_analysis.release.metadata import SpecError, UnknownTableError, load_specs, table_spec
from nps_analysis.release.notebook import display, release_html

__all__ = [
    "SpecError",
    "UnknownTableError",
    "display",
    "load_specs",
    "release_html",
    "render_table_html",
    "table_spec",
]
