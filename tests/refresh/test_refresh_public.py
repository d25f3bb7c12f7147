"""nps refresh --public on the fixture next release: checks, copy, history, and the input diff."""

from __future__ import annotations

import csv
import shutil
from datetime import date

import pandas as pd
import pytest

from nps_analysis.errors import InputDataError
from nps_analysis.paths import REFERENCE_DIR
from nps_analysis.public import cla
from nps_analysis.refresh import diff, history, releases, series
from nps_analysis.refresh.public import refresh_public

from .conftest import FIXTURE, NEXT_RELEASE


def _refresh(data_dir, paths=(NEXT_RELEASE,), reason="fixture 2025 release"):
    public, specs = data_dir
    return refresh_public(
        list(paths),
        reason=reason,
        who="tester",
        public_dir=public,
        spec_dir=specs,
        today=date(2025, 9, 30),
    )


def test_spec_driven_loader_equals_the_pipeline_loader_on_the_current_releases():
    """The release specs read the current files exactly as cla.load_all_adoption_routes does."""
    pd.testing.assert_frame_equal(releases.adoption_routes(), cla.load_all_adoption_routes())


def test_diff_lists_exactly_the_fixture_changes(data_dir):
    """Revised back-series cells (LA and the RAAs they sit in), a new year, and nothing else: the
    renamed column is absorbed by the 2025 spec and the change of release is not a revision."""
    done = _refresh(data_dir)
    changes = diff.diff_tables(done.before, done.after, series.CHECK_KEYS, ("release",))
    with (FIXTURE / "expected_changes.csv").open(encoding="utf-8") as handle:
        expected = {
            (r["year"], f"old_la_code={r['old_la_code']}", r["old"], r["new"])
            for r in csv.DictReader(handle)
        }
    la = changes[(changes["table"] == series.LA_TABLE) & (changes["kind"] == "revised")]
    assert set(zip(la["year"], la["key"], la["old"], la["new"], strict=True)) == expected
    assert la["column"].eq("adoptions").all()
    raa = changes[(changes["table"] == series.RAA_TABLE) & (changes["kind"] == "revised")]
    moved = dict(zip(raa["year"] + " " + raa["key"], raa["abs_change"], strict=True))
    assert moved == {
        "2022 region=North West; raa=Adoption Counts": 3.0,
        "2022 region=North West; raa=Adoption Now": -3.0,
        "2023 region=North West; raa=Adoption Lancashire & Blackpool": -2.0,
        "2023 region=North West; raa=Together for Adoption": 2.0,
    }
    assert raa["rel_change"].round(6).tolist() == pytest.approx(
        [3 / 87, -3 / 131, -2 / 75, 2 / 77], abs=1e-6
    )
    assert set(changes["kind"]) == {"revised", "new_year"}
    assert set(changes.loc[changes["kind"] == "new_year", "year"]) == {"2025"}
    assert done.renamed == {
        NEXT_RELEASE.name and "la_children_who_ceased_during_the_year_sgo_adoption.csv": {
            "cla_group": "characteristic_group"
        }
    }


def _in_force_2025() -> dict[str, tuple[str, str]]:
    """Code -> (region, raa) for year ending 31 March 2025, read with csv (independent)."""
    out = {}
    with (REFERENCE_DIR / "la_raa_region_versions.csv").open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            starts_ok = r["valid_from"] == "" or r["valid_from"] <= "2024-04-01"
            ends_ok = r["valid_to"] == "" or r["valid_to"] >= "2025-03-31"
            if starts_ok and ends_ok and r["unit_kind"] == "local authority":
                out[r["old_la_code"]] = (r["region"], r["raa"])
    return out


def test_refreshed_raa_table_equals_an_independent_recomputation(data_dir):
    """2025 adoptions by RAA from the refresh = the fixture file summed by hand with csv."""
    done = _refresh(data_dir)
    lookup = _in_force_2025()
    sums: dict[tuple[str, str], list[int]] = {}
    path = NEXT_RELEASE / "la_children_who_ceased_during_the_year_sgo_adoption.csv"
    with path.open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if (r["time_period"], r["geographic_level"], r["characteristic_group"]) != (
                "2025",
                "Local authority",
                "Adopted",
            ) or r["number"] == "z":
                continue
            cell = sums.setdefault(lookup[r["old_la_code"]], [0, 0, 0])
            cell[1] += 1
            if r["number"] == "c":
                cell[2] += 1
            else:
                cell[0] += int(r["number"])
    got = done.after[series.RAA_TABLE].query("year == 2025")
    found = {
        (r.region, r.raa): [int(r.adoptions_known), r.la_cells, r.suppressed_cells]
        for r in got.itertuples()
    }
    assert found == sums
    codes = {
        r["old_la_code"]
        for r in csv.DictReader(path.open(encoding="utf-8"))
        if r["time_period"] == "2025"
        and r["geographic_level"] == "Local authority"
        and r["number"] != "z"
    }
    assert codes == set(lookup)  # every LA in force in 2025, once: none dropped, none twice
    assert sum(v[1] for v in sums.values()) == len(lookup) == 153


def test_copy_sources_and_history(data_dir):
    public, _ = data_dir
    done = _refresh(data_dir)
    dest = public / "cla_2025_release" / "la_children_who_ceased_during_the_year_sgo_adoption.csv"
    assert dest.read_bytes() == (NEXT_RELEASE / dest.name).read_bytes()
    [entry] = history.read_history(public / history.HISTORY_NAME)
    assert (entry.date, entry.who, entry.reason, entry.release) == (
        "2025-09-30",
        "tester",
        "fixture 2025 release",
        "cla_2025_release",
    )
    assert entry.sha256 == history.sha256(dest)
    sources = (public / "SOURCES.md").read_text(encoding="utf-8")
    assert f"**cla_2025_release/{dest.name}**" in sources and entry.sha256 in sources
    assert done.copied == [f"cla_2025_release/{dest.name}"]


def test_a_refresh_without_a_reason_is_refused_and_copies_nothing(data_dir):
    public, _ = data_dir
    for reason in (None, "", "   "):
        with pytest.raises(history.RefreshRefused, match="needs a reason"):
            _refresh(data_dir, reason=reason)
    assert not (public / "cla_2025_release").exists()
    assert not (public / history.HISTORY_NAME).exists()


def test_an_unknown_layout_names_file_column_and_fix(data_dir, tmp_path):
    """A release that renamed a column its spec does not map is refused, nothing copied."""
    public, _ = data_dir
    odd = tmp_path / "cla_2025_release"
    odd.mkdir()
    src = NEXT_RELEASE / "la_children_who_ceased_during_the_year_sgo_adoption.csv"
    text = src.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    (odd / src.name).write_text(
        header.replace(",number,", ",value,") + "\n" + rest, encoding="utf-8"
    )
    with pytest.raises(InputDataError) as error:
        _refresh(data_dir, paths=(odd,))
    [problem] = error.value.problems
    assert problem.rule == "release-layout" and problem.column == "number"
    assert src.name in problem.file and "value" in problem.message
    assert "cla_2025_release.yaml" in problem.fix and "columns: {number:" in problem.fix
    assert not (public / "cla_2025_release").exists()


def test_an_abolished_code_with_a_count_is_refused(data_dir, tmp_path):
    """Cumbria (909, abolished 1 April 2023) carrying a 2025 count would be counted twice."""
    odd = tmp_path / "cla_2025_release"
    odd.mkdir()
    src = NEXT_RELEASE / "la_children_who_ceased_during_the_year_sgo_adoption.csv"
    rows = src.read_text(encoding="utf-8").splitlines()
    rows = [
        r.replace(
            ",909,Cumbria,E10000006,Adopted,Total,z,", ",909,Cumbria,E10000006,Adopted,Total,7,"
        )
        if r.startswith("2025,")
        else r
        for r in src.read_text(encoding="utf-8").splitlines()
    ]
    assert sum(",909,Cumbria,E10000006,Adopted,Total,7," in r for r in rows) == 1
    (odd / src.name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputDataError) as error:
        _refresh(data_dir, paths=(odd,))
    assert [p.rule for p in error.value.problems] == ["la_code_not_in_force"]
    assert (
        "909" in error.value.problems[0].message and "2023-03-31" in error.value.problems[0].message
    )


def test_a_release_without_a_spec_is_refused(data_dir, tmp_path):
    odd = tmp_path / "cla_2026_release"
    shutil.copytree(NEXT_RELEASE, odd)
    with pytest.raises(InputDataError, match="no spec for release cla_2026_release"):
        _refresh(data_dir, paths=(odd,))
