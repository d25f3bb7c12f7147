"""check_frame: the frames the public loaders build, checked by the spec engine against
datasets/specs/public/ (columns, dtypes, blanks, ranges, vocabularies, uniqueness, row rules)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from nps_analysis.datasets.engine import check_frame
from nps_analysis.datasets.spec import get_vocabulary, public_spec, public_table_names
from nps_analysis.errors import InputDataError, Problem
from nps_analysis.public import analysis, cla, geography, imputation, ofsted


def _problems(frame: pd.DataFrame, table: str) -> list[Problem]:
    with pytest.raises(InputDataError) as raised:
        check_frame(frame, public_spec(table), file="source.csv")
    return raised.value.problems


def _only(frame: pd.DataFrame, table: str) -> Problem:
    """The one problem check_frame finds in `frame` (rows: header = 1, first row = 2)."""
    problems = _problems(frame, table)
    assert len(problems) == 1, [p.describe() for p in problems]
    assert problems[0].file == "source.csv" and problems[0].fix
    return problems[0]


def _routes() -> pd.DataFrame:
    """A valid adoption_routes frame: England, one published LA count, one suppressed."""
    return pd.DataFrame(
        {
            "year": np.array([2020, 2020, 2020], dtype="int64"),
            "geographic_level": ["National", "Local authority", "Local authority"],
            "region_name": [None, None, None],
            "old_la_code": [None, "202", "203"],
            "new_la_code": [None, None, None],
            "la_name": [None, "Camden", "Greenwich"],
            "route": ["all"] * 3,
            "count": pd.array([3000, 12, None], dtype="Float64"),
            "flag": pd.array([None, None, "c"], dtype="string"),
            "release": ["cla_2024_release"] * 3,
        }
    )


def _la_adoptions() -> pd.DataFrame:
    """A valid la_adoptions frame: one published LA total, one imputed (and an extra column)."""
    counts = {
        "adoptions_published_part": [12, 0],
        "suppressed_parts": [0, 1],
        "adoptions_est": [12, 3],
        "adoptions_low": [12, 1],
        "adoptions_high": [12, 5],
        **{
            f"{lv}_adoptions_{end}": [13, 17]
            for lv in ("raa", "region", "england")
            for end in ("low", "high")
        },
    }
    return pd.DataFrame(
        {
            "year": np.array([2020, 2020], dtype="int64"),
            "old_la_code": ["202", "203"],
            **{name: np.array(v, dtype="int64") for name, v in counts.items()},
            "adoptions_is_estimate": [False, True],
            "raa": ["Adopt London North", "Adopt London South"],
        }
    )


def _population() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["London", "London"],
            "raa": ["Adopt London North", "Adopt London North"],
            "age_limit": np.array([18, 21], dtype="int64"),
            "estimate": [100.0, 150.0],
            "low": [90.0, 140.0],
            "high": [110.0, 160.0],
        }
    )


def _s251() -> pd.DataFrame:
    frame = pd.DataFrame(
        {"financial_year": ["2012-13", "2012-13"], "old_la_code": ["202", "203"]}
    ).assign(la_name=["Camden", "Greenwich"])
    for measure in ("own_provision", "private", "other_public", "voluntary"):
        frame[measure] = pd.array([1.0, None], dtype="Float64")
    for measure in ("total_expenditure", "income", "net_expenditure"):
        frame[measure] = pd.array([10.0, 20.0], dtype="Float64")
    return frame


def _time_series() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": np.array([2023, 2024], dtype="int64"),
            "adoptions_national": pd.array([2960, 2980], dtype="Float64"),
        }
    )


VALID: dict[str, Callable[[], pd.DataFrame]] = {
    "adoption_routes": _routes,
    "adoptions": lambda: cla.adoptions_from_routes(_routes()),
    "la_adoptions": _la_adoptions,
    "adopted_population_estimate": _population,
    "adopted_population_by_region": lambda: _population().drop(columns="raa"),
    "s251_adoption": _s251,
    "national_time_series": _time_series,
}


@pytest.mark.parametrize("table", VALID)
def test_a_valid_frame_is_returned_unchanged(table: str) -> None:
    frame = VALID[table]()
    assert check_frame(frame, public_spec(table), file="source.csv") is frame


def test_every_public_spec_reads() -> None:
    assert len(public_table_names()) == 14
    for name in public_table_names():
        spec = public_spec(name)
        assert all(c.frame_dtype for c in spec.columns)


# ---------------------------------------------------------------------------- row rules
def _set(frame: pd.DataFrame, row: int, **values: object) -> pd.DataFrame:
    frame = frame.copy()
    for column, value in values.items():
        frame.loc[row, column] = value  # type: ignore[call-overload]
    return frame


ROW_RULES = [
    # (table, changes to one row (position), rule, column)
    ("adoption_routes", (2, {"flag": pd.NA}), "count_xor_flag", "count"),
    ("adoption_routes", (1, {"flag": "c"}), "count_xor_flag", "count"),
    ("adoptions", (1, {"flag": "x"}), "count_xor_flag", "adoptions"),
    (
        "adoptions",
        (1, {"adoptions_published_part": 11}),
        "published_total_is_own_part",
        "adoptions",
    ),
    ("adoptions", (1, {"suppressed_parts": 1}), "published_total_is_own_part", "adoptions"),
    (
        "adoptions",
        (2, {"suppressed_parts": 0}),
        "suppressed_total_has_suppressed_part",
        "adoptions",
    ),
    ("la_adoptions", (1, {"adoptions_est": 6}), "bounds_order", "adoptions_est"),
    ("la_adoptions", (1, {"adoptions_low": 0}), "low_covers_published_part", "adoptions_low"),
    (
        "la_adoptions",
        (0, {"adoptions_est": 13, "adoptions_low": 13, "adoptions_high": 13}),
        "published_total_is_own_estimate",
        "adoptions_est",
    ),
    ("la_adoptions", (1, {"old_la_code": "202"}), "duplicate_row", "year"),
    ("adopted_population_estimate", (1, {"low": 151.0}), "bounds_order", "estimate"),
    ("adopted_population_by_region", (1, {"high": 149.0}), "bounds_order", "estimate"),
    ("adopted_population_by_region", (1, {"age_limit": 18}), "duplicate_row", "region"),
    ("s251_adoption", (1, {"old_la_code": "202"}), "duplicate_row", "financial_year"),
    (
        "s251_adoption",
        (1, {"financial_year": "2012/13"}),
        "financial_year_pattern",
        "financial_year",
    ),
    ("s251_adoption", (1, {"old_la_code": "203A"}), "old_la_code_pattern", "old_la_code"),
]


@pytest.mark.parametrize(("table", "change", "rule", "column"), ROW_RULES)
def test_a_row_rule_names_the_row_and_column(
    table: str, change: tuple[int, dict[str, object]], rule: str, column: str
) -> None:
    position, values = change
    problem = _only(_set(VALID[table](), position, **values), table)
    assert (problem.rule, problem.row, problem.column) == (rule, position + 2, column)


def test_a_suppressed_total_may_be_not_applicable() -> None:
    routes = _set(_routes(), 2, flag="z")
    adoptions = cla.adoptions_from_routes(routes)
    assert adoptions.loc[2, "suppressed_parts"] == 0 and adoptions.loc[2, "flag"] == "z"


# ------------------------------------------------------------------------- column checks
COLUMN_CHECKS = [
    # (table, row, column, bad value, rule)
    ("adoption_routes", 1, "count", -1.0, "out_of_range"),
    ("adoption_routes", 0, "year", 2031, "out_of_range"),
    ("adoption_routes", 0, "geographic_level", "Country", "unknown_geographic_level"),
    ("adoption_routes", 2, "flag", "k", "unknown_dfe_adoptions_flag"),
    ("adoption_routes", 1, "release", None, "missing_value"),
    ("adoption_routes", 1, "route", 7, "column_dtype"),
    ("national_time_series", 1, "adoptions_national", 0.0, "out_of_range"),
    ("national_time_series", 1, "year", 2023, "duplicate_id"),
    ("adopted_population_estimate", 1, "age_limit", 19, "unknown_age_limit"),
    ("adopted_population_estimate", 1, "raa", None, "missing_value"),
    ("la_adoptions", 1, "suppressed_parts", -1, "out_of_range"),
]


@pytest.mark.parametrize(("table", "row", "column", "value", "rule"), COLUMN_CHECKS)
def test_a_column_check_names_the_row_and_column(
    table: str, row: int, column: str, value: object, rule: str
) -> None:
    frame = VALID[table]()
    frame[column] = frame[column].astype(object) if rule == "column_dtype" else frame[column]
    problem = next(
        p for p in _problems(_set(frame, row, **{column: value}), table) if p.column == column
    )
    assert (problem.rule, problem.row) == (rule, row + 2)


def test_a_wrong_dtype_is_reported_once_for_the_column() -> None:
    frame = _routes().astype({"year": "float64"})
    problem = _only(frame, "adoption_routes")
    assert (problem.rule, problem.column, problem.row) == ("column_dtype", "year", None)


def test_missing_and_unexpected_columns() -> None:
    problems = _problems(_routes().drop(columns="release").assign(extra=1), "adoption_routes")
    assert {(p.rule, p.column) for p in problems} == {
        ("missing_column", "release"),
        ("unexpected_column", "extra"),
    }


def test_a_frame_with_other_columns_allowed_keeps_them() -> None:
    frame = _la_adoptions().assign(notes="kept")
    assert check_frame(frame, public_spec("la_adoptions"), file="source.csv") is frame


# ------------------------------------------------------------- vocabularies equal the code
def test_the_vocabularies_are_the_codes_constants() -> None:
    assert list(get_vocabulary("gor_region").values) == list(geography.GOR_TO_PAN_REGION)
    assert [int(v) for v in get_vocabulary("age_limit").values] == list(analysis.AGE_LIMITS)
    assert cla.LEVELS == ("National", "Regional", "Local authority")
    assert ofsted.ADOPTION_PROVISION == ("Adoption Support Agency", "Voluntary Adoption Agency")
    (low_rule,) = [
        r for r in public_spec("la_adoptions").rules if r["rule"] == "low_covers_published_part"
    ]
    assert low_rule["per_suppressed_part"] == imputation.SUPPRESSED_MIN
