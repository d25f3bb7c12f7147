"""Vectorised validation and typing of a text table against a data set spec.

Every cell is checked once per distinct value (pd.factorize), so a million-row file costs little
more than reading it. Every problem is collected (never just the first), with the spreadsheet row
number (header = row 1), column, offending value, rule and a suggested fix.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nps_analysis.datasets.reading import FORMULA_MARK, column_letter
from nps_analysis.datasets.spec import (
    FALSE_SPELLINGS,
    TRUE_SPELLINGS,
    ColumnSpec,
    DatasetSpec,
    Vocabulary,
    get_vocabulary,
    header_key,
    match_key,
    raa_regions,
)
from nps_analysis.errors import InputDataError, Problem

FY_PATTERN = re.compile(r"^(\d{4})\s*[/\-]\s*(\d{2}|\d{4})$")
#: Excel and LibreOffice error values, as a cell or its CSV export holds them.
EXCEL_ERROR = re.compile(
    r"#(N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA|FIELD!|BLOCKED!|"
    r"CONNECT!|BUSY!|UNKNOWN!)|Err:\d{3}",
    re.IGNORECASE,
)
#: A whole cell saying the row is a total ('Total', 'Grand total', 'Subtotal', 'Sum').
TOTALS_CELL = re.compile(r"(grand\s*|sub\s*-?\s*)?(totals?|sum)\s*:?", re.IGNORECASE)
#: Numbers: plain (1234.5, 1e12), with thousands commas (1,234.50), with a decimal comma.
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+|[+-]?\d{1,3}(?:\.\d{3})+,\d+|[+-]?\d{1,3}(?:\.\d{3}){2,}")
SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
#: Values longer than this get no 'did you mean' (difflib is quadratic in the length).
MAX_SUGGEST_LENGTH = 100


@dataclass
class CheckResult:
    """The outcome of checking one table: a typed frame (when clean) and every problem found."""

    dataset: str
    file: str
    sheet: str | None
    frame: pd.DataFrame | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: np.ndarray | None = None  # spreadsheet row number of each frame row
    skipped: str | None = None  # why a sheet or file was not read (template help, empty, ...)
    notes: list[Problem] = field(default_factory=list)  # facts needing no fix (separator used)


@dataclass
class _Ctx:
    file: str
    sheet: str | None
    rows: np.ndarray  # spreadsheet row number of each data row
    separator: str = ","
    exact_spellings: bool = False  # category values must be written as their canonical value
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


@dataclass(frozen=True)
class _Cells:
    """One column's cells: row i holds `values[i]`, the distinct text at position `codes[i]`."""

    ctx: _Ctx
    column: str
    codes: np.ndarray
    values: np.ndarray

    def flag(
        self, bad_u: np.ndarray, rule: str, message: str | Callable[[str], str], fix: str
    ) -> None:
        """One problem per row whose distinct text is True in `bad_u`."""
        self.ctx.cell_errors(
            bad_u[self.codes], self.values, rule=rule, column=self.column, message=message, fix=fix
        )


def close_matches(value: str, choices: list[str] | tuple[str, ...], n: int = 3) -> list[str]:
    """Known names that look like `value` (difflib), compared on matching keys."""
    if len(value) > MAX_SUGGEST_LENGTH:
        return []
    keyed = {match_key(c): c for c in choices}
    hits = difflib.get_close_matches(match_key(value), list(keyed), n=n, cutoff=0.6)
    initials = [c for c in choices if _initials(c) == value.strip().casefold()]
    return list(dict.fromkeys(initials + [keyed[h] for h in hits]))[:n]


def _initials(name: str) -> str:
    """'North West' -> 'nw', 'Yorkshire & Humber' -> 'yh' (abbreviations get a suggestion)."""
    words = [w for w in re.split(r"[\s&/\-]+", name) if w and w.casefold() != "and"]
    return "".join(w[0] for w in words).casefold() if len(words) > 1 else ""


def _did_you_mean(value: str, choices: tuple[str, ...]) -> str:
    hits = close_matches(value, choices)
    return f"; did you mean {' or '.join(repr(h) for h in hits)}?" if hits else ""


# ---------------------------------------------------------------------------------- headers
def _match_headers(
    raw: pd.DataFrame, headers: list[str], spec: DatasetSpec, ctx: _Ctx, merged: list[str]
) -> pd.DataFrame:
    """Rename headers to spec names; report missing, duplicated, blank and extra columns."""
    wanted = {header_key(c): c for c in spec.column_names}
    rename: dict[Any, str] = {}
    seen: dict[str, str] = {}
    extra: list[str] = []
    unnamed: list[str] = []  # letters of columns with data but no header
    for j, text in zip(raw.columns, headers, strict=True):
        text = str(text)
        if not text.strip() or text.startswith("Unnamed:"):
            if raw[j].astype(str).str.strip().astype(bool).any():
                unnamed.append(column_letter(int(j)))
            continue  # a blank header over a blank column: ignore
        target = wanted.get(header_key(text))
        if target is None:
            extra.append(text)
            continue
        if target in seen:
            ctx.error(
                "duplicate_column",
                f"column '{target}' appears more than once (headers {seen[target]!r} and {text!r})",
                "delete or rename one of the two columns",
                column=target,
            )
            continue
        seen[target] = text
        rename[j] = target
        if text != target:
            ctx.warn(
                "header_normalised",
                f"header {text!r} read as '{target}' "
                "(surrounding spaces, case or inner spacing differ)",
                f"rename the header to exactly '{target}'",
                column=target,
            )
    for rng in merged:
        ctx.error(
            "merged_header",
            f"header cells {rng} are merged, so the columns under them have no header of their own",
            "unmerge the header cells and give every column its own header, as in the template",
            row=1,
        )
    missing = [c for c in spec.required_columns if c not in seen]
    no_header = (
        f"; column(s) {', '.join(unnamed)} have data but no header (merged or blank header cells?)"
        if unnamed
        else ""
    )
    for col in missing:
        hits = difflib.get_close_matches(
            header_key(col), [header_key(e) for e in extra], n=2, cutoff=0.6
        )
        hint = f"; a column headed {' or '.join(repr(h) for h in hits)} may be it" if hits else ""
        ctx.error(
            "missing_column",
            f"required column '{col}' is missing{hint}{no_header}",
            f"add a column headed '{col}' (see docs/data-dictionary.md)",
            column=col,
        )
    if unnamed and not missing and not merged:
        ctx.warn(
            "blank_header",
            f"column(s) {', '.join(unnamed)} have data but no header; they were ignored",
            "give the column a header, or delete it",
        )
    if extra:
        ctx.warn(
            "extra_columns",
            f"{len(extra)} column(s) not in the {spec.name} spec were ignored: "
            f"{', '.join(repr(e) for e in extra)}",
            "remove them or check their spelling",
        )
    return raw[list(rename)].rename(columns=rename)


def _totals_rows(raw: pd.DataFrame) -> np.ndarray:
    """Rows (positions) where a whole cell says 'Total', 'Grand total', 'Subtotal' or 'Sum'."""
    hit = np.zeros(len(raw), dtype=bool)
    for j in raw.columns:
        codes, uniq = pd.factorize(raw[j], use_na_sentinel=True)
        text = pd.Series(np.asarray(uniq, dtype=object), dtype=object).astype(str).str.strip()
        is_total = np.append(text.str.fullmatch(TOTALS_CELL).to_numpy(dtype=bool), False)
        hit |= is_total[np.where(codes < 0, len(text), codes)]
    return hit


# ---------------------------------------------------------------------------------- columns
def _parse_number(u: pd.Series, money: bool, separator: str) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of unique texts `u`, and why each unparsed one failed: '' (parsed or blank),
    'decimal_comma', 'ambiguous_number' or 'not_a_number'.

    Accepted: plain numbers (1234.5, 1e12); thousands commas where unambiguous (1,234.50, and
    1,234 unless the file is semicolon-separated, where the comma is the decimal mark); money may
    carry '£' / 'GBP' and spaces between digit groups. Refused with their own rule: decimal commas
    (2,50; 1.234,50) and commas in other places (1,234,50).
    """
    s = u.str.strip()
    pound = np.zeros(len(s), dtype=bool)
    if money:
        parts = s.str.extract(r"^([+-]?)\s*(£|GBP)?\s*(.*)$", flags=re.IGNORECASE)
        pound = parts[1].notna().to_numpy()
        s = parts[0].fillna("") + parts[2].fillna("").str.replace(
            r"[\s\u00a0\u202f]", "", regex=True
        )
    plain = s.str.fullmatch(PLAIN_NUMBER).to_numpy(dtype=bool)
    grouped = s.str.fullmatch(GROUPED_NUMBER).to_numpy(dtype=bool)
    has_point = s.str.contains(".", regex=False).to_numpy(dtype=bool)
    ambiguous_group = grouped & ~has_point & ~pound & (separator == ";")
    ok = plain | (grouped & ~ambiguous_group)
    text = s.where(plain, s.str.replace(",", "", regex=False)).where(ok)
    num = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
    num[~np.isfinite(num)] = np.nan
    decimal = s.str.fullmatch(DECIMAL_COMMA).to_numpy(dtype=bool) & ~grouped
    comma = s.str.contains(",", regex=False).to_numpy(dtype=bool)
    reason = np.full(len(s), "", dtype=object)
    reason[np.isnan(num) & (s != "").to_numpy()] = "not_a_number"
    reason[~ok & comma & ~decimal] = "ambiguous_number"
    reason[ambiguous_group] = "ambiguous_number"
    reason[~ok & decimal] = "decimal_comma"
    return num, reason


def _number_message(column: str, separator: str) -> Callable[[str], str]:
    def message(value: str) -> str:
        if separator == ";" and GROUPED_NUMBER.fullmatch(value.strip()):
            return (
                f"'{column}' is ambiguous in a semicolon-separated file, where the comma is the "
                "decimal mark: it may be a whole number with a thousands comma or a decimal"
            )
        return f"'{column}' has commas that are not thousands separators (groups of three digits)"

    return message


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


def _special_cells(u: pd.Series, blank_u: np.ndarray, cells: _Cells) -> np.ndarray:
    """Report Excel error values and formulas without a saved result; their unique positions."""
    error_u = u.str.fullmatch(EXCEL_ERROR).to_numpy(dtype=bool) & ~blank_u
    formula_u = (u.str.startswith(FORMULA_MARK) & (u.str.len() > 1)).to_numpy(dtype=bool)
    cells.flag(
        error_u,
        rule="excel_error_value",
        message="the cell holds a spreadsheet error value, not data (the formula behind it failed)",
        fix="correct the formula or type the value in; then save again",
    )
    cells.flag(
        formula_u,
        rule="formula_without_value",
        message="the cell holds a formula with no saved result (the program that wrote the "
        "file did not calculate it)",
        fix="open the file in Excel or LibreOffice (it calculates the formula) and save it "
        "again, or paste the values over the formulas",
    )
    return error_u | formula_u


def _check_column(s: pd.Series, col: ColumnSpec, vocab: Vocabulary | None, ctx: _Ctx) -> Any:
    """Check one column; return its typed values (NA where blank or invalid)."""
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    u = pd.Series(np.asarray(uniq, dtype=object), dtype=object).astype(str).str.strip()
    blank_u = (u == "").to_numpy()
    codes = np.where(codes < 0, len(u), codes)  # NaN-like cells (not expected) count as blank
    blank_u = np.append(blank_u, True)
    u = pd.concat([u, pd.Series([""])], ignore_index=True)
    values = u.to_numpy(dtype=object)[codes]
    cells = _Cells(ctx, col.name, codes, values)
    special_u = _special_cells(u, blank_u, cells)
    u = u.where(~special_u, "")
    blank_u = blank_u | special_u
    if not col.nullable:
        cells.flag(
            blank_u & ~special_u,
            rule="missing_value",
            message=f"'{col.name}' is blank but must be filled in",
            fix=f"enter a value for '{col.name}' on every row",
        )
    kind = col.type
    if kind in ("id", "string"):
        if col.max_length is not None:
            lengths = u.str.len().to_numpy()
            long_u = lengths > col.max_length
            cells.flag(
                long_u,
                rule="text_too_long",
                message=lambda v: (
                    f"'{col.name}' is {len(v):,} characters long; the limit is "
                    f"{col.max_length:,} (longer than any real value: see the data dictionary)"
                ),
                fix="check the cell: a whole column or file pasted into one cell?",
            )
        arr = pd.array(
            np.where(blank_u, None, u.to_numpy(dtype=object))[codes],  # type: ignore[call-overload]
            dtype="string",
        )
        if col.unique:
            _check_unique_ids(pd.Series(arr), col.name, ctx)
        return arr
    if kind in ("number", "integer", "money"):
        num_u, reason_u = _parse_number(u, kind == "money", ctx.separator)
        reason_u = np.where(blank_u, "", reason_u)
        if col.plain_number:
            grouped_u = u.str.strip().str.fullmatch(GROUPED_NUMBER).to_numpy(dtype=bool)
            cells.flag(
                grouped_u,
                rule="thousands_separator",
                message=f"'{col.name}' has a thousands separator",
                fix="write a plain number without commas, currency or % signs (the printed form "
                "belongs in value_as_printed)",
            )
            num_u = np.where(grouped_u, np.nan, num_u)
        cells.flag(
            reason_u == "decimal_comma",
            rule="decimal_comma",
            message=f"'{col.name}' uses a comma as the decimal mark (or full stops between "
            "thousands), as a European number format writes it",
            fix="write numbers with a full stop as the decimal mark and no thousands "
            "separators (e.g. 2.50, 1234.50); in Excel set File > Options > Advanced > decimal "
            "separator '.' before saving, or correct the cells",
        )
        cells.flag(
            reason_u == "ambiguous_number",
            rule="ambiguous_number",
            message=_number_message(col.name, ctx.separator),
            fix="write the number plainly, without commas (e.g. 1234 or 1234.50)",
        )
        cells.flag(
            reason_u == "not_a_number",
            rule="not_a_number",
            message=f"'{col.name}' must be a number",
            fix="enter a plain number (no words or units)"
            + ("; '£' and thousands commas are accepted" if kind == "money" else ""),
        )
        num = num_u[codes]
        if kind == "integer":
            frac = ~np.isnan(num_u) & (num_u != np.round(num_u))
            cells.flag(
                frac,
                rule="not_a_whole_number",
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
        cells.flag(
            bad_u,
            rule="bad_boolean",
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
            cells.flag(
                bad_u,
                rule=rule,
                message=lambda v: f"unknown {noun}{_did_you_mean(v, vocab.values)}",
                fix=(
                    f"use a name from the {col.vocab_name} list ({vocab.source})"
                    + (
                        ", or map your spelling in a therapy_type_map.csv beside the data file"
                        if col.vocab_name == "therapy_type"
                        else ""
                    )
                ),
            )
        if ctx.exact_spellings:
            respelt_u = np.array(
                [c is not None and c != x for c, x in zip(canon_u, u, strict=True)], dtype=bool
            )
            cells.flag(
                respelt_u,
                rule="spelling_not_canonical",
                message=lambda v: f"'{col.name}' must be written exactly {vocab.canonical(v)!r}",
                fix=f"use the spelling of the {col.vocab_name} list ({vocab.source})",
            )
        if col.blank_label:
            cat_u = np.where(blank_u, pos[col.blank_label], cat_u)
        return pd.Categorical.from_codes(cat_u[codes], categories=categories)
    if kind == "date":
        dt_u = _parse_date(u)
        order = _slash_date_order(u)
        us_u = order == "month_first"
        bad_u = dt_u.isna().to_numpy() & ~blank_u & ~us_u
        if us_u.any():
            cells.flag(
                us_u,
                rule="month_first_date",
                message=f"'{col.name}' has dates written month first (US style, e.g. "
                "09/30/2023), so dates like 10/01/2022 in it cannot be read safely",
                fix="write dates as YYYY-MM-DD (or DD/MM/YYYY, day first); in LibreOffice set "
                "the cells' format or locale to English (UK) before saving",
            )
            dt_u = dt_u.where(~us_u)
        cells.flag(
            bad_u,
            rule="bad_date",
            message=f"'{col.name}' is not a date",
            fix="write dates as YYYY-MM-DD (or DD/MM/YYYY)",
        )
        return pd.DatetimeIndex(dt_u.to_numpy()[codes]).as_unit("ns")
    if kind == "financial_year":
        fy_u, _ = _parse_fy(u)
        bad_u = (fy_u == "") & ~blank_u
        cells.flag(
            bad_u,
            rule="bad_financial_year",
            message=f"'{col.name}' must be a financial year written YYYY/YY",
            fix="write e.g. 2018/19 (the second year is the first plus one)",
        )
        present = sorted(set(fy_u) - {""})
        pos = {v: i for i, v in enumerate(present)}
        cat_u = np.array([pos.get(c, -1) for c in fy_u], dtype="int64")
        return pd.Categorical.from_codes(cat_u[codes], categories=present, ordered=True)
    raise ValueError(f"unknown column type {kind!r}")  # pragma: no cover


def _slash_date_order(u: pd.Series) -> np.ndarray:
    """Per unique text: 'month_first' for every d/m/yyyy date of a column that holds a date only
    readable month first (e.g. 09/30/2023): its ambiguous dates (10/01/2022) are unsafe too."""
    parts = u.str.extract(SLASH_DATE)
    first = pd.to_numeric(parts[0], errors="coerce").to_numpy()
    second = pd.to_numeric(parts[1], errors="coerce").to_numpy()
    slash = ~np.isnan(first)
    with np.errstate(invalid="ignore"):
        month_first = slash & (second > 12) & (first <= 12)
        day_first = slash & (first > 12) & (second <= 12)
    out = np.full(len(u), "", dtype=object)
    if month_first.any() and not day_first.any():
        out[slash & ~(first > 12)] = "month_first"
    elif month_first.any():
        out[month_first] = "month_first"
    return out


def _fmt(x: float) -> str:
    """A limit as written in messages: 1,000,000 not 1e+06."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def _check_plausible(num: np.ndarray, col: ColumnSpec, ctx: _Ctx) -> None:
    """Warn (once per column, with the first rows) about values above the plausible limit."""
    if col.plausible_max is None:
        return
    with np.errstate(invalid="ignore"):
        high = num > col.plausible_max
    if high.any():
        rows = ctx.rows[np.flatnonzero(high)].tolist()
        listed = ", ".join(str(r) for r in rows[:5]) + (
            f" and {len(rows) - 5:,} more" if len(rows) > 5 else ""
        )
        ctx.warn(
            "implausible_value",
            f"{len(rows):,} row(s) have '{col.name}' above {_fmt(col.plausible_max)} "
            f"({col.plausible_reason}): rows {listed}",
            "check these values (e.g. pence entered as pounds, a total, a typing slip); if they "
            "are right, nothing to do",
            column=col.name,
        )


def _check_range(num: np.ndarray, values: np.ndarray, col: ColumnSpec, ctx: _Ctx) -> None:
    _check_plausible(num, col, ctx)
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
    lo = (
        (f"more than {_fmt(col.min)}" if col.min_exclusive else f"at least {_fmt(col.min)}")
        if col.min is not None
        else ""
    )
    rng = " and ".join(
        p
        for p in ([lo] if col.min is not None else [])
        + ([f"at most {_fmt(col.max)}"] if col.max is not None else [])
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
            .groupby(
                [key[c].astype(str).where(key[c].notna(), "").to_numpy() for c in cols], sort=False
            )
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


def _rule_pattern(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    """Every non-blank value of `column` matches the regular expression `pattern`."""
    col = rule["column"]
    if col not in df.columns:
        return
    text = df[col].astype(object)
    bad = (text.notna() & ~text.astype(str).str.fullmatch(rule["pattern"])).to_numpy(dtype=bool)
    ctx.cell_errors(
        bad,
        text.to_numpy(dtype=object),
        rule=f"{col}_pattern",
        column=col,
        message=f"'{col}' must match {rule['pattern']}",
        fix=rule["fix"],
    )


_Rule = Callable[[pd.DataFrame, dict[str, Any], _Ctx], None]


def _needs(*columns: str) -> Callable[[_Rule], _Rule]:
    """A rule that runs only when the frame has `columns` (a missing one is reported already)."""

    def wrap(check: _Rule) -> _Rule:
        @functools.wraps(check)
        def rule(df: pd.DataFrame, params: dict[str, Any], ctx: _Ctx) -> None:
            if set(columns) <= set(df.columns):
                check(df, params, ctx)

        return rule

    return wrap


def _text(df: pd.DataFrame, column: str) -> pd.Series:
    """A string column with blanks as ''."""
    return df[column].astype(object).fillna("").astype(str)


def _row_check(
    df: pd.DataFrame,
    ctx: _Ctx,
    bad: pd.Series | np.ndarray,
    *,
    rule: str,
    column: str,
    message: str,
    fix: str,
) -> None:
    """Report the rows where `bad` is True against `column` (the cell an analyst should fix)."""
    ctx.cell_errors(
        np.asarray(bad, dtype=bool),
        df[column].astype(object).where(df[column].notna(), "").to_numpy(dtype=object),
        rule=rule,
        column=column,
        message=message,
        fix=fix,
    )


@_needs("value_as_printed", "source_text")
def _rule_printed_in_source(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    printed, source = _text(df, "value_as_printed"), _text(df, "source_text")
    found = [t.find(v) >= 0 for v, t in zip(printed, source, strict=True)]
    _row_check(
        df,
        ctx,
        ~np.array(found, dtype=bool),
        rule="value_as_printed_in_source_text",
        column="value_as_printed",
        message="value_as_printed must appear verbatim in source_text",
        fix="copy value_as_printed exactly as it appears in source_text (same digits, commas, "
        "% sign)",
    )


#: A printed figure that is a plain numeral (£ and % allowed); words like 'five' are not checked.
PRINTED_NUMERAL = r"^£?\d[\d,]*(\.\d+)?%?$|^\.\d+$"


@_needs("value_as_printed", "value")
def _rule_value_agrees_with_printed(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    printed = _text(df, "value_as_printed")
    plain = printed.str.fullmatch(PRINTED_NUMERAL)
    number = pd.to_numeric(
        printed.str.replace(r"[£,%]", "", regex=True).where(plain), errors="coerce"
    )
    agrees = ~plain | (number - df["value"].abs()).abs().lt(1e-9)
    _row_check(
        df,
        ctx,
        ~agrees,
        rule="value_agrees_with_printed_numeral",
        column="value",
        message="value must equal the number printed in value_as_printed",
        fix="make value the printed number (sign aside), or correct value_as_printed",
    )


@_needs("value", "unit")
def _rule_value_blank_iff_unit_none(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    unit = df["unit"].astype(object)
    bad = (df["value"].isna() != (unit == "none")) & unit.notna()
    _row_check(
        df,
        ctx,
        bad,
        rule="value_blank_only_when_unit_none",
        column="value",
        message="value may be blank only for qualitative rows (unit 'none')",
        fix="give a numeric value, or set unit to 'none' for a qualitative row",
    )


@_needs("value", "unit")
def _rule_percent_in_range(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    low, high = rule["min"], rule["max"]
    bad = (df["unit"].astype(object) == "percent") & ~df["value"].between(low, high)
    _row_check(
        df,
        ctx,
        bad & df["value"].notna(),
        rule="percent_in_range",
        column="value",
        message=f"percent values must lie between {_fmt(low)} and {_fmt(high)}",
        fix="check the value: a percentage, not a count or a fraction?",
    )


def _rule_version_date(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    """Every date in `column` falls on `month`-`day` (e.g. reorganisations start on 1 April)."""
    col, month, day = rule["column"], rule["month"], rule["day"]
    if col not in df.columns:
        return
    dates = pd.DatetimeIndex(df[col])
    bad = dates.notna() & ((dates.month != month) | (dates.day != day))
    ctx.cell_errors(
        np.asarray(bad, dtype=bool),
        np.asarray(dates.strftime("%Y-%m-%d"), dtype=object),
        rule="version_date",
        column=col,
        message=f"{col} must be a date YYYY-{month:02d}-{day:02d}",
        fix=rule["fix"],
    )


def _rule_version_overlap(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    """No two rows of one `key` are in force on the same day (blank start/end = open-ended)."""
    key, (start_col, end_col) = rule["key"], rule["columns"]
    if not {key, start_col, end_col} <= set(df.columns):
        return
    start = df[start_col].fillna(pd.Timestamp.min).to_numpy()
    end = df[end_col].fillna(pd.Timestamp.max).to_numpy()
    for code, positions in df.groupby(df[key].astype(object), sort=False).indices.items():
        ordered = sorted(positions, key=lambda i: start[i])
        for a, b in zip(ordered, ordered[1:], strict=False):
            if start[b] <= end[a]:
                day = pd.Timestamp(start[b]).date()
                ctx.error(
                    "version_overlap",
                    f"'{key}' {code} has two rows in force on {day}",
                    f"end the earlier row the day before the later one starts ({end_col})",
                    row=int(ctx.rows[b]),
                    column=start_col,
                    value=str(day),
                )


def _rule_version_codes(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    """Every code listed (';'-separated) in `columns` has a row of its own (its `key`)."""
    key, columns = rule["key"], rule["columns"]
    if not {key, *columns} <= set(df.columns):
        return
    known = set(df[key].dropna())
    for col in columns:
        for i, cell in enumerate(df[col].fillna("")):
            for code in filter(None, str(cell).split(";")):
                if code not in known:
                    ctx.error(
                        "version_code",
                        f"{col} lists code {code}, which has no row of its own",
                        f"add a row for {code} (with its {' / '.join(rule['dates'])})",
                        row=int(ctx.rows[i]),
                        column=col,
                        value=code,
                    )


# ------------------------------------------------------------ rules of the public loaders' frames
def _holds(condition: pd.Series) -> np.ndarray:
    """Where a row condition is True; a comparison with a blank (NA) does not hold."""
    return condition.fillna(False).to_numpy(dtype=bool)


def _rule_count_xor_flag(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    """A published cell is either a number (`count`) or a marker (`flag`), never both or neither."""
    count, flag = rule["columns"]
    has_count, has_flag = df[count].notna(), df[flag].notna()
    fix = (
        "a published cell holds a number or a marker (c, x, z, ...): check the cell in the "
        "source file and how quirks.parse_counts reads it"
    )
    for bad, message in (
        (~has_count & ~has_flag, f"'{count}' is blank but '{flag}' gives no marker saying why"),
        (has_count & has_flag, f"'{count}' has a value and '{flag}' a marker as well"),
    ):
        _row_check(
            df, ctx, _holds(bad), rule="count_xor_flag", column=count, message=message, fix=fix
        )


def _rule_published_total_is_own_part(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    """A published `total` equals its published `part`, with no suppressed part."""
    total, part, suppressed = rule["columns"]
    own = (df[part] == df[total]) & (df[suppressed] == 0)
    _row_check(
        df,
        ctx,
        _holds(df[total].notna() & ~own.fillna(False)),
        rule="published_total_is_own_part",
        column=total,
        message=f"a published '{total}' must equal '{part}', with '{suppressed}' 0",
        fix="check this year's and area's routes in the source file: a total is known only when "
        "every route is published",
    )


def _rule_suppressed_total_has_suppressed_part(
    df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx
) -> None:
    """A blank `total` has a suppressed part, or its `flag` says not applicable."""
    total, suppressed, flag = rule["columns"]
    explained = (df[suppressed] > 0) | (df[flag] == rule["not_applicable"]).fillna(False)
    _row_check(
        df,
        ctx,
        _holds(df[total].isna() & ~explained),
        rule="suppressed_total_has_suppressed_part",
        column=total,
        message=f"'{total}' is blank, but no part is suppressed ('{suppressed}' 0) and '{flag}' "
        f"is not '{rule['not_applicable']}'",
        fix="check the source cells: a blank total needs a suppressed route (c, x) or the "
        f"not-applicable marker '{rule['not_applicable']}'",
    )


def _rule_bounds_order(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    """`low` <= `estimate` <= `high` on every row."""
    low, estimate, high = rule["columns"]
    ordered = (df[low] <= df[estimate]) & (df[estimate] <= df[high])
    _row_check(
        df,
        ctx,
        ~_holds(ordered),
        rule="bounds_order",
        column=estimate,
        message=f"'{estimate}' must lie between '{low}' and '{high}'",
        fix="the bounds are computed (nps_analysis.public): report the rows shown as a bug, with "
        "the release of the source files",
    )


def _rule_low_covers_published_part(df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx) -> None:
    """`low` >= the published `part` + `per_suppressed_part` for each suppressed part."""
    low, part, suppressed = rule["columns"]
    least = rule["per_suppressed_part"]
    _row_check(
        df,
        ctx,
        ~_holds(df[low] >= df[part] + least * df[suppressed]),
        rule="low_covers_published_part",
        column=low,
        message=f"'{low}' must be at least '{part}' plus {least} for each suppressed part "
        f"('{suppressed}')",
        fix="a suppressed count is at least "
        f"{least}: report the rows shown as a bug in the imputation (public/imputation.py)",
    )


def _rule_published_total_is_own_estimate(
    df: pd.DataFrame, rule: dict[str, Any], ctx: _Ctx
) -> None:
    """A published total (`is_estimate` false) is its own estimate, low and high bound."""
    is_estimate, low, estimate, high, part = rule["columns"]
    exact = (df[low] == df[estimate]) & (df[estimate] == df[high]) & (df[estimate] == df[part])
    _row_check(
        df,
        ctx,
        ~_holds(df[is_estimate] | exact),
        rule="published_total_is_own_estimate",
        column=estimate,
        message=f"a published total ('{is_estimate}' false) must have '{estimate}' = '{low}' = "
        f"'{high}' = '{part}'",
        fix="report the rows shown as a bug in the imputation (public/imputation.py)",
    )


RULES: dict[str, _Rule] = {
    "raa_in_region": _rule_raa_in_region,
    "age_order": _rule_age_order,
    "consecutive_financial_years": _rule_consecutive_fy,
    "therapy_category_change": _rule_category_change,
    "period_order": _rule_period_order,
    "count_basis": _rule_count_basis,
    "child_age_band_children_only": _rule_band_children_only,
    "unique_key": _rule_unique_key,
    "pattern": _rule_pattern,
    "value_as_printed_in_source_text": _rule_printed_in_source,
    "value_agrees_with_printed_numeral": _rule_value_agrees_with_printed,
    "value_blank_only_when_unit_none": _rule_value_blank_iff_unit_none,
    "percent_in_range": _rule_percent_in_range,
    "version_date": _rule_version_date,
    "version_overlap": _rule_version_overlap,
    "version_codes": _rule_version_codes,
    "count_xor_flag": _rule_count_xor_flag,
    "published_total_is_own_part": _rule_published_total_is_own_part,
    "suppressed_total_has_suppressed_part": _rule_suppressed_total_has_suppressed_part,
    "bounds_order": _rule_bounds_order,
    "low_covers_published_part": _rule_low_covers_published_part,
    "published_total_is_own_estimate": _rule_published_total_is_own_estimate,
}


# ------------------------------------------------------------------------------------- main
def check_table(
    raw: pd.DataFrame,
    spec: DatasetSpec,
    *,
    file: str,
    sheet: str | None = None,
    vocabularies: dict[str, Vocabulary] | None = None,
    headers: list[str] | None = None,
    separator: str = ",",
    merged_header: list[str] | None = None,
) -> CheckResult:
    """Check a text table (every cell a str) against `spec`; return a typed frame or problems.

    `headers` are the header texts of `raw`'s columns (default: the column labels); `separator`
    is the CSV separator (a comma in a semicolon-separated file may be a decimal mark);
    `merged_header` lists merged header cell ranges ('E1:F1').
    """
    vocabularies = dict(vocabularies or {})
    ctx = _Ctx(file, sheet, np.empty(0, dtype="int64"), separator, spec.exact_spellings)
    raw = raw.reset_index(drop=True)
    if headers is None:
        headers = [str(c) for c in raw.columns]
    raw = raw.set_axis(range(raw.shape[1]), axis=1)
    totals = np.zeros(len(raw), dtype=bool) if spec.totals_rows_allowed else _totals_rows(raw)
    for i in np.flatnonzero(totals):
        ctx.error(
            "totals_row",
            "this row looks like a totals row (a cell says 'Total' or 'Sum'), not a record",
            "delete total and subtotal rows: the analysis adds the rows up itself",
            row=int(i) + 2,
        )
    df = _match_headers(raw, headers, spec, ctx, list(merged_header or []))
    df = df[~totals]
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
        if totals.any():
            ctx.errors = [p for p in ctx.errors if p.rule == "totals_row"]
        return CheckResult(spec.name, file, sheet, None, ctx.errors, ctx.warnings)
    if any(p.rule == "merged_header" for p in ctx.errors):
        # the columns are not those of the spec: cell problems would only repeat that
        return CheckResult(spec.name, file, sheet, None, _sorted(ctx.errors), ctx.warnings)
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
    return CheckResult(
        spec.name, file, sheet, frame if ok else None, _sorted(ctx.errors), ctx.warnings, ctx.rows
    )


def _sorted(errors: list[Problem]) -> list[Problem]:
    """File-level problems first, then by row (stable: column order kept within a row)."""
    return sorted(errors, key=lambda p: -1 if p.row is None else p.row)


# ------------------------------------------------------------------------------ typed frames
#: What to do when a frame a public loader built does not match its spec.
FRAME_FIX = (
    "check the source file against data/raw/public/SOURCES.md (a new layout or release?); if the "
    "file is right, the loader in src/nps_analysis/public/ must be updated to read it"
)


def check_frame(frame: pd.DataFrame, spec: DatasetSpec, *, file: str) -> pd.DataFrame:
    """Check a typed frame a loader built against `spec`; return it unchanged or raise.

    Checks every column is present (and, unless `other_columns_allowed`, no other), each column's
    dtype, blanks, range, vocabulary and uniqueness, then the spec's row rules. `file` names the
    source the frame was built from; rows are numbered as in the frame written to CSV (header =
    row 1). Raises InputDataError with every problem found.
    """
    ctx = _Ctx(file, None, np.arange(len(frame), dtype="int64") + 2)
    for name in spec.required_columns:
        if name not in frame.columns:
            ctx.error("missing_column", f"column '{name}' is missing", FRAME_FIX, column=name)
    if not spec.other_columns_allowed:
        for name in frame.columns:
            if name not in spec.column_names:
                ctx.error(
                    "unexpected_column",
                    f"column '{name}' is not in the {spec.name} spec",
                    FRAME_FIX,
                    column=str(name),
                )
    for col in spec.columns:
        if col.name in frame.columns:
            _check_typed_column(frame[col.name], col, ctx)
    if not any(p.rule in ("missing_column", "column_dtype") for p in ctx.errors):
        positional = frame.reset_index(drop=True)
        for rule in spec.rules:
            RULES[rule["rule"]](positional, rule, ctx)
    if ctx.errors:
        raise InputDataError(_sorted(ctx.errors))
    return frame


def _dtype_is(s: pd.Series, frame_dtype: str) -> bool:
    """Whether `s` is stored as `frame_dtype` ('str': object or pandas' string dtype)."""
    if frame_dtype == "str":
        return s.dtype == object or isinstance(s.dtype, pd.StringDtype)
    return str(s.dtype) == frame_dtype


def _check_typed_column(s: pd.Series, col: ColumnSpec, ctx: _Ctx) -> None:
    """Dtype, blanks, range, vocabulary and uniqueness of one typed column."""
    frame_dtype = col.frame_dtype or col.dtype
    if not _dtype_is(s, frame_dtype):
        ctx.error(
            "column_dtype",
            f"'{col.name}' is stored as {s.dtype}, not {frame_dtype}",
            FRAME_FIX,
            column=col.name,
        )
        return
    blank = s.isna().to_numpy()
    values = s.astype(object).where(~blank, "").astype(str).to_numpy(dtype=object)
    if frame_dtype == "str":
        not_text = ~blank & np.array([not isinstance(v, str) for v in s.astype(object)], dtype=bool)
        ctx.cell_errors(
            not_text,
            values,
            rule="column_dtype",
            column=col.name,
            message=f"'{col.name}' must be text",
            fix=FRAME_FIX,
        )
    if not col.nullable:
        ctx.cell_errors(
            blank,
            values,
            rule="missing_value",
            column=col.name,
            message=f"'{col.name}' is blank but must be filled in",
            fix=FRAME_FIX,
        )
    if col.min is not None or col.max is not None:
        _check_range(s.to_numpy(dtype="float64", na_value=np.nan), values, col, ctx)
    if col.vocab_name:
        vocab = get_vocabulary(col.vocab_name)
        ctx.cell_errors(
            ~blank & ~np.isin(values, vocab.values),
            values,
            rule=f"unknown_{col.vocab_name}",
            column=col.name,
            message=lambda v: (
                f"'{col.name}' is not a {col.vocab_name} value{_did_you_mean(v, vocab.values)}"
            ),
            fix=f"use a value of the {col.vocab_name} list ({vocab.source})",
        )
    if col.unique:
        _check_unique_ids(s.reset_index(drop=True), col.name, ctx)
