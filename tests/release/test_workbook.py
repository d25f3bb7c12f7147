"""The spreadsheet release (gptables): cover, contents, notes, one titled table per sheet."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl

from nps_analysis.release.workbook import build_workbook


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "regions" / "eastern"
    (folder / "tables").mkdir(parents=True)
    (folder / "tables" / "share_aged_12_plus.csv").write_text(
        "financial_year,packages,aged_12_plus,pct,ci_low,ci_high\n"
        "2018/19,527,237,44.971537,40.77593909,49.23991233\n2019/20,943,c,c,c,c\n",
        encoding="utf-8",
    )
    (folder / "manifest.csv").write_text(
        "output,kind,data_kind,rows,status,note,count_columns\n"
        "tables/share_aged_12_plus.csv,table,synthetic,2,suppressed,x,packages\n",
        encoding="utf-8",
    )
    return folder


def test_workbook_follows_the_guidance_and_is_byte_identical(tmp_path: Path):
    folder = _folder(tmp_path)
    paths = [
        build_workbook(
            folder,
            tmp_path / f"wb{i}.xlsx",
            title="Regional needs assessment: Eastern",
            description="d",
            about=["Period: 2018/19 to 2022/23"],
            context={"region": "Eastern"},
        )
        for i in (1, 2)
    ]
    digest = {hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
    assert len(digest) == 1
    book = openpyxl.load_workbook(paths[0])
    assert book.sheetnames == ["Cover", "Contents", "Notes", "Table 1"]
    sheet = book["Table 1"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith(
        "Share of ASGSF funded packages for children aged 12 and over, Eastern, 2018/19 to 2019/20"
    )
    assert rows[0][0].endswith("[note 1]")
    assert any(
        r[0] == "[c] = confidential: suppressed by statistical disclosure control" for r in rows
    )
    header = next(i for i, r in enumerate(rows) if r[0] == "Financial year")
    assert rows[header][3] == "Percentage (%)"
    assert rows[header + 1][3] == 44.971537  # full precision in the cell
    assert sheet.cell(row=header + 2, column=4).number_format == "#,##0.0"
    assert rows[header + 2][2] == "[c]"
    notes = list(book["Notes"].iter_rows(values_only=True))
    assert any("Wilson" in str(r[1]) for r in notes)
