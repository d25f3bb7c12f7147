"""Workforce profile (s5.1): FTE by role, by region or RAA, and per 100 open support cases.

FTE per 100 cases pairs staff and cases RAA by RAA, over the RAAs that report both, and keeps
case counts of different bases (period / snapshot) and periods apart (s3.1: the report's cases
come from 24 of the 30 RAAs, some as snapshots).

FTE is a magnitude summed over staff records, so every table keeps `staff` (the number of staff
records behind each cell) as its count column: disclosure control checks that count and suppresses
the FTE and shares derived from it.
"""

from __future__ import annotations

import pandas as pd

from nps_analysis.workforce.common import pct, role_order


def fte_by_role(workforce: pd.DataFrame, area: str) -> pd.DataFrame:
    """Staff records, FTE and share of the area's FTE by role: area, role, staff, fte, share_pct."""
    order = role_order(workforce["role"])
    g = (
        workforce.assign(role=workforce["role"].astype(str))
        .groupby("role", sort=False)["fte"]
        .agg(staff="size", fte="sum")
        .reindex(order, fill_value=0)
        .rename_axis("role")
        .reset_index()
    )
    g["staff"] = g["staff"].astype("int64")
    g["fte"] = g["fte"].astype(float)
    g["share_pct"] = pct(g["fte"], pd.Series(g["fte"].sum(), index=g.index))
    g.insert(0, "area", area)
    return g


def fte_by_unit_role(workforce: pd.DataFrame, unit: str) -> pd.DataFrame:
    """FTE by `unit` (region or raa) and role, every unit x role cell present (zeros kept).

    Columns: <unit>, role, staff, fte, share_pct (share of the unit's FTE).
    """
    roles = role_order(workforce["role"])
    units = [str(u) for u in pd.unique(workforce[unit].dropna())]
    if isinstance(workforce[unit].dtype, pd.CategoricalDtype):
        units = [str(u) for u in workforce[unit].cat.categories if u in set(units)]
    key = pd.MultiIndex.from_product([units, roles], names=[unit, "role"])
    g = (
        workforce.assign(
            **{unit: workforce[unit].astype(str), "role": workforce["role"].astype(str)}
        )
        .groupby([unit, "role"], sort=False)["fte"]
        .agg(staff="size", fte="sum")
        .reindex(key, fill_value=0)
        .reset_index()
    )
    g["staff"] = g["staff"].astype("int64")
    g["fte"] = g["fte"].astype(float)
    g["share_pct"] = pct(g["fte"], g.groupby(unit, sort=False)["fte"].transform("sum"))
    return g


FTE_PER_CASES_COLUMNS = [
    "count_basis",
    "period_start",
    "period_end",
    "staff",
    "fte",
    "open_cases",
    "fte_per_100_cases",
    "raas_with_staff",
    "raas_with_cases",
    "raas_both",
]
"""Columns of `fte_per_cases` after the unit column."""


def fte_per_cases(
    workforce: pd.DataFrame, cases: pd.DataFrame | None, unit: str, area: str
) -> pd.DataFrame:
    """FTE per 100 open support cases by `unit`, over the RAAs that report both staff and cases.

    Staff and cases are paired RAA by RAA: an RAA with staff records but no case return (or a
    return but no staff) is in neither numerator nor denominator. Case returns of different count
    bases or periods (a 12-month count, a snapshot on one date, another year) are never added
    together: there is one block of rows per count basis and period, each with its units and an
    area total row ("All (<area>)" when every RAA with staff is in it, else "All with case data
    (<area>)"). An RAA with returns for two periods is in both blocks, once each.

    Columns: <unit>, count_basis, period_start, period_end, staff, fte, open_cases (over the RAAs
    with both), fte_per_100_cases, and the block's coverage in the area: raas_with_staff,
    raas_with_cases, raas_both (RAAs; the same on every row of a block, so disclosure control's
    margins are the block's). The workforce snapshot has no date. Empty when no RAA has both.
    """
    from nps_analysis.regional.cases import RETURN_KEYS, case_returns, sort_returns

    columns = [unit, *FTE_PER_CASES_COLUMNS]
    by_raa = (
        workforce.assign(raa=workforce["raa"].astype(str), _unit=workforce[unit].astype(str))
        .groupby("raa", sort=False)
        .agg(staff=("fte", "size"), fte=("fte", "sum"), _unit=("_unit", "first"))
        .reset_index()
    )
    returns = (
        case_returns(cases) if cases is not None else pd.DataFrame(columns=["raa", *RETURN_KEYS])
    )
    if returns.empty:
        return pd.DataFrame(columns=columns)
    both = returns.drop(columns=["region"]).merge(by_raa, on="raa", how="inner")
    units = _unit_order(workforce, unit)
    blocks = []
    for key, grp in returns.groupby(RETURN_KEYS, sort=False):
        paired = both.loc[(both[RETURN_KEYS] == pd.Series(key, index=RETURN_KEYS)).all(axis=1)]
        if paired.empty:
            continue
        rows = (
            paired.groupby("_unit", sort=False)
            .agg(staff=("staff", "sum"), fte=("fte", "sum"), open_cases=("open_cases", "sum"))
            .reindex([u for u in units if u in set(paired["_unit"])])
            .rename_axis(unit)
            .reset_index()
        )
        n_staff, n_both = by_raa["raa"].nunique(), paired["raa"].nunique()
        label = f"All ({area})" if n_both == n_staff else f"All with case data ({area})"
        total = pd.DataFrame(
            {
                unit: [label],
                "staff": [int(paired["staff"].sum())],
                "fte": [float(paired["fte"].sum())],
                "open_cases": [int(paired["open_cases"].sum())],
            }
        )
        block = pd.concat([rows, total], ignore_index=True)
        for col, value in zip(RETURN_KEYS, key, strict=True):
            block[col] = value
        block["raas_with_staff"] = n_staff
        block["raas_with_cases"] = int(grp["raa"].nunique())
        block["raas_both"] = n_both
        blocks.append(block)
    if not blocks:
        return pd.DataFrame(columns=columns)
    out = sort_returns(pd.concat(blocks, ignore_index=True))
    out["staff"] = out["staff"].astype("int64")
    out["fte"] = out["fte"].astype(float)
    out["open_cases"] = out["open_cases"].astype("Int64")
    out["fte_per_100_cases"] = pct(out["fte"], out["open_cases"].astype("Float64"))
    for col in ("raas_with_staff", "raas_with_cases", "raas_both"):
        out[col] = out[col].astype("int64")
    return out[columns]


def _unit_order(df: pd.DataFrame, unit: str) -> list[str]:
    """Units in category order when the column is categorical, else in order of appearance."""
    if isinstance(df[unit].dtype, pd.CategoricalDtype):
        present = set(df[unit].dropna().astype(str))
        return [str(u) for u in df[unit].cat.categories if str(u) in present]
    return [str(u) for u in pd.unique(df[unit].dropna())]


def fte_per_cases_notes(table: pd.DataFrame, area: str) -> list[str]:
    """What an `fte_per_cases` table rests on, in words (for the report's notes)."""
    if table.empty:
        return [
            f"FTE per 100 open support cases not computed: no RAA in {area} has both staff "
            "records and an open-case return."
        ]
    notes = []
    totals = table.loc[table.iloc[:, 0].astype(str).str.startswith("All")]
    for row in totals.itertuples(index=False):
        basis = row.count_basis
        when = (
            f"a snapshot on {row.period_start.day} {row.period_start:%b %Y}"
            if basis == "snapshot"
            else f"cases open at any time from {row.period_start.day} {row.period_start:%b %Y} "
            f"to {row.period_end.day} {row.period_end:%b %Y}"
        )
        notes.append(
            f"FTE per 100 open cases ({when}): {row.raas_both} RAAs with both staff records and "
            f"such a return, of {row.raas_with_staff} with staff records and {row.raas_with_cases} "
            "with such a return."
        )
    notes.append(
        "Case counts of different bases or periods are kept in separate rows, never added; the "
        "workforce snapshot has no date."
    )
    return notes
