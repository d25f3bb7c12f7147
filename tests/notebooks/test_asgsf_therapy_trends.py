"""The ASGSF therapy-trends notebook: structure, a papermill run over ten years with a region
filter, bad input stopping with the validator's message, and the default synthetic data."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.paths import PROCESSED_DIR, PROJECT_ROOT

NOTEBOOK = PROJECT_ROOT / "notebooks" / "asgsf_therapy_trends.ipynb"
SHOWN = re.compile(r'show_released\(out, "([a-z0-9_]+)"\)')
DEFAULT_DATA = PROCESSED_DIR / "asgsf_packages.parquet"
CONTRACT = {
    "annual_totals": ["financial_year", "packages", "yoy_growth_pct"],
    "growth_summary": [
        "first_year",
        "last_year",
        "packages_first",
        "packages_last",
        "total_growth_pct",
        "cagr_pct",
    ],
    "therapy_shares": ["therapy_type", "packages", "share_pct"],
    "therapy_trends": [
        "therapy_type",
        "model",
        "annual_growth_pct",
        "ci_low",
        "ci_high",
        "p_value",
        "n_years",
        "df_resid",
    ],
    "forecast": ["therapy_type", "financial_year", "model", "forecast"],
    "forecast_backtest": ["therapy_type", "trend", "model", "trained_to", "financial_year"],
}
PUBLISHED_THERAPY = {
    "Creative therapies": 12603,
    "Family therapy": 12606,
    "Psychotherapy": 8725,
    "Therapeutic parenting": 6218,
    "Specialist assessments": 5804,
    "Extensive therapeutic life story work": 4046,
    "Multi-disciplinary packages of support": 129,
    "Short breaks": 48,
    "Filial therapy": 23,
}


def test_notebook_structure() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "nps-analysis"
    assert nb["metadata"]["kernelspec"]["display_name"] == "Python 3 (nps-analysis)"
    params = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1
    src = "".join(params[0]["source"])
    for line in (
        'packages_path = "data/processed/asgsf_packages.parquet"',
        'output_dir = "outputs/asgsf_therapy_trends"',
        "region = None",
        "forecast_years = 3",
        'data_kind = "synthetic"',
    ):
        assert line in src
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    body = "".join("".join(c["source"]) for c in code)
    assert 'load_data_file("asgsf_packages"' in body
    assert "to_csv(" not in body and "savefig(" not in body  # only through OutputWriter
    assert "def " not in body and "._" not in body  # thin: no functions, no private attributes
    # only released tables are displayed (never the unsuppressed results in `res`)
    assert "display(res." not in body and "display(display_rounded(res." not in body
    # forecasts and their backtest are titled by what the data can say (synthetic: nothing)
    assert body.count("forecast_heading(") == 2 and "forecast_heading(data_kind)" in body


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def test_one_display_path_through_the_release_renderer() -> None:
    """Every table is shown by `nps_analysis.display.show_released` from its spec: the ASGSF
    display module, its pivoted views and its second display of each chart are gone."""
    from nps_analysis.release import table_spec

    assert importlib.util.find_spec("nps_analysis.asgsf.display") is None
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    body = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "from nps_analysis.display import" in body and "asgsf.display" not in body
    for gone in ("show_wide", "show_figure", "show_table(", "Image(", "display(out.released"):
        assert gone not in body, gone
    shown = SHOWN.findall(body)
    assert {"annual_totals", "therapy_trends", "forecast", "published_check"} <= set(shown)
    assert len(shown) == len(set(shown))  # each table once
    for name in shown:
        assert table_spec("asgsf_therapy_trends", name).title, name


def test_report_structure_tags() -> None:
    """One H1 title unique among the notebooks, headline cells from released tables, and the
    manifest, backtest and object dumps for auditors only."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    md = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    titles = [line for text in md for line in text.splitlines() if line.startswith("# ")]
    assert len(titles) == 1
    others = [json.loads(p.read_text(encoding="utf-8")) for p in NOTEBOOK.parent.glob("*.ipynb")]
    all_titles = [
        line
        for other in others
        for c in other["cells"]
        if c["cell_type"] == "markdown"
        for line in "".join(c["source"]).splitlines()
        if line.startswith("# ")
    ]
    assert all_titles.count(titles[0]) == 1
    assert "What these data cannot show" in md[0] and "parameter recovery" in md[0]
    code = {"".join(c["source"]): _tags(c) for c in nb["cells"] if c["cell_type"] == "code"}
    headline = [src for src, tags in code.items() if "headline" in tags]
    assert any("growth_sentences(out.released(" in src for src in headline)
    assert any("largest_therapies(out.released(" in src for src in headline)
    auditor = [src for src, tags in code.items() if "auditor-only" in tags]
    for needed in ('"forecast_backtest"', "res.rules"):
        assert any(needed in src for src in auditor), needed
        assert not any(needed in src for src, tags in code.items() if tags != ["auditor-only"])


def test_growth_sentences_hand_worked() -> None:
    """4,672 -> 14,481 over 5 years: 209.953...% truncates to 209.9% (the report), rounds half
    up to 210.0%; CAGR (14481 / 4672) ** (1 / 4) - 1 = 32.68...% -> 32.7%. A suppressed row
    says so and shows none of its values."""
    from nps_analysis.asgsf.narrative import WITHHELD, growth_sentences, largest_therapies

    row = {"first_year": "2018/19", "last_year": "2022/23", "n_years": 5}
    released = pd.DataFrame(
        [
            {**row, "packages_first": 4672, "packages_last": 14481,
             "total_growth_pct": 209.95291095890411, "cagr_pct": 32.6835},
            {**row, "packages_first": "c", "packages_last": 11, "total_growth_pct": "c",
             "cagr_pct": "c"},
        ]
    )  # fmt: skip
    first, second = growth_sentences(released, "England")
    assert "4,672 in 2018/19 to 14,481 in 2022/23" in first
    assert "209.9% as the report prints it" in first and "210.0% rounded half up" in first
    assert "32.7% a year" in first
    assert WITHHELD in second and "11" not in second.replace("2018/19", "")
    shares = pd.DataFrame(
        {
            "therapy_type": ["Family therapy", "Short breaks", "Psychotherapy", "Filial therapy"],
            "packages": [12606, "c", 8725, 23],
            "share_pct": [25.11, "c", 17.38, 0.0458],
        }
    )
    text = largest_therapies(shares, "England", "2018/19 to 2022/23", top=2)
    assert "Family therapy 12,606 (25.1%); Psychotherapy 8,725 (17.4%)" in text
    assert "Filial" not in text and "suppressed" in text


def test_forecast_titles_say_what_synthetic_data_cannot_show() -> None:
    from nps_analysis.asgsf.forecast import forecast_heading

    synthetic = forecast_heading("synthetic")
    assert "not information about the future" in synthetic
    assert "assumptions" in synthetic
    real = forecast_heading("microdata")
    assert "not information about the future" not in real
    assert "Scenario, not a prediction" in real and "backtest" in real


def _run(tmp_path: Path, **params: object) -> Path:
    papermill = pytest.importorskip("papermill")
    out_nb = tmp_path / "asgsf_therapy_trends.ipynb"  # the report's stem, for render_notebook
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(out_nb),
        parameters=params,
        kernel_name="python3",
        cwd=str(PROJECT_ROOT),
        progress_bar=False,
    )
    return out_nb


@pytest.mark.slow
def test_papermill_ten_years_with_region(tmp_path: Path) -> None:
    from simulation.asgsf import simulate_packages

    packages = simulate_packages("2015/16", "2024/25", scale=0.25, seed=12)
    csv = tmp_path / "asgsf_packages.csv"
    packages.to_csv(csv, index=False)
    out_dir = tmp_path / "out"
    out_nb = _run(
        tmp_path,
        packages_path=str(csv),
        output_dir=str(out_dir),
        region="South West",
        forecast_years=4,
        data_kind="synthetic",
    )
    tables = out_dir / "tables"
    for name, cols in CONTRACT.items():
        df = pd.read_csv(tables / f"{name}.csv")
        assert list(df.columns[: len(cols)]) == cols, name
    totals = pd.read_csv(tables / "annual_totals.csv")
    assert totals["financial_year"].tolist() == [
        f"{y}/{(y + 1) % 100:02d}" for y in range(2015, 2025)
    ]
    expected = (
        packages[packages["region"] == "South West"].groupby("financial_year", observed=True).size()
    )
    assert totals.set_index("financial_year")["packages"].to_dict() == expected.to_dict()
    shares = pd.read_csv(tables / "therapy_shares.csv", dtype=str)
    # disclosure control may suppress small cells ('c'); what is released must not exceed 100%
    released = pd.to_numeric(shares["share_pct"], errors="coerce")
    assert released.sum() <= 100.0 + 1e-9
    assert set(shares.loc[released.isna(), "share_pct"]) <= {"c"}
    fc = pd.read_csv(tables / "forecast.csv").dropna(subset=["financial_year"])
    assert sorted(fc["financial_year"].unique()) == ["2025/26", "2026/27", "2027/28", "2028/29"]
    assert (fc["backtest_origins"] >= 1).all()  # every forecast beside its backtest
    assert fc[["n_years", "df_resid"]].notna().all().all()
    markdown = json.dumps([c.get("outputs", []) for c in json.loads(out_nb.read_text())["cells"]])
    assert "not information about the future" in markdown  # data_kind = synthetic
    summary = pd.read_csv(tables / "growth_summary.csv")
    assert summary[["first_year", "last_year"]].iloc[0].tolist() == ["2015/16", "2024/25"]
    for fig in ("totals_by_year", "therapy_mix", "therapy_trends", "forecast_fan"):
        assert (out_dir / "figures" / f"{fig}.svg").is_file()
    manifest = pd.read_csv(out_dir / "manifest.csv")
    assert set(manifest["data_kind"]) == {"synthetic"}
    # no absolute paths in the written results or the executed notebook's outputs
    for f in [*tables.glob("*.csv"), out_dir / "manifest.csv"]:
        assert str(tmp_path) not in f.read_text(encoding="utf-8"), f.name
    outputs = json.dumps([c.get("outputs", []) for c in json.loads(out_nb.read_text())["cells"]])
    assert str(PROJECT_ROOT) not in outputs
    _assert_release_view(out_nb, tmp_path / "reports", "South West")


def _assert_release_view(executed: Path, reports: Path, area: str) -> None:
    """Tables in the executed notebook come only from the release renderer (no raw pandas
    frame outside auditor-only cells); the reader page passes strict rendering, opens with
    the headline facts and shows each chart once."""
    from nps_analysis.reports import render_notebook

    shown = []
    for cell in json.loads(executed.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            markup = "".join(output.get("data", {}).get("text/html", ""))
            if "auditor-only" in _tags(cell) or "<table" not in markup:
                continue
            assert 'class="dataframe"' not in markup, cell["id"]
            shown.append(output["metadata"]["nps_release"]["table"])
    assert {"annual_totals", "growth_summary", "therapy_trends", "forecast"} <= set(shown)
    render_notebook(executed, reports, strict=True)
    reader = (reports / "asgsf_therapy_trends.html").read_text(encoding="utf-8")
    headline = reader.index("Headline facts")
    assert (
        headline
        < reader.index(f"In {area}, ASGSF funded therapeutic packages")
        < reader.index("About these statistics")
    )
    assert 'class="dataframe"' not in reader and ">NaN<" not in reader and ">True<" not in reader
    figures = re.findall(r'<figure[^>]*class="nps-figure"[^>]*\sid="([^"]+)"', reader)
    assert figures and len(figures) == len(set(figures))
    assert 'data-table="asgsf_therapy_trends/forecast_backtest"' not in reader  # auditors only
    auditor = (reports / "asgsf_therapy_trends-with-code.html").read_text(encoding="utf-8")
    assert 'data-table="asgsf_therapy_trends/forecast_backtest"' in auditor


@pytest.mark.slow
def test_bad_input_stops_with_validator_message(tmp_path: Path) -> None:
    papermill = pytest.importorskip("papermill")
    csv = tmp_path / "asgsf_packages.csv"
    csv.write_text(
        "application_id,financial_year,region,raa,provider,therapy_type,child_age,order_type,amount_gbp,match_funded\n"
        "A1,2018/19,Atlantis,Adopt East,,Psychotherapy,40,adoption,-5,no\n",
        encoding="utf-8",
    )
    with pytest.raises(papermill.PapermillExecutionError, match="problem"):
        _run(tmp_path, packages_path=str(csv), output_dir=str(tmp_path / "out"))
    assert not (tmp_path / "out" / "tables").exists()


@pytest.fixture(scope="module")
def default_results():
    if not DEFAULT_DATA.is_file():
        pytest.skip("default synthetic data not built (data/processed/asgsf_packages.parquet)")
    from nps_analysis.asgsf.analysis import published_check, run_analysis
    from nps_analysis.datasets import load_dataset

    res = run_analysis(load_dataset("asgsf_packages", DEFAULT_DATA))
    return res, published_check(res)


def test_default_data_reproduces_report_growth(default_results) -> None:
    from nps_analysis.asgsf.rounding import Rounding, round_values

    res, _ = default_results
    totals = res.annual_totals.set_index("financial_year")["packages"]
    assert totals["2018/19"] == 4672
    assert totals["2022/23"] == 14481
    report = (
        res.growth_summary.iloc[-1] if len(res.growth_summary) > 1 else res.growth_summary.iloc[0]
    )
    assert (report["first_year"], report["last_year"]) == ("2018/19", "2022/23")
    assert round_values(report["total_growth_pct"], 1, Rounding.TRUNCATE) == pytest.approx(209.9)
    assert round_values(report["total_growth_pct"], 1, Rounding.HALF_UP) == pytest.approx(210.0)
    years = list(totals.loc["2018/19":"2022/23"])
    assert all(b > a for a, b in zip(years, years[1:], strict=False))  # year-on-year increase


def test_default_data_reproduces_therapy_totals(default_results) -> None:
    res, check = default_results
    period = res.counts.loc["2018/19":"2022/23"].sum()
    for therapy, n in PUBLISHED_THERAPY.items():
        assert period.get(therapy, 0) == n, therapy
    assert not check.empty and check["matches"].all(), check[~check["matches"]]


def test_default_published_check_rounds_as_the_report_printed(default_results) -> None:
    from nps_analysis.figure_check import CHECK_COLUMNS

    _, check = default_results
    assert list(check.columns) == CHECK_COLUMNS
    rows = check.set_index("figure_id")
    growth = rows.loc["asgsf.packages.growth_2018_19_2022_23.pct"]
    assert growth["reproduced"] == pytest.approx(100 * (14481 - 4672) / 4672)
    assert (growth["convention"], growth["reproduced_as_printed"]) == ("truncate", 209.9)
    specialist = rows.loc["asgsf.therapy.specialist_assessments.pct"]  # 11.56% printed 11%
    assert (specialist["convention"], specialist["reproduced_as_printed"]) == ("truncate", 11.0)
    assert rows.loc["asgsf.packages.2022_23", "reproduced_as_printed"] == 14481
