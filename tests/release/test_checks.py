"""The release checks catch what issues 16 and 17 found, on small hand-built pages and notebooks.

Released tables are rendered exactly as reports show them (`release_html` over CSVs written
to a folder named like a regional output folder); each test then breaks one thing.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from nps_analysis.release import checks
from nps_analysis.release.notebook import release_html

SPEND = pd.DataFrame(
    {
        "therapy_type": ["Creative therapies", "Filial therapy", "Family therapy"],
        "n": ["1528", "c", "1494"],
        "total": ["5697927", "c", "5663888"],
        "mean": ["3729.009817", "c", "3791.089692"],
    }
)
SHARE = pd.DataFrame(
    {
        "financial_year": ["2018/19", "2019/20"],
        "packages": ["527", "943"],
        "aged_12_plus": ["237", "359"],
        "pct": ["44.971537", "38.0699894"],
        "ci_low": ["40.77593909", "35.0252153"],
        "ci_high": ["49.23991233", "41.2115667"],
    }
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A regional output folder with two released CSVs (read back as text, as released)."""
    out = tmp_path / "regions" / "eastern"
    (out / "tables").mkdir(parents=True)
    SPEND.to_csv(out / "tables" / "spend_by_therapy.csv", index=False)
    SHARE.to_csv(out / "tables" / "share_aged_12_plus.csv", index=False)
    return out


def shown(folder: Path, name: str) -> str:
    """The report's HTML of released table `name` (as `release.display` shows it)."""
    frame = pd.read_csv(folder / "tables" / f"{name}.csv", dtype=str, keep_default_na=False)
    out = SimpleNamespace(
        output_dir=folder, records=[], data_kind="synthetic", released=lambda _: frame
    )
    return release_html(out, name, analysis="regional_needs_assessment")


def page(title: str, body: str) -> str:
    return f'<!DOCTYPE html><html lang="en"><head><title>{title}</title></head><body>{body}</body></html>'


def nb(*outputs: dict) -> dict:
    cell = {"id": "c1", "cell_type": "code", "metadata": {}, "source": "", "outputs": list(outputs)}
    return {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def html_output(markup: str) -> dict:
    return {"output_type": "display_data", "metadata": {}, "data": {"text/html": markup}}


def details(problems: list[checks.Problem]) -> str:
    return " | ".join(str(p) for p in problems)


# --------------------------------------------------------------------------- 1. conventions
def test_released_tables_pass_every_check(folder: Path):
    body = shown(folder, "spend_by_therapy") + shown(folder, "share_aged_12_plus")
    html = page("ASGSF spend: Eastern - National Picture", body)
    assert checks.convention_problems({"a.html": html}) == []
    assert checks.table_problems("a.html", html, folder) == []
    assert checks.tables_checked(html) == 2
    assert "[c]" in html and "5,697,927" in html  # what the checks compared


def test_a_page_titled_notebook_and_shared_titles_are_caught():
    problems = details(
        checks.convention_problems(
            {"a.html": page("Notebook", ""), "b.html": page("Same", ""), "c.html": page("Same", "")}
        )
    )
    assert "a.html: page titled 'Notebook'" in problems
    assert "b.html: title 'Same' is not unique" in problems
    assert "c.html: title 'Same' is not unique" in problems


def test_placeholder_alt_text_and_anchor_links_are_caught():
    body = (
        '<img src="x.png" alt="No description has been provided for this image"><img src="y.png">'
        '<h2 id="s">Spend<a class="anchor-link" href="#s">¶</a></h2>'
        '<img src="z.png" alt="Bar chart of ASGSF funded packages, Eastern, 2018/19 to 2022/23">'
    )
    problems = details(checks.convention_problems({"a.html": page("A", body)}))
    assert "placeholder alt text 'No description has been provided for this image'" in problems
    assert "placeholder alt text ''" in problems
    assert "Bar chart" not in problems
    assert "1 '¶' anchor link(s)" in problems


def test_untitled_tables_raw_values_and_unseparated_numbers_are_caught():
    raw = (
        "<table><thead><tr><th>packages</th><th>funded</th></tr></thead>"
        "<tbody><tr><td>4984.060980</td><td>True</td></tr><tr><td>NaN</td><td>None</td></tr></tbody></table>"
    )
    problems = details(checks.convention_problems({"a.html": page("A", raw)}))
    assert "untitled table" in problems
    assert "shows ['NaN', 'None', 'True']" in problems
    assert "numbers without separators ['4984.060980']" in problems
    titled = raw.replace("<thead>", "<caption>Packages</caption><thead>")
    assert "untitled" not in details(checks.convention_problems({"a.html": page("A", titled)}))


def test_more_decimals_than_the_spec_declares_is_caught(folder: Path):
    """pct is declared with 1 decimal; a page showing 44.971537 breaks the spec (and the CSV)."""
    html = page("A", shown(folder, "share_aged_12_plus").replace(">45.0<", ">44.971537<"))
    assert ">44.971537<" in html
    problems = details(checks.convention_problems({"a.html": html}))
    assert "more decimals than declared: 44.971537 (> 1 dp)" in problems
    table = details(checks.table_problems("a.html", html, folder))
    assert "row 1 'Percentage" in table and "shows '44.971537'" in table


# --------------------------------------------------------------------------- 2. tables = CSVs
def test_a_table_that_is_not_released_is_caught(folder: Path):
    html = page("A", "<table><caption>Raw</caption><tr><td>1</td></tr></table>")
    assert "table not from a released CSV: 'Raw'" in details(
        checks.table_problems("a.html", html, folder)
    )


def test_a_cell_that_differs_from_the_csv_is_caught(folder: Path, tmp_path: Path):
    html = page("A", shown(folder, "spend_by_therapy"))
    changed = pd.read_csv(folder / "tables" / "spend_by_therapy.csv", dtype=str)
    changed.loc[2, "n"] = "1495"
    changed.to_csv(folder / "tables" / "spend_by_therapy.csv", index=False)
    problems = details(checks.table_problems("a.html", html, folder))
    assert "row 3 'Number of packages' shows '1,494', the CSV gives '1,495'" in problems
    (folder / "tables" / "spend_by_therapy.csv").unlink()
    assert "has no released CSV" in details(checks.table_problems("a.html", html, folder))


def test_a_number_where_the_csv_says_c_is_a_leak(folder: Path):
    html = page("A", shown(folder, "spend_by_therapy"))
    leaked = html.replace(">[c]<", ">7<", 1)
    assert leaked != html
    problems = checks.table_problems("a.html", leaked, folder)
    assert [p.detail for p in problems] == [
        "table 'regional_needs_assessment/spend_by_therapy': LEAK row 2 'Number of packages' shows '7' "
        "where the CSV has c"
    ]


def test_a_page_showing_fewer_rows_than_released_is_caught(folder: Path):
    html = shown(folder, "spend_by_therapy")
    start = html.index("<tr>", html.index("<tbody"))
    cut = html[:start] + html[html.index("</tr>", start) + 5 :]
    assert "shows 2 rows; the CSV has 3" in details(checks.table_problems("a.html", cut, folder))


# --------------------------------------------------------------------------- 3. notebook leaks
def test_a_raw_dataframe_output_is_caught(folder: Path):
    other = pd.DataFrame({"term": ["Intercept"], "estimate": [59.99954039]})
    problems = details(
        checks.notebook_problems("x.ipynb", nb(html_output(other.to_html())), folder)
    )
    assert "x.ipynb cell c1 output 1: pandas frame shown that is not a released table" in problems


def test_an_unsuppressed_frame_of_a_released_table_leaks_cell_by_cell(folder: Path):
    """The issue-16 case: a notebook shows the frame from before disclosure control."""
    raw = SPEND.assign(n=["1528", "3", "1494"], total=["5697927", "11250", "5663888"])
    problems = checks.notebook_problems("x.ipynb", nb(html_output(raw.to_html())), folder)
    text = details(problems)
    assert "released table 'spend_by_therapy' shown as a raw pandas frame" in text
    assert "LEAK row 2 'n' shows '3' where the CSV has c" in text
    assert "LEAK row 2 'total' shows '11250' where the CSV has c" in text
    assert "'mean'" not in text  # the raw frame kept mean as c
    released = checks.notebook_problems("x.ipynb", nb(html_output(SPEND.to_html())), folder)
    assert "LEAK" not in details(released)


def test_a_released_display_showing_a_number_for_c_is_caught(folder: Path):
    good = html_output(shown(folder, "spend_by_therapy"))
    assert checks.notebook_problems("x.ipynb", nb(good), folder) == []
    bad = html_output(shown(folder, "spend_by_therapy").replace(">[c]<", ">11,250<", 1))
    text = details(checks.notebook_problems("x.ipynb", nb(bad), folder))
    assert "LEAK row 2 'Number of packages' shows '11,250' where the CSV has c" in text


def test_frames_and_series_printed_as_text_are_caught(folder: Path):
    frame = SPEND.head(2).to_string()
    series = pd.Series([3, 5], name="filial").to_string(name=True, dtype=True)
    printed = {"output_type": "stream", "name": "stdout", "text": frame}
    result = {"output_type": "execute_result", "metadata": {}, "data": {"text/plain": series}}
    sentence = {"output_type": "stream", "name": "stdout", "text": "21 of 21 figures reproduced.\n"}
    problems = checks.notebook_problems("x.ipynb", nb(printed, result, sentence), folder)
    assert [p.where for p in problems] == ["x.ipynb cell c1 output 1", "x.ipynb cell c1 output 2"]
    assert all("printed as text" in p.detail for p in problems)
