"""The Excel data request template, generated from the specs (deterministic bytes)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from nps_analysis.datasets.dictionary import TYPE_LABELS
from nps_analysis.datasets.reading import LISTS_SHEET, README_SHEET, TEMPLATE_TITLE
from nps_analysis.datasets.spec import (
    CATEGORICAL_VOCABULARIES,
    ColumnSpec,
    all_specs,
    get_vocabulary,
)
from nps_analysis.paths import atomic_write

FIXED_TIME = dt.datetime(2024, 11, 1, 0, 0, 0)
MAX_ROW = 100_000
BOOLEAN_CHOICES = '"yes,no"'
#: Widest a data column is made (characters); the read-me's description column is wrapped.
MAX_WIDTH = 45
#: Lists longer than this are not spelled out in the read-me (the drop-down offers them).
MAX_LISTED = 10


def _number(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def plain_allowed(col: ColumnSpec) -> str:
    """The allowed values of a column as plain text (the read-me shows no Markdown)."""
    parts: list[str] = []
    if col.vocab_name:
        values = get_vocabulary(col.vocab_name).values
        if len(values) <= MAX_LISTED:
            parts.append(", ".join(values))
        else:
            parts.append(f"one of the {len(values)} names in the drop-down list")
        if col.blank_label:
            parts.append(f"blank = {col.blank_label}")
    if col.type == "boolean":
        parts.append("yes or no")
    if col.min is not None:
        parts.append(f"{'more than' if col.min_exclusive else 'at least'} {_number(col.min)}")
    if col.max is not None:
        parts.append(f"at most {_number(col.max)}")
    if col.plausible_max is not None:
        parts.append(f"above {_number(col.plausible_max)} is checked (warning)")
    if col.max_length is not None:
        parts.append(f"at most {col.max_length} characters")
    if col.type == "financial_year":
        parts.append("YYYY/YY, e.g. 2022/23")
    if col.type == "date":
        parts.append("a date (YYYY-MM-DD or DD/MM/YYYY)")
    if col.unique:
        parts.append("unique")
    return "; ".join(parts)


def column_width(col: ColumnSpec) -> int:
    """A data sheet column wide enough for its header, example and longest list value."""
    texts = [col.name, col.example]
    if col.vocab_name:
        texts += list(get_vocabulary(col.vocab_name).values)
    return min(MAX_WIDTH, max(12, max(len(t) for t in texts) + 3))


def _readme(wb: Workbook) -> None:
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook opens on its one worksheet
    ws.title = README_SHEET
    rows: list[tuple[str, ...]] = [
        (TEMPLATE_TITLE,),
        (
            "Fill in one sheet per data set (sheet names must stay as they are). Row 1 holds the "
            "headers; enter one record per row from row 2, with no title rows, merged cells or "
            "totals rows. Leave a sheet empty if you are not supplying that data set.",
        ),
        (
            "Check the filled-in workbook with:  nps validate <this file>  (it may be saved as "
            ".xlsx, .ods or .xls, or each sheet as CSV).",
        ),
        (
            "Drop-down lists offer the accepted values; yes/no columns also accept true/false, "
            "y/n, 1/0. Numbers: a full stop for decimals (2.50); amounts may carry £ and "
            "thousands commas (£1,234.50).",
        ),
        ("This workbook holds record-level data once filled in: store and send it securely.",),
        (),
        ("sheet", "column", "type", "required", "blank allowed", "allowed values", "description"),
    ]
    for spec in all_specs():
        rows.append(
            (spec.name, "", "", "", "", "", f"{spec.title}: {spec.grain}. {spec.description}")
        )
        for c in spec.columns:
            rows.append(
                (
                    spec.name,
                    c.name,
                    TYPE_LABELS[c.type],
                    "optional" if c.optional else "yes",
                    "yes" if c.nullable else "no",
                    plain_allowed(c),
                    c.description,
                )
            )
    for row in rows:
        ws.append(list(row))
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[7]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (16, 28, 14, 10, 12, 50, 90), strict=True):
        ws.column_dimensions[letter].width = width
    for sheet_row in ws.iter_rows(min_row=8, min_col=6, max_col=7):
        for cell in sheet_row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _lists(wb: Workbook) -> dict[str, str]:
    """A hidden sheet of drop-down values; returns vocabulary name -> range formula."""
    ws = wb.create_sheet(LISTS_SHEET)
    names = CATEGORICAL_VOCABULARIES
    refs = {}
    for j, name in enumerate(names, start=1):
        values = get_vocabulary(name).values
        letter = get_column_letter(j)
        ws.cell(row=1, column=j, value=name)
        for i, v in enumerate(values, start=2):
            ws.cell(row=i, column=j, value=v)
        refs[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
        ws.column_dimensions[letter].width = min(MAX_WIDTH, max(map(len, [name, *values])) + 3)
    ws.sheet_state = "hidden"
    return refs


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite the xlsx zip with fixed entry timestamps (openpyxl stamps the current time)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = src.read(info.filename)
            if (
                info.filename == "docProps/core.xml"
            ):  # openpyxl stamps 'modified' with now() on save
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>",
                    content,
                )
            dst.writestr(fixed, content)
    return out.getvalue()


def build_workbook() -> Workbook:
    """The template as an openpyxl Workbook (not yet saved)."""
    wb = Workbook()
    _readme(wb)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    sheets = []
    for spec in all_specs():
        ws = wb.create_sheet(spec.name)
        sheets.append((spec, ws))
    refs = _lists(wb)
    for spec, ws in sheets:
        for j, col in enumerate(spec.columns, start=1):
            cell = ws.cell(row=1, column=j, value=col.name)
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=False)
            cell.comment = Comment(
                f"{col.description} ({TYPE_LABELS[col.type]}"
                f"{'; may be blank' if col.nullable else '; required'})",
                "nps",
            )
            ws.column_dimensions[get_column_letter(j)].width = column_width(col)
            rng = f"{get_column_letter(j)}2:{get_column_letter(j)}{MAX_ROW}"
            dv = None
            if col.type == "boolean":
                dv = DataValidation(type="list", formula1=BOOLEAN_CHOICES, allow_blank=True)
            elif col.vocab_name in refs:
                dv = DataValidation(type="list", formula1=refs[col.vocab_name], allow_blank=True)
            if dv is not None:
                dv.error = f"Choose a value from the list for {col.name}"
                dv.errorTitle = "Not an accepted value"
                dv.showErrorMessage = (
                    False  # other spellings are accepted and matched by the validator
                )
                dv.add(rng)
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
    wb.properties.creator = "nps-analysis"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.lastModifiedBy = "nps-analysis"
    return wb


def save_deterministic(wb: Workbook, path: Path) -> Path:
    """Save `wb` to `path` with fixed document and zip timestamps."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    return atomic_write(path, _deterministic_zip(buffer.getvalue()))


def write_template(path: Path) -> Path:
    """Write the blank Excel data request template to `path` (byte-identical on rerun)."""
    return save_deterministic(build_workbook(), Path(path))
