"""Notebook display of released outputs: a table as released, or a note saying why it is absent."""

from __future__ import annotations

from typing import Any

import pandas as pd

from nps_analysis import release
from nps_analysis.outputs import OutputWriter


def show_released(out: OutputWriter, name: str) -> None:
    """Display released table `name` as the report shows it (titled, formatted, symbols and
    source from its release metadata), or a note when it was withheld or not written."""
    from IPython.display import Markdown, display

    try:
        out.released(name)
    except KeyError:
        manifest = out.manifest()
        row = manifest.loc[manifest["output"] == f"tables/{name}.csv"]
        if len(row) and row["status"].iloc[0] == "withheld":
            display(Markdown(f"*{name}: withheld by disclosure control ({row['note'].iloc[0]}).*"))
        else:
            display(Markdown(f"*{name}: not produced in this run.*"))
        return
    release.display(out, name, **out.context)


def show_table(out: OutputWriter, df: pd.DataFrame, name: str, **declaration: Any) -> None:
    """Write `df` through the output helper (disclosure control) and display what was released."""
    out.table(df, name, **declaration)
    show_released(out, name)


def not_available(area: str, what: str) -> None:
    """Say that a section is skipped because the area has no such data."""
    from IPython.display import Markdown, display

    display(Markdown(f"**Not available for {area}:** {what}. This section is skipped."))


def show_manifest(out: OutputWriter) -> None:
    """Say, in a sentence, what this analysis released and where the list of outputs is."""
    from IPython.display import Markdown, display

    manifest = out.manifest()
    counts = manifest["status"].value_counts()
    parts = [f"{n} {status}" for status, n in sorted(counts.items())]
    display(
        Markdown(
            f"This analysis wrote {len(manifest)} output(s) ({', '.join(parts)}). Each one, with "
            "the disclosure-control check applied to it, is listed in `manifest.csv` beside the "
            "tables."
        )
    )
