"""HTML tables from metadata: accessible markup, formatted cells, deterministic."""

from __future__ import annotations

import re

import pandas as pd

from nps_analysis.release.html_tables import render_table_html
from nps_analysis.release.metadata import table_spec

SPEC = table_spec("asgsf_therapy_trends", "therapy_trends")
FRAME = pd.DataFrame(
    {
        "therapy_type": ["All packages", "Filial therapy"],
        "model": ["negative_binomial", "none"],
        "annual_growth_pct": [30.18609333, ""],
        "ci_low": [18.86500221, ""],
        "ci_high": [42.58544215, ""],
        "p_value": [1.322781163e-08, ""],
        "n_years": [5, 0],
        "first_year": ["2018/19", "2018/19"],
        "last_year": ["2022/23", "2022/23"],
        "packages": [50202, 23],
        "dispersion_poisson": [157.2478234, ""],
        "nb_alpha": [0.02142692603, ""],
        "df_resid": [3, ""],
        "faster_than_total": ["", "c"],
        "clearly_faster_than_total": ["", ""],
        "note": ["overdispersed", "no model"],
    }
)


def _cells(markup: str) -> list[list[str]]:
    body = markup.split("<tbody", 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]


def test_markup_is_accessible_and_stable():
    markup = render_table_html(FRAME, SPEC, {"data_kind": "synthetic"})
    assert markup == render_table_html(FRAME, SPEC, {"data_kind": "synthetic"})
    tid = "t-asgsf-therapy-trends-therapy-trends"
    assert f'<table class="gt_table" aria-labelledby="{tid}-title">' in markup
    assert f'id="{tid}-title">Annual growth in ASGSF funded packages by therapy type' in markup
    assert "England, 2018/19 to 2022/23</td>" in markup  # what, where and when
    assert markup.count('scope="col"') == len(FRAME.columns)  # the stub heading included
    assert markup.count('<th scope="row"') == len(FRAME)  # therapy type is the row heading
    assert "<style" not in markup and "dataframe" not in markup
    assert 'role="region"' in markup and 'tabindex="0"' in markup  # scrollable region reachable
    assert "Source: ASGSF funded packages: SYNTHETIC record-level data" in markup
    assert "Symbols: [c] confidential" in markup and "[z] not applicable" in markup


def test_cells_are_formatted_not_raw():
    rows = _cells(render_table_html(FRAME, SPEC, {}))
    assert rows[0][:6] == ["All packages", "negative_binomial", "30.2", "18.9", "42.6", "&lt;0.001"]
    assert rows[0][9] == "50,202" and rows[0][13] == "[z]"
    assert rows[1][2] == "[x]" and rows[1][13] == "[c]" and rows[1][12] == "[x]"
    headers = re.findall(r'scope="col"[^>]*>(.*?)</th>', render_table_html(FRAME, SPEC, {}))
    assert headers[:3] == ["Therapy type", "Model", "Annual growth (%)"]
    assert "0" not in headers and "therapy_type" not in headers  # no index, no snake_case


def test_long_tables_say_they_are_cut():
    spec = table_spec("regional_needs_assessment", "packages_by_raa_year")
    frame = pd.DataFrame(
        {"raa": [f"RAA {i}" for i in range(7)], "financial_year": "2022/23", "packages": 5}
    )
    markup = render_table_html(frame, spec, {"region": "Eastern"}, max_rows=3)
    assert len(_cells(markup)) == 3
    assert "Showing the first 3 of 7 rows" in markup


def test_display_fills_the_region_from_the_output_folder(tmp_path):
    from nps_analysis.outputs import OutputWriter
    from nps_analysis.release.notebook import release_html

    out = OutputWriter(tmp_path / "regions" / "yorkshire-humber", data_kind="published")
    out.table(
        pd.DataFrame(
            {"raa": ["One Adoption"], "raa_name_as_printed": ["One Adoption"], "source": ["s2.1"]}
        ),
        "region_raas",
    )
    markup = release_html(out, "region_raas")
    assert "Regional adoption agencies (RAAs) in Yorkshire &amp; Humber</td>" in markup
    assert 'data-table="regional_needs_assessment/region_raas"' in markup
    assert 'data-csv="../regions/yorkshire-humber/tables/region_raas.csv"' in markup
    assert (
        "Download the data: Regional adoption agencies (RAAs) in Yorkshire &amp; Humber (CSV)"
        in markup
    )
