"""Benchmarking RAAs fairly: indicators as rates with ranges, against England, the pan-region and
a comparator group, with funnel-plot control limits and neutral bands (docs/benchmarking.md).

One table per indicator, one row per RAA: the RAA's count and rate, its pan-region's, England's
and its comparator group's (pooled: summed counts over summed populations of the RAAs with data),
England's control limits at the RAA's size and the RAA's band. Rates per 1,000 adopted children
use :func:`nps_analysis.public.analysis.demand_rates` (the population estimate's low-high range
carried through); shares use Wilson intervals. Limits: exact Poisson with Spiegelhalter's (2005)
interpolation for counts over a population, the normal approximation to the binomial for shares;
spend and FTE are not counts of events, so they are placed in quarters of the RAAs instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from nps_analysis.asgsf.categories import NOT_RECORDED
from nps_analysis.asgsf.years import fy_start
from nps_analysis.datasets.processed import load_processed
from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.vocabulary import (
    CASES,
    KNOWN_AGE,
    OLDER_AGE_GROUP,
    PACKAGES,
    STAFF,
)
from nps_analysis.provenance import SUPPRESSED
from nps_analysis.public.analysis import demand_rates
from nps_analysis.regional import rates
from nps_analysis.regional.cases import RETURN_KEYS, case_returns
from nps_analysis.regions import pan_regions_raas
from nps_analysis.rounding import round_half_up
from nps_analysis.stats import wilson_ci

POISSON, BINOMIAL, QUARTERS = "exact Poisson", "normal approximation to the binomial", "quarters"
QUARTER_BANDS = (
    "lowest quarter of RAAs",
    "second quarter of RAAs",
    "third quarter of RAAs",
    "highest quarter of RAAs",
)
AREAS = ("region", "england", "comparator")
"""Prefixes of the comparison columns: the RAA's pan-region, England, its comparator group."""


def benchmark_params() -> dict[str, Any]:
    """The ``benchmarking`` block of params.yaml."""
    from nps_analysis.config import load_params

    return dict(load_params()["benchmarking"])


def benchmark_year(packages: pd.DataFrame, setting: str | None = None) -> str:
    """The financial year benchmarked: params.yaml's, or the latest with packages ('latest')."""
    setting = str(setting or benchmark_params()["financial_year"])
    if setting != "latest":
        return setting
    years = packages["financial_year"].astype(str).unique()
    return max(years, key=fy_start)


# ----------------------------------------------------------------------------- control limits
def poisson_quantile(mean: np.ndarray | float, p: float) -> np.ndarray:
    """The ``p`` quantile of a Poisson count with ``mean``, interpolated between integers as in
    Spiegelhalter (2005, Stat Med 24:1185, appendix A.1.1): r = smallest integer with
    F(r) >= p, then r - (F(r) - p) / (F(r) - F(r-1))."""
    mu = np.asarray(mean, dtype=float)
    r = sps.poisson.ppf(p, mu)
    upper, lower = sps.poisson.cdf(r, mu), sps.poisson.cdf(r - 1, mu)
    step = np.where(upper > lower, upper - lower, 1.0)
    return np.where(mu > 0, r - (upper - p) / step, 0.0)


def poisson_limits(
    target: float, population: np.ndarray | pd.Series, coverage: float, per: float = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """Funnel limits for a rate per ``per``: the central ``coverage`` of Poisson counts with mean
    ``target / per * population``, divided by the population."""
    pop = np.asarray(population, dtype=float)
    expected = target / per * pop
    tail = (1 - coverage) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        low = per * poisson_quantile(expected, tail) / pop
        high = per * poisson_quantile(expected, 1 - tail) / pop
    return low, high


def binomial_limits(
    target_pct: float, n: np.ndarray | pd.Series, coverage: float
) -> tuple[np.ndarray, np.ndarray]:
    """Funnel limits for a share in percent: p0 +/- z sqrt(p0 (1 - p0) / n), within 0-100."""
    p0 = target_pct / 100
    size = np.asarray(n, dtype=float)
    z = sps.norm.ppf(1 - (1 - coverage) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(p0 * (1 - p0) / size)
    return 100 * np.clip(p0 - half, 0, 1), 100 * np.clip(p0 + half, 0, 1)


def limit_label(coverage: float) -> str:
    """Column stem of a limit: 0.95 -> '95', 0.998 -> '998'."""
    return f"{100 * coverage:g}".replace(".", "")


def band_names(coverages: Sequence[float]) -> tuple[str, ...]:
    """The five bands against England's limits, lowest first (no better/worse: the direction of
    most indicators is not agreed)."""
    inner, outer = (f"{100 * c:g}%" for c in sorted(coverages))
    return (
        f"below England's {outer} limits",
        f"below England's {inner} limits only",
        f"within England's {inner} limits",
        f"above England's {inner} limits only",
        f"above England's {outer} limits",
    )


def limit_band(
    value: np.ndarray | pd.Series, limits: Mapping[float, tuple[np.ndarray, np.ndarray]]
) -> list[str]:
    """The band of each value against the inner and outer limits (blank where no value)."""
    inner, outer = sorted(limits)
    names = band_names([inner, outer])
    v = np.asarray(value, dtype=float)
    (il, ih), (ol, oh) = limits[inner], limits[outer]
    out = []
    for i, x in enumerate(v):
        if np.isnan(x) or np.isnan(il[i]):
            out.append("")
        elif x < ol[i]:
            out.append(names[0])
        elif x < il[i]:
            out.append(names[1])
        elif x <= ih[i]:
            out.append(names[2])
        elif x <= oh[i]:
            out.append(names[3])
        else:
            out.append(names[4])
    return out


def quarter_band(value: np.ndarray | pd.Series, reference: np.ndarray | pd.Series) -> list[str]:
    """Quarter of the ``reference`` RAAs' values (quartiles, linear) each value falls in."""
    ref = np.asarray(reference, dtype=float)
    ref = ref[~np.isnan(ref)]
    cuts = np.quantile(ref, [0.25, 0.5, 0.75]) if ref.size else np.full(3, np.nan)
    return [
        "" if np.isnan(x) or np.isnan(cuts[0]) else QUARTER_BANDS[int(np.searchsorted(cuts, x))]
        for x in np.asarray(value, dtype=float)
    ]


# ----------------------------------------------------------------------------- indicators
@dataclass(frozen=True)
class Indicator:
    """What one benchmarking table measures and how it is compared."""

    name: str
    what: str
    kind: str  # "rate" (per 1,000 adopted children under 18) or "share" (percent of base)
    limits: str  # POISSON, BINOMIAL or QUARTERS
    population: str | None  # disclosure population of the counts (None: public statistics)
    count_members: Mapping[str, Any]
    base_members: Mapping[str, Any] | None = None
    total: str | None = None  # name of a magnitude numerator (spend, FTE) counted by `count`
    unit: str = ""


INDICATORS = {
    i.name: i
    for i in (
        Indicator(
            "packages",
            "ASGSF packages for adopted children under 18 per 1,000 adopted children under 18",
            "rate",
            POISSON,
            PACKAGES,
            {"in_scope": "yes"},
        ),
        Indicator(
            "spend",
            "ASGSF spend on packages for adopted children under 18 per 1,000 adopted children "
            "under 18",
            "rate",
            QUARTERS,
            PACKAGES,
            {"in_scope": "yes", "amount_recorded": "yes"},
            total="spend_gbp",
            unit="£",
        ),
        Indicator(
            "open_cases",
            "Open adoption support cases for children per 1,000 adopted children under 18",
            "rate",
            POISSON,
            CASES,
            {"recipient_group": "children"},
        ),
        Indicator(
            "fte",
            "Adoption support staff FTE per 1,000 adopted children under 18",
            "rate",
            QUARTERS,
            STAFF,
            {},
            total="fte",
        ),
        Indicator(
            "aged_12_plus",
            "Share of ASGSF packages (age recorded) for children aged 12 and over",
            "share",
            BINOMIAL,
            PACKAGES,
            {"age_group": OLDER_AGE_GROUP},
            {"age_group": KNOWN_AGE},
            unit="%",
        ),
        Indicator(
            "blank_therapy",
            "Share of ASGSF packages with no therapy type recorded (data quality)",
            "share",
            BINOMIAL,
            PACKAGES,
            {"therapy_type": NOT_RECORDED},
            {},
            unit="%",
        ),
        Indicator(
            "adoptions",
            "Children adopted from care in the year (DfE) per 1,000 adopted children under 18",
            "rate",
            POISSON,
            None,
            {},
        ),
    )
}
"""The benchmarking indicators, by table suffix (tables are named ``benchmark_<name>``)."""


def _by_raa(frame: pd.DataFrame, **columns: tuple[str, str]) -> pd.DataFrame:
    out = frame.assign(region=frame["region"].astype(str), raa=frame["raa"].astype(str))
    return out.groupby(["region", "raa"], as_index=False).agg(**columns)


def package_values(packages: pd.DataFrame, financial_year: str) -> dict[str, pd.DataFrame]:
    """Numerators by RAA for the ASGSF indicators in ``financial_year``: ``count`` (and ``total``
    for spend, ``base`` for shares), with the packages definitions of ``rates``/commissioning."""
    rows = packages.loc[packages["financial_year"].astype(str) == financial_year]
    scope = rates.in_scope(rows).to_numpy()
    amount = rows["amount_gbp"].to_numpy(dtype=float)
    priced = scope & ~np.isnan(amount)
    frame = pd.DataFrame(
        {
            "region": rows["region"].astype(str).to_numpy(),
            "raa": rows["raa"].astype(str).to_numpy(),
            "in_scope": scope,
            "priced": priced,
            "spend": np.where(priced, amount, 0.0),
            "known_age": rows["child_age"].notna().to_numpy(),
            "older": (rows["child_age"] >= 12).to_numpy(),
            "blank": (rows["therapy_type"].astype(str) == NOT_RECORDED).to_numpy(),
            "one": 1,
        }
    )
    g = _by_raa(
        frame,
        in_scope=("in_scope", "sum"),
        priced=("priced", "sum"),
        spend=("spend", "sum"),
        known_age=("known_age", "sum"),
        older=("older", "sum"),
        blank=("blank", "sum"),
        packages=("one", "sum"),
    )
    keys = ["region", "raa"]
    return {
        "packages": g[keys].assign(count=g["in_scope"]),
        "spend": g[keys].assign(count=g["priced"], total=g["spend"]),
        "aged_12_plus": g[keys].assign(count=g["older"], base=g["known_age"]),
        "blank_therapy": g[keys].assign(count=g["blank"], base=g["packages"]),
    }


def benchmarked_return(cases: pd.DataFrame, setting: str | None = None) -> tuple[str, Any, Any]:
    """The open-case return benchmarked (count basis, period start, period end): the one most
    RAAs made (ties: the first in return order) when params.yaml says 'most_common'."""
    setting = str(setting or benchmark_params()["open_cases_return"])
    if setting != "most_common":
        raise ValueError(f"benchmarking.open_cases_return {setting!r}: only 'most_common'")
    returns = case_returns(cases)
    counts = returns.groupby(RETURN_KEYS, sort=False)["raa"].nunique()
    key = counts.index[int(np.argmax(counts.to_numpy()))]
    return (str(key[0]), key[1], key[2])


def case_values(cases: pd.DataFrame, which: tuple[str, Any, Any]) -> pd.DataFrame:
    """Children's open cases by RAA in return ``which`` (RAAs without it are absent)."""
    children = cases.loc[cases["recipient_group"].astype(str) == "children"]
    returns = case_returns(children)
    mine = returns.loc[
        (returns["count_basis"] == which[0])
        & (returns["period_start"] == which[1])
        & (returns["period_end"] == which[2])
    ]
    return mine[["region", "raa"]].assign(count=mine["open_cases"].astype("int64"))


def as_at_year_of(period_end: Any) -> int:
    """The latest 31 March on or before ``period_end`` (the population date of a return)."""
    end = pd.Timestamp(period_end)
    return end.year if (end.month, end.day) >= (3, 31) else end.year - 1


def workforce_values(workforce: pd.DataFrame) -> pd.DataFrame:
    """Staff posts (``count``) and FTE (``total``) by RAA from the skills audit."""
    frame = workforce.assign(one=1)
    g = _by_raa(frame, count=("one", "sum"), total=("fte", "sum"))
    return g


def adoption_values(public_dir: str | os.PathLike[str], year: int) -> pd.DataFrame:
    """DfE children adopted in the year ending 31 March ``year`` by report RAA, with the range
    from suppressed LA cells (``total_low``/``total_high``)."""
    df = load_processed("adoptions_by_region_year", public_dir)
    ref = pan_regions_raas()[["region", "raa"]]
    rows = ref.merge(df.loc[df["year"] == year], on=["region", "raa"], how="inner")
    return rows[["region", "raa"]].assign(
        count=rows["adoptions"].astype("int64"),
        total_low=rows["adoptions_low"].astype(float),
        total_high=rows["adoptions_high"].astype(float),
    )


def raa_population(public_dir: str | os.PathLike[str], as_at_year: int) -> pd.DataFrame:
    """Estimated adopted children under 18 by report RAA at 31 March ``as_at_year``."""
    df = load_processed("adopted_population_by_year", public_dir)
    rows = df.loc[(df["as_at_year"] == as_at_year) & (df["age_limit"] == rates.AGE_LIMIT)]
    ref = pan_regions_raas()[["region", "raa"]]
    return ref.merge(rows[["region", "raa", "estimate", "low", "high"]], on=["region", "raa"])


# ----------------------------------------------------------------------------- the table
def _complete(values: pd.DataFrame, raas: pd.DataFrame, absent_is_zero: bool) -> pd.DataFrame:
    out = raas.merge(values, on=["region", "raa"], how="left")
    out["count"] = out["count"].astype("Float64")
    if absent_is_zero:
        out["count"] = out["count"].fillna(0)
        for column in ("total", "base"):
            if column in out:
                out[column] = out[column].fillna(0.0)
    if "total" not in out:
        out["total"] = out["count"].astype(float)
    for side in ("low", "high"):
        if f"total_{side}" not in out:
            out[f"total_{side}"] = out["total"]
    return out


def _pool(values: pd.DataFrame, members: Sequence[str], pop: pd.DataFrame) -> dict[str, float]:
    """Summed numerators and populations of the ``members`` with data."""
    rows = values.loc[values["raa"].isin(list(members)) & values["count"].notna()]
    rows = rows.merge(pop, on=["region", "raa"], how="left")
    sums = {c: float(rows[c].sum()) for c in ("count", "total", "total_low", "total_high")}
    if "base" in rows:
        sums["base"] = float(rows["base"].sum())
    for c in ("estimate", "low", "high"):
        sums[c] = float(rows[c].sum())
    sums["raas"] = float(len(rows))
    return sums


def _rate(units: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """rate, rate_low, rate_high of ``units`` (one row each, column ``unit``)."""
    if indicator.kind == "share":
        base = units["base"].astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(base > 0, 100 * units["count"].astype(float) / base, np.nan)
        low, high = wilson_ci(units["count"].astype(float).fillna(0), base.fillna(0))
        return pd.DataFrame({"rate": rate, "rate_low": 100 * low, "rate_high": 100 * high})
    counts = units[["unit", "total", "total_low", "total_high"]]
    pop = units[["unit", "estimate", "low", "high"]].assign(age_limit=rates.AGE_LIMIT)
    out = demand_rates(counts, pop, value="total", by=("unit",), age_limit=rates.AGE_LIMIT)
    return out[["rate_per_1000", "rate_low", "rate_high"]].rename(columns={"rate_per_1000": "rate"})


def benchmark_table(
    indicator: Indicator,
    own: pd.DataFrame,
    national: pd.DataFrame,
    population: pd.DataFrame,
    raas: Sequence[str],
    groups: Mapping[str, Sequence[str]],
    *,
    coverages: Sequence[float] = (0.95, 0.998),
    absent_is_zero: bool = True,
    with_comparators: bool = True,
) -> pd.DataFrame:
    """One indicator for ``raas``: each RAA's count, denominator and rate (with range), its
    pan-region's, England's and its comparator group's, England's limits and the RAA's band.
    ``with_comparators=False`` leaves out the comparator group's figures (only its RAAs are
    named): see :func:`released_comparators`.

    ``own`` holds the numerators of the RAAs reported on (a region's own data), ``national``
    those of every RAA (England and the comparators; the same frame in the national picture);
    ``population`` the RAAs' adopted-child estimates (``region, raa, estimate, low, high``).
    Pooled areas sum the numerators and populations of their RAAs with data (``*_raas``).
    ``absent_is_zero``: an RAA with no records has a zero count (packages, staff); otherwise
    it is blank (an open-case return it did not make).
    """
    ref = pan_regions_raas()[["region", "raa"]]
    listed = ref.loc[ref["raa"].isin(list(raas))]
    listed = listed.set_index("raa").loc[list(raas)].reset_index()[["region", "raa"]]
    own_values = _complete(own, listed, absent_is_zero)
    everyone = _complete(national, ref, absent_is_zero)
    mine = own_values.merge(population, on=["region", "raa"], how="left")
    rows = mine.assign(unit=mine["raa"])
    pooled: dict[str, dict[str, dict[str, float]]] = {area: {} for area in AREAS}
    england = _pool(everyone, ref["raa"], population)
    for raa, region in zip(listed["raa"], listed["region"], strict=True):
        region_raas = ref.loc[ref["region"] == region, "raa"]
        whole_region = set(region_raas) <= set(listed["raa"])  # else from the national data
        pooled["region"][raa] = _pool(
            own_values if whole_region else everyone, region_raas, population
        )
        pooled["england"][raa] = england
        pooled["comparator"][raa] = _pool(everyone, groups[raa], population)
    table = listed.copy()
    table["count"] = mine["count"].astype("Int64")
    if indicator.total:
        table[indicator.total] = mine["total"]
    if indicator.kind == "share":
        table["base"] = mine["base"].astype("Int64")
    else:
        table["denominator"] = mine["estimate"]
        table["denominator_low"] = mine["low"]
        table["denominator_high"] = mine["high"]
    table = pd.concat([table, _rate(rows, indicator)], axis=1)
    for area in AREAS:
        frame = pd.DataFrame.from_dict(pooled[area], orient="index").reset_index(names="unit")
        frame = frame.set_index("unit").loc[list(listed["raa"])].reset_index()
        rate = _rate(frame, indicator)
        # an area none of whose RAAs made a return has no count: not available, not zero
        none = frame["raas"].to_numpy() == 0
        table[f"{area}_raas"] = frame["raas"].astype("int64").to_numpy()
        table[f"{area}_count"] = _whole(frame["count"], none)
        if indicator.total:
            table[f"{area}_{indicator.total}"] = np.where(none, np.nan, frame["total"])
        if indicator.kind == "share":
            table[f"{area}_base"] = _whole(frame["base"], none)
        else:
            table[f"{area}_denominator"] = np.where(none, np.nan, frame["estimate"])
        table[f"{area}_rate"] = np.where(none, np.nan, rate["rate"])
    table.insert(
        table.columns.get_loc("comparator_raas"),
        "comparators",
        ["; ".join(groups[r]) for r in listed["raa"]],
    )
    _add_limits(table, indicator, everyone, population, coverages)
    estimated = [c for c in table.columns if c.startswith(_DENOMINATORS)]
    for column in estimated:  # estimated children: shown as whole numbers, as in ``rates``
        table[column] = pd.array(round_half_up(table[column]), dtype="Int64")
    if not with_comparators:
        table = table.drop(columns=comparator_columns(table))
    return table.reset_index(drop=True)


def comparator_columns(table: pd.DataFrame) -> list[str]:
    """The comparator group's figures in a benchmarking table (not the names of its RAAs)."""
    return [c for c in table.columns if c.startswith("comparator_")]


def released_comparators(
    table: pd.DataFrame, indicator: Indicator, groups: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Add the comparator group's figures to a table of *released* RAA rows (every RAA of
    England, as its pan-region released it), computed from those rows only: each is the sum of
    the group's released values (``c`` when any of them is suppressed; RAAs with a blank count,
    no return, are left out as in :func:`benchmark_table`) and the rate of those sums. A function
    of released values releases nothing new, so it needs no protection of its own; its cost is
    that a group with one suppressed RAA shows ``c``."""
    parts = ["count", indicator.total] if indicator.total else ["count"]
    parts.append("base" if indicator.kind == "share" else "denominator")
    by_raa = table.set_index("raa")
    rows = []
    for raa in table["raa"]:
        members = by_raa.loc[[m for m in groups[str(raa)] if m in by_raa.index], parts]
        members = members.loc[members["count"].astype(str).str.strip() != ""]
        values = members.apply(pd.to_numeric, errors="coerce")
        sums: dict[str, Any] = {
            part: SUPPRESSED if values[part].isna().any() else float(values[part].sum())
            for part in parts
        }
        share = indicator.kind == "share"
        top, bottom = ("count", "base") if share else (indicator.total or "count", "denominator")
        if members.empty or SUPPRESSED in (sums[top], sums[bottom]):
            rate: Any = SUPPRESSED if not members.empty else np.nan
        else:
            rate = (100 if share else 1000) * sums[top] / sums[bottom] if sums[bottom] else np.nan
        row = {"comparator_raas": len(members), **{f"comparator_{p}": v for p, v in sums.items()}}
        rows.append({**row, "comparator_rate": rate})
    extra = pd.DataFrame(rows, index=table.index).astype(object)
    at = table.columns.get_loc("comparators") + 1 if "comparators" in table else len(table.columns)
    return pd.concat([table.iloc[:, :at], extra, table.iloc[:, at:]], axis=1)


_DENOMINATORS = ("denominator", *(f"{a}_denominator" for a in AREAS))


def _whole(values: pd.Series, missing: np.ndarray) -> pd.arrays.IntegerArray:
    """Pooled counts as whole numbers, blank (not available) where `missing`."""
    return pd.array(values.astype(float).where(~missing).round(), dtype="Int64")


def _add_limits(
    table: pd.DataFrame,
    indicator: Indicator,
    everyone: pd.DataFrame,
    population: pd.DataFrame,
    coverages: Sequence[float],
) -> None:
    """England's control limits at each RAA's size, the band, and whether the band holds at
    both ends of the population range (rates per 1,000 only)."""
    target = float(table["england_rate"].iloc[0]) if len(table) else np.nan
    size = table["base"] if indicator.kind == "share" else table["denominator"]
    ends: list[list[str]] | None
    if indicator.limits == QUARTERS:
        units = everyone.merge(population, on=["region", "raa"]).assign(unit=lambda d: d["raa"])
        reference = _rate(units, indicator)["rate"]
        table["band"] = quarter_band(table["rate"], reference)
        ends = [quarter_band(table[c], reference) for c in ("rate_low", "rate_high")]
    else:
        limits: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        ends_limits: dict[str, dict[float, tuple[np.ndarray, np.ndarray]]] = {"low": {}, "high": {}}
        for c in coverages:
            if indicator.limits == POISSON:
                limits[c] = poisson_limits(target, size, c)
                ends_limits["low"][c] = poisson_limits(target, table["denominator_high"], c)
                ends_limits["high"][c] = poisson_limits(target, table["denominator_low"], c)
            else:
                limits[c] = binomial_limits(target, size.astype(float), c)
            stem = limit_label(c)
            table[f"limit_{stem}_low"], table[f"limit_{stem}_high"] = limits[c]
        table["band"] = limit_band(table["rate"], limits)
        ends = (
            [limit_band(table[f"rate_{s}"], ends_limits[s]) for s in ("low", "high")]
            if indicator.limits == POISSON
            else None
        )
    if indicator.kind == "rate" and ends is not None:
        table["band_same_across_range"] = [
            "" if not b else ("yes" if b == lo == hi else "no")
            for b, lo, hi in zip(table["band"], *ends, strict=True)
        ]


def disclosure(
    indicator: Indicator,
    groups: Mapping[str, Sequence[str]],
    *,
    national_is_same_data: bool = True,
    coverages: Sequence[float] = (0.95, 0.998),
) -> Disclosure:
    """Disclosure declaration of a ``benchmark_<indicator>`` table: the RAA's, region's,
    England's and comparator group's counts (and bases), each rate, limit and band derived from
    the counts it is computed from; rows list every RAA (``grid``) unless a blank means 'no
    return' (open cases)."""
    if indicator.population is None:
        raise ValueError(f"{indicator.name}: public statistics need no disclosure declaration")
    # the default release's comparator groups pool RAAs of other regions: left out of a
    # region's table (the national picture adds them from released rows)
    areas = AREAS if not national_is_same_data else tuple(a for a in AREAS if a != "comparator")
    counts = ["count", *(f"{a}_count" for a in areas)]
    bases = ["base", *(f"{a}_base" for a in areas)] if indicator.kind == "share" else []
    own = ("count", "base") if bases else "count"
    derived: dict[str, str | tuple[str, ...]] = {
        "rate": own,
        "rate_low": own,
        "rate_high": own,
        "band": own,
    }
    if indicator.kind == "rate":
        derived["band_same_across_range"] = own
    if indicator.limits != QUARTERS:
        for c in coverages:
            for side in ("low", "high"):
                derived[f"limit_{limit_label(c)}_{side}"] = "england_count"
    for area in areas:
        pair = (f"{area}_count", f"{area}_base") if bases else f"{area}_count"
        derived[f"{area}_rate"] = pair
        if indicator.total:
            derived[f"{area}_{indicator.total}"] = f"{area}_count"
    if indicator.total:
        derived[indicator.total] = "count"
    count_members = dict(indicator.count_members)
    base_members = dict(indicator.base_members or {})

    def comparator(extra: Mapping[str, Any]) -> Any:
        def members(row: Mapping[str, Any]) -> dict[str, Any]:
            return {**extra, "raa": tuple(groups[str(row["raa"])]), "region": "*"}

        return members

    members: dict[str, Any] = {
        "count": count_members,
        "region_count": {**count_members, "raa": "*"},
        "england_count": {**count_members, "raa": "*", "region": "*"},
        "comparator_count": comparator(count_members),
    }
    if bases:
        members.update(
            {
                "base": base_members,
                "region_base": {**base_members, "raa": "*"},
                "england_base": {**base_members, "raa": "*", "region": "*"},
                "comparator_base": comparator(base_members),
            }
        )
    members = {c: m for c, m in members.items() if c in [*counts, *bases]}
    national_columns = [f"{a}_{c}" for a in ("england", "comparator") for c in ("count", "base")]
    populations = (
        {}
        if national_is_same_data
        else {
            c: f"national {indicator.population}"
            for c in national_columns
            if c in [*counts, *bases]
        }
    )
    return Disclosure(
        counts=[*counts, *bases],
        derived=derived,
        dims=["raa"],
        population=indicator.population,
        members=members,
        populations=populations,
        dimensions={"comparators": "", "count_basis": "case_return"},
        grid=() if indicator.name == "open_cases" else ("raa",),
    )


# ----------------------------------------------------------------------------- all tables
@dataclass(frozen=True)
class BenchmarkTable:
    """One table to release: its name, frame and declaration (None: public statistics)."""

    name: str
    table: pd.DataFrame
    disclosure: Disclosure | None
    indicator: Indicator | None

    @property
    def release(self) -> dict[str, Any]:
        """Keyword arguments of ``OutputWriter.table`` / ``show_table`` for this table."""
        if self.disclosure is None:
            return {"data_kind": "public"}
        return {"disclosure": self.disclosure}


def table_name(indicator: str) -> str:
    """Released name of an indicator's table."""
    return f"benchmark_{indicator}"


def benchmark_tables(
    own: Mapping[str, pd.DataFrame],
    national: Mapping[str, pd.DataFrame],
    public_dir: str | os.PathLike[str],
    raas: Sequence[str],
    groups: Mapping[str, Sequence[str]],
    *,
    national_is_same_data: bool = True,
    params: Mapping[str, Any] | None = None,
) -> list[BenchmarkTable]:
    """Every indicator table for ``raas`` that the data sets present allow (a region's
    ``own`` data sets, the ``national`` ones for England and the comparators; see
    :func:`benchmark_table`), in the order of :data:`INDICATORS`."""
    p = dict(params or benchmark_params())
    coverages = tuple(float(c) for c in p["limits"])
    values: dict[str, tuple[pd.DataFrame, pd.DataFrame, int]] = {}
    if "asgsf_packages" in own and "asgsf_packages" in national:
        year = benchmark_year(national["asgsf_packages"], p["financial_year"])
        as_at = fy_start(year) + 1
        own_counts = package_values(own["asgsf_packages"], year)
        national_counts = package_values(national["asgsf_packages"], year)
        for name in own_counts:
            values[name] = (
                own_counts[name].assign(financial_year=year),
                national_counts[name],
                as_at,
            )
    if "open_cases" in own and "open_cases" in national:
        which = benchmarked_return(national["open_cases"], p["open_cases_return"])
        values["open_cases"] = (
            case_values(own["open_cases"], which),
            case_values(national["open_cases"], which),
            as_at_year_of(which[2]),
        )
    if "workforce" in own and "workforce" in national:
        values["fte"] = (
            workforce_values(own["workforce"]),
            workforce_values(national["workforce"]),
            int(p["workforce_as_at_year"]),
        )
    if "packages" in values:
        as_at = values["packages"][2]
        adoptions = adoption_values(public_dir, as_at)
        values["adoptions"] = (adoptions, adoptions, as_at)
    out = []
    for name, indicator in INDICATORS.items():
        if name not in values:
            continue
        mine, theirs, as_at = values[name]
        table = benchmark_table(
            indicator,
            mine.drop(columns="financial_year", errors="ignore"),
            theirs,
            raa_population(public_dir, as_at),
            raas,
            groups,
            coverages=coverages,
            absent_is_zero=name != "open_cases",
            with_comparators=not national_is_same_data,
        )
        if "financial_year" in mine:
            table.insert(0, "financial_year", mine["financial_year"].iloc[0])
        elif name == "open_cases":
            which = benchmarked_return(national["open_cases"], p["open_cases_return"])
            for i, (key, value) in enumerate(zip(RETURN_KEYS, which, strict=True)):
                table.insert(i, key, value)
        elif name == "adoptions":
            table.insert(0, "year", as_at)
        if name in ("fte", "open_cases"):
            table.insert(table.columns.get_loc("denominator"), "as_at_year", as_at)
        declaration = (
            None
            if indicator.population is None
            else disclosure(
                indicator,
                groups,
                national_is_same_data=national_is_same_data,
                coverages=coverages,
            )
        )
        out.append(BenchmarkTable(table_name(name), table, declaration, indicator))
    return out


# ----------------------------------------------------------------------------- figures
def _numbers(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Rows of a released table whose ``columns`` are all numbers (suppressed ones dropped)."""
    values = frame.assign(**{c: pd.to_numeric(frame[c], errors="coerce") for c in columns})
    return values.dropna(subset=list(columns))


def _fmt(value: float, indicator: Indicator) -> str:
    from nps_analysis.rounding import round_decimal

    dp = 1 if indicator.kind == "share" or indicator.total == "fte" else 0
    text = f"{round_decimal(float(value), dp):,.{dp}f}"
    return f"£{text}" if indicator.unit == "£" else f"{text}{indicator.unit}"


def _band_summary(frame: pd.DataFrame) -> str:
    counts = frame["band"].astype(str).value_counts()
    return "; ".join(f"{n} {band}" for band, n in counts.items() if band not in ("", "c"))


def funnel_figure(
    released: pd.DataFrame,
    indicator: Indicator,
    *,
    area: str,
    source: str,
    coverages: Sequence[float] = (0.95, 0.998),
) -> Any:
    """Funnel plot of a released ``benchmark_<indicator>`` table: each RAA's rate against its
    size, England's rate and its control limits (the curves), described from the table."""
    from nps_analysis import plotting

    size_col = "base" if indicator.kind == "share" else "denominator"
    shown = _numbers(released, size_col, "rate", "england_rate")
    if shown.empty:
        raise ValueError(f"{indicator.name}: no unsuppressed rates to plot")
    target = float(shown["england_rate"].iloc[0])
    sizes = np.linspace(max(1.0, 0.5 * shown[size_col].min()), 1.15 * shown[size_col].max(), 200)
    colour = plotting.colours(2)
    fig, ax = plotting.new_figure(8, 5)
    for coverage, style in zip(sorted(coverages), ("--", ":"), strict=True):
        if indicator.limits == POISSON:
            low, high = poisson_limits(target, sizes, coverage)
        else:
            low, high = binomial_limits(target, sizes, coverage)
        label = f"{100 * coverage:g}% limits"
        ax.plot(sizes, low, style, color=colour[1], linewidth=1.5, label=label)
        ax.plot(sizes, high, style, color=colour[1], linewidth=1.5, label="_" + label)
    ax.axhline(target, color="#3d3d3d", linewidth=1.5, label=f"England {_fmt(target, indicator)}")
    ax.scatter(shown[size_col], shown["rate"], color=colour[0], s=40, zorder=3, label="RAA")
    if len(shown) <= 8:
        for _, row in shown.iterrows():
            plotting.direct_label(ax, row[size_col], row["rate"], str(row["raa"]), colour[0])
    xlabel = (
        ("Packages (age recorded)" if indicator.name == "aged_12_plus" else "Packages")
        if indicator.kind == "share"
        else "Estimated adopted children under 18"
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_axis_label(indicator))
    ax.set_ylim(bottom=0)
    plotting.thousands(ax, "x")
    ax.legend(loc="upper right", fontsize=plotting.LABEL_PT, frameon=False)
    method = POISSON if indicator.limits == POISSON else BINOMIAL
    omitted = len(released) - len(shown)
    alt = (
        f"Funnel plot: {indicator.what}, {area}. {len(shown)} RAAs plotted against "
        f"their size, with England's rate of {_fmt(target, indicator)} and its "
        f"{' and '.join(f'{100 * c:g}%' for c in sorted(coverages))} control limits ({method}). "
        f"{_band_summary(shown)}."
    )
    return plotting.describe(
        fig,
        title=f"{indicator.what}, {area}",
        subtitle="Each RAA against England's control limits at its size",
        alt=alt,
        caption=f"Source: {source}. Limits: {method}." + plotting.not_shown(omitted, "RAA"),
    )


def _axis_label(indicator: Indicator) -> str:
    if indicator.kind == "share":
        return "Per cent of packages"
    if indicator.total == "spend_gbp":
        return "£ per 1,000 adopted children"
    return "Per 1,000 adopted children"


def dot_figure(released: pd.DataFrame, indicator: Indicator, *, area: str, source: str) -> Any:
    """Dot plot of a released ``benchmark_<indicator>`` table: each RAA's rate with its range
    (population estimate's range; Wilson 95% interval for shares), its pan-region's and its
    comparator group's rates as markers and England's as a line, described from the table."""
    from nps_analysis import plotting

    shown = _numbers(released, "rate", "rate_low", "rate_high", "england_rate")
    if shown.empty:
        raise ValueError(f"{indicator.name}: no unsuppressed rates to plot")
    colour = plotting.colours(3)
    height = max(3.5, 0.4 * len(shown) + 1.5)
    fig, ax = plotting.new_figure(10, height)
    names = shown["raa"].astype(str).tolist()
    y = np.arange(len(names))
    rate = shown["rate"].to_numpy(float)
    err = [rate - shown["rate_low"].to_numpy(float), shown["rate_high"].to_numpy(float) - rate]
    ax.errorbar(rate, names, xerr=err, fmt="o", color=colour[0], capsize=4, label="RAA (range)")
    for column, marker, c, label in (
        ("region_rate", "s", colour[1], "Pan-region"),
        ("comparator_rate", "D", colour[2], "Comparator group"),
    ):
        if column not in shown:  # a region's table: comparators are in the national picture
            continue
        values = pd.to_numeric(shown[column], errors="coerce").to_numpy(float)
        if np.isnan(values).all():  # all suppressed: nothing to draw (the caption says so)
            continue
        ax.scatter(values, y, marker=marker, color=c, s=36, zorder=3, label=label)
    target = float(shown["england_rate"].iloc[0])
    ax.axvline(target, color="#3d3d3d", linewidth=1.5, label=f"England {_fmt(target, indicator)}")
    ax.invert_yaxis()
    ax.set_xlabel(_axis_label(indicator))
    ax.set_xlim(left=0)
    plotting.thousands(ax, "x")
    ax.legend(loc="lower right", fontsize=plotting.LABEL_PT, frameon=False)
    comparators = shown.get("comparator_rate", pd.Series(np.nan, index=shown.index))
    parts = [
        f"{r['raa']} {_fmt(r['rate'], indicator)} (range {_fmt(r['rate_low'], indicator)} to "
        f"{_fmt(r['rate_high'], indicator)}"
        + (f"; comparators {_fmt(float(c), indicator)})" if pd.notna(c) else ")")
        for (_, r), c in zip(
            shown.iterrows(), pd.to_numeric(comparators, errors="coerce"), strict=True
        )
    ]
    interval = "Wilson 95% interval" if indicator.kind == "share" else "population estimate's range"
    alt = (
        f"Dot plot: {indicator.what}, {area}, with the {interval}; England "
        f"{_fmt(target, indicator)}. " + "; ".join(parts) + "."
    )
    omitted = len(released) - len(shown)
    return plotting.describe(
        fig,
        title=f"{indicator.what}, {area}",
        subtitle=f"Each RAA with its {interval}, its pan-region, "
        + ("its comparator group " if "comparator_rate" in shown else "")
        + "and England",
        alt=alt,
        caption=f"Source: {source}." + plotting.not_shown(omitted, "RAA"),
    )


def figures(
    released: Mapping[str, pd.DataFrame],
    tables: Sequence[BenchmarkTable],
    *,
    area: str,
    coverages: Sequence[float] = (0.95, 0.998),
) -> list[tuple[str, Any, str, dict[str, Any]]]:
    """(figure name, figure, source table, ``OutputWriter.figure`` keywords) for every released
    benchmarking table with rates to plot: a funnel plot where the indicator has control limits
    and a dot plot for each; tables withheld or wholly suppressed are skipped."""
    out = []
    for table in tables:
        indicator = table.indicator
        frame = released.get(table.name)
        if indicator is None or frame is None:
            continue
        kind = {"data_kind": "public"} if table.disclosure is None else {}
        source = f"released table {table.name}"
        if (
            indicator.limits != QUARTERS
            and not _numbers(
                frame,
                "base" if indicator.kind == "share" else "denominator",
                "rate",
                "england_rate",
            ).empty
        ):
            fig = funnel_figure(frame, indicator, area=area, source=source, coverages=coverages)
            out.append((f"{table.name}_funnel", fig, table.name, kind))
        if not _numbers(frame, "rate", "rate_low", "rate_high", "england_rate").empty:
            fig = dot_figure(frame, indicator, area=area, source=source)
            out.append((f"{table.name}_dots", fig, table.name, kind))
    return out
