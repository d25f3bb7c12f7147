"""Vectorised validation and typing of a text table against a data set spec.

Every cell is checked once per distinct value (pd.factorize), so a million-row file costs little
more than reading it. Every problem is collected (never just the first), with the spreadsheet row
number (header = row 1), column, offending value, rule and a suggested fix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nps_analysis.datasets.spec import (
    FALSE_SPELLINGS,
    TRUE_SPELLINGS,
    ColumnSpec,
    DatasetSpec,
    Vocabulary,
    get_vocabulary,
    match_key,
    raa_regions,
)
from nps_analysis.errors import Problem

FY_PATTERN = re.compile(r"^(\d{4})\s*[/\-]\s*(\d{2}|\d{4})$")


@dataclass
class CheckResult:
    """The outcome of checking one table: a typed frame (when clean) and every problem found."""

    dataset: str
    file: str
    sheet: str | None
    frame: pd.DataFrame | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class _Ctx:
    file: str
    sheet: str | None
    rows: np.ndarray  # spreadsheet row number of each data row
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(
        self,
        rule: str,
        message: str,
        fix: str,
        *,
        column: str | None = None,
        row: int | None = None,
        value: str | None = None,
    ) -> None:
        self.errors.append(Problem(self.file, rule, message, fix, self.sheet, row, column, value))

    def warn(self, rule: str, message: str, fix: str, *, column: str | None = None) -> None:
        self.warnings.append(Problem(self.file, rule, message, fix, self.sheet, None, column, None))

    def cell_errors(
        self,
        mask: np.ndarray,
        values: np.ndarray,
        *,
        rule: str,
        column: str,
        message: str | Callable[[str], str],
        fix: str,
    ) -> None:
        """One problem per row where `mask` is True (value shown at the terminal only)."""
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        rows = self.rows[idx].tolist()
        vals = [str(v) for v in values[idx]]
        if callable(message):
            cache = {v: message(v) for v in dict.fromkeys(vals)}
            self.errors.extend(
                Problem(self.file, rule, cache[v], fix, self.sheet, r, column, v)
                for r, v in zip(rows, vals, strict=True)
            )
        else:
            self.errors.extend(
                Problem(self.file, rule, message, fix, self.sheet, r, column, v)
                for r, v in zip(rows, vals, strict=True)
            )


def header_key(text: str) -> str:
    """Header matching key: case-insensitive, surrounding whitespace ignored, inner runs -> '_'."""
    return re.sub(r"[\s\-]+", "_", str(text).strip().casefold())


def close_matches(value: str, choices: list[str] | tuple[str, ...], n: int = 3) -> list[str]:
    """Known names that look like `value` (difflib), compared on matching keys."""
    keyed = {match_key(c): c for c in choices}
    hits = difflib.get_close_matches(match_key(value), list(keyed), n=n, cutoff=0.6)
    return [keyed[h] for h in hits]


def _did_you_mean(value: str, choices: tuple[str, ...]) -> str:
    hits = close_matches(value, choices)
    return f"; did you mean {' or '.join(repr(h) for h in hits)}?" if hits else ""


# ---------------------------------------------------------------------------------- headers
def _match_headers(raw: pd.DataFrame, spec: DatasetSpec, ctx: _Ctx) -> pd.DataFrame:
    """Rename headers to spec names; report missing, duplicated and extra columns."""
    wanted = {header_key(c): c for c in spec.column_names}
    rename: dict[Any, str] = {}
    seen: dict[str, Any] = {}
    extra: list[str] = []
    for h in raw.columns:
        text = str(h)
        if text.startswith("Unnamed:") and not raw[h].astype(bool).any():
            continue  # a blank header over a blank column: ignore
        target = wanted.get(header_key(text))
        if target is None:
            extra.append(text)
            continue
        if target in seen:
            ctx.error(
                "duplicate_column",
                f"column '{target}' appears more than once "
                f"(headers {str(seen[target])!r} and {text!r})",
                "delete or rename one of the two columns",
                column=target,
            )
            continue
        seen[target] = h
        rename[h] = target
        if text != target:
            ctx.warn(
                "header_normalised",
                f"header {text!r} read as '{target}' "
                "(surrounding spaces, case or inner spacing differ)",
                f"rename the header to exactly '{target}'",
                column=target,
            )
    missing = [c for c in spec.required_columns if c not in seen]
    for col in missing:
        hits = difflib.get_close_matches(
            header_key(col), [header_key(e) for e in extra], n=2, cutoff=0.6
        )
        hint = f"; a column headed {' or '.join(repr(h) for h in hits)} may be it" if hits else ""
        ctx.error(
            "missing_column",
            f"required column '{col}' is missing{hint}",
            f"add a column headed '{col}' (see docs/data-dictionary.md)",
            column=col,
        )
    if extra:
        ctx.warn(
            "extra_columns",
            f"{len(extra)} column(s) not in the {spec.name} spec were ignored: "
            f"{', '.join(repr(e) for e in extra)}",
            "remove them or check their spelling",
        )
    return raw[list(rename)].rename(columns=rename)


# ---------------------------------------------------------------------------------- columns
def _parse_number(u: pd.Series, money: bool) -> np.ndarray:
    text = u.str.replace(r"[£,\s]|^GBP", "", regex=True) if money else u
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")


def _parse_date(u: pd.Series) -> pd.Series:
    iso = pd.to_datetime(u, format="ISO8601", errors="coerce")
    uk = pd.to_datetime(u, format="%d/%m/%Y", errors="coerce")
    return iso.fillna(uk)


def _parse_fy(u: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Financial years -> ('YYYY/YY' or '', start year or -1) per unique value."""
    parts = u.str.extract(FY_PATTERN)
    start = pd.to_numeric(parts[0], errors="coerce")
    end = pd.to_numeric(parts[1], errors="coerce")
    ok = start.notna() & ((end == (start + 1) % 100) | (end == start + 1))
    start_i = start.where(ok, -1).fillna(-1).astype(int).to_numpy()
    canon = np.where(ok, [f"{s}/{(s + 1) % 100:02d}" for s in start_i], "")
    return canon, start_i


def _check_column(s: pd.Series, col: ColumnSpec, vocab: Vocabulary | None, ctx: _Ctx) -> Any:
    """Check one column; return its typed values (NA where blank or invalid)."""
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    u = pd.Series(np.asarray(uniq, dtype=object), dtype=object).astype(str).str.strip()
    blank_u = (u == "").to_numpy()
    codes = np.where(codes < 0, len(u), codes)  # NaN-like cells (not expected) count as blank
    blank_u = np.append(blank_u, True)
    u = pd.concat([u, pd.Series([""])], ignore_index=True)
    values = u.to_numpy(dtype=object)[codes]
    blank = blank_u[codes]
    if not col.nullable and blank.any():
        ctx.cell_errors(
            blank,
            values,
            rule="missing_value",
            column=col.name,
            message=f"'{col.name}' is blank but must be filled in",
            fix=f"enter a value for '{col.name}' on every row",
        )
    kind = col.type
    if kind in ("id", "string"):
        arr = pd.array(np.where(blank_u, None, u.to_numpy(dtype=object))[codes], dtype="string")
        if col.unique:
            _check_unique_ids(pd.Series(arr), col.name, ctx)
        return arr
    if kind in ("number", "integer", "money"):
        num_u = _parse_number(u, money=kind == "money")
        bad_u = np.isnan(num_u) & ~blank_u
        if bad_u.any():
            ctx.cell_errors(
                bad_u[codes],
                values,
                rule="not_a_number",
                column=col.name,
                message=f"'{col.name}' must be a number",
                fix="enter a plain number (no words or units)",
            )
        num = num_u[codes]
        if kind == "integer":
            frac = ~np.isnan(num_u) & (num_u != np.round(num_u))
            if frac.any():
                ctx.cell_errors(
                    frac[codes],
                    values,
                    rule="not_a_whole_number",
                    column=col.name,
                    message=f"'{col.name}' must be a whole number",
                    fix="enter a count as a whole number",
                )
        _check_range(num, values, col, ctx)
        if kind == "integer":
            ok = ~np.isnan(num) & (num == np.round(num))
            return pd.arrays.IntegerArray(np.where(ok, num, 0).astype("int64"), ~ok)
        return num
    if kind == "boolean":
        low = u.str.casefold()
        true_u = low.isin(TRUE_SPELLINGS).to_numpy()
        false_u = low.isin(FALSE_SPELLINGS).to_numpy()
        bad_u = ~(true_u | false_u | blank_u)
        if bad_u.any():
            ctx.cell_errors(
                bad_u[codes],
                values,
                rule="bad_boolean",
                column=col.name,
                message=f"'{col.name}' must be yes/no (true/false, y/n or 1/0 also accepted)",
                fix="enter yes or no (leave blank only where allowed)",
            )
        return pd.arrays.BooleanArray(true_u[codes], ~(true_u | false_u)[codes])
    if kind in ("category", "region", "raa"):
        assert vocab is not None
        categories = list(vocab.values)
        if col.blank_label:
            categories.append(col.blank_label)
        pos = {v: i for i, v in enumerate(categories)}
        canon_u = [vocab.canonical(x) if x else None for x in u]
        cat_u = np.array([pos[c] if c is not None else -1 for c in canon_u], dtype="int64")
        bad_u = (cat_u < 0) & ~blank_u
        if bad_u.any():
            rule = {"region": "unknown_region", "raa": "unknown_raa"}.get(
                kind, f"unknown_{col.vocab_name}"
            )
            noun = {"region": "pan-region", "raa": "RAA"}.get(kind, f"{col.name} value")
            ctx.cell_errors(
                bad_u[codes],
                values,
                rule=rule,
                column=col.name,
                message=lambda v, noun=noun: f"unknown {noun}{_did_you_mean(v, vocab.values)}",
                fix=(
                    f"use a name from the {col.vocab_name} list ({vocab.source})"
                    + (
                        ", or map your spelling in a therapy_type_map.csv beside the data file"
                        if col.vocab_name == "therapy_type"
                        else ""
                    )
                ),
            )
        if col.blank_label:
            cat_u = np.where(blank_u, pos[col.blank_label], cat_u)
        return pd.Categorical.from_codes(cat_u[codes], categories=categories)
    if kind == "date":
        dt_u = _parse_date(u)
        bad_u = dt_u.isna().to_numpy() & ~blank_u
        if bad_u.any():
            ctx.cell_errors(
                bad_u[codes],
                values,
                rule="bad_date",
                column=col.name,
                message=f"'{col.name}' is not a date",
                fix="write dates as YYYY-MM-DD (or DD/MM/YYYY)",
            )
        return pd.DatetimeIndex(dt_u.to_numpy()[codes]).as_unit("ns")
    if kind == "financial_year":
        canon_u, _ = _parse_fy(u)
        bad_u = (canon_u == "") & ~blank_u
        if bad_u.any():
            ctx.cell_errors(
                bad_u[codes],
                values,
                rule="bad_financial_year",
                column=col.name,
                message=f"'{col.name}' must be a financial year written YYYY/YY",
                fix="write e.g. 2018/19 (the second year is the first plus one)",
            )
        present = sorted(set(canon_u) - {""})
        pos = {v: i for i, v in enumerate(present)}
        cat_u = np.array([pos.get(c, -1) for c in canon_u], dtype="int64")
        return pd.Categorical.from_codes(cat_u[codes], categories=present, ordered=True)
    raise ValueError(f"unknown column type {kind!r}")  # pragma: no cover


def _check_range(num: np.ndarray, values: np.ndarray, col: ColumnSpec, ctx: _Ctx) -> None:
    with np.errstate(invalid="ignore"):
        low = np.zeros(num.shape, dtype=bool)
        if col.min is not None:
            low = (num <= col.min) if col.min_exclusive else (num < col.min)
        high = (num > col.max) if col.max is not None else np.zeros(num.shape, dtype=bool)
    if not (low.any() or high.any()):
        return
    if col.type == "money" and col.min == 0:
        ctx.cell_errors(
            low,
            values,
            rule="negative_amount",
            column=col.name,
            message=f"'{col.name}' is negative",
            fix="amounts must be 0 or more; check the sign",
        )
        low = np.zeros(num.shape, dtype=bool)
    lo = f"more than {col.min:g}" if col.min_exclusive else f"at least {col.min:g}"
    rng = " and ".join(
        p
        for p in ([lo] if col.min is not None else [])
        + ([f"at most {col.max:g}"] if col.max is not None else [])
    )
    ctx.cell_errors(
        low | high,
        values,
        rule="out_of_range",
        column=col.name,
        message=f"'{col.name}' must be {rng}",
        fix=f"correct the value (allowed: {rng})",
    )


def _check_unique_ids(s: pd.Series, column: str, ctx: _Ctx) -> None:
    dup = s.duplicated(keep="first").to_numpy() & s.notna().to_numpy()
    if not dup.any():
        return
    first_row = (
        pd.Series(ctx.rows, index=s.index).groupby(s.to_numpy(), sort=False).transform("first")
    )
    firsts = first_row.to_numpy()
    idx = np.flatnonzero(dup)
    vals = s.to_numpy(dtype=object)
    ctx.errors.extend(
        Problem(
            ctx.file,
            "duplicate_id",
            f"'{column}' must be unique; this id is also on row {int(firsts[i])}",
            "give every row its own id, or remove the duplicate row",
            ctx.sheet,
            int(ctx.rows[i]),
            column,
            str(vals[i]),
        )
        for i in idx
    )


# ------------------------------------------------------------------------------------ rules
def _rule_raa_in_region(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    if not {"raa", "region"} <= set(df.columns):
        return
    home = raa_regions()
    expected = df["raa"].map(home).astype(object)
    region = df["region"].astype(object)
    bad = (expected.notna() & region.notna() & (expected != region)).to_numpy()
    if bad.any():
        ctx.cell_errors(
            bad,
            df["raa"].astype(object).to_numpy(),
            rule="raa_region_mismatch",
            column="raa",
            message=lambda v: f"this RAA belongs to the {home[v]} pan-region, not the row's region",
            fix="correct the region or the RAA (see data/raw/published/reference/pan_regions_raas.csv)",
        )


def _rule_age_order(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    cols = rule["columns"]
    if not set(cols) <= set(df.columns):
        return
    a, b, c = (df[x].to_numpy(dtype="float64") for x in cols)
    with np.errstate(invalid="ignore"):
        ab = a > b
        bc = b > c
        ac = np.isnan(b) & (a > c)
    for mask, later, earlier in (
        (ab, cols[1], cols[0]),
        (bc, cols[2], cols[1]),
        (ac, cols[2], cols[0]),
    ):
        ctx.cell_errors(
            mask,
            df[later].to_numpy(dtype=object),
            rule="age_order",
            column=later,
            message=f"'{later}' is lower than '{earlier}' (ages must run {' <= '.join(cols)})",
            fix="check both ages; entry to care comes before placement, which comes before now",
        )


def _rule_consecutive_fy(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    if "financial_year" not in df.columns:
        return
    present = [c for c in df["financial_year"].cat.categories if (df["financial_year"] == c).any()]
    starts = sorted(int(c[:4]) for c in present)
    if len(starts) < 2:
        return
    missing = sorted(set(range(starts[0], starts[-1] + 1)) - set(starts))
    if missing:
        names = ", ".join(f"{s}/{(s + 1) % 100:02d}" for s in missing)
        ctx.error(
            "financial_years_not_consecutive",
            f"the file covers {present[0]} to {present[-1]} but has no packages in {names}",
            "add the missing year(s) or split the file so each covers an unbroken run of years",
            column="financial_year",
        )


def _rule_category_change(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    if not {"therapy_type", "financial_year"} <= set(df.columns):
        return
    change = pd.Timestamp(rule["change_date"])
    change_fy = change.year if change.month >= 4 else change.year - 1
    fy_cat = df["financial_year"].cat
    start = np.append([int(c[:4]) for c in fy_cat.categories], -1)[fy_cat.codes.to_numpy()]
    th_cat = df["therapy_type"].cat
    th_codes = th_cat.codes.to_numpy()
    therapy = None
    date = df["date_approved"].to_numpy() if "date_approved" in df.columns else None
    for label, before in ((rule["added"], True), (rule["removed"], False)):
        if label not in th_cat.categories:
            continue
        is_cat = th_codes == th_cat.categories.get_loc(label)
        bad = is_cat & (start >= 0) & ((start < change_fy) if before else (start > change_fy))
        if date is not None:
            bad |= is_cat & ~pd.isna(date) & ((date < change) if before else (date >= change))
        if bad.any():
            therapy = df["therapy_type"].astype(object).to_numpy() if therapy is None else therapy
            when = "before" if before else "on or after"
            ctx.cell_errors(
                bad,
                therapy,
                rule="therapy_category_change",
                column="therapy_type",
                message=f"'{label}' packages cannot be funded {when} {change:%B %Y} "
                "(ASGSF service categories changed then)",
                fix="check the therapy type and the financial year / approval date",
            )


def _rule_period_order(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    start, end = rule["columns"]
    if not {start, end} <= set(df.columns):
        return
    bad = (df[start] > df[end]).to_numpy()
    ctx.cell_errors(
        bad,
        df[end].astype(str).to_numpy(dtype=object),
        rule="period_order",
        column=end,
        message=f"'{end}' is before '{start}'",
        fix="swap or correct the period dates",
    )


def count_basis_from_dates(start: pd.Series, end: pd.Series) -> np.ndarray:
    """What a count without a stated basis is read as: 'snapshot' for a one-day period, else 'period'.

    Used for open-case files made before `count_basis` existed (and by analyses given such frames).
    """
    one_day = (start.to_numpy() == end.to_numpy()) & start.notna().to_numpy()
    return np.where(one_day, "snapshot", "period").astype(object)


def _rule_count_basis(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    """`count_basis` agrees with the dates; when the (optional) column is absent, derive it."""
    col = rule["column"]
    start, end = rule["columns"]
    if not {start, end} <= set(df.columns):
        return
    if col not in df.columns:
        derived = count_basis_from_dates(df[start], df[end])
        categories = list(get_vocabulary(rule.get("vocabulary", col)).values)
        df.insert(df.columns.get_loc(end) + 1, col, pd.Categorical(derived, categories=categories))
        n_snapshot = int((derived == "snapshot").sum())
        ctx.warn(
            "count_basis_derived",
            f"no '{col}' column: {len(df) - n_snapshot} row(s) read as 'period' ({start} before "
            f"{end}) and {n_snapshot} as 'snapshot' ({start} = {end})",
            f"add a '{col}' column saying 'period' (every case open in the period) or "
            "'snapshot' (the cases open on one date) on every row",
            column=col,
        )
        return
    basis = df[col].astype(object).to_numpy()
    dated = (df[start].notna() & df[end].notna()).to_numpy()
    one_day = dated & (df[start] == df[end]).to_numpy()
    longer = dated & (df[end] > df[start]).to_numpy()
    ctx.cell_errors(
        (basis == "snapshot") & longer,
        df[end].astype(str).to_numpy(dtype=object),
        rule="snapshot_not_one_day",
        column=end,
        message=f"a snapshot counts the cases open on one date, so '{end}' must equal '{start}'",
        fix=f"set {start} and {end} both to the snapshot date, or set {col} to 'period' if the "
        "count covers every case open between the two dates",
    )
    ctx.cell_errors(
        (basis == "period") & one_day,
        basis,
        rule="period_is_one_day",
        column=col,
        message=f"a count over one day is a snapshot, but '{col}' says period",
        fix=f"set {col} to 'snapshot', or correct {start} / {end} to the reporting period",
    )


def _rule_band_children_only(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    if not {"recipient_group", "child_age_band"} <= set(df.columns):
        return
    child = (df["recipient_group"] == "children").to_numpy()
    group_known = df["recipient_group"].notna().to_numpy()
    band = df["child_age_band"].notna().to_numpy()
    vals = df["child_age_band"].astype(object).to_numpy()
    ctx.cell_errors(
        band & ~child & group_known,
        vals,
        rule="age_band_not_children",
        column="child_age_band",
        message="'child_age_band' is only for the 'children' recipient group",
        fix="leave child_age_band blank for adults, parents and birth families",
    )
    ctx.cell_errors(
        ~band & child,
        vals,
        rule="missing_age_band",
        column="child_age_band",
        message="rows for children need a 'child_age_band'",
        fix="enter the age band, or 'not reported' if it is not known",
    )


def _rule_unique_key(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    cols = rule["columns"]
    if not set(cols) <= set(df.columns):
        return
    key = df[cols].astype(object)
    dup = key.duplicated(keep="first").to_numpy()
    if dup.any():
        first = (
            pd.Series(ctx.rows)
            .groupby([key[c].fillna("").astype(str).to_numpy() for c in cols], sort=False)
            .transform("first")
            .to_numpy()
        )
        idx = np.flatnonzero(dup)
        ctx.errors.extend(
            Problem(
                ctx.file,
                "duplicate_row",
                f"the combination of {', '.join(cols)} must be unique; "
                f"it is also on row {int(first[i])}",
                "merge or remove the duplicate row",
                ctx.sheet,
                int(ctx.rows[i]),
                cols[0],
                None,
            )
            for i in idx
        )


RULES: dict[str, Callable[[pd.DataFrame, dict[str, Any], _Ctx], None]] = {
    "raa_in_region": _rule_raa_in_region,
    "age_order": _rule_age_order,
    "consecutive_financial_years": _rule_consecutive_fy,
    "therapy_category_change": _rule_category_change,
    "period_order": _rule_period_order,
    "count_basis": _rule_count_basis,
    "child_age_band_children_only": _rule_band_children_only,
    "unique_key": _rule_unique_key,
}


# ------------------------------------------------------------------------------------- main
def check_table(
    raw: pd.DataFrame,
    spec: DatasetSpec,
    *,
    file: str,
    sheet: str | None = None,
    vocabularies: dict[str, Vocabulary] | None = None,
) -> CheckResult:
    """Check a text table (every cell a str) against `spec`; return a typed frame or problems."""
    vocabularies = dict(vocabularies or {})
    ctx = _Ctx(file, sheet, np.empty(0, dtype="int64"))
    df = _match_headers(raw.reset_index(drop=True), spec, ctx)
    if df.shape[1]:
        nonblank = np.zeros(len(df), dtype=bool)
        for c in df.columns:
            nonblank |= (df[c] != "").to_numpy(dtype=bool, na_value=False)
        blank_rows = int((~nonblank).sum())
        df = df[nonblank]
        if blank_rows and nonblank.any():
            ctx.warn(
                "blank_rows_skipped",
                f"{blank_rows} completely blank row(s) were skipped",
                "delete blank rows",
            )
    ctx.rows = df.index.to_numpy(dtype="int64") + 2
    if len(df) == 0:
        ctx.error(
            "no_data_rows",
            "the table has a header but no data rows",
            "add the data below the header row (or remove this file / sheet)",
        )
        return CheckResult(spec.name, file, sheet, None, ctx.errors, ctx.warnings)
    typed: dict[str, Any] = {}
    for col in spec.columns:
        if col.name not in df.columns:
            continue
        vocab = None
        if col.vocab_name:
            vocab = vocabularies.get(col.vocab_name) or get_vocabulary(col.vocab_name)
        typed[col.name] = _check_column(df[col.name], col, vocab, ctx)
    frame = pd.DataFrame(typed, index=pd.RangeIndex(len(df)))
    for rule in spec.rules:
        RULES[rule["rule"]](frame, rule, ctx)
    ok = not ctx.errors
    errors = sorted(
        ctx.errors, key=lambda p: -1 if p.row is None else p.row
    )  # stable: column order kept
    return CheckResult(spec.name, file, sheet, frame if ok else None, errors, ctx.warnings)


def empty_frame(spec: DatasetSpec) -> pd.DataFrame:
    """A typed frame with no rows (used for dtype contracts)."""
    raw = pd.DataFrame({c: pd.Series([], dtype=object) for c in spec.column_names})
    ctx = _Ctx("<empty>", None, np.empty(0, dtype="int64"))
    typed = {}
    for col in spec.columns:
        vocab = get_vocabulary(col.vocab_name) if col.vocab_name else None
        typed[col.name] = _check_column(raw[col.name], col, vocab, ctx)
    return pd.DataFrame(typed)


def normalise_key(value: str) -> str:
    """Re-export of the vocabulary matching key (for callers building mapping tables)."""
    return match_key(value)
