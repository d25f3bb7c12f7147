"""Charts: AF palette, at most four colours, never colour alone, >= 12 px text, deterministic SVG,
alt text and caption generated from the data."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from nps_analysis import plotting

PACKAGES = pd.DataFrame(
    {"financial_year": ["2018/19", "2019/20", "2020/21"], "packages": ["527", "c", "1650"]}
)


def test_palette_is_the_analysis_function_one():
    from afcharts.af_colours import get_af_colours

    assert get_af_colours("categorical", number_of_colours=6) == plotting.PALETTE
    assert plotting.PALETTE[:4] == ["#12436D", "#28A197", "#801650", "#F46A25"]
    assert plotting.colours(4) == plotting.PALETTE[:4]
    with pytest.raises(plotting.ChartError, match="at most 4"):
        plotting.colours(5)


def test_alt_text_is_generated_from_the_released_data():
    alt = plotting.describe_series(
        PACKAGES, "financial_year", "packages", what="ASGSF funded packages, Eastern"
    )
    assert alt == (
        "Chart of ASGSF funded packages, Eastern, by financial year. 527 in 2018/19 to 1,650 in "
        "2020/21; highest 1,650 (2020/21), lowest 527 (2018/19). 1 value(s) not shown "
        "(suppressed or not available)."
    )


def test_line_chart_uses_markers_direct_labels_and_few_colours():
    frame = pd.DataFrame(
        {
            "year": ["2022", "2023", "2024"] * 2,
            "region": ["Eastern"] * 3 + ["London"] * 3,
            "adoptions": [290, 310, 302, 210, 220, 204],
        }
    )
    fig = plotting.line_chart(
        frame,
        "year",
        "adoptions",
        series="region",
        title="Adoptions fell in 2024",
        subtitle="Children adopted, years ending 31 March",
        what="children adopted",
        ylabel="Children",
        source="DfE",
    )
    ax = fig.axes[0]
    assert [line.get_marker() for line in ax.get_lines()] == ["o", "s"]  # not colour alone
    assert ax.get_legend() is None and [t.get_text() for t in ax.texts] == [
        "Eastern: 302",
        "London: 204",
    ]
    assert plotting.chart_colours(fig) == {"#12436d", "#28a197"}
    description = plotting.description_of(fig)
    assert description.caption == "Source: DfE"
    assert "Eastern: 290 in 2022 to 302 in 2024" in description.alt


def test_svg_is_deterministic_with_readable_text():
    def svg() -> bytes:
        fig = plotting.bar_chart(
            PACKAGES,
            "financial_year",
            "packages",
            title="t",
            subtitle="s",
            what="packages",
            ylabel="Packages",
            source="x",
        )
        return plotting.to_svg(fig)

    first = svg()
    assert first == svg()
    text = first.decode("utf-8")
    assert "<dc:date>" not in text and "Matplotlib v" not in text
    sizes = plotting.svg_font_sizes(first)
    assert sizes and min(sizes) >= 12
    assert "1,650" in text  # bars carry their values as text


def test_undescribed_figures_are_read_from_what_they_plot():
    fig, ax = plotting.new_figure()
    ax.bar(["2018/19", "2019/20"], [527, 943])
    ax.set_title("ASGSF funded packages by year, Eastern")
    ax.set_ylabel("Packages")
    with pytest.raises(plotting.ChartError):
        plotting.description_of(fig)
    description = plotting.describe_figure(fig)
    assert description.title == "ASGSF funded packages by year, Eastern"
    assert "527 at 2018/19 to 943 at 2019/20" in description.alt
    html = plotting.figure_html(
        plotting.to_svg(fig), description, data_href="../t.csv", figure_id="fig-x"
    )
    assert re.search(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="ASGSF funded', html)
    assert 'href="../t.csv">Download the data for this chart (CSV)</a>' in html
