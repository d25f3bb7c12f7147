"""Public-data loaders: every copied file parses, and each quirk is handled on a real excerpt."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.errors import InputDataError
from nps_analysis.public import asglb, cla, ofsted, population, s251
from nps_analysis.public.quirks import (
    parse_counts,
    parse_duration_months,
    read_public_csv,
    round_half_up,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "public"


# ----------------------------------------------------------------- every file parses
@pytest.mark.parametrize("spec", cla.SFR_FILES, ids=lambda s: str(s.year))
def test_every_sfr_file_parses(spec: cla.SfrSpec) -> None:
    df = cla.load_sfr_adoptions(spec)
    assert (df["geographic_level"] == "Local authority").sum() >= 150
    assert df.loc[df["geographic_level"] == "National", "adoptions"].iloc[0] > 2000
    la = df[df["geographic_level"] == "Local authority"]
    # every LA-year keeps its published routes; a published total is its own published part
    assert la["adoptions_published_part"].notna().all()
    assert (la["suppressed_parts"] <= len(spec.adoption_columns)).all()
    assert (la["adoptions"].isna() == (la["suppressed_parts"] > 0)).all()


def test_routes_cover_every_year_and_add_up_to_the_totals() -> None:
    routes = cla.load_all_adoption_routes()
    adoptions = cla.load_all_adoptions()
    assert sorted(routes["year"].unique()) == list(range(2010, 2025))
    per_year = routes.groupby("year")["route"].nunique()
    assert per_year[[2010, 2016, 2017]].tolist() == [2, 2, 2] and per_year.sum() == 18
    pd.testing.assert_frame_equal(cla.adoptions_from_routes(routes), adoptions)
    split = adoptions[adoptions["year"].isin([2010, 2016, 2017])]
    partial = split[(split["suppressed_parts"] == 1) & (split["adoptions_published_part"] > 0)]
    assert len(partial) > 50  # published parts the old loader discarded


@pytest.mark.parametrize(
    "path", [cla.EES_2022_ADOPTIONS, cla.EES_2024_ADOPTIONS], ids=lambda p: p.parent.name
)
def test_ees_adoption_files_parse(path: Path) -> None:
    df = cla.load_ees_adoptions(path)
    assert df["year"].nunique() == 5
    assert set(df["flag"].dropna()) <= {"c", "z"}


def test_other_cla_files_parse() -> None:
    ts = cla.load_national_time_series()
    assert ts["year"].min() == 1994 and ts["year"].max() == 2024
    assert cla.load_national_adopted()["year"].nunique() == 5
    stages = cla.load_time_between_stages()
    assert sorted(stages["year"].unique()) == [2021, 2022, 2023, 2024, 2025]


@pytest.mark.parametrize("year", list(s251.S251_FILES))
def test_every_s251_file_parses(year: str) -> None:
    df = s251.load_s251_adoption(year)
    assert len(df) >= 150
    assert df["total_expenditure"].sum() > 1e8


def test_population_ofsted_asg_parse() -> None:
    pop = population.load_population()
    assert pop["year"].min() == 2012
    agencies = ofsted.load_adoption_agencies()
    assert agencies["provision_type"].value_counts().to_dict() == {
        "Adoption Support Agency": 31,
        "Voluntary Adoption Agency": 31,
    }
    for sheet in (asglb.SHEET_CHILDREN, asglb.SHEET_ADOPTERS, asglb.SHEET_VAAS):
        assert (asglb.read_agency_sheet(sheet=sheet)["row_kind"] == "england").sum() == 1


# ----------------------------------------------------------------- quirks, real excerpts
def test_ees_excerpt_keeps_c_and_z_missing_with_flags(tmp_path: Path) -> None:
    target = tmp_path / "cla_2024_release" / "x.csv"
    target.parent.mkdir()
    shutil.copy(FIXTURES / "ees_adoptions_2024_excerpt.csv", target)
    df = cla.load_ees_adoptions(target)
    trafford = df[df["la_name"] == "Trafford"].iloc[0]
    assert pd.isna(trafford["adoptions"]) and trafford["flag"] == "c"
    cumbria = df[df["la_name"] == "Cumbria"].iloc[0]
    assert pd.isna(cumbria["adoptions"]) and cumbria["flag"] == "z"
    assert df.loc[df["la_name"] == "Cumberland", "adoptions"].iloc[0] == 23
    assert df["adoptions"].fillna(-1).ne(0).all(), "suppressed cells must never become zero"


def test_national_and_regional_counts_are_rounded_to_10(tmp_path: Path) -> None:
    df = cla.load_all_adoptions()
    rounded = df[df["geographic_level"].isin(["National", "Regional"])]["adoptions"].dropna()
    assert (rounded % 10 == 0).all()
    assert list(round_half_up(pd.Series([2975, 2984, 5]))) == [2980, 2980, 10]


def test_sfr_2010_split_columns_and_x(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "sfr27_2010_ceased_excerpt.csv", tmp_path / "2010_SFR27_2010_Ceased.csv")
    df = cla.load_sfr_adoptions(cla.SFR_FILES[0], tmp_path)
    england = df[df["geographic_level"] == "National"].iloc[0]
    assert england["adoptions"] == 1700 + 1500
    lewisham = df[df["la_name"] == "Lewisham"].iloc[0]  # x + 22: total unknown, 22 kept
    assert pd.isna(lewisham["adoptions"]) and lewisham["flag"] == "x"
    assert (lewisham["adoptions_published_part"], lewisham["suppressed_parts"]) == (22, 1)
    wandsworth = df[df["la_name"] == "Wandsworth"].iloc[0]  # 6 + x
    assert pd.isna(wandsworth["adoptions"]) and wandsworth["flag"] == "x"
    assert (wandsworth["adoptions_published_part"], wandsworth["suppressed_parts"]) == (6, 1)
    southwark = df[df["la_name"] == "Southwark"].iloc[0]
    assert (southwark["adoptions"], southwark["adoptions_published_part"]) == (22, 22)
    assert southwark["suppressed_parts"] == 0
    # route form: one row per geography and route, regional totals rounded per route
    routes = cla.load_sfr_routes(cla.SFR_FILES[0], tmp_path)
    assert len(routes) == 2 * len(df)
    north_east = routes[routes["region_name"] == "North East"]
    assert north_east["count"].tolist() == [140, 80]
    assert north_east["route"].tolist() == list(cla.SFR_FILES[0].adoption_columns)
    pd.testing.assert_frame_equal(cla.adoptions_from_routes(routes), df)
    assert (
        df.loc[df["geographic_level"] == "Regional", "region_name"].iloc[0] == "North East"
    )  # trailing space


def test_durations_yy_mm_and_k(tmp_path: Path) -> None:
    df = cla.load_time_between_stages(FIXTURES / "time_between_stages_excerpt.csv")
    assert df["months"].dropna().tolist() == [9.0, 10.0, 1.0]
    assert df["flag"].dropna().tolist() == ["k", "k"]
    nat = cla.load_national_adopted(FIXTURES / "national_adopted_2024_excerpt.csv")
    assert nat.loc[
        nat["characteristic"] == "Average age (years:months)", "average_months"
    ].tolist() == [40.0, 12.0]
    assert nat.loc[nat["characteristic"] == "16 years and over", "percentage_flag"].item() == "k"
    social = nat[nat["characteristic"].str.startswith("N6")].iloc[0]
    assert pd.isna(social["number"]) and social["number_flag"] == "c"


def test_latin1_s251_excerpt(tmp_path: Path) -> None:
    raw = (FIXTURES / "s251_outturn_1314_latin1_excerpt.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    shutil.copy(FIXTURES / "s251_outturn_1314_latin1_excerpt.csv", tmp_path / "outturn_1314.csv")
    df = s251.load_s251_adoption("2013-14", tmp_path)
    assert df["la_name"].tolist()[:2] == ["City of London", "Camden"]
    assert df["voluntary"].iloc[1] == pytest.approx(173846.91)


def test_ofsted_and_population_excerpts() -> None:
    agencies = ofsted.load_adoption_agencies(FIXTURES / "ofsted_providers_excerpt.csv")
    assert len(agencies) == 3
    pop = population.load_population(FIXTURES / "population_excerpt.csv")
    assert pop["population_0_17"].isna().sum() == 2 and set(pop["flag"].dropna()) == {"x"}


def test_asg_multirow_header_and_markers() -> None:
    sheet = asglb.read_agency_sheet(sheet=asglb.SHEET_ADOPTERS)
    col = asglb.find_column(sheet, "Number of approvals", "Q1-Q4")
    assert col == "Progress through the adoption process | Number of approvals | Q1-Q4 2022/23"
    parsed = asglb.counts(sheet, col, "approvals")
    assert "." in set(parsed["approvals_flag"].dropna())  # reported by the LA's RAA
    q1 = asglb.counts(
        sheet, asglb.find_column(sheet, "Number of registrations", "Q1 2022/23"), "reg"
    )
    assert "c" in set(q1["reg_flag"].dropna())  # e.g. Adopt London North, Q1
    members = asglb.la_raa_membership()
    gateshead = members[members["la_name"] == "Gateshead"].iloc[0]  # unbalanced '(' in the source
    assert gateshead["member_of"] == "Adopt North East"


# ----------------------------------------------------------------- bad input -> InputDataError
def test_unknown_marker_raises_with_row_and_column() -> None:
    with pytest.raises(InputDataError) as err:
        parse_counts(pd.Series(["12", "c", "twelve"]), file="f.csv", column="number")
    problem = err.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("f.csv", 4, "number")
    assert "Fix:" in str(err.value)


def test_bad_duration_raises() -> None:
    with pytest.raises(InputDataError, match="years:months"):
        parse_duration_months(pd.Series(["01:06", "1.5", "02:13"]), file="f.csv", column="number")
    assert parse_duration_months(pd.Series(["01:06"]), file="f", column="n").tolist() == [18.0]


def test_missing_column_and_missing_file_raise(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time_period,number\n2024,5\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="required column 'geographic_level'"):
        cla.load_ees_adoptions(bad)
    with pytest.raises(InputDataError, match="file not found"):
        read_public_csv(tmp_path / "nope.csv")


def test_malformed_value_in_real_excerpt_raises(tmp_path: Path) -> None:
    text = (FIXTURES / "ees_adoptions_2024_excerpt.csv").read_text(encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace(",23,100", ",2 3,100"), encoding="utf-8")
    with pytest.raises(InputDataError) as err:
        cla.load_ees_adoptions(bad)
    assert err.value.problems[0].row == 4 and err.value.problems[0].column == "number"


def test_a_missing_public_file_names_a_fix_any_user_can_follow(tmp_path) -> None:
    """The fix points to the repository and SOURCES.md, never to a development machine's path."""
    from nps_analysis.errors import InputDataError
    from nps_analysis.public.quirks import read_public_csv

    with pytest.raises(InputDataError) as raised:
        read_public_csv(tmp_path / "absent.csv")
    fix = raised.value.problems[0].fix
    assert "SOURCES.md" in fix and "git checkout" in fix and "/work/" not in fix
    assert raised.value.problems[0].rule == "file_not_found"
    with pytest.raises(InputDataError) as raised:
        asglb._read_sheet_raw(str(tmp_path / "absent.xlsx"), "Sheet1")
    assert [(p.rule, p.fix) for p in raised.value.problems] == [("file_not_found", fix)]


# ------------------------------------------------ the LA -> RAA versions reference list
@pytest.mark.parametrize(
    ("line", "column", "value", "where", "rule"),
    [
        (94, "valid_to", "2019-06-30", (94, "valid_to"), "version_date"),
        (97, "valid_from", "2019-05-01", (97, "valid_from"), "version_date"),
        (97, "valid_to", "2018-03-31", (97, "valid_to"), "period_order"),
        (95, "old_la_code", "835", (95, "valid_from"), "version_overlap"),
        (95, "old_la_code", "835", (98, "predecessors"), "version_code"),
        (98, "predecessors", "835;999", (98, "predecessors"), "version_code"),
        (2, "old_la_code", "20", (2, "old_la_code"), "old_la_code_pattern"),
        (2, "unit_kind", "county", (2, "unit_kind"), "unknown_la_unit_kind"),
        (2, "raa", "Nowhere Adoption", (2, "raa"), "version_raa"),
        (2, "la_name", "", (2, "la_name"), "missing_value"),
    ],
)
def test_bad_lookup_version_rows_are_named(
    tmp_path: Path, line: int, column: str, value: str, where: tuple[int, str], rule: str
) -> None:
    from nps_analysis.public import geography

    frame = pd.read_csv(geography.VERSIONS_FILE, dtype=str, keep_default_na=False)
    frame.loc[line - 2, column] = value
    bad = tmp_path / "versions.csv"
    frame.to_csv(bad, index=False)
    with pytest.raises(InputDataError) as raised:
        geography.load_lookup_versions(bad)
    found = {(Path(p.file).name, p.row, p.column, p.rule) for p in raised.value.problems}
    assert ("versions.csv", *where, rule) in found
