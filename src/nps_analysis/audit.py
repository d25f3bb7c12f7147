"""Audit of the published figures: recompute every figure that can be derived from other figures.

Rules are data: a few declared by hand (``data/raw/published/audit_rules.yaml``, read into
:data:`EXPLICIT_RULES`), most generated from the register's own metadata (a ``.pct`` figure with a ``base`` and a companion count; a restated figure and its
original). Each rule recomputes one figure exactly (``fractions.Fraction``) and compares it with the
printed value at the printed precision:

* ``match`` - half-up rounding of the exact value to the printed decimals gives the printed value;
* ``rounding_convention`` - only another convention (truncation, banker's rounding, rounding up,
  independent rounding of parts, a verbal approximation) gives it; the convention is named;
* ``discrepancy`` - no rounding convention produces the printed value from the report's own inputs;
* ``not_derivable`` - no other published figure determines it.

Each rule kind has one evaluator (:data:`EVALUATORS`, registered with ``@evaluator``). The
convention a figure was printed with (:func:`printing_conventions`) is what
``nps_analysis.figure_check`` rounds reproduced values with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from nps_analysis.paths import resolve
from nps_analysis.published import all_figures, load_published, load_reference
from nps_analysis.rounding import Rounding

STATUSES = ("match", "rounding_convention", "discrepancy", "not_derivable")
LEDGER_COLUMNS = [
    "figure_id",
    "section",
    "statement",
    "published_value",
    "recomputed_value",
    "rule",
    "status",
    "note",
    "source_document",
    "table",
    "inputs",
]
CONVENTIONS: list[tuple[str, str]] = [
    ("half-up rounding", ROUND_HALF_UP),
    ("truncation (rounding toward zero)", ROUND_DOWN),
    ("half-even (banker's) rounding", ROUND_HALF_EVEN),
    ("rounding up (ceiling)", ROUND_CEILING),
]
GRIM_MAX_BASE = 100  # with n >= 100 every integer percentage is reachable, so the test says nothing


@dataclass(frozen=True)
class Rule:
    """One recomputation: `target` is derived from `inputs` by `kind` (parameters in `params`)."""

    target: str
    kind: str
    inputs: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    hint: str = ""


@dataclass
class Outcome:
    """The result of evaluating a rule."""

    statement: str
    recomputed: float | None
    rule: str
    status: str
    note: str = ""
    convention: Rounding | None = None
    """The rounding that gives the printed figure from the exact value, where one does."""


# --------------------------------------------------------------------------- explicit rules
RULES_FILE = "data/raw/published/audit_rules.yaml"
"""The rules declared by hand and the hints for generated ones (data beside the register)."""


def _param(value: Any) -> Any:
    """A rule parameter from YAML: lists become tuples, "1/12" a Fraction."""
    if isinstance(value, list):
        return tuple(_param(v) for v in value)
    if isinstance(value, dict):
        return {k: _param(v) for k, v in value.items()}
    if isinstance(value, str) and re.fullmatch(r"-?\d+/\d+", value):
        return Fraction(value)
    return value


def load_rules(path: str | Path = RULES_FILE) -> tuple[list[Rule], dict[str, str]]:
    """The declared rules and the hints of `path` (``audit_rules.yaml``); unknown kinds fail."""
    data = yaml.safe_load(resolve(path).read_text(encoding="utf-8"))
    rules = [
        Rule(
            str(r["target"]),
            str(r["kind"]),
            tuple(r.get("inputs", ())),
            _param(r.get("params", {})),
            str(r.get("hint", "")),
        )
        for r in data["rules"]
    ]
    unknown = sorted({r.kind for r in rules} - set(EVALUATORS))
    if unknown:
        raise ValueError(
            f"{path}: unknown audit rule kind(s) {unknown}; one of {sorted(EVALUATORS)}"
        )
    return rules, {str(k): str(v) for k, v in (data.get("hints") or {}).items()}


_SUFFIX_RESTATEMENTS = (".key_insight", ".restated", ".s4_3", ".app_a_ne", ".wp2")


def generated_rules(register: pd.DataFrame) -> list[Rule]:
    """Rules implied by the register's own metadata (companion counts, bases, restatements)."""
    ids = set(register["figure_id"])
    explicit_targets = {r.target for r in EXPLICIT_RULES}
    rules: list[Rule] = []
    for row in register.itertuples(index=False):
        fid = str(row.figure_id)
        if fid in explicit_targets:
            continue
        for suffix in _SUFFIX_RESTATEMENTS:
            if fid.endswith(suffix) and fid[: -len(suffix)] in ids:
                rules.append(Rule(fid, "equal", (fid[: -len(suffix)],)))
                break
        else:
            if fid.startswith("funding.text.") and fid.replace(".text", "", 1) in ids:
                rules.append(Rule(fid, "equal", (fid.replace(".text", "", 1),)))
            elif row.unit == "percent" and fid.endswith(".pct") and pd.notna(row.base):
                stem = fid[: -len(".pct")]
                companion = next((c for c in (stem, f"{stem}.n") if c in ids), None)
                if companion is not None:
                    rules.append(Rule(fid, "share", (companion,), {"base": row.base}))
                elif float(row.base).is_integer() and row.base < GRIM_MAX_BASE:
                    rules.append(Rule(fid, "grim", (), {"base": int(row.base)}))
    # provider totals: every provider's "Total Funding" = the sum of its region cells
    funding = register[register["figure_id"].str.match(r"^funding\.provider_[a-e]\.[a-z_]+$")]
    for prov in sorted({f.split(".")[1] for f in funding["figure_id"]}):
        cells = tuple(
            f
            for f in funding["figure_id"]
            if f.startswith(f"funding.{prov}.") and not f.endswith(".total")
        )
        rules.append(Rule(f"funding.{prov}.total", "sum", cells))
    return rules


# --------------------------------------------------------------------------- evaluation helpers
def _frac(value: float) -> Fraction:
    return Fraction(Decimal(repr(float(value))))


def printed_decimals(printed: str) -> int:
    """Decimal places shown in a printed figure ('209.9%' -> 1, '.474' -> 3, 'nine' -> 0)."""
    match = re.search(r"\d*\.(\d+)", printed.replace(",", ""))
    return len(match.group(1)) if match and not re.search(r"\d+\.\d+[mk]|billion", printed) else 0


def _quantize(x: Fraction, dp: int, mode: str) -> Decimal:
    exact = Decimal(x.numerator) / Decimal(x.denominator)
    return exact.quantize(Decimal(1).scaleb(-dp), rounding=mode)


def _fmt(x: Fraction | float, dp: int = 4) -> str:
    return f"{float(x):,.{dp}f}".rstrip("0").rstrip(".")


def _rounding_of(mode: str) -> Rounding | None:
    """The `Rounding` of a ``decimal`` mode (None for ceiling, which `Rounding` does not name)."""
    return next((r for r in Rounding if r.decimal_mode == mode), None)


def _compare(
    exact: Fraction, published: float, printed: str, what: str
) -> tuple[str, str, str, Rounding | None]:
    """(status, rule detail, note, convention) for an exact recomputation against a printed figure."""
    dp = printed_decimals(printed)
    target = Decimal(repr(float(published)))
    hits = [(name, mode) for name, mode in CONVENTIONS if _quantize(exact, dp, mode) == target]
    names = [name for name, _ in hits]
    shown = f"{what} = {_fmt(exact)}"
    if names and names[0] == "half-up rounding":
        missed = [name for name, _ in CONVENTIONS[1:3] if name not in names]
        extra = f"; {' and '.join(missed)} would not give it" if missed else ""
        return (
            "match",
            f"half-up rounding to {dp} d.p.",
            f"{shown}, printed {printed}{extra}",
            Rounding.HALF_UP,
        )
    if hits:
        return (
            "rounding_convention",
            f"{names[0]} to {dp} d.p.",
            f"{shown}; half-up rounding gives {_quantize(exact, dp, ROUND_HALF_UP)} but the report "
            f"prints {printed}, which is {names[0]} to {dp} decimal place{'' if dp == 1 else 's'}",
            _rounding_of(hits[0][1]),
        )
    return (
        "discrepancy",
        f"no rounding convention at {dp} d.p.",
        f"{shown}, which rounds to {_quantize(exact, dp, ROUND_HALF_UP)}; the printed {printed} "
        "cannot be produced from the report's own inputs",
        None,
    )


def _interval(printed_value: float, dp: int = 0) -> tuple[Fraction, Fraction]:
    half = Fraction(1, 2 * 10**dp)
    v = _frac(printed_value)
    return v - half, v + half


def _filter(df: pd.DataFrame, where: Mapping[str, str]) -> pd.DataFrame:
    keep = pd.Series(True, index=df.index)
    for col, want in where.items():
        if want.startswith("!"):
            keep &= df[col].ne(want[1:])
        else:
            keep &= df[col].eq(want)
    return df[keep]


# --------------------------------------------------------------------------- evaluators, one per kind
@dataclass(frozen=True)
class Figures:
    """What an evaluator sees: the target figure and its inputs as printed and as exact values."""

    rule: Rule
    published: float
    printed: str
    inputs: list[pd.Series]
    get: Callable[[str], pd.Series]

    @property
    def values(self) -> list[Fraction]:
        return [_frac(i["value"]) for i in self.inputs]

    @property
    def shown(self) -> list[str]:
        return [str(i["value_as_printed"]) for i in self.inputs]


Evaluator = Callable[[Figures], Outcome]
EVALUATORS: dict[str, Evaluator] = {}
"""Rule kind -> the function that evaluates it (``@evaluator("kind", ...)`` registers one)."""


def evaluator(*kinds: str) -> Callable[[Evaluator], Evaluator]:
    """Register the decorated function as the evaluator of rule `kinds`."""

    def register(fn: Evaluator) -> Evaluator:
        for kind in kinds:
            if kind in EVALUATORS:
                raise ValueError(f"two evaluators for audit rule kind '{kind}'")
            EVALUATORS[kind] = fn
        return fn

    return register


@evaluator("sum", "equal")
def _exact_sum(f: Figures) -> Outcome:
    """A weighted sum of the inputs (a restatement: one input, weight 1) must equal the figure."""
    rule, vals, shown_in = f.rule, f.values, f.shown
    weights = rule.params.get("weights", (1,) * len(vals))
    exact = sum((w * v for w, v in zip(weights, vals, strict=True)), Fraction(0))
    terms = " ".join(
        (("- " if w < 0 else "+ ") if k else ("-" if w < 0 else "")) + s
        for k, (w, s) in enumerate(zip(weights, shown_in, strict=True))
    )
    statement = (
        f"{terms} = {f.printed}"
        if rule.kind == "sum"
        else f"{f.printed} restates {shown_in[0]} ({rule.inputs[0]})"
    )
    if exact == _frac(f.published):
        return Outcome(statement, float(exact), "exact " + rule.kind, "match")
    return Outcome(
        statement,
        float(exact),
        "exact " + rule.kind,
        "discrepancy",
        f"the inputs give {_fmt(exact)}, but the report prints {f.printed}",
    )


def _rounded(f: Figures, exact: Fraction, statement: str, what: str) -> Outcome:
    status, detail, note, convention = _compare(exact, f.published, f.printed, what)
    return Outcome(statement, float(exact), f"{f.rule.kind}: {detail}", status, note, convention)


@evaluator("share")
def _share(f: Figures) -> Outcome:
    """100 x part / base, the base stated or the sum of the printed parts (`denominator`)."""
    p, shown_in = f.rule.params, f.shown
    if "denominator" in p:
        den = sum((_frac(f.get(d)["value"]) for d in p["denominator"]), Fraction(0))
        den_text = f"{_fmt(den)} (sum of {len(p['denominator'])} printed parts)"
    else:
        den = _frac(p["base"])
        den_text = _fmt(den)
    exact = 100 * f.values[0] / den
    return _rounded(
        f, exact, f"{shown_in[0]} / {den_text} = {f.printed}", f"100 x {shown_in[0]} / {_fmt(den)}"
    )


@evaluator("growth")
def _growth(f: Figures) -> Outcome:
    """Percentage change from the first input to the second."""
    (old, new), (a, b) = f.values, f.shown
    exact = 100 * (new - old) / old
    return _rounded(f, exact, f"({b} - {a}) / {a} = {f.printed}", f"100 x ({b} - {a}) / {a}")


@evaluator("product")
def _product(f: Figures) -> Outcome:
    """The product of the inputs and `factor` (printed magnitudes may drop the sign)."""
    factor = Fraction(f.rule.params.get("factor", 1))
    exact = factor
    for v in f.values:
        exact *= v
    exact *= 1 if f.published * float(exact) >= 0 else -1
    statement = f"{' x '.join(f.shown)} x {_fmt(factor)} = {f.printed}"
    return _rounded(f, exact, statement, " x ".join([*f.shown, _fmt(factor)]))


@evaluator("percent_sum", "residual")
def _shares_total(f: Figures) -> Outcome:
    """A total (or 100 minus a total) of printed shares, allowing for rounding of each part."""
    kind, shown_in = f.rule.kind, f.shown
    lo = sum((_interval(float(i["value"]))[0] for i in f.inputs), Fraction(0))
    hi = sum((_interval(float(i["value"]))[1] for i in f.inputs), Fraction(0))
    point = sum(f.values, Fraction(0))
    if kind == "residual":
        lo, hi, point = 100 - hi, 100 - lo, 100 - point
        statement = f"100 - ({' + '.join(shown_in)}) = {f.printed}"
    else:
        statement = f"{' + '.join(shown_in)} = {f.printed}"
    t_lo, t_hi = _interval(f.published, printed_decimals(f.printed))
    if point == _frac(f.published):
        return Outcome(statement, float(point), f"{kind} of printed shares", "match")
    if lo < t_hi and t_lo < hi:
        return Outcome(
            statement,
            float(point),
            f"{kind}: independent rounding of parts",
            "rounding_convention",
            f"the printed parts give {_fmt(point)}, not {f.printed}; the shares were rounded "
            f"independently, so the exact value could lie between {_fmt(lo)} and {_fmt(hi)}",
        )
    return Outcome(
        statement,
        float(point),
        f"{kind}: outside rounding tolerance",
        "discrepancy",
        f"the printed parts give {_fmt(point)}; even allowing for rounding of each part the "
        f"exact value lies between {_fmt(lo)} and {_fmt(hi)}, so {f.printed} cannot be right",
    )


@evaluator("one_in")
def _one_in(f: Figures) -> Outcome:
    """'One in n' restating a percentage: n = 100 / pct to the nearest whole number."""
    pct, shown, pub = f.values[0], f.shown[0], f.published
    exact = 100 / pct
    statement = f"'{f.printed}' restates {shown}: 100 / {_fmt(pct)} = {_fmt(exact, 2)}"
    if _quantize(exact, 0, ROUND_HALF_UP) == Decimal(int(pub)):
        return Outcome(
            statement, float(exact), "one_in: nearest whole number", "match", "", Rounding.HALF_UP
        )
    if abs(exact - _frac(pub)) < 1:
        return Outcome(
            statement,
            float(exact),
            "one_in: verbal approximation ('about')",
            "rounding_convention",
            f"{shown} is one in {_fmt(exact, 1)}; the text's 'one in {int(pub)}' "
            f"would be {_fmt(Fraction(100, int(pub)), 1)}%",
        )
    return Outcome(
        statement,
        float(exact),
        "one_in",
        "discrepancy",
        f"{shown} is one in {_fmt(exact, 1)}, not one in {int(pub)}",
    )


@evaluator("grim")
def _grim(f: Figures) -> Outcome:
    """A percentage of `base` respondents (under 100) must be a whole number of them."""
    n, printed = int(f.rule.params["base"]), f.printed
    dp = printed_decimals(printed)
    target = Decimal(repr(f.published))
    for name, mode in CONVENTIONS:
        ks = [k for k in range(n + 1) if _quantize(Fraction(100 * k, n), dp, mode) == target]
        if not ks:
            continue
        k = ks[0]
        share = Fraction(100 * k, n)
        statement = f"{printed} of {n} respondents is a whole number of people ({k}/{n} = {_fmt(share, 2)}%)"
        if name == "half-up rounding":
            even = any(
                _quantize(Fraction(100 * j, n), dp, ROUND_HALF_EVEN) == target for j in range(n + 1)
            )
            note = (
                ""
                if even
                else f"{k}/{n} = {_fmt(share, 2)}% gives {printed} by half-up rounding; banker's rounding would not"
            )
            return Outcome(
                statement, float(share), "grim: half-up rounding", "match", note, _rounding_of(mode)
            )
        return Outcome(
            statement,
            float(share),
            f"grim: {name}",
            "rounding_convention",
            f"no whole number of the {n} respondents rounds to {printed}; {k}/{n} = "
            f"{_fmt(share, 2)}% gives it only by {name}",
            _rounding_of(mode),
        )
    return Outcome(
        f"{printed} of {n} respondents",
        None,
        "grim",
        "discrepancy",
        f"no whole number of the {n} respondents gives {printed} under any rounding convention",
    )


def _counted(f: Figures, exact: Fraction, statement: str) -> Outcome:
    status = "match" if exact == _frac(f.published) else "discrepancy"
    note = "" if status == "match" else f"the table gives {int(exact)}, the text says {f.printed}"
    return Outcome(statement, float(exact), f.rule.kind, status, note)


@evaluator("reference_count")
def _reference_count(f: Figures) -> Outcome:
    """Rows (or distinct values of `distinct`) of a reference list, optionally filtered."""
    p = f.rule.params
    ref = _filter(load_reference(p["reference"]), p.get("where", {}))
    exact = Fraction(ref[p["distinct"]].nunique() if "distinct" in p else len(ref))
    statement = f"count of {p['reference']} rows {dict(p.get('where', {})) or ''} = {f.printed}"
    return _counted(f, exact, statement.replace("  ", " "))


@evaluator("count_rows")
def _count_rows(f: Figures) -> Outcome:
    """Rows of a published table matching `where`."""
    p = f.rule.params
    df = _filter(load_published(p["table"]), p["where"])
    return _counted(
        f, Fraction(len(df)), f"rows of {p['table']} where {dict(p['where'])}: {len(df)}"
    )


@evaluator("count_groups")
def _count_groups(f: Figures) -> Outcome:
    """Groups (`by`) of a published table's matching rows with at least `min_size` rows."""
    p = f.rule.params
    sizes = _filter(load_published(p["table"]), p["where"]).groupby(p["by"]).size()
    big = sizes[sizes >= p["min_size"]]
    statement = f"{p['by']}s with >= {p['min_size']} rows in {p['table']}: {', '.join(big.index)}"
    return _counted(f, Fraction(len(big)), statement)


@evaluator("rank")
def _rank(f: Figures) -> Outcome:
    """Rank (1 = largest value) of `key` among the matching rows of a published table."""
    p = f.rule.params
    df = _filter(load_published(p["table"]), p["where"])
    ranked = df.set_index(p["by"])["value"].rank(ascending=False, method="min")
    exact = Fraction(int(ranked[p["key"]]))
    return _counted(f, exact, f"rank of {p['by']} {p['key']} by {p['where']} value: {int(exact)}")


def _evaluate(rule: Rule, fig: pd.Series, get: Callable[[str], pd.Series]) -> Outcome:
    """Evaluate `rule` for its target figure `fig` with the evaluator of its kind."""
    if rule.kind not in EVALUATORS:
        raise ValueError(f"unknown rule kind '{rule.kind}' for {rule.target}")
    figures = Figures(
        rule, float(fig["value"]), str(fig["value_as_printed"]), [get(i) for i in rule.inputs], get
    )
    return EVALUATORS[rule.kind](figures)


EXPLICIT_RULES, HINTS = load_rules()


# --------------------------------------------------------------------------- public API
def all_rules(register: pd.DataFrame | None = None) -> list[Rule]:
    """Every audit rule: the explicit ones plus those generated from the register."""
    register = all_figures() if register is None else register
    return [*EXPLICIT_RULES, *generated_rules(register)]


def _outcomes(
    register: pd.DataFrame, rules: Iterable[Rule] | None
) -> Iterator[tuple[Rule, pd.Series, Outcome]]:
    """Each rule with its target figure and the outcome of evaluating it."""
    rules = all_rules(register) if rules is None else list(rules)
    by_id = register.set_index("figure_id")

    def get(fid: str) -> pd.Series:
        if fid not in by_id.index:
            raise KeyError(f"audit rule refers to unknown figure_id '{fid}'")
        return by_id.loc[fid]

    for rule in rules:
        fig = get(rule.target)
        yield rule, fig, _evaluate(rule, fig, get)


def printing_conventions(register: pd.DataFrame | None = None) -> dict[str, Rounding]:
    """The rounding each derivable figure was printed with: half-up where it gives the printed
    value from the report's own inputs, else the convention that does (truncation, ...).

    Figures no rule recomputes, and exact sums, restatements and counts, are absent (the report's
    usual half-up applies). The first rule of a figure that names a convention decides.
    """
    register = all_figures() if register is None else register
    found: dict[str, Rounding] = {}
    for rule, _, out in _outcomes(register, None):
        if out.convention is not None:
            found.setdefault(rule.target, out.convention)
    return found


def audit_ledger(
    register: pd.DataFrame | None = None, rules: Iterable[Rule] | None = None
) -> pd.DataFrame:
    """One row per (figure, rule); every figure appears, non-derivable ones as ``not_derivable``."""
    register = all_figures() if register is None else register
    by_id = register.set_index("figure_id")
    rows: list[dict[str, Any]] = []
    covered: set[str] = set()
    for rule, fig, out in _outcomes(register, rules):
        note = out.note
        hint = rule.hint or HINTS.get(rule.target, "")
        if hint and out.status != "match":
            note = f"{note.rstrip('.')}. {hint}" if note else hint
        rows.append(
            {
                "figure_id": rule.target,
                "section": fig["source_section"],
                "statement": out.statement,
                "published_value": float(fig["value"]),
                "recomputed_value": out.recomputed,
                "rule": out.rule,
                "status": out.status,
                "note": note,
                "source_document": fig["source_document"],
                "table": fig["table"],
                "inputs": " ".join(rule.inputs),
            }
        )
        covered.add(rule.target)
    for fid, fig in by_id.iterrows():
        if fid in covered:
            continue
        text = str(fig["source_text"]).replace("\t", " | ")
        rows.append(
            {
                "figure_id": fid,
                "section": fig["source_section"],
                "statement": text if len(text) <= 160 else text[:157] + "...",
                "published_value": float(fig["value"]) if pd.notna(fig["value"]) else None,
                "recomputed_value": None,
                "rule": "not_derivable",
                "status": "not_derivable",
                "note": "",
                "source_document": fig["source_document"],
                "table": fig["table"],
                "inputs": "",
            }
        )
    ledger = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
    order = {fid: i for i, fid in enumerate(register["figure_id"])}
    ledger["_order"] = ledger["figure_id"].map(order)
    return (
        ledger.sort_values(["_order"], kind="mergesort")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def _section_key(section: str) -> tuple[int, str]:
    match = re.match(r"^(\d+)", section)
    return (int(match.group(1)), section) if match else (100, section)


def summary_by_section(ledger: pd.DataFrame) -> pd.DataFrame:
    """Ledger rows per (document, section) and status (columns in STATUSES order, plus a total)."""
    table = (
        ledger.groupby(["source_document", "section", "status"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=list(STATUSES), fill_value=0)
    )
    table["total"] = table.sum(axis=1)
    order = sorted(
        table.index, key=lambda ix: (ix[0] != "national_picture_2024", _section_key(ix[1]))
    )
    return table.loc[order].reset_index().rename_axis(columns=None)


def status_counts(ledger: pd.DataFrame) -> dict[str, int]:
    """Number of ledger rows per status."""
    counts = ledger["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def explanations(ledger: pd.DataFrame) -> list[str]:
    """Plain-words lines for every non-match (for the audit narrative)."""
    lines = []
    for row in ledger[ledger["status"].isin(["rounding_convention", "discrepancy"])].itertuples():
        label = "Discrepancy" if row.status == "discrepancy" else "Rounding convention"
        lines.append(
            f"**{label}** - `{row.figure_id}` (section {row.section}): {str(row.note).rstrip('.')}."
        )
    return lines
