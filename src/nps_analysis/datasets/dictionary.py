"""The data dictionary (docs/data-dictionary.md), generated from the specs."""

from __future__ import annotations

from pathlib import Path

from nps_analysis.datasets.spec import (
    CATEGORICAL_VOCABULARIES,
    ColumnSpec,
    DatasetSpec,
    all_specs,
    get_vocabulary,
)
from nps_analysis.paths import PROJECT_ROOT

DICTIONARY_PATH = PROJECT_ROOT / "docs" / "data-dictionary.md"

TYPE_LABELS = {
    "id": "text id",
    "string": "text",
    "number": "number",
    "integer": "whole number",
    "money": "amount (£)",
    "boolean": "yes/no",
    "category": "list value",
    "region": "pan-region",
    "raa": "RAA",
    "date": "date",
    "financial_year": "financial year",
}

RULE_TEXT = {
    "raa_in_region": "`raa` must belong to the row's `region` (reference list). Rule: `raa_region_mismatch`.",
    "age_order": "Ages must run {cols} where both are given. Rule: `age_order`.",
    "consecutive_financial_years": (
        "Consecutive years: the distinct financial years in one file must form an unbroken run "
        "(2018/19, 2019/20, 2020/21 is fine; 2018/19 and 2020/21 without 2019/20 is not), because a "
        "year with no packages at all is almost always a missing extract. A file may cover one year. "
        "Rule: `financial_years_not_consecutive`."
    ),
    "therapy_category_change": (
        "ASGSF categories changed in November 2018: '{added}' cannot be funded before, and "
        "'{removed}' not on or after, {change_date}. Checked on `date_approved` when given, otherwise "
        "on `financial_year` (2018/19 straddles the change, so both are allowed in it). "
        "Rule: `therapy_category_change`."
    ),
    "period_order": "`{end}` must not be before `{start}`. Rule: `period_order`.",
    "count_basis": (
        "`{column}` must agree with the dates: a `snapshot` (cases open on one date) has `{start}` = "
        "`{end}` = that date, and a `period` count is over more than one day. Rules: "
        "`snapshot_not_one_day`, `period_is_one_day`. A file without the column (made before it "
        "existed) is read with it derived from the dates (a one-day period is a snapshot), with a "
        "warning (`count_basis_derived`)."
    ),
    "child_age_band_children_only": (
        "`child_age_band` is filled in for `children` rows only (use 'not reported' when unknown) "
        "and left blank for other groups. Rules: `missing_age_band`, `age_band_not_children`."
    ),
    "unique_key": "Each combination of {cols} appears once. Rule: `duplicate_row`.",
}

GENERAL_RULES = """\
## How files are read and checked (all data sets)

- **Formats**: CSV (UTF-8; Windows-1252 is detected and read with a warning, so '£' signs from
  Excel's plain "CSV" survive), Excel `.xlsx` (one sheet per data set, named exactly as the data set,
  as in `nps template`) or Parquet. The data set is taken from `--dataset`, else the Excel sheet names,
  else the file name (e.g. `asgsf_packages_2023.csv`).
- **Headers**: matched ignoring surrounding spaces, case and inner spacing (`" Family ID "` is read
  as `family_id`) with a *warning*, not an error; fix the header to silence it. Missing required
  columns are errors; unknown extra columns are ignored with a warning.
- **Cells**: surrounding spaces are removed. Completely blank rows are skipped (warning).
- **Yes/no columns** accept true/false, yes/no, y/n, 1/0 (any case). Blank = not known, only where
  the column allows blanks.
- **List values** (region, RAA, therapy type, role, skill, ...) are matched ignoring case, spacing
  and punctuation (`&` = `and`; `-`, `_`, `/` = space) and rewritten to the canonical spelling.
  Unknown names are errors that suggest close matches.
- **Numbers**: plain numbers; amounts may carry `£` and thousands separators.
- **Errors** name the file, sheet, spreadsheet row (header = row 1), column, rule and a suggested
  fix, and every problem is reported, not just the first. Offending values are shown at the
  terminal only; nothing under `outputs/` ever echoes a cell value (counts per rule only).
- **Typed output**: yes/no columns load as pandas nullable `boolean`, list columns as `category`,
  ages and amounts as `float64`, counts as `Int64`, dates as `datetime64`.
"""


def _allowed(col: ColumnSpec) -> str:
    parts: list[str] = []
    if col.vocab_name:
        vocab = get_vocabulary(col.vocab_name)
        if col.type in ("region", "raa"):
            parts.append(f"see [{col.vocab_name} list](#vocabulary-{col.vocab_name})")
        else:
            parts.append(", ".join(f"`{v}`" for v in vocab.values))
        if col.blank_label:
            parts.append(f"blank = `{col.blank_label}`")
    if col.min is not None:
        parts.append(f"{'>' if col.min_exclusive else '≥'} {col.min:g}")
    if col.max is not None:
        parts.append(f"≤ {col.max:g}")
    if col.type == "financial_year":
        parts.append("`YYYY/YY`")
    if col.unique:
        parts.append("unique")
    return "; ".join(parts)


def _rule_line(rule: dict) -> str:
    text = RULE_TEXT[rule["rule"]]
    cols = rule.get("columns", [])
    fields = {
        **{k: v for k, v in rule.items() if k != "rule"},
        "cols": " ≤ ".join(f"`{c}`" for c in cols)
        if rule["rule"] == "age_order"
        else ", ".join(f"`{c}`" for c in cols),
    }
    if len(cols) == 2:
        fields.update(start=cols[0], end=cols[1])
    return "- " + text.format(**fields)


def render_dataset(spec: DatasetSpec) -> list[str]:
    """Markdown lines for one data set."""
    lines = [
        f"## `{spec.name}`: {spec.title}",
        "",
        f"*Grain*: {spec.grain}.",
        "",
        spec.description,
        "",
        f"*File names recognised*: {', '.join(f'`{a}`' for a in spec.file_aliases)} "
        f"(Excel sheet: `{spec.name}`).",
        "",
        "| column | type | required | blank allowed | allowed values | description | example |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in spec.columns:
        lines.append(
            f"| `{c.name}` | {TYPE_LABELS[c.type]} | {'optional' if c.optional else 'yes'} | "
            f"{'yes' if c.nullable else 'no'} | {_allowed(c)} | {c.description.replace('|', '/')} | "
            f"{c.example} |"
        )
    if spec.rules:
        lines += ["", "Cross-row and cross-column rules:", ""]
        lines += [_rule_line(r) for r in spec.rules]
    return [*lines, ""]


def render_markdown() -> str:
    """The full data dictionary as Markdown (deterministic)."""
    lines = [
        "# Data dictionary: minimum data sets",
        "",
        "<!-- Generated by nps_analysis.datasets.dictionary.render_markdown() from "
        "src/nps_analysis/datasets/specs/*.yaml. Do not edit by hand: edit the specs and run "
        "`python -m nps_analysis.datasets.dictionary`. -->",
        "",
        "The record-level data a region supplies for this analysis, one section per data set. The "
        "Excel data request template (`nps template`) and the validator (`nps validate`) are "
        "generated from the same specs.",
        "",
        "> **is_synthetic**: the default data embedded in this repository (`data/synthetic/`, made by "
        "`nps synth`) is SYNTHETIC: generated from published aggregates of the National Picture "
        "report, plus documented assumptions (params.yaml `synth:`). It describes no real family, "
        "child or member of staff. Real regional record-level data is sensitive and never committed.",
        "",
        GENERAL_RULES,
    ]
    for spec in all_specs():
        lines += render_dataset(spec)
    lines += ["## Vocabularies", ""]
    for name in CATEGORICAL_VOCABULARIES:
        vocab = get_vocabulary(name)
        lines += [
            f'### <a id="vocabulary-{name}"></a>`{name}`',
            "",
            f"Source: `{vocab.source}`.",
            "",
            ", ".join(f"`{v}`" for v in vocab.values),
            "",
        ]
    lines += [
        "A region can add its own therapy-type spellings: put a `therapy_type_map.csv` (columns "
        "`spelling,therapy_type`) beside its data files; targets must be ASGSF categories.",
        "",
    ]
    return "\n".join(lines)


def write_markdown(path: Path = DICTIONARY_PATH) -> Path:
    """Write the data dictionary to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(), encoding="utf-8", newline="\n")
    return path


if __name__ == "__main__":  # pragma: no cover
    print(write_markdown())
