"""The public statistics, published-figures audit and national picture notebooks: thin, every
table shown through the release display, headline facts generated from released tables,
auditor material tagged; executed, their reader pages render in strict mode."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from nps_analysis.paths import PROCESSED_DIR, PROJECT_ROOT

NOTEBOOKS = ("public_adoption_statistics", "published_figures_audit", "national_picture")
SHOWN_BY = {"show_table", "show_released", "show_manifest", "display"}
"""Calls whose value may end a cell: they display released material (or Markdown)."""
_H1 = re.compile(r"^#\s+(.+)$", re.M)


def _nb(stem: str) -> dict:
    return json.loads((PROJECT_ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))


def _code_cells(stem: str) -> list[dict]:
    return [c for c in _nb(stem)["cells"] if c["cell_type"] == "code"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return None


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_no_function_definitions_or_private_attributes(stem: str) -> None:
    body = "\n".join(_source(c) for c in _code_cells(stem))
    tree = ast.parse(body)
    defined = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    assert not defined, f"{stem} defines {defined}: move them into src/nps_analysis"
    private = [
        n.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and n.attr.startswith("_") and not n.attr.startswith("__")
    ]
    assert not private, f"{stem} reads private attributes {private}"
    assert "lambda" not in body


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_no_cell_ends_in_a_raw_value(stem: str) -> None:
    """A cell's last expression is displayed by Jupyter: it must be a release display (or
    Markdown), or end in ';' - never a frame, a dict, a path or another object's repr."""
    for cell in _code_cells(stem):
        source = _source(cell).rstrip()
        tree = ast.parse(source)
        if not tree.body or not isinstance(tree.body[-1], ast.Expr):
            continue
        name = _call_name(tree.body[-1].value)
        assert name in SHOWN_BY or source.endswith(";"), (
            f"{stem} cell {cell['id']} ends with a raw value: {source.splitlines()[-1]!r}"
        )


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_tables_are_displayed_through_the_release_display_only(stem: str) -> None:
    body = "\n".join(_source(c) for c in _code_cells(stem))
    tree = ast.parse(body)
    for node in ast.walk(tree):
        if _call_name(node) == "display":
            for arg in node.args:  # display(...) only shows Markdown
                assert _call_name(arg) == "Markdown", f"{stem}: display({ast.unparse(arg)})"
    assert "show_table(out, " in body or "show_released(out, " in body
    assert "out.manifest()" not in body, f"{stem}: show the manifest as a link, not a frame"


def test_titles_are_unique_level_one_headings() -> None:
    titles = {}
    for path in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        found = [
            m.group(1).strip()
            for c in nb["cells"]
            if c["cell_type"] == "markdown"
            for m in _H1.finditer(_source(c))
        ]
        if path.stem in NOTEBOOKS:
            assert len(found) == 1, f"{path.stem}: exactly one '# ' heading, found {found}"
        titles[path.stem] = found[0] if found else ""
    mine = [titles[s] for s in NOTEBOOKS]
    others = [t for s, t in titles.items() if s not in NOTEBOOKS]
    assert len(set(mine)) == len(mine) and not set(mine) & set(others)
    assert all(t != "Notebook" for t in mine)


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_headline_cell_is_generated_from_released_tables(stem: str) -> None:
    cells = [c for c in _code_cells(stem) if "headline" in _tags(c)]
    assert len(cells) == 1, f"{stem}: one code cell tagged 'headline'"
    source = _source(cells[0])
    assert "out.released" in source, f"{stem}: headline facts must read the released tables"
    tree = ast.parse(source)
    numbers = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, int | float)
        and not isinstance(n.value, bool)
        and abs(n.value) > 1
        and n.value != 18  # the age limit a table is filtered on
    ]
    assert not numbers, f"{stem}: hard-coded numbers {numbers} in the headline cell"
    strings = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]
    assert not [s for s in strings if re.search(r"\d{3,}|\d,\d|\d\.\d|\d%", s)], (
        f"{stem}: numbers typed in the text"
    )


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_manifest_and_ledgers_are_auditor_only(stem: str) -> None:
    cells = _code_cells(stem)
    for cell in cells:
        source = _source(cell)
        auditor_material = "write_manifest" in source or re.search(
            r'show_released\(out, "(ledger|la_raa_region_lookup|england_totals_check)"', source
        )
        if auditor_material:
            assert "auditor-only" in _tags(cell), f"{stem} cell {cell['id']}: tag it auditor-only"
    assert any("write_manifest" in _source(c) for c in cells)


def test_national_picture_crosschecks_through_the_package() -> None:
    body = "\n".join(_source(c) for c in _code_cells("national_picture"))
    assert "def crosscheck" not in body and "checks[" not in body
    assert body.count("national.crosscheck(") == 4
    assert body.count("disclosure=national.CROSSCHECK_DISCLOSURE") == 4
    assert "national.crosscheck_summary(out.released_tables())" in body


# --------------------------------------------------------------------------- executed
def _parameters(stem: str, tmp_path: Path) -> dict[str, str]:
    params = {"output_dir": str(tmp_path / f"{stem}_out")}
    if stem == "national_picture":
        regions = PROJECT_ROOT / "outputs" / "regions"
        if not (regions / "eastern" / "tables").is_dir():
            pytest.skip("the national picture reads the regional outputs (run the regional stages)")
        params |= {
            "data_dir": "data/processed",
            "regions_dir": str(regions),
            "data_kind": "synthetic",
        }
    return params


@pytest.mark.slow
@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_executed_reader_page_is_strict_clean(stem: str, tmp_path: Path) -> None:
    from nps_analysis.execute import execute_notebook
    from nps_analysis.reports import render_notebook

    if stem != "published_figures_audit" and not (PROCESSED_DIR / "step.parquet").is_file():
        pytest.skip("processed data not built (make data)")
    executed = execute_notebook(
        PROJECT_ROOT / "notebooks" / f"{stem}.ipynb",
        tmp_path / f"{stem}.ipynb",
        _parameters(stem, tmp_path),
        reports_dir=None,
    )
    render_notebook(executed, tmp_path / "reports", strict=True)  # raises on a raw table
    nb = json.loads(executed.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            assert 'class="dataframe"' not in "".join(data.get("text/html", ""))
            if output.get("output_type") == "execute_result":
                pytest.fail(f"{stem} cell {cell['id']} shows a raw value: {data}")
    page = (tmp_path / "reports" / f"{stem}.html").read_text(encoding="utf-8")
    headline = page.index("Headline facts")
    assert headline < page.index('class="nps-table"')
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", page, flags=re.S))
    assert not re.search(r"\b(NaN|None|True|False)\b", text)
    assert str(tmp_path) not in json.dumps([c.get("outputs", []) for c in nb["cells"]])
