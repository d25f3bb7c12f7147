"""A spreadsheet release per report, built with gptables (ONS) to GSS spreadsheet guidance.

Cover sheet, contents, notes, then one titled table per sheet ("Table 1", "Table 2", ...): the
title says what, where and when; headings carry units; cells keep full precision with a number
format showing the declared decimals; suppressed or missing cells hold a GSS symbol (``[c]``,
``[x]``, ``[z]``) explained in a key above every table. Deterministic: fixed document
properties, so reruns are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from nps_analysis.release.formatting import as_number, format_value, symbol_of
from nps_analysis.release.metadata import TableSpec, analysis_of, released_tables, table_spec
from nps_analysis.release.symbols import Symbol, symbol_key

FIXED_TIME = dt.datetime(2024, 11, 1, 0, 0, 0)
"""Document creation time written into every workbook (the report's publication month)."""
INSTRUCTIONS = (
    "This worksheet contains one table. Some cells contain symbols instead of numbers; "
    "the key is above the table."
)


def manifest_kinds(output_dir: str | Path) -> dict[str, str]:
    """Table name -> data kind, from the analysis' manifest.csv."""
    path = Path(output_dir) / "manifest.csv"
    if not path.is_file():
        return {}
    manifest = pd.read_csv(path, dtype=str, keep_default_na=False)
    tables = manifest[manifest["kind"] == "table"]
    return {Path(o).stem: k for o, k in zip(tables["output"], tables["data_kind"], strict=True)}


def sheet_frame(
    frame: pd.DataFrame, spec: TableSpec, context: dict[str, Any] | None = None
) -> pd.DataFrame:
    """The table as written to its sheet: labelled headings, numbers as numbers (full
    precision), Yes/No, and GSS symbols in cells with no value."""
    spec.check(frame)
    values_in = spec.context_for(context, frame)
    columns = {}
    for name in frame.columns:
        column = spec.columns[name]
        values: list[Any] = []
        for value in frame[name]:
            symbol = symbol_of(value, column)
            if symbol is not None:
                values.append(symbol.value)
            elif column.is_numeric:
                number = as_number(value)
                values.append(
                    int(number) if number == number.to_integral_value() else float(number)
                )
            else:
                values.append(format_value(value, column))
        columns[column.header_for(values_in)] = values
    return pd.DataFrame(columns, index=range(len(frame)), dtype=object)


def _num_format(dp: int) -> str:
    return "#,##0" + ("." + "0" * dp if dp > 0 else "")


def build_workbook(
    output_dir: str | Path,
    path: str | Path,
    *,
    title: str,
    description: str,
    about: list[str],
    context: dict[str, Any] | None = None,
    analysis: str | None = None,
) -> Path:
    """Write the workbook of one analysis folder (every released table) to `path`."""
    import gptables as gpt

    output_dir, path = Path(output_dir), Path(path)
    analysis = analysis or analysis_of(output_dir)
    kinds = manifest_kinds(output_dir)
    notes: dict[str, str] = {}
    sheets = {}
    contents = []
    for number, (name, frame) in enumerate(released_tables(output_dir).items(), start=1):
        spec = table_spec(analysis, name)
        table_context = {**(context or {}), "data_kind": kinds.get(name, "synthetic")}
        refs = []
        for note in spec.notes:
            refs.append(notes.setdefault(note, f"note{len(notes) + 1}"))
        sheet = sheet_frame(frame, spec, table_context)
        headers = dict(zip(frame.columns, sheet.columns, strict=True))
        formats = [
            {
                "column": {
                    "columns": [headers[c]],
                    "format": {"num_format": _num_format(int(spec.columns[c].indicator_dp or 0))},
                }
            }
            for c in frame.columns
            if spec.columns[c].is_numeric
        ]
        first = spec.columns[frame.columns[0]]
        label = f"Table {number}"
        sheets[label] = gpt.GPTable(
            table=sheet,
            table_name=f"table_{number}_" + re.sub(r"[^A-Za-z0-9_]", "_", name),
            title=spec.title_for(table_context, frame) + "".join(f"$${r}$$" for r in refs),
            subtitles=[f"Machine-readable file: tables/{name}.csv"],
            instructions=INSTRUCTIONS,
            legend=[f"{s} = {m}" for s, m in symbol_key()],
            source=f"Source: {spec.source_for(table_context)}",
            index_columns={2: 0} if first.col_type == "filter" and len(frame.columns) > 1 else {},
            additional_formatting=formats,
        )
        contents.append(label)
    notes_table = pd.DataFrame(
        {"Note reference": list(notes.values()), "Note text": list(notes.keys())}
    )
    cover = gpt.Cover(
        title=title,
        intro=[description, f"This workbook has {len(sheets)} tables, one per sheet."],
        about=[*about, "Symbols: " + "; ".join(f"{s} {m}" for s, m in symbol_key())],
        contact=["nps-analysis: see the README of the repository that built this file."],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gptables warns when a workbook has no notes
        workbook = gpt.produce_workbook(
            filename=str(path),
            sheets=sheets,
            cover=cover,
            notes_table=notes_table if len(notes_table) else None,
            workbook_options={"strings_to_numbers": False, "strings_to_urls": False},
        )
        workbook.set_properties({"title": title, "author": "nps-analysis", "created": FIXED_TIME})
        workbook.close()
    return path


__all__ = ["FIXED_TIME", "Symbol", "build_workbook", "manifest_kinds", "sheet_frame"]
