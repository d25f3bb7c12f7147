"""The ASGSF therapy-trends notebook: structure, a papermill run over ten years with a region
filter, bad input stopping with the validator's message, and the default synthetic data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.paths import PROCESSED_DIR, PROJECT_ROOT

NOTEBOOK = PROJECT_ROOT / "notebooks" / "asgsf_therapy_trends.ipynb"
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
    assert 'load_dataset("asgsf_packages"' in body
    assert "to_csv(" not in body and "savefig(" not in body  # only through OutputWriter
    assert "def " not in body  # thin: helpers live in src/nps_analysis/asgsf/display.py
    # only released tables are displayed (never the unsuppressed results in `res`)
    assert "display(res." not in body and "display(display_rounded(res." not in body
    # forecasts and their backtest are titled by what the data can say (synthetic: nothing)
    assert body.count("forecast_heading(") == 2 and "forecast_heading(data_kind)" in body


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
    out_nb = tmp_path / "run.ipynb"
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
    from nps_analysis.asgsf.simulate import simulate_packages

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
        assert (out_dir / "figures" / f"{fig}.png").is_file()
    manifest = pd.read_csv(out_dir / "manifest.csv")
    assert set(manifest["data_kind"]) == {"synthetic"}
    # no absolute paths in the written results or the executed notebook's outputs
    for f in [*tables.glob("*.csv"), out_dir / "manifest.csv"]:
        assert str(tmp_path) not in f.read_text(encoding="utf-8"), f.name
    outputs = json.dumps([c.get("outputs", []) for c in json.loads(out_nb.read_text())["cells"]])
    assert str(PROJECT_ROOT) not in outputs


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
