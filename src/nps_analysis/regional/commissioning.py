"""Section 3 and 4: ASGSF use in the region and its provider market.

London's method for joint/lead-commissioning candidates ranks providers used by more than one
RAA by spend, number of RAAs using them and share of the region's spend.
"""

from __future__ import annotations

import pandas as pd

from nps_analysis.stats import hhi, wilson_ci

NOT_RECORDED = "Not recorded"


def packages_by(packages: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Packages per combination of `keys` (all combinations observed in the data)."""
    out = packages.groupby(keys, observed=True).size().rename("packages").reset_index()
    for key in keys:
        out[key] = out[key].astype(str)
    return out


def provider_overlap(packages: pd.DataFrame, *, shortlist_size: int) -> pd.DataFrame:
    """Providers used by more than one RAA, ranked as joint/lead-commissioning candidates."""
    known = packages.loc[
        packages["provider"].notna() & (packages["provider"].astype(str).str.strip() != "")
    ]
    region_spend = known["amount_gbp"].sum()
    per = (
        known.groupby("provider", observed=True)
        .agg(
            packages=("application_id", "size"),
            raas=("raa", "nunique"),
            spend_gbp=("amount_gbp", "sum"),
        )
        .reset_index()
    )
    per["share_of_region_spend_pct"] = (
        100 * per["spend_gbp"] / region_spend if region_spend else float("nan")
    )
    multi = per.loc[per["raas"] > 1].sort_values(
        ["spend_gbp", "raas", "provider"], ascending=[False, False, True], kind="mergesort"
    )
    multi = multi.head(shortlist_size).reset_index(drop=True)
    multi.insert(0, "rank", range(1, len(multi) + 1))
    multi["provider"] = multi["provider"].astype(str)
    multi["raas"] = multi["raas"].astype(int)
    return multi


PROVIDER_OVERLAP_DISCLOSURE = {
    "counts": ["packages"],
    "derived": {"spend_gbp": "packages", "share_of_region_spend_pct": "packages"},
    "dims": [],
}


def blank_therapy_by_raa(packages: pd.DataFrame) -> pd.DataFrame:
    """Share of packages with no therapy type recorded, by RAA (a data-quality indicator)."""
    blank = packages["therapy_type"].astype(str) == NOT_RECORDED
    out = (
        pd.DataFrame({"raa": packages["raa"].astype(str), "blank": blank})
        .groupby("raa")
        .agg(packages=("blank", "size"), blank_therapy=("blank", "sum"))
        .reset_index()
    )
    out["blank_therapy"] = out["blank_therapy"].astype(int)
    out["blank_pct"] = 100 * out["blank_therapy"] / out["packages"]
    return out


BLANK_DISCLOSURE = {
    "counts": ["packages", "blank_therapy"],
    "derived": {"blank_pct": "blank_therapy"},
}


def share_aged_12_plus(packages: pd.DataFrame) -> pd.DataFrame:
    """Packages for children aged 12 and over, by financial year, with Wilson 95% CIs."""
    aged = packages.loc[packages["child_age"].notna()]
    out = (
        pd.DataFrame(
            {"financial_year": aged["financial_year"].astype(str), "older": aged["child_age"] >= 12}
        )
        .groupby("financial_year")
        .agg(packages=("older", "size"), aged_12_plus=("older", "sum"))
        .reset_index()
    )
    out["aged_12_plus"] = out["aged_12_plus"].astype(int)
    out["pct"] = 100 * out["aged_12_plus"] / out["packages"]
    low, high = wilson_ci(out["aged_12_plus"], out["packages"])
    out["ci_low"], out["ci_high"] = 100 * low, 100 * high
    return out


AGE_DISCLOSURE = {
    "counts": ["packages", "aged_12_plus"],
    "derived": {"pct": "aged_12_plus", "ci_low": "aged_12_plus", "ci_high": "aged_12_plus"},
    "dims": ["financial_year"],
}


def cost_per_therapy_vs_national(packages: pd.DataFrame, region: str) -> pd.DataFrame:
    """Mean cost per package by therapy: region vs England, and the ratio."""
    priced = packages.loc[packages["amount_gbp"].notna()]

    def summary(df: pd.DataFrame) -> pd.DataFrame:
        return df.groupby("therapy_type", observed=True)["amount_gbp"].agg(["size", "mean"])

    mine = summary(priced.loc[priced["region"].astype(str) == region])
    england = summary(priced)
    out = mine.join(england, lsuffix="_region", rsuffix="_england", how="inner").reset_index()
    out = out.rename(
        columns={
            "size_region": "packages_region",
            "mean_region": "mean_cost_region_gbp",
            "size_england": "packages_england",
            "mean_england": "mean_cost_england_gbp",
        }
    )
    out["ratio_to_england"] = out["mean_cost_region_gbp"] / out["mean_cost_england_gbp"]
    out["therapy_type"] = out["therapy_type"].astype(str)
    return out[
        [
            "therapy_type",
            "packages_region",
            "mean_cost_region_gbp",
            "packages_england",
            "mean_cost_england_gbp",
            "ratio_to_england",
        ]
    ]


COST_DISCLOSURE = {
    "counts": ["packages_region", "packages_england"],
    "derived": {
        "mean_cost_region_gbp": "packages_region",
        "ratio_to_england": "packages_region",
        "mean_cost_england_gbp": "packages_england",
    },
    "dims": [],
}


def provider_concentration(packages: pd.DataFrame) -> pd.DataFrame:
    """Concentration of the region's provider spend: providers, packages and the HHI (0-10,000)."""
    known = packages.loc[packages["provider"].notna() & packages["amount_gbp"].notna()]
    spend = known.groupby("provider", observed=True)["amount_gbp"].sum()
    shares = 100 * spend / spend.sum() if spend.sum() else spend
    return pd.DataFrame(
        {
            "providers": [int(spend.size)],
            "packages": [int(len(known))],
            "hhi": [hhi(shares) if spend.size else float("nan")],
            "largest_provider_share_pct": [float(shares.max()) if spend.size else float("nan")],
        }
    )


CONCENTRATION_DISCLOSURE = {
    "counts": ["packages"],
    "derived": {"hhi": "packages", "largest_provider_share_pct": "packages"},
    "dims": [],
}


def published_provider_funding(published: pd.DataFrame, region: str) -> pd.DataFrame:
    """The report's s7 table for this region: ASGSF funding 2015/16-2022/23 from providers A-E."""
    rows = published.loc[published["region"] == region]
    gbp = rows.loc[rows["unit"] == "gbp", ["provider", "value", "value_as_printed"]]
    pct = rows.loc[rows["unit"] == "percent", ["provider", "value"]]
    out = gbp.merge(pct, on="provider", how="left", suffixes=("_gbp", "_share_of_provider_pct"))
    return out.rename(
        columns={
            "value_gbp": "funding_gbp",
            "value_as_printed": "funding_as_printed",
            "value_share_of_provider_pct": "share_of_provider_total_pct",
        }
    )
