"""Section 3 and 4: ASGSF use in the region and its provider market.

London's method for joint/lead-commissioning candidates ranks providers used by more than one
RAA by spend, number of RAAs using them and share of the region's spend.
"""

from __future__ import annotations

import pandas as pd

from nps_analysis.asgsf.categories import NOT_RECORDED
from nps_analysis.asgsf.prepare import packages_by as packages_by
from nps_analysis.asgsf.prepare import packages_disclosure as packages_disclosure
from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.vocabulary import KNOWN_AGE, NOT_PREFIX, OLDER_AGE_GROUP, PACKAGES
from nps_analysis.provenance import SUPPRESSED
from nps_analysis.sdc import SDCConfig, dominated, dominated_rows
from nps_analysis.stats import hhi, wilson_ci

SPEND_DISCLOSURE = Disclosure(population=PACKAGES, members={"n": {"amount_recorded": "yes"}})
"""What the counts `n` of the spend (magnitude) tables count, for the release-wide audit."""


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


PROVIDER_OVERLAP_DISCLOSURE = Disclosure(
    counts=["packages"],
    derived={"spend_gbp": "packages", "share_of_region_spend_pct": "packages"},
    dims=[],
    population=PACKAGES,
    dimensions={"provider": "provider"},
)


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


BLANK_DISCLOSURE = Disclosure(
    counts=["packages", "blank_therapy"],
    derived={"blank_pct": ("packages", "blank_therapy")},
    population=PACKAGES,
    members={"blank_therapy": {"therapy_type": NOT_RECORDED}},
)


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


AGE_DISCLOSURE = Disclosure(
    counts=["packages", "aged_12_plus"],
    derived=dict.fromkeys(("pct", "ci_low", "ci_high"), ("packages", "aged_12_plus")),
    dims=["financial_year"],
    population=PACKAGES,
    members={
        "packages": {"age_group": KNOWN_AGE},
        "aged_12_plus": {"age_group": OLDER_AGE_GROUP},
    },
)


def cost_per_therapy_vs_national(
    packages: pd.DataFrame, national: pd.DataFrame, *, national_basis: str
) -> pd.DataFrame:
    """Mean cost per package by therapy: the region's packages against England's, and the ratio.

    ``national`` is the England comparator (all regions' packages), never the region's own
    files: in an own-data run it is the default national data, whose kind ``national_basis``
    names (e.g. "synthetic default national data") and is carried in the table.
    """

    def summary(df: pd.DataFrame) -> pd.DataFrame:
        priced = df.loc[df["amount_gbp"].notna()]
        return priced.groupby("therapy_type", observed=True)["amount_gbp"].agg(["size", "mean"])

    mine = summary(packages)
    england = summary(national)
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
    for flag, frame in ((REGION_DOMINATED, packages), (ENGLAND_DOMINATED, national)):
        out[flag] = dominated_rows(out, frame, ["therapy_type"], "amount_gbp")
    out["therapy_type"] = out["therapy_type"].astype(str)
    out["england_basis"] = national_basis
    return out[
        [
            "therapy_type",
            "packages_region",
            "mean_cost_region_gbp",
            "packages_england",
            "mean_cost_england_gbp",
            "ratio_to_england",
            "england_basis",
            REGION_DOMINATED,
            ENGLAND_DOMINATED,
        ]
    ]


REGION_DOMINATED = "region_amounts_dominated"
ENGLAND_DOMINATED = "england_amounts_dominated"
"""Hidden flags of :func:`cost_per_therapy_vs_national`: a few packages dominate the region's
(England's) amounts of a therapy, so its mean cost is suppressed (`Disclosure.magnitudes`)."""


def cost_disclosure(national_is_same_data: bool) -> Disclosure:
    """Disclosure declaration of :func:`cost_per_therapy_vs_national` tables: the England
    counts are of the same records as the region's when the national data is the same file."""
    return Disclosure(
        counts=["packages_region", "packages_england"],
        derived={
            "mean_cost_region_gbp": "packages_region",
            "ratio_to_england": "packages_region",
            "mean_cost_england_gbp": "packages_england",
        },
        dims=[],
        population=PACKAGES,
        members={
            "packages_region": {"amount_recorded": "yes"},
            "packages_england": {"amount_recorded": "yes", "region": "*"},
        },
        populations={} if national_is_same_data else {"packages_england": "national packages"},
        dimensions={"therapy_type": "therapy_type"},
        magnitudes={
            "mean_cost_region_gbp": REGION_DOMINATED,
            "ratio_to_england": (REGION_DOMINATED, ENGLAND_DOMINATED),
            "mean_cost_england_gbp": ENGLAND_DOMINATED,
        },
    )


def provider_concentration(packages: pd.DataFrame, config: SDCConfig) -> pd.DataFrame:
    """Concentration of the region's provider spend: providers, packages and the HHI (0-10,000).

    The HHI and the largest provider's share are released only when the spend passes the
    dominance rules (`sdc.dominated`): with a dominant provider they would give its spend."""
    known = packages.loc[packages["provider"].notna() & packages["amount_gbp"].notna()]
    spend = known.groupby("provider", observed=True)["amount_gbp"].sum()
    shares = 100 * spend / spend.sum() if spend.sum() else spend
    hidden = not spend.size or dominated(spend, config)
    return pd.DataFrame(
        {
            "providers": [int(spend.size)],
            "packages": [int(len(known))],
            "hhi": [SUPPRESSED if hidden else hhi(shares)],
            "largest_provider_share_pct": [SUPPRESSED if hidden else float(shares.max())],
        }
    )


CONCENTRATION_DISCLOSURE = Disclosure(
    counts=["packages"],
    derived={"hhi": "packages", "largest_provider_share_pct": "packages"},
    dims=[],
    population=PACKAGES,
    members={"packages": {"provider": NOT_PREFIX + NOT_RECORDED, "amount_recorded": "yes"}},
)


def published_provider_funding(published: pd.DataFrame, region: str) -> pd.DataFrame:
    """The report's s7 table for this region: ASGSF funding 2015/16-2022/23 from providers A-E.

    One row per provider. Each £ cell of the chart table (``funding.provider_x.region``) has its
    share of the provider's total as ``<figure_id>.pct``; the same share quoted again in the text
    (``funding.text...``) is a second transcription of one fact and is not joined.
    """
    rows = published.loc[published["region"] == region]
    gbp = rows.loc[rows["unit"] == "gbp", ["figure_id", "provider", "value", "value_as_printed"]]
    pct = rows.loc[rows["unit"] == "percent", ["figure_id", "value"]]
    pct = pct.assign(figure_id=pct["figure_id"].str.removesuffix(".pct"))
    out = gbp.merge(
        pct, on="figure_id", how="left", suffixes=("_gbp", "_pct"), validate="one_to_one"
    )
    out = out.rename(
        columns={
            "value_gbp": "funding_gbp",
            "value_as_printed": "funding_as_printed",
            "value_pct": "share_of_provider_total_pct",
        }
    )
    return out.drop(columns="figure_id").reset_index(drop=True)
