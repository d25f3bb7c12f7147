"""Dataset specifications (specs as data) and controlled vocabularies.

The YAML files in `specs/` are the single description of each minimum data set; the validator, the
typed loader, the data dictionary and the Excel template are generated from them.

The tables transcribed from the published reports and their reference lists are described in
`specs/published/` (`tables.yaml`, `references.yaml`) and checked by the same engine. They live in a
sub-folder because they are not minimum data sets: nobody collects them, so they get no template,
no data-dictionary entry and no processed Parquet file.

The frames the public-statistics loaders (`nps_analysis.public`) build from DfE, ONS, Ofsted and
ASG files are described in `specs/public/` and checked, already typed, by the engine's
`check_frame`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from nps_analysis.paths import REFERENCE_DIR
from nps_analysis.regions import read_pan_regions_raas, read_reference_csv

CATEGORICAL_VOCABULARIES: tuple[str, ...] = (
    "region",
    "raa",
    "therapy_type",
    "order_type",
    "role",
    "skill",
    "recipient_group",
    "child_age_band",
)
"""Vocabularies listed in the data dictionary and offered as drop-downs in the template."""

SPEC_DIR = Path(__file__).with_name("specs")

#: The minimum data sets, in the order they are documented, templated and processed.
DATASET_NAMES: tuple[str, ...] = (
    "step",
    "asgsf_packages",
    "workforce",
    "skills_gaps",
    "open_cases",
)

#: Column types the engine knows.
COLUMN_TYPES = (
    "id",
    "string",
    "number",
    "integer",
    "money",
    "boolean",
    "category",
    "region",
    "raa",
    "date",
    "financial_year",
)

#: How each column type is stored in the typed frame.
TYPED_DTYPES = {
    "id": "string",
    "string": "string",
    "number": "float64",
    "integer": "Int64",
    "money": "float64",
    "boolean": "boolean",
    "category": "category",
    "region": "category",
    "raa": "category",
    "date": "datetime64[ns]",
    "financial_year": "category",
}

TRUE_SPELLINGS = ("true", "yes", "y", "1", "t", "1.0")
FALSE_SPELLINGS = ("false", "no", "n", "0", "f", "0.0")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a data set."""

    name: str
    type: str
    description: str = ""
    example: str = ""
    nullable: bool = False
    optional: bool = False
    unique: bool = False
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    vocabulary: str | None = None
    blank_label: str | None = None
    max_length: int | None = None
    plausible_max: float | None = None
    plausible_reason: str = ""
    plain_number: bool = False  # refuse thousands separators (the printed form is kept elsewhere)
    frame_dtype: str | None = None  # public frames: the dtype the loader builds (FRAME_DTYPES)

    @property
    def vocab_name(self) -> str | None:
        """The vocabulary that constrains this column, if any."""
        if self.type in ("region", "raa"):
            return self.type
        return self.vocabulary

    @property
    def dtype(self) -> str:
        """Typed-frame dtype."""
        return TYPED_DTYPES[self.type]


@dataclass(frozen=True)
class DatasetSpec:
    """One minimum data set: its columns and cross-row rules."""

    name: str
    title: str
    grain: str
    description: str
    file_aliases: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    rules: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    totals_rows_allowed: bool = False  # published tables transcribe totals; data sets must not
    exact_spellings: bool = False  # published tables and reference lists: no other spellings
    other_columns_allowed: bool = False  # public frames: columns beyond the spec's may follow

    @property
    def column_names(self) -> list[str]:
        """All column names, required and optional, in spec order."""
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        """Columns that must be present in every file."""
        return [c.name for c in self.columns if not c.optional]

    def column(self, name: str) -> ColumnSpec:
        """The spec of column `name`."""
        return next(c for c in self.columns if c.name == name)


@cache
def get_spec(name: str) -> DatasetSpec:
    """Load the spec of data set `name` (raises KeyError for an unknown name)."""
    if name not in DATASET_NAMES:
        raise KeyError(f"unknown data set {name!r}; known: {', '.join(DATASET_NAMES)}")
    raw = _read_yaml(SPEC_DIR / f"{name}.yaml")
    return DatasetSpec(
        name=raw["name"],
        title=raw["title"],
        grain=raw["grain"],
        description=" ".join(str(raw["description"]).split()),
        file_aliases=tuple(raw.get("file_aliases", [name])),
        columns=_column_specs(name, raw["columns"]),
        rules=tuple(raw.get("rules", [])),
    )


def _read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _column_specs(spec_name: str, raw_columns: list[dict[str, Any]]) -> tuple[ColumnSpec, ...]:
    columns = []
    for col in raw_columns:
        if col["type"] not in COLUMN_TYPES:
            raise ValueError(
                f"spec {spec_name}: column {col['name']} has unknown type {col['type']!r}"
            )
        fields: dict[str, Any] = {k: (str(v) if k == "example" else v) for k, v in col.items()}
        columns.append(ColumnSpec(**fields))
    return tuple(columns)


# ------------------------------------------------------------- published tables and references
PUBLISHED_SPEC_DIR = SPEC_DIR / "published"


@cache
def _published_config() -> dict[str, Any]:
    return dict(_read_yaml(PUBLISHED_SPEC_DIR / "tables.yaml"))


def published_common_columns() -> list[str]:
    """The columns of every published table: figure_id first, the rest after the dimensions."""
    return [c["name"] for c in _published_config()["common_columns"]]


def published_table_names() -> list[str]:
    """Names of the published tables that have a spec, in spec order."""
    return list(_published_config()["tables"])


@cache
def published_spec(name: str) -> DatasetSpec:
    """The spec of published table `name`: figure_id, its dimensions, then the common columns."""
    config = _published_config()
    table = config["tables"][name]  # KeyError for an unknown table
    # a dimension with a vocabulary is a category, one without is free text; blank = not applicable
    dimensions = [
        {"type": "category" if "vocabulary" in d else "string", "nullable": True, **d}
        for d in table["dimensions"]
    ]
    head, *tail = config["common_columns"]
    return DatasetSpec(
        name=name,
        title=table["title"],
        grain="one row per published figure",
        description=" ".join(str(table["title"]).split()),
        file_aliases=(name,),
        columns=_column_specs(name, [head, *dimensions, *tail]),
        rules=tuple(config["rules"]),
        totals_rows_allowed=True,
        exact_spellings=True,
    )


@cache
def _reference_config() -> dict[str, Any]:
    return dict(_read_yaml(PUBLISHED_SPEC_DIR / "references.yaml"))


def reference_names() -> list[str]:
    """Names of the reference lists under data/raw/published/reference/ that have a spec."""
    return list(_reference_config())


@cache
def reference_spec(name: str) -> DatasetSpec:
    """The spec of reference list `name` (raises KeyError for an unknown name)."""
    raw = _reference_config()[name]
    return _exact_spec(name, raw, raw["columns"])


def _exact_spec(
    name: str, raw: dict[str, Any], columns: list[dict[str, Any]], **options: Any
) -> DatasetSpec:
    """The spec of a reference list or public frame (`raw`: title, grain, rules): values are
    written exactly as their vocabulary spells them."""
    return DatasetSpec(
        name=name,
        title=raw["title"],
        grain=raw["grain"],
        description=raw["title"],
        file_aliases=(name,),
        columns=_column_specs(name, columns),
        rules=tuple(raw.get("rules", [])),
        exact_spellings=True,
        **options,
    )


# --------------------------------------------------------------------- public statistics frames
PUBLIC_SPEC_DIR = SPEC_DIR / "public"

#: The dtypes of the public loaders' frames -> the engine's column type. 'str' is Python text
#: (object, or pandas' string dtype); the others are pandas dtype names.
FRAME_DTYPES = {
    "str": "string",
    "string": "string",
    "int64": "integer",
    "Float64": "number",
    "float64": "number",
    "bool": "boolean",
}


@cache
def _public_config() -> dict[str, dict[str, Any]]:
    """Every table of `specs/public/*.yaml`, its `{columns_of: <set>}` entries expanded."""
    tables: dict[str, dict[str, Any]] = {}
    for path in sorted(PUBLIC_SPEC_DIR.glob("*.yaml")):
        raw = _read_yaml(path)
        sets = raw.get("column_sets", {})
        for name, table in raw["tables"].items():
            if name in tables:
                raise ValueError(f"public table {name!r} is specified twice (in {path.name})")
            columns = [
                column
                for entry in table["columns"]
                for column in (sets[entry["columns_of"]] if "columns_of" in entry else [entry])
            ]
            tables[name] = {**table, "columns": columns}
    return tables


def public_table_names() -> list[str]:
    """Names of the public loaders' frames that have a spec."""
    return list(_public_config())


@cache
def public_spec(name: str) -> DatasetSpec:
    """The spec of public frame `name` (raises KeyError for an unknown name)."""
    raw = _public_config()[name]
    columns = [
        {
            "type": FRAME_DTYPES[c["dtype"]],
            "frame_dtype": c["dtype"],
            **{k: v for k, v in c.items() if k != "dtype"},
        }
        for c in raw["columns"]
    ]
    return _exact_spec(
        name, raw, columns, other_columns_allowed=bool(raw.get("other_columns_allowed", False))
    )


def all_specs() -> list[DatasetSpec]:
    """Specs of every data set, in documented order."""
    return [get_spec(n) for n in DATASET_NAMES]


def header_key(text: str) -> str:
    """Header matching key: case-insensitive, surrounding whitespace ignored, inner runs -> '_'."""
    return re.sub(r"[\s\-]+", "_", str(text).strip().casefold())


# ----------------------------------------------------------------------------- vocabularies
def match_key(text: str) -> str:
    """Normalised matching key: case-, spacing- and punctuation-insensitive ('&' = 'and')."""
    t = unicodedata.normalize("NFKC", str(text)).casefold().replace("&", " and ")
    return re.sub(r"[\s_\-/]+", " ", t).strip()


@dataclass(frozen=True)
class Vocabulary:
    """Canonical values of a categorical column and every accepted spelling of them."""

    name: str
    values: tuple[str, ...]
    lookup: dict[str, str]  # match_key(spelling) -> canonical value
    source: str

    def canonical(self, spelling: str) -> str | None:
        """The canonical value for `spelling`, or None if unknown."""
        return self.lookup.get(match_key(spelling))

    def extended(self, mapping: pd.DataFrame, source: str) -> Vocabulary:
        """A copy with extra spellings from a mapping table (columns: spelling, <name>)."""
        lookup = dict(self.lookup)
        bad = sorted(set(mapping.iloc[:, 1]) - set(self.values))
        if bad:
            raise ValueError(
                f"{source}: mapping targets {bad} are not {self.name} values; use one of {list(self.values)}"
            )
        lookup.update(
            {match_key(s): t for s, t in zip(mapping.iloc[:, 0], mapping.iloc[:, 1], strict=True)}
        )
        return Vocabulary(self.name, self.values, lookup, f"{self.source} + {source}")


@cache
def _vocab_config() -> dict[str, Any]:
    return yaml.safe_load((SPEC_DIR / "vocabularies.yaml").read_text(encoding="utf-8"))


def read_mapping_table(path: Path) -> pd.DataFrame:
    """Read a two-column spelling mapping table (CSV; first column spelling, second canonical)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table.columns = [c.strip() for c in table.columns]
    if table.shape[1] < 2:
        raise ValueError(
            f"{path.name}: a mapping table needs two columns (spelling, canonical value)"
        )
    return table.iloc[:, :2].apply(lambda s: s.str.strip())


@cache
def get_vocabulary(name: str, reference_dir: Path = REFERENCE_DIR) -> Vocabulary:
    """The vocabulary `name`, read from its reference list when that exists.

    `extends: <other>` starts from the other vocabulary's values and spellings (for example the
    published tables' therapy types are the ASGSF categories plus 'all').
    """
    cfg = _vocab_config()[name]
    aliases: dict[str, str] = dict(cfg.get("aliases", {}) or {})
    ref = cfg.get("reference")
    values: list[str]
    source = "datasets/specs/vocabularies.yaml"
    if cfg.get("extends"):
        base = get_vocabulary(cfg["extends"], reference_dir)
        values, source = list(base.values), base.source
        aliases = {**base.lookup, **aliases}
    elif ref and (reference_dir / ref["file"]).is_file():
        table = read_reference_csv(reference_dir / ref["file"])
        if ref.get("order_by"):
            table = table.sort_values(
                ref["order_by"], kind="mergesort", key=lambda s: s.astype(int)
            )
        values = list(dict.fromkeys(table[ref["column"]].str.strip()))
        if ref.get("alias_column"):
            aliases.update(dict(zip(table[ref["alias_column"]], table[ref["column"]], strict=True)))
        source = f"data/raw/published/reference/{ref['file']}"
    else:
        values = [str(v) for v in cfg["values"]]
    values += [str(v) for v in cfg.get("extra_values", []) or [] if str(v) not in values]
    lookup = {match_key(v): v for v in values}
    lookup.update({match_key(k): str(v) for k, v in aliases.items()})
    vocab = Vocabulary(name, tuple(values), lookup, source)
    if cfg.get("map"):
        vocab = vocab.extended(
            read_mapping_table(SPEC_DIR / cfg["map"]), f"datasets/specs/{cfg['map']}"
        )
    return vocab


@cache
def raa_regions(reference_dir: Path = REFERENCE_DIR) -> dict[str, str]:
    """Canonical RAA name -> its pan-region, from the reference list."""
    table = read_pan_regions_raas(reference_dir)
    return dict(zip(table["raa"].str.strip(), table["region"].str.strip(), strict=True))
