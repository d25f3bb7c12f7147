"""nps diff on two build folders, and the versioned LA lookup."""

from __future__ import annotations

import pandas as pd
import pytest

from nps_analysis.errors import InputDataError
from nps_analysis.outputs import to_csv_text
from nps_analysis.public import geography
from nps_analysis.refresh import diff, report


def _write(folder, rel, frame):
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_csv_text(frame), encoding="utf-8")


def test_diff_folders_finds_each_kind_of_change(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    t = "regions/eastern/tables/"
    a = pd.DataFrame({"year": [2022, 2023], "raa": ["A", "A"], "n": [10.0, 20.0], "rank": [1, 2]})
    b = pd.DataFrame(
        {
            "year": [2022, 2023, 2024],
            "raa": ["A", "A", "A"],
            "n": [10.0, 25.0, 5.0],
            "rank": [2, 2, 1],
        }
    )
    _write(old, t + "series.csv", a)
    _write(new, t + "series.csv", b)
    _write(old, t + "areas.csv", pd.DataFrame({"raa": ["A", "B"], "n": [1, 2]}))
    _write(new, t + "areas.csv", pd.DataFrame({"raa": ["A", "C"], "n": [1, 2]}))
    h = {"data": ["public"], "source_table": ["x"]}
    _write(old, t + "headline_findings.csv", pd.DataFrame({**h, "headline": ["2023: 20 adopted."]}))
    _write(new, t + "headline_findings.csv", pd.DataFrame({**h, "headline": ["2024: 5 adopted."]}))
    _write(new, "refresh/x/tables/ignored.csv", a)
    changes = diff.diff_folders(old, new)
    got = {
        tuple("" if pd.isna(v) else str(v) for v in r)
        for r in changes.assign(table=changes["table"].str.split("/").str[-1])[
            ["table", "kind", "key", "year", "column", "old", "new"]
        ].itertuples(index=False)
    }
    assert got == {
        ("series.csv", "revised", "raa=A", "2023", "n", "20", "25"),
        ("series.csv", "rank_or_band_moved", "raa=A", "2022", "rank", "1", "2"),
        ("series.csv", "new_year", "raa=A", "2024", "n", "", "5"),
        ("series.csv", "new_year", "raa=A", "2024", "rank", "", "1"),
        ("areas.csv", "row_added", "raa=C", "", "", "", ""),
        ("areas.csv", "row_removed", "raa=B", "", "", "", ""),
        (
            "headline_findings.csv",
            "headline_changed",
            "data=public; source_table=x",
            "",
            "headline",
            "2023: 20 adopted.",
            "2024: 5 adopted.",
        ),
    }
    revised = changes[changes["kind"] == "revised"].iloc[0]
    assert (revised["abs_change"], revised["rel_change"]) == (5.0, 0.25)
    md = report.write_report(changes, tmp_path / "r", "Release diff").read_text(encoding="utf-8")
    assert (
        "| raa=A | 2023 | n | 20 | 25 | 5 | +25.0% |" in md
        and "Headline sentences that changed (1)" in md
    )


def test_lookup_for_year_handles_each_reorganisation():
    codes = {
        y: set(geography.lookup_for_year(y)["old_la_code"])
        for y in (2019, 2020, 2021, 2022, 2023, 2024)
    }
    assert {"835", "836", "837"} <= codes[2019] and not {"838", "839"} & codes[2019]
    assert {"838", "839"} <= codes[2020] and not {"835", "836", "837"} & codes[2020]
    assert "928" in codes[2021] and not {"940", "941"} & codes[2021]
    assert {"940", "941"} <= codes[2022] and "928" not in codes[2022]
    assert "909" in codes[2023] and not {"942", "943"} & codes[2023]
    assert {"942", "943"} <= codes[2024] and "909" not in codes[2024]
    assert all("213B" not in c for c in codes.values())  # a reporting unit, never beside 207/213
    # ONS mid-year estimates: mid-2021 already has the two Northamptonshires
    assert {"940", "941"} <= set(geography.lookup_for_year(2021, "mid_year")["old_la_code"])


def test_versions_agree_with_the_current_lookup():
    """The open-ended row of every code carries the RAA and pan-region of la_lookup()."""
    versions = geography.load_lookup_versions()
    current = versions[versions["valid_to"].isna()].set_index("old_la_code")[["raa", "region"]]
    lookup = geography.la_lookup().set_index("old_la_code")
    assert set(versions["old_la_code"]) == set(lookup.index)
    pd.testing.assert_frame_equal(
        current.sort_index(), lookup.loc[current.index, ["raa", "region"]].sort_index()
    )


def test_year_aware_mapping_gives_the_same_adoptions_and_population_mapping():
    """attach_geography with each row's year's lookup = the current mapping on the real data (so
    the released tables stay byte-identical), and a code outside its years raises."""
    from nps_analysis.public import cla, population

    ad = cla.load_all_adoptions()
    la = ad[(ad["geographic_level"] == "Local authority") & ad["flag"].fillna("").ne("z")].drop(
        columns=["region_name"]
    )
    pd.testing.assert_frame_equal(
        geography.attach_geography(la), geography.attach_geography(la, year_column="year")
    )
    pop = population.load_population()
    pl = (
        pop[pop["geographic_level"] == "Local authority"]
        .dropna(subset=["population_0_17"])
        .drop(columns=["region_name"])
    )
    pd.testing.assert_frame_equal(
        geography.attach_geography(pl),
        geography.attach_geography(pl, year_column="year", basis="mid_year"),
    )
    with pytest.raises(InputDataError, match="LA code 940 is not in force in 2021"):
        geography.attach_geography(pl, year_column="year")  # mid-year data read as DfE years


def test_bad_version_rows_are_refused(tmp_path):
    src = geography.VERSIONS_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "v.csv"
    bad.write_text(
        src.replace(
            "928,Northamptonshire,Family Adoption Links,Midlands,local authority,,2021-03-31",
            "928,Northamptonshire,Family Adoption Links,Midlands,local authority,,2021-06-30",
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputDataError) as error:
        geography.load_lookup_versions(bad)
    assert [(p.rule, p.column) for p in error.value.problems] == [("version_date", "valid_to")]
