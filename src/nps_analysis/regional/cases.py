"""Section 2: open adoption support cases, region vs national shares, and what they rest on.

An RAA's *return* is its counts for one count basis and period: `period` (every case open at any
time from period_start to period_end) or `snapshot` (the cases open on one date, period_start =
period_end). Counts of different returns are never added together: the report's own 19,454 cases
mix whole-period counts and snapshots from 24 of the 30 RAAs (s3.1), so every table here is kept
separate by count basis and period and says how many RAAs lie behind it.
"""

from __future__ import annotations

import pandas as pd

from nps_analysis.datasets.engine import count_basis_from_dates
from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.vocabulary import CASES

RETURN_KEYS = ["count_basis", "period_start", "period_end"]
"""Columns that identify a return (with the RAA)."""

ENGLAND = "England"


def with_count_basis(cases: pd.DataFrame) -> pd.DataFrame:
    """`cases` with a `count_basis` column (derived from the dates, as the loader does, when a
    frame predates the column: a one-day period is a snapshot)."""
    if "count_basis" in cases.columns:
        return cases
    return cases.assign(
        count_basis=pd.Categorical(
            count_basis_from_dates(cases["period_start"], cases["period_end"]),
            categories=["period", "snapshot"],
        )
    )


def case_returns(cases: pd.DataFrame) -> pd.DataFrame:
    """One row per RAA return: region, raa, count_basis, period_start, period_end, open_cases.

    An RAA with counts for two periods (or a period count and a snapshot) has two rows: nothing is
    summed across returns.
    """
    cols = ["region", "raa", *RETURN_KEYS]
    if cases.empty:
        return pd.DataFrame(columns=[*cols, "open_cases"])
    df = with_count_basis(cases)
    df = df.assign(
        region=df["region"].astype(str),
        raa=df["raa"].astype(str),
        count_basis=df["count_basis"].astype(str),
    )
    out = (
        df.groupby(cols, sort=False, observed=True)["count"]
        .sum()
        .astype("int64")
        .rename("open_cases")
        .reset_index()
    )
    return sort_returns(out)


def sort_returns(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in return order: period counts before snapshots, then by dates (stable otherwise)."""
    basis = df["count_basis"].map({"period": 0, "snapshot": 1}).fillna(2)
    order = pd.DataFrame(
        {
            "b": basis.to_numpy(),
            "s": df["period_start"].to_numpy(),
            "e": df["period_end"].to_numpy(),
        }
    ).sort_values(["b", "s", "e"], kind="mergesort", na_position="last")
    return df.iloc[order.index].reset_index(drop=True)


def _day(value: object) -> str:
    ts = pd.Timestamp(value)
    return f"{ts.day} {ts:%b %Y}"


def describe_returns(returns: pd.DataFrame) -> str:
    """Plain-language list of the returns behind a figure, e.g. for a note under a table:
    'counts over 1 Oct 2022 to 30 Sep 2023 (18 RAAs); snapshots on 30 Sep 2023 (6 RAAs)'."""
    parts = []
    groups = returns.groupby(RETURN_KEYS, sort=False, observed=True)["raa"].nunique()
    for (basis, start, end), n in groups.items():
        when = (
            f"snapshots on {_day(start)}"
            if basis == "snapshot"
            else f"counts over {_day(start)} to {_day(end)}"
        )
        parts.append(f"{when} ({n} RAA{'s' if n != 1 else ''})")
    return "; ".join(parts) if parts else "no open-case returns"


def cases_coverage(cases: pd.DataFrame, region: str | None = None) -> pd.DataFrame:
    """The periods actually present and how many RAAs reported them, for `region` and England.

    Columns: area, count_basis, period_start, period_end, raas_reporting, raas_in_area,
    raas_without_return. One row per area and return (count basis and period), then a row per
    area with count_basis 'any' (RAAs with at least one return; the area's RAAs with none are
    named). Counts of RAAs (organisations), as the report publishes them (s3.1).
    """
    from nps_analysis.regions import pan_regions_raas

    ref = pan_regions_raas()
    returns = case_returns(cases)
    areas = [] if region is None else [(region, ref.loc[ref["region"] == region, "raa"].tolist())]
    areas.append((ENGLAND, ref["raa"].tolist()))
    rows = []
    for area, raas in areas:
        own = returns.loc[returns["raa"].isin(raas)]
        for (basis, start, end), grp in own.groupby(RETURN_KEYS, sort=False, observed=True):
            rows.append(
                {
                    "area": area,
                    "count_basis": basis,
                    "period_start": start,
                    "period_end": end,
                    "raas_reporting": int(grp["raa"].nunique()),
                    "raas_in_area": len(raas),
                    "raas_without_return": "",
                }
            )
        reporting = set(own["raa"])
        rows.append(
            {
                "area": area,
                "count_basis": "any",
                "period_start": pd.NaT,
                "period_end": pd.NaT,
                "raas_reporting": len(reporting),
                "raas_in_area": len(raas),
                "raas_without_return": ", ".join(r for r in raas if r not in reporting),
            }
        )
    out = pd.DataFrame(rows)
    out["period_start"] = pd.to_datetime(out["period_start"])
    out["period_end"] = pd.to_datetime(out["period_end"])
    return out


def one_return_per_raa(cases: pd.DataFrame, what: str = "a total over RAAs") -> None:
    """Stop (InputDataError, one problem per RAA) when an RAA has more than one return.

    For figures that add every RAA's counts into one number, as the report's 19,454 does: two
    returns of one RAA (two periods, or a period count and a snapshot) would count its cases twice.
    """
    from nps_analysis.errors import InputDataError, Problem

    returns = case_returns(cases)
    several = returns.groupby("raa", sort=False)["open_cases"].transform("size") > 1
    problems = [
        Problem(
            "open_cases",
            "several_returns_per_raa",
            f"{raa} has {len(grp)} open-case returns ({describe_returns(grp)}); {what} would add "
            "its cases twice",
            "keep one return per RAA for this figure (filter the rows to one count basis and "
            "period), or analyse each period separately",
            column="period_end",
        )
        for raa, grp in returns.loc[several].groupby("raa", sort=False)
    ]
    if problems:
        raise InputDataError(problems)


def coverage_figures(cases: pd.DataFrame) -> dict[str, float]:
    """RAAs and pan-regions with an open-case return, keyed by the report's figure_ids (s3.1:
    "seven pan regions covering 24 RAAs"), for the national cross-check."""
    returns = case_returns(cases)
    return {
        "cases.coverage.raas": float(returns["raa"].nunique()),
        "cases.coverage.pan_regions": float(returns["region"].nunique()),
    }


def _shares(df: pd.DataFrame, key: str) -> pd.DataFrame:
    counts = df.groupby(key, observed=True)["count"].sum().astype(int)
    return pd.DataFrame({"count": counts, "share_pct": 100 * counts / counts.sum()})


COMPARISON_COLUMNS = [
    *RETURN_KEYS,
    "count_region",
    "share_pct_region",
    "count_england",
    "share_pct_england",
    "raas_region",
    "raas_england",
    "england_basis",
]


def _block(grp: pd.DataFrame | None, key: str, suffix: str) -> pd.DataFrame:
    """Counts and shares by `key` of one return block (empty when there is no block)."""
    if grp is None or grp.empty:
        return pd.DataFrame(columns=[f"count{suffix}", f"share_pct{suffix}"])
    return _shares(grp, key).add_suffix(suffix)


def cases_vs_national(
    cases: pd.DataFrame, national: pd.DataFrame, region: str, key: str, *, national_basis: str
) -> pd.DataFrame:
    """Open cases by `key` (recipient_group or child_age_band): counts and shares, region vs
    England, one block of rows per count basis and period present in either data set.

    The region's counts come from its rows of `cases`; England's from `national`, the national
    comparator (never the region's own files: in an own-data run it is the default national
    data, named by `national_basis` in the table). Columns: count_basis, period_start,
    period_end, <key>, count_region, share_pct_region, count_england, share_pct_england,
    raas_region, raas_england (the RAAs behind the block), england_basis. Shares are within the
    block. A side with no return for a block has blank counts (not reported), not 0. Child age
    bands cover children only.
    """
    columns = [*RETURN_KEYS, key, *COMPARISON_COLUMNS[3:]]
    frames = {"region": cases, "england": national}
    for side, frame in frames.items():
        frame = with_count_basis(frame) if not frame.empty else frame
        if not frame.empty and key == "child_age_band":
            frame = frame.loc[frame["recipient_group"].astype(str) == "children"]
        if side == "region" and not frame.empty:
            frame = frame.loc[frame["region"].astype(str) == region]
        frames[side] = frame
    blocks = []
    groups = {
        side: dict(iter(frame.groupby(RETURN_KEYS, sort=False, observed=True)))
        if not frame.empty
        else {}
        for side, frame in frames.items()
    }
    keys = list(dict.fromkeys([*groups["england"], *groups["region"]]))
    for block_key in keys:
        mine, england = groups["region"].get(block_key), groups["england"].get(block_key)
        out = _block(mine, key, "_region").join(_block(england, key, "_england"), how="outer")
        if mine is not None:
            out["count_region"] = out["count_region"].fillna(0)
            out["share_pct_region"] = out["share_pct_region"].fillna(0.0)
        out = out.reset_index(names=key)
        out[key] = out[key].astype(str)
        for column in ("count_region", "count_england"):
            out[column] = out[column].astype("Float64").astype("Int64")
        for column in ("share_pct_region", "share_pct_england"):
            out[column] = out[column].astype(float)
        basis, start, end = block_key
        out.insert(0, "count_basis", str(basis))
        out.insert(1, "period_start", start)
        out.insert(2, "period_end", end)
        out["raas_region"] = 0 if mine is None else int(mine["raa"].astype(str).nunique())
        out["raas_england"] = 0 if england is None else int(england["raa"].astype(str).nunique())
        out["england_basis"] = national_basis
        blocks.append(out[columns])
    if not blocks:
        return pd.DataFrame(columns=columns)
    return sort_returns(pd.concat(blocks, ignore_index=True))


def cases_disclosure(key: str, national_is_same_data: bool) -> Disclosure:
    """Disclosure declaration of `cases_vs_national` tables by `key`: open cases (children's
    cases only for age bands), the England columns summed over regions."""
    only = {"recipient_group": "children"} if key == "child_age_band" else {}
    return Disclosure(
        counts=["count_region", "count_england"],
        derived={"share_pct_region": "count_region", "share_pct_england": "count_england"},
        dims=[key],
        population=CASES,
        members={"count_region": only, "count_england": {**only, "region": "*"}},
        populations={} if national_is_same_data else {"count_england": "national cases"},
        dimensions={"count_basis": "case_return"},
    )


COVERAGE_DISCLOSURE = Disclosure(
    safe_reason=(
        "counts of RAAs (organisations) and the periods of their returns, as the report "
        "publishes them (s3.1); no case counts"
    ),
)
"""Disclosure declaration of the `cases_coverage` table."""
