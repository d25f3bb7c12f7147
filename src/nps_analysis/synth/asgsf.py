"""Synthetic ASGSF funded packages (s4.2, s7), honouring every published total exactly.

Exact: package totals by therapy over 2018/19-2022/23; the 2018/19 and 2022/23 annual totals; no
Family therapy before, and no Multi-disciplinary packages on or after, November 2018; funding of
providers A-E by pan-region (whole pounds). Assumed (params.yaml synth.asgsf): the 2019/20-2021/22
annual totals, the year-by-therapy pattern inside the margins, amounts, ages, order types, RAAs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nps_analysis.synth.apportion import controlled_round, ipf, largest_remainder
from nps_analysis.synth.common import STREAMS, fig, published, raa_weights, raas, rng_for

YEARS = ("2018/19", "2019/20", "2020/21", "2021/22", "2022/23")
FAMILY = "Family therapy"
MDP = "Multi-disciplinary packages of support"
ASSESSMENTS = "Specialist assessments"
CHANGE = pd.Timestamp("2018-11-01")
#: therapies the report says rose year on year (s4.2)
STATED_RISING = ("Specialist assessments", "Psychotherapy", "Family therapy", "Creative therapies")


def therapy_totals() -> pd.Series:
    """Published 5-year package totals by therapy (reference order)."""
    t = published("asgsf_packages")
    t = t[
        (t["measure"] == "packages")
        & (t["financial_year"] == "2018/19-2022/23")
        & (t["therapy_type"] != "all")
    ]
    return pd.Series(
        t["value"].astype(int).to_numpy(), index=t["therapy_type"].to_numpy(), name="packages"
    )


def year_totals(params: dict[str, Any]) -> pd.Series:
    """Annual totals: 2018/19 and 2022/23 published; the middle three an ASSUMPTION (rising)."""
    first, last = int(fig("asgsf.packages.2018_19")), int(fig("asgsf.packages.2022_23"))
    middle = int(therapy_totals().sum()) - first - last
    mid = largest_remainder(middle, np.asarray(params["middle_year_weights"], dtype=float))
    totals = np.array([first, *mid, last])
    if not (np.diff(totals) > 0).all():
        raise ValueError(
            f"synth.asgsf.middle_year_weights give non-rising annual totals {totals.tolist()}"
        )
    return pd.Series(totals, index=list(YEARS), name="packages")


def year_by_therapy(params: dict[str, Any]) -> pd.DataFrame:
    """Integer year x therapy counts with both published margins exact."""
    cols = therapy_totals()
    rows = year_totals(params)
    t = np.arange(len(YEARS))[:, None]
    growth = np.array(
        [
            params["growth_stated"] if c in STATED_RISING else params["growth_other"]
            for c in cols.index
        ]
    )
    seed = cols.to_numpy()[None, :] * growth[None, :] ** t
    seed[:, cols.index.get_loc(MDP)] = np.where(t[:, 0] == 0, 1.0, 0.0)  # removed Nov 2018
    seed[0, cols.index.get_loc(FAMILY)] *= params["family_therapy_2018_19_factor"]  # added Nov 2018
    fitted = ipf(seed, rows.to_numpy().astype(float), cols.to_numpy().astype(float))
    table = controlled_round(fitted, rows.to_numpy(), cols.to_numpy())
    return pd.DataFrame(table, index=list(YEARS), columns=cols.index)


def provider_funding() -> pd.DataFrame:
    """Published provider A-E funding by pan-region (gbp rows only)."""
    t = published("provider_funding")
    t = t[
        (t["measure"] == "gbp")
        & (t["region"] != "all")
        & t["figure_id"].str.startswith("funding.provider_")
    ]
    return pd.DataFrame(
        {
            "provider": "Provider " + t["provider"],
            "region": t["region"],
            "amount_gbp": t["value"].astype("int64"),
        }
    ).reset_index(drop=True)


def _approval_dates(rng: np.random.Generator, years: np.ndarray, therapy: np.ndarray) -> np.ndarray:
    """A date in each package's financial year, respecting the November 2018 category change."""
    start = pd.to_datetime([f"{y[:4]}-04-01" for y in YEARS]).to_numpy()
    idx = pd.Index(YEARS).get_indexer(years)
    lo = start[idx].copy()
    hi = start[idx] + np.timedelta64(365, "D")
    first = years == YEARS[0]
    lo = np.where(first & (therapy == FAMILY), CHANGE.to_datetime64(), lo)
    hi = np.where(first & (therapy == MDP), CHANGE.to_datetime64(), hi)
    span = (hi - lo).astype("timedelta64[D]").astype("int64")
    return (lo + (rng.random(len(years)) * span).astype("int64").astype("timedelta64[D]")).astype(
        "datetime64[D]"
    )


def generate(params: dict[str, Any], concentration: float, seed: int) -> pd.DataFrame:
    """One row per funded package."""
    p = params
    rng = rng_for(seed, "asgsf_packages")
    table = year_by_therapy(p)
    long = table.stack()
    years = np.repeat(long.index.get_level_values(0).to_numpy(), long.to_numpy())
    therapy = np.repeat(long.index.get_level_values(1).to_numpy(), long.to_numpy())
    n = len(years)
    ref = raas()
    w = raa_weights(rng, concentration, len(ref))
    raa_idx = rng.choice(len(ref), size=n, p=w)
    region = ref["region"].to_numpy()[raa_idx]
    fal = np.where(
        therapy == ASSESSMENTS,
        fig("asgsf.rules.fair_access_limit.specialist_assessment"),
        fig("asgsf.rules.fair_access_limit.therapy"),
    )
    cap = fig("asgsf.rules.match_funding.max_total_per_child")
    # other providers' amounts: gamma around the mean, within the fair access limit; a few match-funded
    amount = np.minimum(
        np.round(
            rng.gamma(
                p["package_amount_shape"], p["package_mean_gbp"] / p["package_amount_shape"], n
            )
        ),
        fal,
    )
    amount = np.maximum(amount, 100.0)
    matched = rng.random(n) < p["match_funded_share"]
    amount = np.where(matched, np.round(fal + rng.random(n) * (cap - fal)), amount)
    pool = np.array([f"P{i:03d}" for i in range(1, int(p["provider_pool"]) + 1)])
    zipf = 1.0 / np.arange(1, len(pool) + 1)
    provider = pool[rng.choice(len(pool), size=n, p=zipf / zipf.sum())].astype(object)
    provider[rng.random(n) < p["provider_blank_share"]] = ""
    # providers A-E: exact funding by pan-region, spread over randomly chosen packages of that region
    taken = np.zeros(n, dtype=bool)
    for row in provider_funding().itertuples(index=False):
        k = max(1, int(round(row.amount_gbp / p["package_mean_gbp"])))
        candidates = np.flatnonzero((region == row.region) & ~taken)
        chosen = np.sort(rng.choice(candidates, size=k, replace=False))
        taken[chosen] = True
        provider[chosen] = row.provider
        amount[chosen] = largest_remainder(
            int(row.amount_gbp), rng.gamma(p["package_amount_shape"], 1.0, k)
        )
    matched = amount > fal
    blank_therapy = rng.random(n) < p["therapy_blank_share"]
    order_types = list(p["order_type_shares"])
    shares = np.array([p["order_type_shares"][o] for o in order_types], dtype=float)
    ages = np.clip(np.round(rng.normal(p["child_age_mean"], p["child_age_sd"], n)), 0, 25)
    out = pd.DataFrame(
        {
            "financial_year": years,
            "region": region,
            "raa": ref["raa"].to_numpy()[raa_idx],
            "provider": provider,
            "therapy_type": np.where(blank_therapy, "", therapy),
            "child_age": ages.astype(int),
            "order_type": np.array(order_types)[
                rng.choice(len(order_types), size=n, p=shares / shares.sum())
            ],
            "amount_gbp": amount.astype("int64"),
            "match_funded": matched,
            "date_approved": pd.to_datetime(_approval_dates(rng, years, therapy)).strftime(
                "%Y-%m-%d"
            ),
        }
    )
    out = out.sort_values(["date_approved", "raa"], kind="mergesort").reset_index(drop=True)
    out.insert(0, "application_id", [f"SYN-A{i:06d}" for i in range(1, n + 1)])
    out["child_ref"] = child_refs(out, p, seed)
    return out


CHILD_REF_STREAM = 21
"""Sub-stream of the packages' seed for `child_ref` (issue #21): drawing the children leaves every
other column of the packages exactly as before."""


def child_refs(packages: pd.DataFrame, params: dict[str, Any], seed: int) -> np.ndarray:
    """A pseudonymous child per package: children with several packages in a year (ASSUMPTION).

    Within each RAA, financial year, age and order type (so one child's packages agree on them),
    packages in random order are grouped into children of 1 + Poisson(`packages_per_child_extra`)
    packages, at most `max_packages_per_child`, and only while the child stays within the
    2015/16-2024/25 fair access limits (therapy and assessments separately), so that no child
    exceeds a limit without match funding; a match-funded package is a child of its own. Children
    are not followed across years. References `SYN-C000001`... in order of first appearance.
    """
    from nps_analysis.asgsf.spend import rules_for

    rng = np.random.default_rng([int(seed), STREAMS["asgsf_packages"], CHILD_REF_STREAM])
    extra = float(params["packages_per_child_extra"])
    most = int(params["max_packages_per_child"])
    n = len(packages)
    amount = packages["amount_gbp"].to_numpy(dtype=float)
    assessment = packages["therapy_type"].to_numpy() == ASSESSMENTS
    matched = packages["match_funded"].to_numpy(dtype=bool)
    child = np.full(n, -1, dtype=np.int64)
    keys = ["raa", "financial_year", "child_age", "order_type"]
    limits_of = {}
    for year in packages["financial_year"].unique():
        rules = rules_for(str(year))
        limits_of[year] = {True: rules.assessment_limit_gbp, False: rules.therapy_limit_gbp}
    next_child = 0
    for (_, year, _, _), idx in packages.groupby(keys, sort=True).indices.items():
        limits = limits_of[year]
        order = rng.permutation(idx)
        sizes = np.minimum(1 + rng.poisson(extra, len(order)), most)
        k, size, spent = 0, 0, {True: 0.0, False: 0.0}
        for i in order:
            kind = bool(assessment[i])
            fits = (
                size > 0
                and size < sizes[k]
                and not matched[i]
                and spent[kind] + amount[i] <= limits[kind]
            )
            if not fits:
                if size > 0:
                    next_child, k = next_child + 1, k + 1
                size, spent = 0, {True: 0.0, False: 0.0}
            child[i] = next_child
            size += 1
            spent[kind] += amount[i]
            if matched[i]:
                size = most  # nothing joins a match-funded child
        next_child += 1
    _, first = np.unique(child, return_index=True)
    rank = np.empty(next_child, dtype=np.int64)
    rank[child[np.sort(first)]] = np.arange(1, len(first) + 1)
    return np.array([f"SYN-C{r:06d}" for r in rank[child]], dtype=object)
