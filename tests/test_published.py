"""Published figures: every table loads through its schema, transcriptions match the source text."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.errors import InputDataError
from nps_analysis.paths import PROJECT_ROOT, PUBLISHED_DIR, REFERENCE_DIR
from nps_analysis.published import (
    REFERENCE_COLUMNS,
    TABLE_DIMENSIONS,
    all_figures,
    figure,
    list_published_tables,
    load_published,
    load_reference,
)

SEED_DIR = Path(PROJECT_ROOT).parent / "shared" / "seeds"
SEED_FILES = {
    "national_picture_2024": "000_155c41f766896a5f.txt",
    "implementation_strategy": "002_37d5d18aa45ee8cc.txt",
}
SYNTH_CRITICAL = [
    "open_support_cases",
    "asgsf_packages",
    "asgsf_rules",
    "workforce",
    "step_profile",
    "step_regression",
    "provider_funding",
]


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    paths = {doc: SEED_DIR / name for doc, name in SEED_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        pytest.skip(f"source text not available (expected the seed files at {missing})")
    return {doc: p.read_text(encoding="utf-8") for doc, p in paths.items()}


@pytest.fixture(scope="module")
def register() -> pd.DataFrame:
    return all_figures()


def test_every_csv_has_a_schema_and_loads() -> None:
    on_disk = sorted(p.stem for p in PUBLISHED_DIR.glob("*.csv"))
    assert on_disk == list_published_tables(), "a CSV in data/raw/published has no schema"
    assert set(SYNTH_CRITICAL) <= set(on_disk)
    for name in on_disk:
        df = load_published(name)
        assert len(df) > 0, name
        assert df["value"].dtype == float
        assert list(df.columns[1 : 1 + len(TABLE_DIMENSIONS[name])]) == list(TABLE_DIMENSIONS[name])


def test_reference_lists_load() -> None:
    for name in REFERENCE_COLUMNS:
        df = load_reference(name)
        assert list(df.columns) == REFERENCE_COLUMNS[name]
    regions = load_reference("pan_regions_raas")
    assert len(regions) == 30 and regions["region"].nunique() == 8
    cats = load_reference("asgsf_therapy_categories").set_index("slug")
    assert cats.loc["family_therapy", "available_from"] == "2018-11"
    assert cats.loc["multi_disciplinary_packages", "available_until"] == "2018-11"
    assert set(load_reference("skills")["skill"]) == {"DDP", "Theraplay", "TLSW", "NVR", "BUSS"}


def test_register_size_and_unique_ids(register: pd.DataFrame) -> None:
    assert register["figure_id"].is_unique
    assert register["value"].notna().sum() >= 150
    assert register["figure_id"].str.match(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$").all()


def test_every_source_text_is_verbatim_in_its_seed(
    register: pd.DataFrame, seeds: dict[str, str]
) -> None:
    missing = [
        r.figure_id for r in register.itertuples() if r.source_text not in seeds[r.source_document]
    ]
    assert not missing, f"source_text not found verbatim: {missing[:10]}"
    printed = [
        r.figure_id for r in register.itertuples() if r.value_as_printed not in r.source_text
    ]
    assert not printed, printed


# A hand-checked sample: (figure_id, value_as_printed, value, phrase that must be in the seed).
SAMPLE = [
    ("cases.total", "19,454", 19454, "approximately 19,454 open adoption support cases"),
    ("cases.group.children", "10,077", 10077, "10,077 (52%) were children"),
    ("cases.group.children.pct", "52%", 52, "10,077 (52%) were children"),
    ("cases.group.adoptive_parents", "3534", 3534, "3534 (18%) adoptive parents"),
    ("cases.group.birth_families.pct", "16%", 16, "3212 (16%) birth families"),
    ("cases.group.adopted_adults", "2631", 2631, "2631 (14%) adopted adults"),
    ("cases.children.age.5_11", "4268", 4268, "4268 (42%) were aged 5-11 years"),
    ("cases.children.age.16_18.pct", "8%", 8, "784 (8%) were aged 16-18 years"),
    ("cases.children.age.not_reported", "1264", 1264, "The age of 1264 (13%) children"),
    ("cases.coverage.raas_unable_disability.pct", "62%", 62, "16 (62%) were unable to report"),
    ("support.recipients.adoptive_parents.pct", "30%", 30, "adoptive parents (30%)"),
    ("core.therapy.route.spot_purchase.pct", "46%", 46, "spot purchasing (46%)"),
    (
        "core.training.route.raa_provided.pct",
        "56%",
        56,
        "In 56% of cases the RAA provided the training.",
    ),
    (
        "core.group.route.delivered_internally.pct",
        "Eighty-three percent",
        83,
        "Eighty-three percent of group work",
    ),
    ("tiers.targeted.pct", "Thirty-nine percent", 39, "Thirty-nine percent as targeted support."),
    ("asgsf.packages.2018_19", "4672", 4672, "from 4672 in 2018/19"),
    ("asgsf.packages.2022_23", "14,481", 14481, "to 14,481 in 2022/23"),
    (
        "asgsf.packages.growth_2018_19_2022_23.pct",
        "209.9%",
        209.9,
        "representing a 209.9% increase",
    ),
    ("asgsf.therapy.family_therapy", "12,606", 12606, "family therapy 12,606 (25%)"),
    ("asgsf.therapy.specialist_assessments", "5804", 5804, "specialist assessments 5804(11%)"),
    ("asgsf.therapy.filial_therapy", "23", 23, "filial therapy 23 (0%) times"),
    (
        "asgsf.rules.fair_access_limit.therapy",
        "£5,000",
        5000,
        "'fair access limit' of £5,000 per child per year",
    ),
    (
        "asgsf.rules.fair_access_limit.specialist_assessment",
        "£2,500",
        2500,
        "£2,500 per child per year for specialist",
    ),
    (
        "asgsf.rules.match_funding.max_total_per_child",
        "£30,000",
        30000,
        "up to a maximum of £30,000 per child",
    ),
    (
        "asgsf.rules.eligibility.max_age_ehcp",
        "25",
        25,
        "up to and including the age of 21, or 25 with",
    ),
    ("workforce.fte.total", "425.37", 425.37, "approximately 425.37 Full Time Equivalent"),
    ("workforce.role.social_workers.pct", "55%", 55, "55% are social workers"),
    (
        "workforce.skill.ddp.pct",
        "34%",
        34,
        "34% have trained in Dyadic Developmental Psychotherapy",
    ),
    (
        "workforce.raas_with_skill.buss",
        "five",
        5,
        "five Building Underdeveloped Sensorimotor Systems (BUSS)",
    ),
    ("workforce.gaps.ddp", "eight", 8, "eight RAAs identified gaps in relation to DDP training"),
    ("step.parents.n", "235", 235, "235 Parents were asked"),
    ("step.parent_anxiety.pct", "15%", 15, "15% reported having anxiety"),
    ("step.child_any_diagnosis.n", "90", 90, "Thirty-eight percent (n=90)"),
    ("step.dx_autism.pct", "13%", 13, "13% of children in this sample"),
    ("step.reg.child_age.coef", ".474", -0.474, "decrease in TAYC-R total score of .474"),
    ("step.reg.child_age.effect_5y", "2.37", -2.37, "decreased the score by 2.37"),
    ("funding.provider_a.north_west", "£4,801,551", 4801551, "£4,801,551 (73%)"),
    ("funding.provider_d.yorkshire_humber.pct", "91%", 91, "£3,158,457 (91%)"),
    ("funding.provider_e.total", "£2,969,664", 2969664, "£2,969,664"),
    (
        "appx.north_east.staff_survey.barrier.availability_waits.pct",
        "43%",
        43,
        "long waiting times (43%)",
    ),
    ("appx.midlands.adopter_survey.n", "168", 168, "168 responses received"),
    (
        "appx.midlands.provider_survey.sole_trader.pct",
        "41%",
        41,
        "41% of respondents work as sole traders",
    ),
    (
        "appx.north_west.send_asgsf_applicants.pct",
        "35%",
        35,
        "SEND 35% of children applying to ASGSF",
    ),
    (
        "budget.full.innovation_fund.2024_25",
        "£637,164",
        637164,
        "Innovation Fund\t£380,664\t£637,164",
    ),
    ("budget.full.total.2023_24", "£1.5m", 1_500_000, "<b>£1.5m</b>"),
    (
        "budget.wp1.regional_champion.2023_24",
        "£40,500",
        40500,
        "Regional Champion\t£40,500*\t£54,000",
    ),
]


def test_sample_is_large_enough() -> None:
    assert len(SAMPLE) >= 25


@pytest.mark.parametrize(
    ("figure_id", "printed", "value", "phrase"), SAMPLE, ids=[s[0] for s in SAMPLE]
)
def test_sample_transcription(
    register: pd.DataFrame,
    seeds: dict[str, str],
    figure_id: str,
    printed: str,
    value: float,
    phrase: str,
) -> None:
    row = register.set_index("figure_id").loc[figure_id]
    seed = seeds[row["source_document"]]
    assert phrase in seed, "the check phrase itself must come from the source"
    assert row["value_as_printed"] == printed
    assert printed in row["source_text"]
    assert row["source_text"] in seed
    assert phrase in row["source_text"] or row["source_text"] in phrase
    assert figure(figure_id) == pytest.approx(value)
    # the number in value_as_printed and the numeric value agree (digits printed -> same magnitude)
    digits = re.sub(r"[^\d.]", "", printed.replace("m", ""))
    if digits and not printed.endswith("m"):
        assert float(digits) == pytest.approx(abs(value))


def test_percent_dims_are_integers_where_printed_as_integers(register: pd.DataFrame) -> None:
    pct = register[
        (register["unit"] == "percent") & register["value_as_printed"].str.fullmatch(r"\d+%")
    ]
    assert len(pct) > 50
    assert (pct["value"] == pct["value_as_printed"].str.rstrip("%").astype(float)).all()


def test_figure_lookup_errors() -> None:
    with pytest.raises(KeyError, match="unknown figure_id"):
        figure("no.such.figure")
    with pytest.raises(ValueError, match="qualitative"):
        figure("step.reg.dx_fasd.entered")


def test_step_regression_terms_cover_the_step_schema() -> None:
    reg = load_published("step_regression")
    assert set(reg["term"]) == {
        "child_age",
        "has_biological_children",
        "dv_exposure",
        "parent_anxiety",
        "dx_learning_difficulty",
        "dx_autism",
        "dx_fasd",
        "dx_ptsd",
        "dx_attachment_disorder",
        "dx_neurological",
        "child_age_at_entry_to_care",
        "child_age_at_placement",
        "child_ethnicity",
    }
    assert set(reg.loc[reg["in_final_model"] == "no", "term"]) == {
        "child_age_at_entry_to_care",
        "child_age_at_placement",
        "child_ethnicity",
    }


def test_provider_regions_match_reference() -> None:
    regions = set(load_reference("pan_regions_raas")["region"])
    funding = load_published("provider_funding")
    assert set(funding["region"]) - {"all"} <= regions


def _copy_tables(tmp_path: Path, source: Path = PUBLISHED_DIR) -> Path:
    for src in source.glob("*.csv"):
        (tmp_path / src.name).write_bytes(src.read_bytes())
    return tmp_path


def _copy_references(tmp_path: Path) -> Path:
    return _copy_tables(tmp_path, REFERENCE_DIR)


def _rewrite(path: Path, edit) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    edit(rows, fields)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_malformed_file_fails_loudly(tmp_path: Path) -> None:
    folder = _copy_tables(tmp_path)
    path = folder / "open_support_cases.csv"

    def edit(rows: list[dict[str, str]], fields: list[str]) -> None:
        rows[2]["value"] = "10,077"  # row 4 in the file: not a plain number
        rows[4]["recipient_group"] = "kids"  # row 6: not an allowed value
        rows[6]["value_as_printed"] = "99%"  # row 8: not in source_text

    _rewrite(path, edit)
    with pytest.raises(InputDataError) as info:
        load_published("open_support_cases", folder)
    where = {(p.file.split("/")[-1], p.row, p.column) for p in info.value.problems}
    assert ("open_support_cases.csv", 4, "value") in where
    assert ("open_support_cases.csv", 6, "recipient_group") in where
    assert ("open_support_cases.csv", 8, "value_as_printed") in where
    message = str(info.value)
    assert "open_support_cases.csv, row 6, column 'recipient_group'" in message
    assert "Fix:" in message


def test_missing_column_and_duplicate_id_fail(tmp_path: Path) -> None:
    folder = _copy_tables(tmp_path)

    def drop_unit(rows: list[dict[str, str]], fields: list[str]) -> None:
        fields.remove("unit")
        for r in rows:
            del r["unit"]
        rows[1]["figure_id"] = rows[0]["figure_id"]

    _rewrite(folder / "service_tiers.csv", drop_unit)
    with pytest.raises(InputDataError) as info:
        load_published("service_tiers", folder)
    found = {(p.row, p.column, p.rule) for p in info.value.problems}
    assert (None, "unit", "missing_column") in found
    assert (3, "figure_id", "duplicate_id") in found


def test_unknown_table_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="no spec for published table"):
        load_published("not_a_table", tmp_path)


def test_reference_dir_is_tracked_location() -> None:
    assert REFERENCE_DIR == PUBLISHED_DIR / "reference"


def test_value_must_agree_with_printed_numeral(tmp_path: Path) -> None:
    folder = _copy_tables(tmp_path)

    def edit(rows: list[dict[str, str]], fields: list[str]) -> None:
        row = next(r for r in rows if r["figure_id"] == "cases.group.birth_families")
        row["value"] = "3213"  # printed 3212

    _rewrite(folder / "open_support_cases.csv", edit)
    with pytest.raises(InputDataError) as info:
        load_published("open_support_cases", folder)
    assert [(p.column, p.rule) for p in info.value.problems] == [
        ("value", "value_agrees_with_printed_numeral")
    ]


def _problems(
    tmp_path: Path, table: str, edit, *, reference: bool = False
) -> set[tuple[str, int | None, str | None, str]]:
    """(file name, row, column, rule) of every problem after `edit` of a copy of `table` (a
    published table, or a reference list when `reference`)."""
    folder = _copy_references(tmp_path) if reference else _copy_tables(tmp_path)
    _rewrite(folder / f"{table}.csv", edit)
    with pytest.raises(InputDataError) as info:
        (load_reference if reference else load_published)(table, folder)
    return {(Path(p.file).name, p.row, p.column, p.rule) for p in info.value.problems}


REF = "reference/"
"""Prefix marking a reference list in the parametrised rule cases."""


def _set(row: int, column: str, value: str):
    """An edit setting one cell; `row` is the CSV line number (header = 1)."""

    def edit(rows: list[dict[str, str]], fields: list[str]) -> None:
        rows[row - 2][column] = value

    return edit


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "rule"),
    [
        ("open_support_cases", 2, "figure_id", "Cases.Coverage", "figure_id_pattern"),
        ("open_support_cases", 2, "figure_id", "cases_total", "figure_id_pattern"),
        ("open_support_cases", 2, "value_as_printed", "eight", "value_as_printed_in_source_text"),
        ("open_support_cases", 2, "value", "", "value_blank_only_when_unit_none"),
        ("open_support_cases", 2, "value", "seven", "not_a_number"),
        ("open_support_cases", 4, "value", "19,454", "thousands_separator"),
        ("open_support_cases", 6, "recipient_group", "kids", "unknown_published_recipient_group"),
        ("open_support_cases", 3, "recipient_group", "All", "spelling_not_canonical"),
        ("workforce", 3, "role", "Social Workers", "spelling_not_canonical"),
        (
            REF + "la_raa_region_versions",
            2,
            "unit_kind",
            "Local Authority",
            "spelling_not_canonical",
        ),
        ("open_support_cases", 3, "unit", "number", "unknown_published_unit"),
        ("open_support_cases", 3, "source_document", "report", "unknown_published_source_document"),
        ("open_support_cases", 3, "base", "0", "out_of_range"),
        ("open_support_cases", 3, "source_text", "", "missing_value"),
        ("service_tiers", 2, "value", "1500", "percent_in_range"),
        ("service_tiers", 2, "tier", "tertiary", "unknown_published_service_tier"),
        ("step_regression", 2, "term", "child_height", "unknown_step_term"),
        (
            REF + "pan_regions_raas",
            3,
            "raa",
            "Cambridgeshire & Peterborough Adoption",
            "duplicate_id",
        ),
        (REF + "pan_regions_raas", 4, "raa", "", "missing_value"),
        (REF + "pan_regions_raas", 4, "region_order", "9", "out_of_range"),
        (REF + "skills", 2, "skill", "", "missing_value"),
        (REF + "staff_roles", 3, "slug", "social_workers", "duplicate_id"),
        (REF + "asgsf_therapy_categories", 2, "source", "", "missing_value"),
    ],
)
def test_each_rule_names_file_row_column(
    tmp_path: Path, table: str, row: int, column: str, value: str, rule: str
) -> None:
    name = table.removeprefix(REF)
    found = _problems(tmp_path, name, _set(row, column, value), reference=table != name)
    assert (f"{name}.csv", row, column, rule) in found


def test_value_is_checked_against_its_printed_numeral_only_when_printed_as_digits(
    tmp_path: Path,
) -> None:
    # "Thirty-seven percent" is words: a different value is not flagged by the numeral rule
    found = _problems(tmp_path, "service_tiers", _set(2, "value", "1500"))
    assert {r for *_, r in found} == {"percent_in_range"}


def test_extra_or_misspelt_column_is_an_error(tmp_path: Path) -> None:
    def edit(rows: list[dict[str, str]], fields: list[str]) -> None:
        fields.append("comment")
        fields[fields.index("note")] = "Note"
        for r in rows:
            r["comment"] = ""
            r["Note"] = r.pop("note")

    rules = {(c, r) for _, _, c, r in _problems(tmp_path, "service_tiers", edit)}
    assert (None, "extra_columns") in rules
    assert ("note", "header_normalised") in rules


def test_totals_are_figures_in_published_tables() -> None:
    budget = load_published("programme_budget")
    assert "total" in set(budget["budget_line"])


def test_figure_id_unique_across_tables(tmp_path: Path) -> None:
    folder = _copy_tables(tmp_path)
    taken = load_published("open_support_cases")["figure_id"].iloc[0]
    _rewrite(folder / "service_tiers.csv", lambda rows, fields: rows[0].update(figure_id=taken))
    with pytest.raises(InputDataError) as info:
        all_figures(folder)
    [problem] = info.value.problems
    assert problem.rule == "figure_id_unique_across_tables"
    assert problem.column == "figure_id"
    assert Path(problem.file).name == "service_tiers.csv"


def test_unknown_names_and_missing_files_have_snake_case_rules(tmp_path: Path) -> None:
    for load, name, rule in (
        (load_published, "not_a_table", "unknown_table"),
        (load_reference, "not_a_list", "unknown_reference"),
        (load_published, "workforce", "file_not_found"),
        (load_reference, "skills", "file_not_found"),
    ):
        with pytest.raises(InputDataError) as info:
            load(name, tmp_path)
        assert [p.rule for p in info.value.problems] == [rule]


def test_reference_list_missing_column(tmp_path: Path) -> None:
    def drop(rows: list[dict[str, str]], fields: list[str]) -> None:
        fields.remove("skill_name")
        for r in rows:
            del r["skill_name"]

    found = _problems(tmp_path, "skills", drop, reference=True)
    assert found == {("skills.csv", None, "skill_name", "missing_column")}


def test_pan_regions_have_one_reader_that_sees_edits(tmp_path: Path) -> None:
    from nps_analysis.regions import pan_regions_raas

    folder = _copy_references(tmp_path)
    assert load_reference("pan_regions_raas", folder).equals(pan_regions_raas(folder))
    _rewrite(
        folder / "pan_regions_raas.csv",
        lambda rows, fields: rows[0].update(raa_name_as_printed="Renamed"),
    )
    assert pan_regions_raas(folder).loc[0, "raa_name_as_printed"] == "Renamed"
    assert load_reference("pan_regions_raas", folder).loc[0, "raa_name_as_printed"] == "Renamed"


def test_step_terms_vocabulary_holds_the_model_covariates() -> None:
    from nps_analysis.step import MODEL_COVARIATES

    terms = TABLE_DIMENSIONS["step_regression"]["term"]
    assert terms is not None
    assert list(terms[: len(MODEL_COVARIATES)]) == list(MODEL_COVARIATES)
