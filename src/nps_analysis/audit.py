"""Audit of the published figures: recompute every figure that can be derived from other figures.

Rules are data: a few declared by hand (:data:`EXPLICIT_RULES`), most generated from the register's
own metadata (a ``.pct`` figure with a ``base`` and a companion count; a restated figure and its
original). Each rule recomputes one figure exactly (``fractions.Fraction``) and compares it with the
printed value at the printed precision:

* ``match`` - half-up rounding of the exact value to the printed decimals gives the printed value;
* ``rounding_convention`` - only another convention (truncation, banker's rounding, rounding up,
  independent rounding of parts, a verbal approximation) gives it; the convention is named;
* ``discrepancy`` - no rounding convention produces the printed value from the report's own inputs;
* ``not_derivable`` - no other published figure determines it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from nps_analysis.published import all_figures, load_published, load_reference

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


# --------------------------------------------------------------------------- explicit rules
_CASE_GROUPS = ["children", "adoptive_parents", "birth_families", "adopted_adults"]
_AGE_BANDS = ["0_4", "5_11", "12_15", "16_18", "not_reported"]
_THERAPIES = [
    "creative_therapies",
    "family_therapy",
    "psychotherapy",
    "therapeutic_parenting",
    "specialist_assessments",
    "extensive_therapeutic_life_story_work",
    "multi_disciplinary_packages",
    "short_breaks",
    "filial_therapy",
]
_BUDGET_LINES = [
    "leeds_host_fee",
    "core_staff",
    "regional_commissioning_member",
    "regional_champion",
    "programme_evaluation",
    "data_analysis_support",
    "innovation_fund",
    "commissioning_support_offer",
]
_WP_OF_LINE = {
    "core_staff": "wp1",
    "regional_commissioning_member": "wp1",
    "regional_champion": "wp1",
    "programme_evaluation": "wp1",
    "data_analysis_support": "wp2",
    "innovation_fund": "wp3",
    "commissioning_support_offer": "wp4",
}
_REGION_RAA_COUNTS = {
    "appx.eastern.raas": "Eastern",
    "appx.north_west.raas": "North West",
    "appx.north_east.raas": "North East",
    "appx.south_east.raas": "South East",
    "appx.midlands.raas": "Midlands",
    "appx.yorkshire_humber.raas": "Yorkshire & Humber",
    "appx.london.adopt_london_raas": "London",
    "step.next_report.raas": "Eastern",
}


def _explicit_rules() -> list[Rule]:
    rules = [
        Rule("cases.total", "sum", tuple(f"cases.group.{g}" for g in _CASE_GROUPS)),
        Rule("cases.group.children", "sum", tuple(f"cases.children.age.{b}" for b in _AGE_BANDS)),
        Rule(
            "asgsf.packages.growth_2018_19_2022_23.pct",
            "growth",
            ("asgsf.packages.2018_19", "asgsf.packages.2022_23"),
        ),
        Rule(
            "core.type.therapy_training_group.pct",
            "percent_sum",
            (
                "core.type.therapeutic_support.pct",
                "core.type.training.pct",
                "core.type.group_support.pct",
            ),
            hint="The three printed shares add to 52%, yet the text says they 'equate to 50%'.",
        ),
        Rule(
            "core.type.therapy_training_group.pct.key_insight",
            "percent_sum",
            (
                "core.type.therapeutic_support.pct",
                "core.type.training.pct",
                "core.type.group_support.pct",
            ),
            hint="The Key Insight repeats the 50% that the s3.3 breakdown (18% + 17% + 17%) does not support.",
        ),
        Rule(
            "tiers.not_stated.pct",
            "residual",
            tuple(
                f"tiers.{t}.pct"
                for t in ("universal", "targeted", "specialist", "voice_and_influence")
            ),
        ),
        Rule(
            "support.recipients.not_stated.pct",
            "residual",
            tuple(
                f"support.recipients.{g}.pct"
                for g in (
                    "adoptive_parents",
                    "adopted_children",
                    "adopted_adults",
                    "birth_families",
                )
            ),
        ),
        Rule(
            "step.parent_no_condition.pct",
            "residual",
            tuple(
                f"step.{c}.pct"
                for c in (
                    "parent_anxiety",
                    "parent_anxiety_and_depression",
                    "parent_chronic_illness",
                    "parent_depression",
                    "parent_disability",
                )
            ),
        ),
        Rule(
            "step.reg.child_age.effect_5y", "product", ("step.reg.child_age.coef",), {"factor": 5}
        ),
        Rule(
            "step.reg.child_age.effect_10y", "product", ("step.reg.child_age.coef",), {"factor": 10}
        ),
        Rule("step.dx_learning_difficulty.one_in", "one_in", ("step.dx_learning_difficulty.pct",)),
        Rule("step.dx_autism.one_in", "one_in", ("step.dx_autism.pct",)),
        Rule("step.dx_attachment_disorder.one_in", "one_in", ("step.dx_attachment_disorder.pct",)),
        Rule(
            "budget.wp1.regional_commissioning_member.2023_24",
            "product",
            (
                "budget.pot.regional_commissioning_member.per_annum",
                "budget.wp1.partial_year_months",
            ),
            {"factor": Fraction(1, 12)},
        ),
        Rule(
            "budget.wp1.regional_champion.2023_24",
            "product",
            ("budget.pot.regional_champion.per_annum", "budget.wp1.partial_year_months"),
            {"factor": Fraction(1, 12)},
        ),
        Rule(
            "budget.innovation_fund.total",
            "sum",
            ("budget.wp3.innovation_fund.2023_24", "budget.wp3.innovation_fund.2024_25"),
        ),
        Rule(
            "appx.north_east.provider_survey.n",
            "sum",
            (
                "appx.north_east.provider_survey.med_large",
                "appx.north_east.provider_survey.sole_small",
            ),
        ),
        Rule(
            "appx.north_west.raas",
            "sum",
            ("appx.north_west.raas_plus_one.raas", "appx.north_west.raas_plus_one.plus"),
        ),
        Rule(
            "workforce.skills.raas_not_reporting_fte",
            "sum",
            ("workforce.gaps.raas_completing", "workforce.skills.raas_reporting_fte"),
            {"weights": (1, -1)},
        ),
        Rule("workforce.raas_with_skill.ddp", "equal", ("workforce.skills.raas_stating_types",)),
        Rule(
            "funding.text.provider_b.n_regions",
            "count_rows",
            (),
            {
                "table": "provider_funding",
                "where": {"provider": "B", "measure": "gbp", "region": "!all"},
            },
        ),
        Rule(
            "funding.text.provider_c.n_regions",
            "count_rows",
            (),
            {
                "table": "provider_funding",
                "where": {"provider": "C", "measure": "gbp", "region": "!all"},
            },
        ),
        Rule(
            "funding.text.providers_4plus_regions",
            "count_groups",
            (),
            {
                "table": "provider_funding",
                "where": {"measure": "gbp", "region": "!all", "provider": "!"},
                "by": "provider",
                "min_size": 4,
            },
        ),
        Rule(
            "funding.text.providers_4plus_regions.key_insight",
            "count_groups",
            (),
            {
                "table": "provider_funding",
                "where": {"measure": "gbp", "region": "!all", "provider": "!"},
                "by": "provider",
                "min_size": 4,
            },
        ),
        Rule(
            "funding.text.provider_a.rank",
            "rank",
            (),
            {
                "table": "provider_funding",
                "where": {"measure": "gbp", "region": "all"},
                "by": "provider",
                "key": "A",
            },
        ),
        Rule(
            "funding.text.provider_b.rank",
            "rank",
            (),
            {
                "table": "provider_funding",
                "where": {"measure": "gbp", "region": "all"},
                "by": "provider",
                "key": "B",
            },
        ),
        Rule(
            "funding.text.n_regions_total",
            "reference_count",
            (),
            {"reference": "pan_regions_raas", "distinct": "region"},
        ),
        Rule(
            "workforce.gaps.raas_completing",
            "reference_count",
            (),
            {"reference": "pan_regions_raas"},
        ),
    ]
    rules += [
        Rule(
            fid,
            "reference_count",
            (),
            {"reference": "pan_regions_raas", "where": {"region": region}},
        )
        for fid, region in _REGION_RAA_COUNTS.items()
    ]
    total = tuple(f"asgsf.therapy.{t}" for t in _THERAPIES)
    rules += [
        Rule(f"asgsf.therapy.{t}.pct", "share", (f"asgsf.therapy.{t}",), {"denominator": total})
        for t in _THERAPIES
    ]
    for fy in ("2023_24", "2024_25"):
        rules.append(
            Rule(
                f"budget.full.total.{fy}",
                "sum",
                tuple(f"budget.full.{line}.{fy}" for line in _BUDGET_LINES),
            )
        )
        rules.append(Rule(f"budget.grant.{fy}", "equal", (f"budget.full.total.{fy}",)))
        for line, wp in _WP_OF_LINE.items():
            rules.append(Rule(f"budget.full.{line}.{fy}", "equal", (f"budget.{wp}.{line}.{fy}",)))
    for line in ("regional_commissioning_member", "regional_champion"):
        rules.append(
            Rule(f"budget.pot.{line}.per_annum", "equal", (f"budget.full.{line}.2024_25",))
        )
    return rules


EXPLICIT_RULES: list[Rule] = _explicit_rules()
HINTS: dict[str, str] = {
    "cases.coverage.raas_unable_disability.pct": (
        "The printed 62% equals 16/26 (61.5%), so the base used may have been 26 rather than 24."
    ),
    "cases.group.birth_families.pct": (
        "In the same sentence 52% (10,077/19,454 = 51.80%) was rounded, so no single convention "
        "produces all four shares."
    ),
    "asgsf.therapy.specialist_assessments.pct": (
        "The other eight therapy shares are also consistent with truncation."
    ),
    "appx.midlands.provider_survey.lower_level.pct": "7/31 = 22.6% and 8/31 = 25.8%.",
    "appx.midlands.provider_survey.higher_level.pct": "7/31 = 22.6% and 8/31 = 25.8%.",
}

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


def _decimals(printed: str) -> int:
    """Decimal places shown in a printed figure ('209.9%' -> 1, '.474' -> 3, 'nine' -> 0)."""
    match = re.search(r"\d*\.(\d+)", printed.replace(",", ""))
    return len(match.group(1)) if match and not re.search(r"\d+\.\d+[mk]|billion", printed) else 0


def _quantize(x: Fraction, dp: int, mode: str) -> Decimal:
    exact = Decimal(x.numerator) / Decimal(x.denominator)
    return exact.quantize(Decimal(1).scaleb(-dp), rounding=mode)


def _fmt(x: Fraction | float, dp: int = 4) -> str:
    return f"{float(x):,.{dp}f}".rstrip("0").rstrip(".")


def _compare(exact: Fraction, published: float, printed: str, what: str) -> tuple[str, str, str]:
    """(status, rule detail, note) for an exact recomputation against a printed figure."""
    dp = _decimals(printed)
    target = Decimal(repr(float(published)))
    hits = [name for name, mode in CONVENTIONS if _quantize(exact, dp, mode) == target]
    shown = f"{what} = {_fmt(exact)}"
    if hits and hits[0] == "half-up rounding":
        missed = [name for name, _ in CONVENTIONS[1:3] if name not in hits]
        extra = f"; {' and '.join(missed)} would not give it" if missed else ""
        return "match", f"half-up rounding to {dp} d.p.", f"{shown}, printed {printed}{extra}"
    if hits:
        return (
            "rounding_convention",
            f"{hits[0]} to {dp} d.p.",
            f"{shown}; half-up rounding gives {_quantize(exact, dp, ROUND_HALF_UP)} but the report "
            f"prints {printed}, which is {hits[0]} to {dp} decimal place{'' if dp == 1 else 's'}",
        )
    return (
        "discrepancy",
        f"no rounding convention at {dp} d.p.",
        f"{shown}, which rounds to {_quantize(exact, dp, ROUND_HALF_UP)}; the printed {printed} "
        "cannot be produced from the report's own inputs",
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


# --------------------------------------------------------------------------- evaluate one rule
def _evaluate(rule: Rule, fig: pd.Series, get: Callable[[str], pd.Series]) -> Outcome:
    pub = float(fig["value"])
    printed = str(fig["value_as_printed"])
    ins = [get(i) for i in rule.inputs]
    vals = [_frac(i["value"]) for i in ins]
    shown_in = [str(i["value_as_printed"]) for i in ins]

    if rule.kind in ("sum", "equal"):
        weights = rule.params.get("weights", (1,) * len(vals))
        exact = sum((w * v for w, v in zip(weights, vals, strict=True)), Fraction(0))
        terms = " ".join(
            (("- " if w < 0 else "+ ") if k else ("-" if w < 0 else "")) + s
            for k, (w, s) in enumerate(zip(weights, shown_in, strict=True))
        )
        statement = (
            f"{terms} = {printed}"
            if rule.kind == "sum"
            else f"{printed} restates {shown_in[0]} ({rule.inputs[0]})"
        )
        if exact == _frac(pub):
            return Outcome(statement, float(exact), "exact " + rule.kind, "match")
        return Outcome(
            statement,
            float(exact),
            "exact " + rule.kind,
            "discrepancy",
            f"the inputs give {_fmt(exact)}, but the report prints {printed}",
        )

    if rule.kind in ("share", "growth", "product"):
        if rule.kind == "share":
            num = vals[0]
            if "denominator" in rule.params:
                den = sum((_frac(get(d)["value"]) for d in rule.params["denominator"]), Fraction(0))
                den_text = f"{_fmt(den)} (sum of {len(rule.params['denominator'])} printed parts)"
            else:
                den = _frac(rule.params["base"])
                den_text = _fmt(den)
            exact = 100 * num / den
            statement = f"{shown_in[0]} / {den_text} = {printed}"
            what = f"100 x {shown_in[0]} / {_fmt(den)}"
        elif rule.kind == "growth":
            old, new = vals
            exact = 100 * (new - old) / old
            statement = f"({shown_in[1]} - {shown_in[0]}) / {shown_in[0]} = {printed}"
            what = f"100 x ({shown_in[1]} - {shown_in[0]}) / {shown_in[0]}"
        else:
            factor = Fraction(rule.params.get("factor", 1))
            exact = factor
            for v in vals:
                exact *= v
            exact *= 1 if pub * float(exact) >= 0 else -1  # printed magnitudes may drop the sign
            statement = f"{' x '.join(shown_in)} x {_fmt(factor)} = {printed}"
            what = " x ".join([*shown_in, _fmt(factor)])
        status, detail, note = _compare(exact, pub, printed, what)
        return Outcome(statement, float(exact), f"{rule.kind}: {detail}", status, note)

    if rule.kind in ("percent_sum", "residual"):
        lo = sum((_interval(float(i["value"]))[0] for i in ins), Fraction(0))
        hi = sum((_interval(float(i["value"]))[1] for i in ins), Fraction(0))
        point = sum(vals, Fraction(0))
        if rule.kind == "residual":
            lo, hi, point = 100 - hi, 100 - lo, 100 - point
            statement = f"100 - ({' + '.join(shown_in)}) = {printed}"
        else:
            statement = f"{' + '.join(shown_in)} = {printed}"
        t_lo, t_hi = _interval(pub, _decimals(printed))
        if point == _frac(pub):
            return Outcome(statement, float(point), f"{rule.kind} of printed shares", "match")
        if lo < t_hi and t_lo < hi:
            return Outcome(
                statement,
                float(point),
                f"{rule.kind}: independent rounding of parts",
                "rounding_convention",
                f"the printed parts give {_fmt(point)}, not {printed}; the shares were rounded "
                f"independently, so the exact value could lie between {_fmt(lo)} and {_fmt(hi)}",
            )
        return Outcome(
            statement,
            float(point),
            f"{rule.kind}: outside rounding tolerance",
            "discrepancy",
            f"the printed parts give {_fmt(point)}; even allowing for rounding of each part the "
            f"exact value lies between {_fmt(lo)} and {_fmt(hi)}, so {printed} cannot be right",
        )

    if rule.kind == "one_in":
        pct = vals[0]
        exact = 100 / pct
        statement = f"'{printed}' restates {shown_in[0]}: 100 / {_fmt(pct)} = {_fmt(exact, 2)}"
        if _quantize(exact, 0, ROUND_HALF_UP) == Decimal(int(pub)):
            return Outcome(statement, float(exact), "one_in: nearest whole number", "match")
        if abs(exact - _frac(pub)) < 1:
            return Outcome(
                statement,
                float(exact),
                "one_in: verbal approximation ('about')",
                "rounding_convention",
                f"{shown_in[0]} is one in {_fmt(exact, 1)}; the text's 'one in {int(pub)}' "
                f"would be {_fmt(Fraction(100, int(pub)), 1)}%",
            )
        return Outcome(
            statement,
            float(exact),
            "one_in",
            "discrepancy",
            f"{shown_in[0]} is one in {_fmt(exact, 1)}, not one in {int(pub)}",
        )

    if rule.kind == "grim":
        n = int(rule.params["base"])
        dp = _decimals(printed)
        target = Decimal(repr(pub))
        for name, mode in CONVENTIONS:
            ks = [k for k in range(n + 1) if _quantize(Fraction(100 * k, n), dp, mode) == target]
            if ks:
                k = ks[0]
                statement = f"{printed} of {n} respondents is a whole number of people ({k}/{n} = {_fmt(Fraction(100 * k, n), 2)}%)"
                if name == "half-up rounding":
                    even = any(
                        _quantize(Fraction(100 * j, n), dp, ROUND_HALF_EVEN) == target
                        for j in range(n + 1)
                    )
                    note = (
                        ""
                        if even
                        else (
                            f"{k}/{n} = {_fmt(Fraction(100 * k, n), 2)}% gives {printed} "
                            "by half-up rounding; banker's rounding would not"
                        )
                    )
                    return Outcome(
                        statement,
                        float(Fraction(100 * k, n)),
                        "grim: half-up rounding",
                        "match",
                        note,
                    )
                return Outcome(
                    statement,
                    float(Fraction(100 * k, n)),
                    f"grim: {name}",
                    "rounding_convention",
                    f"no whole number of the {n} respondents rounds to {printed}; {k}/{n} = "
                    f"{_fmt(Fraction(100 * k, n), 2)}% gives it only by {name}",
                )
        return Outcome(
            f"{printed} of {n} respondents",
            None,
            "grim",
            "discrepancy",
            f"no whole number of the {n} respondents gives {printed} under any rounding convention",
        )

    if rule.kind in ("count_rows", "count_groups", "rank", "reference_count"):
        p = rule.params
        if rule.kind == "reference_count":
            ref = _filter(load_reference(p["reference"]), p.get("where", {}))
            exact = Fraction(ref[p["distinct"]].nunique() if "distinct" in p else len(ref))
            statement = f"count of {p['reference']} rows {dict(p.get('where', {})) or ''} = {printed}".replace(
                "  ", " "
            )
        else:
            df = _filter(load_published(p["table"]), p["where"])
            if rule.kind == "count_rows":
                exact = Fraction(len(df))
                statement = f"rows of {p['table']} where {dict(p['where'])}: {len(df)}"
            elif rule.kind == "count_groups":
                sizes = df.groupby(p["by"]).size()
                exact = Fraction(int((sizes >= p["min_size"]).sum()))
                statement = (
                    f"{p['by']}s with >= {p['min_size']} rows in {p['table']}: "
                    f"{', '.join(sizes[sizes >= p['min_size']].index)}"
                )
            else:
                ranked = df.set_index(p["by"])["value"].rank(ascending=False, method="min")
                exact = Fraction(int(ranked[p["key"]]))
                statement = f"rank of {p['by']} {p['key']} by {p['where']} value: {int(exact)}"
        status = "match" if exact == _frac(pub) else "discrepancy"
        note = "" if status == "match" else f"the table gives {int(exact)}, the text says {printed}"
        return Outcome(statement, float(exact), rule.kind, status, note)

    raise ValueError(f"unknown rule kind '{rule.kind}' for {rule.target}")


# --------------------------------------------------------------------------- public API
def all_rules(register: pd.DataFrame | None = None) -> list[Rule]:
    """Every audit rule: the explicit ones plus those generated from the register."""
    register = all_figures() if register is None else register
    return [*EXPLICIT_RULES, *generated_rules(register)]


def audit_ledger(
    register: pd.DataFrame | None = None, rules: Iterable[Rule] | None = None
) -> pd.DataFrame:
    """One row per (figure, rule); every figure appears, non-derivable ones as ``not_derivable``."""
    register = all_figures() if register is None else register
    rules = all_rules(register) if rules is None else list(rules)
    by_id = register.set_index("figure_id")

    def get(fid: str) -> pd.Series:
        if fid not in by_id.index:
            raise KeyError(f"audit rule refers to unknown figure_id '{fid}'")
        return by_id.loc[fid]

    rows: list[dict[str, Any]] = []
    covered: set[str] = set()
    for rule in rules:
        fig = get(rule.target)
        out = _evaluate(rule, fig, get)
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
