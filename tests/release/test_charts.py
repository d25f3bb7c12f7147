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


# ---------------------------------------------------------------- the analyses' charts
REPORT_COLUMN_PX = 1056  # 66 rem: wider SVGs are scaled down, and their text below 12 px


def _released_like(frame: pd.DataFrame, suppress: dict[int, list[str]]) -> pd.DataFrame:
    """`frame` as a released table: the given rows' columns suppressed to 'c'."""
    out = frame.astype(object).copy()
    for row, columns in suppress.items():
        out.loc[row, columns] = "c"
    return out


def _asgsf():
    from nps_analysis.asgsf import forecast, growth, mix, plots, trends
    from nps_analysis.asgsf.years import fy_span
    from simulation.asgsf import simulate_counts

    counts = simulate_counts(fy_span("2018/19", "2022/23"), seed=4)
    totals = growth.annual_totals(counts)
    by_year = mix.shares_by_year(counts)
    fits = trends.fit_all(counts)
    fc = forecast.forecast_all(fits, 3)
    costs = pd.DataFrame(
        [
            {"region": r, "therapy_type": t, "ratio_to_national": v}
            for t, base in (("Family therapy", 1.0), ("Filial therapy", 0.9))
            for r, v in zip(
                ("Eastern", "London", "Midlands"), (base, base + 0.21, base - 0.1), strict=True
            )
        ]
    )
    costs.loc[4, "ratio_to_national"] = float("nan")  # a suppressed cell
    return {
        "totals_by_year": lambda: plots.totals_by_year(totals, "England"),
        "therapy_mix": lambda: plots.therapy_mix(by_year, "England"),
        "therapy_trends": lambda: plots.therapy_trends(fits, counts, "England", totals=totals),
        "forecast_fan": lambda: plots.forecast_fan(totals, fc, "England"),
        "regional_costs": lambda: plots.regional_cost_chart(costs, "London"),
    }


def _workforce():
    from nps_analysis.workforce import plots
    from nps_analysis.workforce.skills import STATUS_ORDER

    roles = ["social workers", "team managers", "letter box staff", "other"]
    by_role = pd.DataFrame({"area": "England", "role": roles, "share_pct": [55.0, 11, 14, 20]})
    by_region = _released_like(
        pd.DataFrame(
            {
                "region": ["Eastern"] * 4 + ["London"] * 4,
                "role": roles * 2,
                "share_pct": [55.0, 11, 14, 20, 50, 20, 10, 20],
            }
        ),
        {1: ["share_pct"], 2: ["share_pct"]},
    )
    skills = ["DDP", "NVR"]
    status = pd.DataFrame(
        [
            {"raa": f"RAA {i}", "skill": s, "status": STATUS_ORDER[(i + j) % 5], "gap": gap}
            for i in range(6)
            for j, s in enumerate(skills)
            for gap in ["gap" if (i + j) % 3 == 0 else "no gap"]
        ]
    )
    coverage = pd.DataFrame(
        {
            "skill": skills,
            "share_pct": [33.98, "c"],
            "base_fte": [224.89, 224.89],
            "raas_responding": [18, 18],
        }
    )
    bounds = pd.DataFrame(
        {
            "skill": skills,
            "raas_with_gap": [8, 3],
            "raas_responding": [17, 17],
            "raas_in_area": [30, 30],
            "pct": [47.06, 17.65],
            "bound_low_pct": [26.67, 10.0],
            "bound_high_pct": [70.0, 53.33],
            "ci_low": [33.33, 10.0],
            "ci_high": [63.33, 33.33],
        }
    )
    opp = pd.DataFrame(
        {
            "region": ["Eastern", "London", "England"] * 2,
            "skill": ["DDP"] * 3 + ["NVR"] * 3,
            "capacity_packages": [27.5, 40.0, 170.0, "c", 12.0, 60.0],
            "packages": [927, 30, 4800, 161, 20, 800],
        }
    )
    return {
        "role_mix": lambda: plots.role_mix(by_role, by_region, "region"),
        "skills_coverage": lambda: plots.skills_coverage(coverage, show_published=False),
        "skills_status": lambda: plots.skills_heatmap(status),
        "skills_gaps": lambda: plots.gaps_with_ci(bounds, "England"),
        "demand_capacity": lambda: plots.demand_vs_capacity(opp, "2022/23"),
    }


def _step():
    from nps_analysis.step import figures

    by_factor = pd.DataFrame(
        {
            "factor": ["dv_exposure"] * 2 + ["dx_autism"] * 2,
            "level": ["with", "without"] * 2,
            "n": [40, 195, 30, 205],
            "df": [39, 194, 29, 204],
            "mean": [31.2, 24.0, "c", 25.1],
            "ci_low": [28.0, 22.9, "c", 24.0],
            "ci_high": [34.4, 25.1, "c", 26.2],
        }
    )
    coefficients = pd.DataFrame(
        {
            "term": ["Intercept", "child_age", "dv_exposure", "dx_autism"],
            "estimate": [20.0, 0.6, 6.1, -1.2],
            "ci_low": [15.0, 0.2, 3.0, -3.9],
            "ci_high": [25.0, 1.0, 9.2, 1.5],
        }
    )
    return {
        "tayc_by_factor": lambda: figures.outcome_by_factor(by_factor),
        "coefficient_plot": lambda: figures.coefficient_plot(coefficients),
    }


CHARTS = {**_asgsf(), **_workforce(), **_step()}


@pytest.mark.parametrize("name", list(CHARTS))
def test_analysis_charts_follow_the_analysis_function(name):
    import matplotlib.pyplot as plt

    fig = CHARTS[name]()
    description = plotting.description_of(fig)  # described from the data, no fallback
    colours = plotting.chart_colours(fig) - {"#0b0c0c", "#505a5f", "#3d3d3d", "#ffffff"}
    assert colours <= {c.lower() for c in plotting.PALETTE[:4]}, colours  # AF, at most four
    svg = plotting.to_svg(fig)
    again = CHARTS[name]()
    assert svg == plotting.to_svg(again)  # deterministic: the same chart, the same bytes
    assert min(plotting.svg_font_sizes(svg)) >= 12
    width = float(re.search(rb'<svg[^>]*width="([\d.]+)pt"', svg).group(1)) * 96 / 72
    assert width <= REPORT_COLUMN_PX, width
    assert all(ax.get_title("center") == "" for ax in fig.axes)  # the headline is in the HTML
    assert description.title and description.subtitle and description.caption.startswith("Source")
    assert re.search(r"\d", description.alt) and "No description" not in description.alt
    plt.close(fig)
    plt.close(again)


def test_chart_descriptions_follow_the_released_values():
    from nps_analysis.asgsf import plots

    totals = pd.DataFrame(
        {
            "financial_year": ["2020/21", "2021/22", "2022/23"],
            "packages": [10350.0, 12419.0, 14481.0],
            "yoy_growth_pct": [float("nan"), 19.99, 16.6],
        }
    )
    first = plotting.description_of(plots.totals_by_year(totals, "England"))
    assert first.title == (
        "ASGSF funded packages in England rose from 10,350 to 14,481 between 2020/21 and 2022/23"
    )
    assert "14,481 in 2022/23" in first.alt
    totals.loc[2, "packages"] = 9000.0
    changed = plotting.description_of(plots.totals_by_year(totals, "England"))
    assert "fell from 10,350 to 9,000" in changed.title and "9,000 in 2022/23" in changed.alt
    totals.loc[1, "packages"] = float("nan")  # suppressed: said, not drawn as zero
    hidden = plotting.description_of(plots.totals_by_year(totals, "England"))
    assert "1 value is not shown: suppressed by disclosure control [c]" in hidden.caption
    assert "1 value(s) not shown" in hidden.alt


def test_heatmaps_are_replaced_by_labelled_bars():
    import matplotlib.pyplot as plt

    for name in ("regional_costs", "skills_status"):
        fig = CHARTS[name]()
        assert not any(ax.images for ax in fig.axes), name  # no colour-coded grid
        labels = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any(re.fullmatch(r"\d+(\.\d+)?", t) for t in labels), name  # values as text
        plt.close(fig)
    regional = plotting.description_of(CHARTS["regional_costs"]())
    assert "Family therapy: highest London 1.21, lowest Midlands 0.90, London 1.21" in regional.alt
    assert "Filial therapy: highest Eastern 0.90, lowest Midlands 0.80." in regional.alt
    assert "1 value is not shown" in regional.caption


def test_report_pages_show_each_figure_once_without_placeholder_alt():
    from nps_analysis.release.pages import prepare_cells

    fig = CHARTS["totals_by_year"]()
    description = plotting.description_of(fig)
    markup = plotting.figure_html(
        plotting.to_svg(fig), description, data_href="../a/t.csv", figure_id="figure-totals"
    )
    output = {
        "output_type": "display_data",
        "data": {"text/html": markup, "text/plain": description.title},
        "metadata": {"nps_release": {"figure": "totals", "audience": "reader"}},
    }
    stripped = {**output, "metadata": {}}  # the same figure, shown again without metadata
    cell = {
        "id": "c",
        "cell_type": "code",
        "metadata": {},
        "execution_count": 1,
        "source": "",
        "outputs": [output, dict(output), stripped],
    }
    nb = {"cells": [{"id": "h", "cell_type": "markdown", "metadata": {}, "source": "# T"}, cell]}
    for version in ("reader", "auditor"):
        _, body = prepare_cells(nb, version, None)
        outputs = body[-1]["outputs"]
        assert len(outputs) == 1, version
        html = outputs[0]["data"]["text/html"]
        assert f'alt="{description.alt}"' in html.replace("&#x27;", "'")
        assert "Download the data for this chart (CSV)" in html
