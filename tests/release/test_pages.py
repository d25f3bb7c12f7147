"""Report pages: tags applied, headline first, unique titles, About box, contents, glossary."""

from __future__ import annotations

import pytest

from nps_analysis.release.pages import ReleaseError, build_page, prepare_cells, report_entry


def _nb(region: str = "South West") -> dict:
    png = {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo="}, "metadata": {}}
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "papermill": {"parameters": {"region": region, "data_kind": "synthetic"}},
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        },
        "cells": [
            {
                "id": "a",
                "cell_type": "markdown",
                "metadata": {},
                "source": "# Regional needs assessment\n\nIntro with RAA and FTE.",
            },
            {"id": "b", "cell_type": "markdown", "metadata": {}, "source": "## 1. The region"},
            {
                "id": "c",
                "cell_type": "code",
                "metadata": {},
                "execution_count": 1,
                "source": "x",
                "outputs": [
                    {"output_type": "stream", "name": "stderr", "text": "a warning\n"},
                    {
                        "output_type": "display_data",
                        "data": {"text/html": "<p>kept table</p>"},
                        "metadata": {"nps_release": {"audience": "reader"}},
                    },
                    {
                        "output_type": "display_data",
                        "data": {"text/html": "<p>diagnostics</p>"},
                        "metadata": {"nps_release": {"audience": "auditor"}},
                    },
                    png,
                    dict(png),
                ],
            },
            {
                "id": "d",
                "cell_type": "markdown",
                "metadata": {"tags": ["only-south-west"]},
                "source": "The South West needs assessment was not included in the report.",
            },
            {
                "id": "e",
                "cell_type": "code",
                "metadata": {"tags": ["auditor-only"]},
                "execution_count": 2,
                "source": "out.manifest()",
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "execution_count": 2,
                        "data": {"text/plain": "manifest"},
                        "metadata": {},
                    }
                ],
            },
            {
                "id": "f",
                "cell_type": "code",
                "metadata": {"tags": ["headline"]},
                "execution_count": 3,
                "source": "h",
                "outputs": [
                    {
                        "output_type": "display_data",
                        "data": {"text/markdown": "- 302 children adopted"},
                        "metadata": {},
                    }
                ],
            },
        ],
    }


def test_reader_version_applies_the_tags():
    headline, body = prepare_cells(_nb(), "reader", "South West")
    assert [c["id"] for c in headline] == ["f"]
    assert [c["id"] for c in body] == ["a", "b", "c", "d"]
    outputs = body[2]["outputs"]
    assert [o.get("data", {}).get("text/html") for o in outputs] == ["<p>kept table</p>", None]
    assert body[0]["source"] == "Intro with RAA and FTE."  # the H1 becomes the page heading
    _, eastern = prepare_cells(_nb("Eastern"), "reader", "Eastern")
    assert "d" not in [c["id"] for c in eastern]  # South West's sentence only in its report


def test_auditor_version_keeps_everything_in_order():
    headline, body = prepare_cells(_nb(), "auditor", "South West")
    assert headline == [] and [c["id"] for c in body] == ["a", "b", "c", "d", "e", "f"]
    assert len(body[2]["outputs"]) == 4  # stderr kept, the repeated chart still shown once


def test_pages_are_titled_structured_and_stable():
    nb = _nb()
    reader = build_page(nb, "regional_needs_assessment_south-west", "reader")
    auditor = build_page(nb, "regional_needs_assessment_south-west", "auditor")
    assert reader == build_page(nb, "regional_needs_assessment_south-west", "reader")
    assert "<title>Regional needs assessment: South West - National Picture" in reader
    assert "<title>Regional needs assessment: South West (with code) - " in auditor
    assert (
        reader.index('id="headline-facts"')
        < reader.index('id="about-these-statistics"')
        < reader.index('id="1-the-region"')
    )
    assert '<li><a href="#1-the-region">1. The region</a></li>' in reader
    assert "¶" not in reader and "anchor-link" not in reader
    assert "<dt><abbr>RAA</abbr></dt>" in reader and "<dt><abbr>FTE</abbr></dt>" in reader
    assert "<dt><abbr>HHI</abbr></dt>" not in reader  # only abbreviations the page uses
    assert 'href="regional_needs_assessment_eastern.html">Eastern' in reader
    assert 'aria-current="page">South West' in reader
    assert "SYNTHETIC DATA" in reader and "diagnostics" not in reader and "diagnostics" in auditor
    assert ".highlight .k" in auditor and ".highlight .k" not in reader  # accessible code style


def test_raw_tables_and_unknown_reports_fail_loudly():
    nb = _nb()
    nb["cells"][2]["outputs"].append(
        {
            "output_type": "execute_result",
            "execution_count": 1,
            "metadata": {},
            "data": {"text/html": '<table border="1" class="dataframe"></table>'},
        }
    )
    with pytest.raises(ReleaseError, match="raw pandas table"):
        build_page(nb, "regional_needs_assessment_south-west", "reader")
    with pytest.raises(ReleaseError, match="not in release/reports.yaml"):
        report_entry("a_new_notebook")
    assert report_entry("regional_needs_assessment_yorkshire-humber").region == "Yorkshire & Humber"
