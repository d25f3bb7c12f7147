"""EES open data: tidy files with time and geography columns, and the checks of EES rules."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nps_analysis.release.metadata import table_spec
from nps_analysis.release.open_data import (
    check_open_data,
    incomplete_matrix,
    tidy_table,
    time_period,
    write_open_data,
)


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "regions" / "eastern"
    (folder / "tables").mkdir(parents=True)
    (folder / "tables" / "packages_by_year_therapy.csv").write_text(
        "financial_year,therapy_type,packages\n2018/19,Creative therapies,152\n"
        "2018/19,Family therapy,c\n2019/20,Creative therapies,160\n2019/20,Family therapy,41\n",
        encoding="utf-8",
    )
    (folder / "tables" / "region_raas.csv").write_text(
        "raa,raa_name_as_printed,source\nAdopt East,Adopt East,s2.1\n", encoding="utf-8"
    )
    return folder


def test_time_periods():
    assert time_period("2018/19", "Financial year") == "201819"
    assert time_period("2024", "Reporting year") == "2024"


def test_written_files_pass_the_checks(tmp_path: Path):
    files = write_open_data(_folder(tmp_path), tmp_path / "od", region="Eastern")
    assert [f.name for f in files] == ["packages_by_year_therapy.csv", "region_raas.csv"]
    for path in files:
        assert check_open_data(path) == []
    data = pd.read_csv(files[0], dtype=str)
    assert list(data.columns) == [
        "time_period",
        "time_identifier",
        "geographic_level",
        "country_code",
        "country_name",
        "pan_region",
        "therapy_type",
        "packages",
    ]
    assert list(data["packages"]) == ["152", "c", "160", "41"]  # suppressed stays c, never blank
    meta = pd.read_csv(
        files[0].with_name("packages_by_year_therapy.meta.csv"), dtype=str, keep_default_na=False
    )
    assert meta.loc[
        meta["col_name"] == "packages", ["col_type", "indicator_dp"]
    ].values.tolist() == [["Indicator", "0"]]
    assert incomplete_matrix(files[0]) == 0
    raas = pd.read_csv(files[1], dtype=str)
    assert set(raas["time_period"]) == {"202223"}  # no time column: the spec's period


def test_the_checks_find_broken_files(tmp_path: Path):
    files = write_open_data(_folder(tmp_path), tmp_path / "od", region="Eastern")
    path = files[0]
    data = pd.read_csv(path, dtype=str, keep_default_na=False)
    broken = data.drop(columns=["geographic_level"])
    broken.loc[0, "packages"] = ""
    broken.loc[1, "time_period"] = "2018/19"
    broken.to_csv(path, index=False)
    problems = " | ".join(check_open_data(path))
    assert "mandatory column(s) missing: ['geographic_level']" in problems
    assert "blank cells in ['packages']" in problems
    assert "does not fit 'Financial year'" in problems
    data.drop(index=[3]).to_csv(path, index=False)
    assert incomplete_matrix(path) == 1  # 2019/20 Family therapy is missing


def test_meta_rules(tmp_path: Path):
    spec = table_spec("regional_needs_assessment", "packages_by_year")
    data, meta = tidy_table(pd.DataFrame({"financial_year": ["2018/19"], "packages": [527]}), spec)
    path = tmp_path / "t.csv"
    data.to_csv(path, index=False)
    meta.loc[meta["col_name"] == "packages", "indicator_unit"] = "children"
    meta.to_csv(tmp_path / "t.meta.csv", index=False)
    assert check_open_data(path) == ["meta packages: indicator_unit 'children'"]
