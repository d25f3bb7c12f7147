"""Figures transcribed from the National Picture report (Nov 2024) and the implementation strategy.

Each table under ``data/raw/published/`` is validated against a pandera schema on load; every failing
cell becomes a :class:`~nps_analysis.errors.Problem` naming file, row and column. See
``data/raw/published/README.md`` for the tables and ``docs/published-figures.md`` for conventions.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from nps_analysis.errors import InputDataError, Problem
from nps_analysis.paths import PUBLISHED_DIR, REFERENCE_DIR, display_path
from nps_analysis.regions import PAN_REGIONS
from nps_analysis.step import MODEL_COVARIATES

COMMON_TAIL = [
    "measure",
    "value_as_printed",
    "value",
    "unit",
    "base",
    "base_description",
    "source_document",
    "source_section",
    "source_locator",
    "source_text",
    "note",
]
UNITS = [
    "count",
    "percent",
    "gbp",
    "fte",
    "years",
    "months",
    "weeks",
    "days",
    "year",
    "points",
    "rank",
    "one_in_n",
    "ratio",
    "per_year",
    "none",
]
SOURCE_DOCUMENTS = ["national_picture_2024", "implementation_strategy"]
FIGURE_ID_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)+$"
NUMERIC_COLUMNS = ("value", "base")

# Allowed values per dimension column (None = free text; "" = not applicable is always allowed).
_GROUPS = ["all", "children", "adoptive_parents", "birth_families", "adopted_adults"]
_RECIPIENTS = [
    "all",
    "adoptive_parents",
    "adopted_children",
    "adopted_adults",
    "birth_families",
    "not_stated",
]
THERAPY_TYPES = [
    "Creative therapies",
    "Extensive therapeutic life story work",
    "Family therapy",
    "Filial therapy",
    "Multi-disciplinary packages of support",
    "Psychotherapy",
    "Short breaks",
    "Specialist assessments",
    "Therapeutic parenting",
]
STEP_TERMS = [
    *MODEL_COVARIATES,
    "child_age_at_entry_to_care",
    "child_age_at_placement",
    "child_ethnicity",
]
"""The published model's covariates and the factors the report calls non-significant (s6)."""

TABLE_DIMENSIONS: dict[str, dict[str, Sequence[str] | None]] = {
    "open_support_cases": {
        "recipient_group": _GROUPS,
        "child_age_band": ["all", "0-4", "5-11", "12-15", "16-18", "not_reported"],
    },
    "asgsf_packages": {
        "financial_year": [
            "2018/19",
            "2019/20",
            "2020/21",
            "2021/22",
            "2022/23",
            "2018/19-2022/23",
        ],
        "therapy_type": ["all", *THERAPY_TYPES],
        "therapy_slug": None,
    },
    "asgsf_rules": {
        "rule": [
            "fair_access_limit",
            "match_funding",
            "eligibility",
            "application",
            "fund_history",
            "categories",
        ],
        "item": None,
    },
    "workforce": {
        "role": ["all", "social workers", "team managers", "letter box staff"],
        "skill": ["all", "DDP", "Theraplay", "TLSW", "NVR", "BUSS"],
    },
    "step_profile": {
        "subject": ["parent", "child", "general_child_population", "family"],
        "characteristic": None,
    },
    "step_regression": {
        "term": STEP_TERMS,
        "in_final_model": ["yes", "no"],
        "significant": ["yes", "no", "unknown"],
    },
    "provider_funding": {
        "provider": ["A", "B", "C", "D", "E"],
        "region": ["all", *PAN_REGIONS],
    },
    "core_budget_support": {
        "support_type": [
            "all",
            "therapeutic_support",
            "training",
            "group_support",
            "therapeutic_support+training+group_support",
        ],
        "purchase_route": [
            "all",
            "spot_purchase",
            "block_contract",
            "approved_provider_list",
            "provided_by_raa",
            "delivered_internally",
            "framework",
        ],
        "recipient_group": _RECIPIENTS,
    },
    "service_tiers": {
        "tier": ["universal", "targeted", "specialist", "voice_and_influence", "not_stated"],
    },
    "system_context": {"topic": None, "region": ["England", *PAN_REGIONS]},
    "appendix_a_regional": {"region": PAN_REGIONS, "topic": None},
    "programme_budget": {
        "budget_line": None,
        "financial_year": ["2023/24", "2024/25", "per_annum", "2023/24-2024/25"],
        "budget_table": [
            "introduction",
            "wp1",
            "wp2",
            "wp3",
            "wp4",
            "full",
            "wp1_text",
            "wp2_text",
            "wp3_text",
        ],
    },
}

REFERENCE_COLUMNS: dict[str, list[str]] = {
    "pan_regions_raas": ["region", "region_order", "raa", "raa_name_as_printed", "source"],
    "asgsf_therapy_categories": [
        "therapy_type",
        "slug",
        "available_from",
        "available_until",
        "note",
        "source",
    ],
    "staff_roles": ["role", "slug", "source"],
    "skills": ["skill", "skill_name", "source"],
}

# Row-wise (whole-frame) checks, each attributed to the column an analyst should look at.
_ROW_CHECK_COLUMN = {
    "value_as_printed_in_source_text": "value_as_printed",
    "value_agrees_with_printed_numeral": "value",
    "value_blank_only_when_unit_none": "value",
    "percent_in_range": "value",
}


def _printed_in_source(df: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [
            str(t).find(str(v)) >= 0
            for v, t in zip(df["value_as_printed"], df["source_text"], strict=True)
        ],
        index=df.index,
    )


_NUMERAL = r"^£?\d[\d,]*(\.\d+)?%?$|^\.\d+$"


def _value_agrees_with_printed(df: pd.DataFrame) -> pd.Series:
    printed = df["value_as_printed"].astype(str)
    plain = printed.str.fullmatch(_NUMERAL)
    number = pd.to_numeric(
        printed.str.replace(r"[£,%]", "", regex=True).where(plain), errors="coerce"
    )
    return ~plain | (number - df["value"].abs()).abs().lt(1e-9)


def _value_blank_iff_unit_none(df: pd.DataFrame) -> pd.Series:
    return df["value"].isna() == (df["unit"] == "none")


def _percent_in_range(df: pd.DataFrame) -> pd.Series:
    pct = df["unit"] == "percent"
    return ~pct | df["value"].between(-100, 1000)


def _dimension_column(allowed: Sequence[str] | None) -> pa.Column:
    if allowed is None:
        return pa.Column(str)
    return pa.Column(str, pa.Check.isin(["", *allowed]), name=None)


def table_schema(name: str) -> pa.DataFrameSchema:
    """The pandera schema of published table `name` (common columns plus its dimensions)."""
    if name not in TABLE_DIMENSIONS:
        raise KeyError(f"no schema for published table '{name}'; known: {sorted(TABLE_DIMENSIONS)}")
    columns: dict[str, pa.Column] = {
        "figure_id": pa.Column(str, pa.Check.str_matches(FIGURE_ID_PATTERN), unique=True),
    }
    for dim, allowed in TABLE_DIMENSIONS[name].items():
        columns[dim] = _dimension_column(allowed)
    columns.update(
        {
            "measure": pa.Column(str, pa.Check.str_length(min_value=1)),
            "value_as_printed": pa.Column(str),
            "value": pa.Column(float, nullable=True),
            "unit": pa.Column(str, pa.Check.isin(UNITS)),
            "base": pa.Column(float, pa.Check.gt(0), nullable=True),
            "base_description": pa.Column(str),
            "source_document": pa.Column(str, pa.Check.isin(SOURCE_DOCUMENTS)),
            "source_section": pa.Column(str, pa.Check.str_length(min_value=1)),
            "source_locator": pa.Column(str, pa.Check.str_length(min_value=1)),
            "source_text": pa.Column(str, pa.Check.str_length(min_value=1)),
            "note": pa.Column(str),
        }
    )
    return pa.DataFrameSchema(
        columns,
        checks=[
            pa.Check(
                _printed_in_source,
                name="value_as_printed_in_source_text",
                error="value_as_printed must appear verbatim in source_text",
            ),
            pa.Check(
                _value_agrees_with_printed,
                name="value_agrees_with_printed_numeral",
                error="value must equal the number printed in value_as_printed",
            ),
            pa.Check(
                _value_blank_iff_unit_none,
                name="value_blank_only_when_unit_none",
                error="value may be blank only for qualitative rows (unit 'none')",
            ),
            pa.Check(
                _percent_in_range,
                name="percent_in_range",
                error="percent values must lie between -100 and 1000",
            ),
        ],
        strict=True,
        ordered=True,
        name=name,
    )


def _fix_for(rule: str, column: str | None) -> str:
    if rule.startswith("isin"):
        return f"use one of the allowed values for '{column}' (see data/raw/published/README.md)"
    if rule == "value_as_printed_in_source_text":
        return "copy value_as_printed exactly as it appears in source_text (same digits, commas, % sign)"
    if rule == "value_agrees_with_printed_numeral":
        return "make value the printed number (sign aside), or correct value_as_printed"
    if rule == "value_blank_only_when_unit_none":
        return "give a numeric value, or set unit to 'none' for a qualitative row"
    if rule in ("field_uniqueness", "unique"):
        return "give each row its own figure_id"
    if rule == "column_in_dataframe":
        return "add the missing column (header names are listed in data/raw/published/README.md)"
    if rule == "column_in_schema":
        return "remove the extra column or add it to the table's schema in nps_analysis.published"
    if rule == "column_ordered":
        return "put the columns in the documented order"
    return "correct the cell so that it satisfies the rule"


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputDataError(
            [
                Problem(
                    display_path(path),
                    "file-missing",
                    "file not found",
                    "restore it from git (data/raw/published is tracked)",
                )
            ]
        ) from exc


def _coerce_numeric(df: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []
    out = df.copy()
    for col in NUMERIC_COLUMNS:
        if col not in out.columns:
            continue
        text = out[col].str.strip()
        num = pd.to_numeric(text, errors="coerce")
        bad = text.ne("") & num.isna()
        for idx in out.index[bad]:
            problems.append(
                Problem(
                    file=file,
                    row=int(idx) + 2,
                    column=col,
                    rule="numeric",
                    message=f"'{col}' is not a number",
                    value=str(df.at[idx, col]),
                    fix="write a plain number without commas, currency or % signs (put the printed form in value_as_printed)",
                )
            )
        out[col] = num.astype(float)
    return out, problems


_ROW_CHECK_ERRORS = {
    "value must equal the number printed in value_as_printed": "value_agrees_with_printed_numeral",
    "value_as_printed must appear verbatim in source_text": "value_as_printed_in_source_text",
    "value may be blank only for qualitative rows (unit 'none')": "value_blank_only_when_unit_none",
    "percent values must lie between -100 and 1000": "percent_in_range",
}


def _schema_problems(err: pa.errors.SchemaErrors, file: str, df: pd.DataFrame) -> list[Problem]:
    problems: dict[tuple[int | None, str | None, str], Problem] = {}
    for _, fc in err.failure_cases.iterrows():
        check = str(fc.get("check"))
        rule = _ROW_CHECK_ERRORS.get(check, check.split("(")[0] or "schema")
        column = fc.get("column")
        column = None if column is None or pd.isna(column) or column == "" else str(column)
        if rule in _ROW_CHECK_COLUMN:  # whole-row check: report once, against the column to fix
            column = _ROW_CHECK_COLUMN[rule]
        elif rule in ("column_in_dataframe", "column_in_schema", "column_ordered"):
            column = str(fc.get("failure_case"))
        index = fc.get("index")
        has_row = index is not None and not pd.isna(index)
        row = int(index) + 2 if has_row else None
        value = str(df.at[int(index), column]) if has_row and column in df.columns else None
        problems.setdefault(
            (row, column, rule),
            Problem(
                file=file,
                row=row,
                column=column,
                rule=rule,
                message=f"failed check {check}",
                fix=_fix_for(rule, column),
                value=value,
            ),
        )
    return list(problems.values())


def validate_published(df: pd.DataFrame, name: str, *, file: str | None = None) -> pd.DataFrame:
    """Validate a raw (all-string) published table; return it typed or raise InputDataError."""
    file = file or f"data/raw/published/{name}.csv"
    typed, problems = _coerce_numeric(df, file)
    try:
        typed = table_schema(name).validate(typed, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems.extend(_schema_problems(err, file, df))
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or "", p.rule))
        raise InputDataError(problems)
    return typed


def _directory(directory: str | os.PathLike[str] | None, default: Path) -> Path:
    return Path(directory) if directory is not None else default


def load_published(name: str, directory: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load and validate `data/raw/published/<name>.csv` (or `<directory>/<name>.csv`)."""
    path = _directory(directory, PUBLISHED_DIR) / f"{name}.csv"
    if name not in TABLE_DIMENSIONS:
        raise InputDataError(
            [
                Problem(
                    display_path(path),
                    "unknown-table",
                    f"no schema for published table '{name}'",
                    f"use one of {sorted(TABLE_DIMENSIONS)}",
                )
            ]
        )
    stat = path.stat() if path.is_file() else None
    key = (stat.st_mtime_ns, stat.st_size) if stat else None
    return _validated(str(path), name, key).copy()


@lru_cache(maxsize=64)
def _validated(path: str, name: str, version: tuple[int, int] | None) -> pd.DataFrame:
    """Read and validate once per file version (`version` = modification time and size)."""
    del version  # part of the cache key only: an edited file is read again
    return validate_published(_read_csv(Path(path)), name, file=display_path(path))


def list_published_tables(directory: str | os.PathLike[str] | None = None) -> list[str]:
    """Names of the published tables present on disk (each has a schema)."""
    folder = _directory(directory, PUBLISHED_DIR)
    return sorted(p.stem for p in folder.glob("*.csv") if p.stem in TABLE_DIMENSIONS)


def load_reference(name: str, directory: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load a reference list from `data/raw/published/reference/<name>.csv`, checking its columns."""
    path = _directory(directory, REFERENCE_DIR) / f"{name}.csv"
    file = display_path(path)
    if name not in REFERENCE_COLUMNS:
        raise InputDataError(
            [
                Problem(
                    file,
                    "unknown-reference",
                    f"no reference list '{name}'",
                    f"use one of {sorted(REFERENCE_COLUMNS)}",
                )
            ]
        )
    df = _read_csv(path)
    expected = REFERENCE_COLUMNS[name]
    problems = [
        Problem(
            file, "column_in_dataframe", f"missing column '{c}'", "restore the header", column=c
        )
        for c in expected
        if c not in df.columns
    ]
    key = expected[0] if name != "pan_regions_raas" else "raa"
    if not problems:
        for idx in df.index[df[key].eq("") | df[key].duplicated()]:
            problems.append(
                Problem(
                    file,
                    "key",
                    f"'{key}' must be non-blank and unique",
                    "fill in or de-duplicate the key",
                    row=int(idx) + 2,
                    column=key,
                    value=str(df.at[idx, key]),
                )
            )
    if problems:
        raise InputDataError(problems)
    if name == "pan_regions_raas":
        df["region_order"] = df["region_order"].astype(int)
    return df


@lru_cache(maxsize=4)
def _register(directory: str) -> pd.DataFrame:
    frames = []
    for name in list_published_tables(directory):
        df = load_published(name, directory)
        dims = list(TABLE_DIMENSIONS[name])
        dim_text = (
            df[dims].apply(
                lambda r, dims=dims: "; ".join(f"{d}={r[d]}" for d in dims if r[d] != ""), axis=1
            )
            if len(df)
            else pd.Series(dtype=str)
        )
        part = df[["figure_id", *COMMON_TAIL]].copy()
        part.insert(0, "table", name)
        part.insert(2, "dimensions", dim_text.astype(str))
        frames.append(part)
    register = pd.concat(frames, ignore_index=True)
    dup = register["figure_id"][register["figure_id"].duplicated()]
    if len(dup):
        raise InputDataError(
            [
                Problem(
                    f"data/raw/published/{register.loc[i, 'table']}.csv",
                    "figure_id-unique-across-tables",
                    f"figure_id '{register.loc[i, 'figure_id']}' is used in more than one table",
                    "rename one of them",
                    column="figure_id",
                )
                for i in dup.index
            ]
        )
    return register


def all_figures(directory: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The figure register: every row of every published table, with its table and dimensions."""
    return _register(str(_directory(directory, PUBLISHED_DIR))).copy()


def figure(figure_id: str, directory: str | os.PathLike[str] | None = None) -> float:
    """The numeric value of one published figure (e.g. ``figure("cases.total") == 19454.0``)."""
    register = _register(str(_directory(directory, PUBLISHED_DIR)))
    match = register.loc[register["figure_id"] == figure_id, "value"]
    if match.empty:
        raise KeyError(f"unknown figure_id '{figure_id}' (see all_figures() for the register)")
    value = match.iloc[0]
    if pd.isna(value):
        raise ValueError(f"figure '{figure_id}' is qualitative (no numeric value was published)")
    return float(value)
