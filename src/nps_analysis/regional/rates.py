"""ASGSF packages per 1,000 adopted children: numerator and denominator for one population.

The denominator is the estimated number of children adopted from care in England living in the
area and aged under 18 at 31 March at the end of the financial year (``docs/public-data.md``);
so the numerator counts only packages for *adopted* children (not special guardianship or child
arrangements orders) aged under 18 when funded. The excluded packages are counted beside the
rate, so the mismatch with "all packages" is shown, not hidden.
"""

from __future__ import annotations

import pandas as pd

from nps_analysis.asgsf.years import fy_start
from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.vocabulary import PACKAGES
from nps_analysis.public.analysis import per_1000
from nps_analysis.regional.context import REGION_TOTAL
from nps_analysis.rounding import round_half_up

ORDER_IN_SCOPE = "adoption"
"""Packages for children on an adoption order are the ones the population estimate counts."""
AGE_LIMIT = 18
"""The population estimate's age limit used for the rate (children under 18)."""


def in_scope(packages: pd.DataFrame) -> pd.Series:
    """True for packages for adopted children (adoption order) aged under 18 when funded."""
    order = packages["order_type"].astype(str) == ORDER_IN_SCOPE
    return order & (packages["child_age"] < AGE_LIMIT)


def packages_per_1000(
    packages: pd.DataFrame, population: pd.DataFrame, region_population: pd.DataFrame
) -> pd.DataFrame:
    """Packages per 1,000 adopted children under 18, by RAA and financial year, plus the region.

    ``population`` has ``region, raa, as_at_year, age_limit, estimate, low, high`` (estimate at
    31 March of ``as_at_year``), ``region_population`` the same without ``raa`` (its range is the
    region's feasible range, narrower than the sum of its RAAs' ranges); financial year 2022/23
    is matched with 31 March 2023. ``rate_low`` uses the high population estimate, ``rate_high``
    the low one.
    """
    frame = pd.DataFrame(
        {
            "financial_year": packages["financial_year"].astype(str),
            "region": packages["region"].astype(str),
            "raa": packages["raa"].astype(str),
            "in_scope": in_scope(packages).to_numpy(),
        }
    )
    by_raa = frame.groupby(["financial_year", "region", "raa"], as_index=False).agg(
        packages_all=("in_scope", "size"), packages=("in_scope", "sum")
    )
    by_region = (
        by_raa.groupby(["financial_year", "region"], as_index=False)[["packages_all", "packages"]]
        .sum()
        .assign(raa=REGION_TOTAL)
    )
    counts = pd.concat([by_raa, by_region], ignore_index=True)
    counts["as_at_year"] = counts["financial_year"].map(fy_start) + 1
    pop = population.loc[population["age_limit"] == AGE_LIMIT]
    pop_region = region_population.loc[region_population["age_limit"] == AGE_LIMIT].assign(
        raa=REGION_TOTAL
    )
    columns = ["region", "raa", "as_at_year", "estimate", "low", "high"]
    pop = pd.concat([pop[columns], pop_region[columns]], ignore_index=True)
    out = counts.merge(pop, on=["region", "raa", "as_at_year"], how="inner", validate="1:1")
    out["packages"] = out["packages"].astype(int)
    out["packages_excluded"] = (out["packages_all"] - out["packages"]).astype(int)
    packages = out["packages"]
    out["rate_per_1000"], out["rate_low"], out["rate_high"] = per_1000(
        packages, packages, packages, out["estimate"], out["low"], out["high"]
    )
    for column in ("estimate", "low", "high"):  # estimated children: shown as whole numbers
        out[column] = round_half_up(out[column]).astype("int64")
    out = out.rename(
        columns={
            "estimate": "adopted_children_under_18",
            "low": "adopted_children_low",
            "high": "adopted_children_high",
        }
    )
    out["_total"] = out["raa"] == REGION_TOTAL
    out = out.sort_values(["financial_year", "_total", "raa"], kind="mergesort")
    return out[
        [
            "financial_year",
            "region",
            "raa",
            "packages",
            "packages_excluded",
            "as_at_year",
            "adopted_children_under_18",
            "adopted_children_low",
            "adopted_children_high",
            "rate_per_1000",
            "rate_low",
            "rate_high",
        ]
    ].reset_index(drop=True)


RATES_DISCLOSURE = Disclosure(
    counts=["packages", "packages_excluded"],
    derived={"rate_per_1000": "packages", "rate_low": "packages", "rate_high": "packages"},
    dims=["financial_year", "raa"],
    population=PACKAGES,
    members={"packages": {"in_scope": "yes"}, "packages_excluded": {"in_scope": "no"}},
    dimensions={"region": "region"},
)
"""Disclosure declaration of :func:`packages_per_1000` tables."""
