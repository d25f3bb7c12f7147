"""Spend per package: cost per package, fair access limits and match funding (National Picture s4.1).

The fund's rules are versioned data (`data/raw/published/rules/asgsf_fund_rules.csv`, one row per
rule and period, each citing its source): `rules_for(financial_year)` gives the rules of one year
and `FairAccessRules.require(years)` refuses rules used for a year they do not cover.

The fair access limits apply per child per year. Without a child reference (`child_ref`, optional in
the packages data contract) a package's amount is compared with the limit for its type (a
per-package proxy: a child with two packages in a year could exceed the limit with neither package
at or above it); `nps_analysis.asgsf.scenario_2025` forms per-child annual totals when it can.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from nps_analysis.asgsf.categories import NOT_RECORDED, canonical_label, is_assessment
from nps_analysis.asgsf.years import fy_label, fy_start
from nps_analysis.sdc import dominated_rows

RULES_TABLE = "rules/asgsf_fund_rules.csv"
"""The versioned rules table, relative to `paths.PUBLISHED_DIR`."""
RULES_COLUMNS = (
    "rule_id",
    "rule",
    "item",
    "valid_from_year",
    "valid_to_year",
    "value",
    "unit",
    "applies_per",
    "register_figure_id",
    "source",
    "period_source",
    "note",
)
_FIELDS = {
    "fair_access_limit.therapy": "therapy_limit_gbp",
    "fair_access_limit.specialist_assessment": "assessment_limit_gbp",
    "fair_access_limit.assessment_included": "assessments_within_limit",
    "match_funding.asgsf_share_above_fal": "match_share_above_limit_pct",
    "match_funding.max_total_per_child": "max_total_per_child_gbp",
    "delivery.completed_within_financial_year": "within_financial_year",
    "budget.annual_budget": "budget_gbp",
}
"""`rule.item` of the rules table -> field of `FairAccessRules`."""
_FLAGS = ("assessments_within_limit", "within_financial_year")


class RulesYearError(ValueError):
    """Rules used for a financial year they do not cover (or a year no rules cover)."""


@dataclass(frozen=True)
class FairAccessRules:
    """ASGSF fair access limits and match-funding rules of one period (GBP per child per year).

    `therapy_limit_gbp` is the therapy limit; when `assessments_within_limit` (from 2025/26) it is
    the single limit that specialist assessments (up to `assessment_limit_gbp`) count against.
    The defaults are the 2015/16-2024/25 rules as printed in the report (s4.1).
    """

    therapy_limit_gbp: float = 5000.0
    assessment_limit_gbp: float = 2500.0
    match_share_above_limit_pct: float = 50.0
    max_total_per_child_gbp: float = 30000.0
    source: str = "parameters (published rules table not available)"
    valid_from_year: str = "2015/16"
    valid_to_year: str = "2024/25"
    assessments_within_limit: bool = False
    within_financial_year: bool = False
    budget_gbp: float | None = None

    @property
    def period(self) -> str:
        """The financial years the rules cover, e.g. `2015/16-2024/25`."""
        if self.valid_from_year == self.valid_to_year:
            return self.valid_from_year
        return f"{self.valid_from_year}-{self.valid_to_year}"

    @property
    def match_funding(self) -> bool:
        """True when the fund can pay above the fair access limit."""
        return self.match_share_above_limit_pct > 0

    def covers(self, financial_year: str) -> bool:
        """True when these rules are the rules of `financial_year`."""
        y = fy_start(financial_year)
        return fy_start(self.valid_from_year) <= y <= fy_start(self.valid_to_year)

    def require(self, years: str | Iterable[object]) -> FairAccessRules:
        """These rules, or RulesYearError naming the years (one label or many) they do not cover."""
        labels = [years] if isinstance(years, str) else [str(y) for y in years]
        wrong = sorted({y for y in labels if not self.covers(y)})
        if wrong:
            raise RulesYearError(
                f"the ASGSF rules of {self.period} do not apply to {', '.join(wrong)}: "
                "use spend.rules_for(year) for the year analysed"
            )
        return self


def rules_table() -> pd.DataFrame:
    """The versioned rules table, one row per rule and period, checked (raises ValueError)."""
    from nps_analysis.paths import PUBLISHED_DIR

    return _checked_table(_read_csv(str(PUBLISHED_DIR / RULES_TABLE)))


@cache
def _read_csv(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _checked_table(raw: pd.DataFrame) -> pd.DataFrame:
    """Columns as `RULES_COLUMNS`, numeric values, every row sourced, no overlapping periods."""
    if tuple(raw.columns) != RULES_COLUMNS:
        raise ValueError(f"rules table columns {list(raw.columns)} are not {list(RULES_COLUMNS)}")
    t = raw.copy()
    t["value"] = pd.to_numeric(t["value"], errors="raise").astype(float)
    unsourced = t.loc[t["source"].str.strip() == "", "rule_id"].tolist()
    if unsourced:
        raise ValueError(f"rules table rows without a source: {unsourced}")
    unknown = sorted(set(t["rule"] + "." + t["item"]) - set(_FIELDS))
    if unknown:
        raise ValueError(f"rules table: unknown rules {unknown}")
    t["_from"] = [fy_start(y) for y in t["valid_from_year"]]
    t["_to"] = [fy_start(y) for y in t["valid_to_year"]]
    if (t["_to"] < t["_from"]).any():
        raise ValueError("rules table: a period ends before it starts")
    for key, rows in t.groupby(["rule", "item"], sort=True):
        spans = sorted(zip(rows["_from"], rows["_to"], strict=True))
        if any(b[0] <= a[1] for a, b in zip(spans, spans[1:], strict=False)):
            raise ValueError(f"rules table: overlapping periods for {'.'.join(key)}")
    return t.drop(columns=["_from", "_to"]).reset_index(drop=True)


def rules_for(financial_year: str, table: pd.DataFrame | None = None) -> FairAccessRules:
    """The ASGSF rules of `financial_year` (e.g. `"2022/23"`) from the versioned rules table.

    Raises RulesYearError when no rules cover the year, or the rules of that year are incomplete
    (every fair access and match-funding rule must have a row for it)."""
    t = rules_table() if table is None else _checked_table(table)
    y = fy_start(financial_year)
    starts = np.array([fy_start(v) for v in t["valid_from_year"]])
    ends = np.array([fy_start(v) for v in t["valid_to_year"]])
    rows = t[(starts <= y) & (y <= ends)]
    if rows.empty:
        raise RulesYearError(f"no ASGSF rules cover {fy_label(y)} (rules table: {RULES_TABLE})")
    values = dict(zip(rows["rule"] + "." + rows["item"], rows["value"], strict=True))
    required = [k for k in _FIELDS if k.startswith(("fair_access_limit.", "match_funding."))]
    missing = [k for k in required if k not in values]
    if missing:
        raise RulesYearError(f"the ASGSF rules of {fy_label(y)} have no row for {missing}")
    fields: dict[str, object] = {}
    for key, name in _FIELDS.items():
        if key in values:
            fields[name] = bool(values[key]) if name in _FLAGS else float(values[key])
    first = fy_label(int(max(starts[rows.index])))
    last = fy_label(int(min(ends[rows.index])))
    return FairAccessRules(
        **fields,  # type: ignore[arg-type]
        source=(
            f"rules of {first if first == last else f'{first}-{last}'}, data/raw/published/"
            f"{RULES_TABLE} rows {', '.join(rows['rule_id'])} (each row cites its source)"
        ),
        valid_from_year=first,
        valid_to_year=last,
    )


def rules_for_years(years: Iterable[object]) -> FairAccessRules:
    """The one set of rules covering every year in `years`; RulesYearError if the years span a
    change of rules (analyse each period with its own rules)."""
    labels = sorted({str(y) for y in years}, key=fy_start)
    if not labels:
        raise RulesYearError("no financial years given")
    rules = rules_for(labels[-1])
    return rules.require(labels)


def load_rules(financial_year: str | None = None) -> FairAccessRules:
    """The rules of `financial_year` (`rules_for`); without a year, the 2015/16-2024/25 rules that
    the report's period (2018/19-2022/23) was funded under.

    Falls back to the values printed in the report (s4.1) when the rules table is missing, and
    says so in `source`.
    """
    from nps_analysis.paths import PUBLISHED_DIR

    if not (PUBLISHED_DIR / RULES_TABLE).is_file():
        return FairAccessRules().require(financial_year or "2024/25")
    return rules_for(financial_year or REPORT_RULES_YEAR)


REPORT_RULES_YEAR = "2022/23"
"""A year of the report's period: `load_rules()` without a year gives that period's rules."""


def max_asgsf_contribution(
    cost_gbp: np.ndarray | float, limit_gbp: float, rules: FairAccessRules
) -> np.ndarray:
    """Most the ASGSF could fund for a cost: the limit, plus 50% above it, capped at £30,000."""
    cost = np.asarray(cost_gbp, dtype=float)
    above = np.clip(cost - limit_gbp, 0, None) * rules.match_share_above_limit_pct / 100.0
    return np.minimum(np.minimum(cost, limit_gbp) + above, rules.max_total_per_child_gbp)


def has_amounts(df: pd.DataFrame) -> bool:
    """True when the packages data has any recorded `amount_gbp`."""
    return "amount_gbp" in df.columns and bool(df["amount_gbp"].notna().any())


def _limits_per_row(therapy: pd.Series, rules: FairAccessRules) -> np.ndarray:
    cat = therapy if isinstance(therapy.dtype, pd.CategoricalDtype) else therapy.astype("category")
    lim = np.array(
        [
            rules.assessment_limit_gbp if is_assessment(c) else rules.therapy_limit_gbp
            for c in cat.cat.categories
        ]
        + [rules.therapy_limit_gbp],
        dtype=float,
    )
    return lim[cat.cat.codes.to_numpy()]  # code -1 (blank) takes the last entry: the therapy limit


def _therapy_labels(therapy: pd.Series) -> pd.Series:
    """Canonical therapy labels, mapped once per distinct value (blank -> 'Not recorded')."""
    cat = therapy if isinstance(therapy.dtype, pd.CategoricalDtype) else therapy.astype("category")
    mapped = [canonical_label(c) if str(c).strip() else NOT_RECORDED for c in cat.cat.categories]
    codes = cat.cat.codes.to_numpy()
    labels = np.array([*mapped, NOT_RECORDED], dtype=object)
    return pd.Series(pd.Categorical(labels[codes]), index=therapy.index)


def therapy_labels(therapy: pd.Series) -> pd.Series:
    """Canonical therapy labels as the spend tables show them (blank -> 'Not recorded')."""
    return _therapy_labels(therapy)


SHARE_SIDES = (
    "packages_at_or_above_limit",
    "packages_below_limit",
    "packages_match_funded",
    "packages_not_match_funded",
)
"""Hidden count columns of `spend_by_year_therapy`: the two sides of each share."""


def spend_by_year_therapy(df: pd.DataFrame, rules: FairAccessRules) -> pd.DataFrame:
    """Per financial year and therapy: packages, packages with an amount, total, mean and median
    cost, share at or above the fair access limit, and share match-funded (percentages unrounded)."""
    work = pd.DataFrame(
        {
            "financial_year": df["financial_year"],
            "therapy_type": _therapy_labels(df["therapy_type"]),
            "amount_gbp": df["amount_gbp"].astype(float),
        }
    )
    limit = _limits_per_row(df["therapy_type"], rules)
    amt = work["amount_gbp"].to_numpy()
    work["at_or_above_limit"] = np.where(np.isnan(amt), np.nan, (amt >= limit).astype(float))
    work["match_funded"] = (
        df["match_funded"].astype("boolean").astype("Float64").astype(float)
        if "match_funded" in df.columns
        else np.nan
    )
    g = work.groupby(["financial_year", "therapy_type"], observed=True, sort=True)
    out = g.agg(
        packages=("amount_gbp", "size"),
        packages_with_amount=("amount_gbp", "count"),
        total_gbp=("amount_gbp", "sum"),
        mean_cost_gbp=("amount_gbp", "mean"),
        median_cost_gbp=("amount_gbp", "median"),
        at_or_above_limit_pct=("at_or_above_limit", "mean"),
        match_funded_pct=("match_funded", "mean"),
    ).reset_index()
    out["at_or_above_limit_pct"] *= 100.0
    out["match_funded_pct"] *= 100.0
    # The counts behind the two shares, both sides: checked (not released) so that neither a
    # share nor its complement can reveal a small count.
    sides = g.agg(
        packages_at_or_above_limit=("at_or_above_limit", "sum"),
        packages_below_limit=("at_or_above_limit", lambda v: int((v == 0).sum())),
        packages_match_funded=("match_funded", "sum"),
        packages_not_match_funded=("match_funded", lambda v: int((v == 0).sum())),
    ).reset_index(drop=True)
    for column in SHARE_SIDES:
        out[column] = sides[column].astype(np.int64).to_numpy()
    out[DOMINATED] = dominated_rows(out, work, ["financial_year", "therapy_type"], "amount_gbp")
    out["financial_year"] = out["financial_year"].astype(str)
    out["therapy_type"] = out["therapy_type"].astype(str)
    return out


DOMINATED = "amounts_dominated"
"""Hidden column of the spend tables: a few packages dominate the row's amounts (ACRO's n-k or
p% rule), so its total, mean and median are suppressed (`Disclosure.magnitudes`)."""
NATIONAL_DOMINATED = "national_amounts_dominated"


def regional_costs(df: pd.DataFrame) -> pd.DataFrame:
    """Mean cost per package by region and therapy against the national mean for that therapy.

    Columns: `region, therapy_type, packages, mean_cost_gbp, national_mean_cost_gbp,
    ratio_to_national` (1.0 = national average) and the hidden dominance flags of the region's
    (`DOMINATED`) and England's (`NATIONAL_DOMINATED`) amounts. Uses packages with an amount.
    """
    work = pd.DataFrame(
        {
            "region": df["region"],
            "therapy_type": _therapy_labels(df["therapy_type"]),
            "amount_gbp": df["amount_gbp"].astype(float),
        }
    )
    work = work[work["amount_gbp"].notna()]
    reg = (
        work.groupby(["region", "therapy_type"], observed=True, sort=True)["amount_gbp"]
        .agg(packages="size", mean_cost_gbp="mean")
        .reset_index()
    )
    nat = (
        work.groupby("therapy_type", observed=True)["amount_gbp"]
        .mean()
        .rename("national_mean_cost_gbp")
    )
    reg = reg.merge(nat.reset_index(), on="therapy_type", how="left")
    reg["ratio_to_national"] = reg["mean_cost_gbp"] / reg["national_mean_cost_gbp"]
    reg[DOMINATED] = dominated_rows(reg, work, ["region", "therapy_type"], "amount_gbp")
    reg[NATIONAL_DOMINATED] = dominated_rows(reg, work, ["therapy_type"], "amount_gbp")
    reg["therapy_type"] = reg["therapy_type"].astype(str)
    reg["region"] = reg["region"].astype(str)
    return reg
