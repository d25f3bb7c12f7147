"""Release pages in a real browser: axe-core (WCAG 2.2 A/AA) and the convention checks.

A small report is built in-process exactly as the pipeline builds one (released tables shown
with `release_html`, a chart with `figure_html`, the page with `build_page`, the landing and
run pages), then loaded in Debian's Chromium through Playwright. The real pipeline's pages are
checked the same way by `check_reports` (tests/browser.py) wherever they are built.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.browser


def md(cell_id: str, source: str, tags: tuple[str, ...] = ()) -> dict:
    return {
        "id": cell_id,
        "cell_type": "markdown",
        "metadata": {"tags": list(tags)},
        "source": source,
    }


def code(cell_id: str, outputs: list[dict], tags: tuple[str, ...] = ()) -> dict:
    return {
        "id": cell_id,
        "cell_type": "code",
        "metadata": {"tags": list(tags)},
        "execution_count": 1,
        "source": "show_release(out, name)",
        "outputs": outputs,
    }


def _display(markup: str, **meta) -> dict:
    return {
        "output_type": "display_data",
        "data": {"text/html": markup, "text/plain": "t"},
        "metadata": {"nps_release": meta},
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from nps_analysis import plotting
    from nps_analysis.disclosure import Disclosure
    from nps_analysis.outputs import OutputWriter
    from nps_analysis.release.landing import build_index, build_run_page
    from nps_analysis.release.notebook import release_html
    from nps_analysis.release.pages import build_page

    root = tmp_path_factory.mktemp("site")
    out = OutputWriter(root / "regions" / "eastern", data_kind="synthetic")
    packages = pd.DataFrame(
        {
            "financial_year": ["2018/19", "2019/20", "2020/21", "2021/22", "2022/23"],
            "packages": [527, 943, 1021, 1388, 1650],
        }
    )
    out.table(packages, "packages_by_year", disclosure=Disclosure(counts=["packages"]))
    shortlist = pd.DataFrame(
        {
            "rank": [1, 2, 3],
            "provider": ["P001", "Provider E", "P017"],
            "packages": [734, 530, 12],
            "raas": [3, 3, 2],
            "spend_gbp": [2733981, 1855589, 40211.5],
            "share_of_region_spend_pct": [13.30989432, 9.033600998, 0.1956],
        }
    )
    out.table(
        shortlist,
        "joint_commissioning_shortlist",
        disclosure=Disclosure(
            counts=["packages"],
            derived={"spend_gbp": "packages", "share_of_region_spend_pct": "packages"},
            dims=[],
        ),
    )
    coefficients = pd.DataFrame(
        {
            "term": ["Intercept", "child_age"],
            "estimate": [59.99954039, -0.4739492244],
            "std_error": [1.449621791, 0.111137633],
            "ci_low": [57.14, -0.6931078071],
            "ci_high": [62.86, -0.2547906418],
            "p_value": [1.001904188e-99, 0.0309],
            "robust_std_error": [1.49, 0.117],
            "robust_ci_low": [57.06, -0.70],
            "robust_ci_high": [62.94, -0.24],
            "robust_p_value": [1.3e-97, 7.3e-05],
        }
    )
    out.table(coefficients, "step_coefficients", disclosure=Disclosure(min_dof=199))
    out.write_manifest()
    fig = plotting.bar_chart(
        out.released("packages_by_year"),
        "financial_year",
        "packages",
        title="ASGSF funded packages tripled",
        subtitle="Packages by financial year, Eastern",
        what="ASGSF funded packages, Eastern",
        ylabel="Packages",
        source="synthetic data",
    )
    chart = plotting.figure_html(
        plotting.to_svg(fig),
        plotting.description_of(fig),
        data_href="../regions/eastern/tables/packages_by_year.csv",
        figure_id="fig-packages",
    )
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "papermill": {
                "parameters": {
                    "region": "Eastern",
                    "data_kind": "synthetic",
                    "output_dir": str(root / "regions" / "eastern"),
                }
            },
        },
        "cells": [
            md("h", "# Regional needs assessment\n\nThe region's ASGSF use (RAA level)."),
            md("s1", "## 1. ASGSF use"),
            code(
                "t1",
                [
                    _display(
                        release_html(out, "packages_by_year", region="Eastern"), audience="reader"
                    ),
                    {
                        "output_type": "display_data",
                        "data": {"text/html": chart},
                        "metadata": {"nps_release": {"figure": "packages_by_year"}},
                    },
                ],
            ),
            code(
                "t2",
                [
                    _display(
                        release_html(out, "joint_commissioning_shortlist", region="Eastern"),
                        audience="reader",
                    )
                ],
            ),
            md("s2", "## 2. STEP / TAYC-R"),
            code(
                "t3",
                [
                    _display(
                        release_html(out, "step_coefficients", region="Eastern"), audience="reader"
                    )
                ],
            ),
            code(
                "hl",
                [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {
                            "text/markdown": "- 1,650 ASGSF funded packages in 2022/23, Eastern"
                        },
                    }
                ],
                ("headline",),
            ),
            code(
                "m",
                [
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {"text/plain": "manifest"},
                    }
                ],
                ("auditor-only",),
            ),
        ],
    }
    reports = root / "reports"
    reports.mkdir()
    (root / "notebooks").mkdir()
    stem = "regional_needs_assessment_eastern"
    (root / "notebooks" / f"{stem}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    for suffix, version in (("", "reader"), ("-with-code", "auditor")):
        (reports / f"{stem}{suffix}.html").write_text(
            build_page(nb, stem, version), encoding="utf-8"
        )
    build_run_page(
        reports, {"sdc": {"threshold": 10}}, [("synth", "data/synthetic", "abc123")], "0.1.0"
    )
    build_index(reports, root)
    return root


@pytest.fixture(scope="module")
def results(site: Path) -> dict:
    from browser import ensure_chromium, release_checks

    pages = [
        "index.html",
        "run.html",
        "regional_needs_assessment_eastern.html",
        "regional_needs_assessment_eastern-with-code.html",
    ]
    return release_checks(ensure_chromium(), site / "reports", pages)


def test_pages_have_no_wcag_violations_and_follow_the_conventions(results: dict, site: Path):
    from browser import convention_problems

    assert convention_problems(results, site / "reports") == []
    assert all(not facts["violations"] for facts in results.values())
    reader = results["regional_needs_assessment_eastern.html"]
    assert len([t for t in reader["tables"] if t["table"]]) == 3
    assert reader["images"] and all(
        i["alt"].startswith("Bar chart of ASGSF") for i in reader["images"]
    )


def test_the_checks_catch_what_the_issue_found(site: Path, tmp_path: Path):
    """A page like the old reports: titled "Notebook", placeholder alt text, a raw 0..N table."""
    from browser import convention_problems, ensure_chromium, release_checks

    bad = site / "reports" / "_bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><title>Notebook</title></head><body>"
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="No description has been provided for this image">'
        '<table><tr><th></th><th>packages</th></tr><tr><th>0</th><td class="gt_right">4984.060980</td></tr>'
        "<tr><th>1</th><td>True</td></tr></table></body></html>",
        encoding="utf-8",
    )
    try:
        results = release_checks(ensure_chromium(), site / "reports", ["_bad.html"])
    finally:
        bad.unlink()
    problems = " | ".join(convention_problems(results, site / "reports"))
    assert "titled 'Notebook'" in problems and "placeholder alt text" in problems
    assert "untitled table" in problems and "['True']" in problems
    assert "without separators ['4984.060980']" in problems
    assert "axe html-has-lang" in problems
