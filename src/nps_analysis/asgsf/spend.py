"""Spend per package: cost per package, fair access limits and match funding (National Picture s4.1).

The fair access limits apply per child per year; the packages file has no child identifier, so a
package's amount is compared with the limit for its type (a per-package proxy: a child with two
packages in a year could exceed the limit with neither package at or above it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nps_analysis.asgsf.categories import NOT_RECORDED, canonical_label, is_assessment


@dataclass(frozen=True)
class FairAccessRules:
    """ASGSF fair access limits and match-funding rules (GBP per child per year)."""

    therapy_limit_gbp: float = 5000.0
    assessment_limit_gbp: float = 2500.0
    match_share_above_limit_pct: float = 50.0
    max_total_per_child_gbp: float = 30000.0
    source: str = "parameters (published rules table not available)"


def load_rules() -> FairAccessRules:
    """Fair access and match-funding rules from the published rules table (`asgsf_rules`).

    Falls back to the values printed in the report (s4.1) when the table cannot be read, and says
    so in `source`.
    """
    table = _read_rules_table()
    if table is None:
        return FairAccessRules()
    t = table.copy()
    t["key"] = t["rule"].astype(str) + "." + t["item"].astype(str)
    values = t.drop_duplicates("key").set_index("key")["value"].astype(float)
    defaults = FairAccessRules()

    def get(key: str, default: float) -> float:
        return float(values[key]) if key in values.index else default

    return FairAccessRules(
        therapy_limit_gbp=get("fair_access_limit.therapy", defaults.therapy_limit_gbp),
        assessment_limit_gbp=get(
            "fair_access_limit.specialist_assessment", defaults.assessment_limit_gbp
        ),
        match_share_above_limit_pct=get(
            "match_funding.asgsf_share_above_fal", defaults.match_share_above_limit_pct
        ),
        max_total_per_child_gbp=get(
            "match_funding.max_total_per_child", defaults.max_total_per_child_gbp
        ),
        source="published rules table data/raw/published/asgsf_rules.csv (National Picture s4.1)",
    )


def _read_rules_table() -> pd.DataFrame | None:
    try:
        from nps_analysis.published import load_published  # type: ignore[import-not-found]

        return load_published("asgsf_rules")
    except (ImportError, FileNotFoundError, KeyError, ValueError):
        pass
    from nps_analysis.paths import PUBLISHED_DIR

    path = PUBLISHED_DIR / "asgsf_rules.csv"
    if not path.is_file():
        return None
    table = pd.read_csv(path)
    return table if {"rule", "item", "value"} <= set(table.columns) else None


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
    out["financial_year"] = out["financial_year"].astype(str)
    out["therapy_type"] = out["therapy_type"].astype(str)
    return out


def regional_costs(df: pd.DataFrame) -> pd.DataFrame:
    """Mean cost per package by region and therapy against the national mean for that therapy.

    Columns: `region, therapy_type, packages, mean_cost_gbp, national_mean_cost_gbp,
    ratio_to_national` (1.0 = national average). Uses packages with a recorded amount.
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
    reg["therapy_type"] = reg["therapy_type"].astype(str)
    reg["region"] = reg["region"].astype(str)
    return reg
