"""Workforce profile (s5.1): FTE by role, by region or RAA, and per 100 open support cases.

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


def open_case_totals(cases: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Open support cases of the latest period in the file by `unit` (all recipient groups).

    Returns <unit>, open_cases, period_start, period_end.
    """
    if cases.empty:
        return pd.DataFrame(columns=[unit, "open_cases", "period_start", "period_end"])
    latest = cases["period_end"].max()
    cur = cases.loc[cases["period_end"] == latest]
    g = (
        cur.assign(**{unit: cur[unit].astype(str)})
        .groupby(unit, sort=False)
        .agg(
            open_cases=("count", "sum"),
            period_start=("period_start", "min"),
            period_end=("period_end", "max"),
        )
        .reset_index()
    )
    g["open_cases"] = g["open_cases"].astype("int64")
    return g


def fte_per_cases(
    workforce: pd.DataFrame, cases: pd.DataFrame | None, unit: str, area: str
) -> pd.DataFrame:
    """FTE per 100 open support cases by `unit`, plus an area total row.

    Columns: <unit>, staff, fte, open_cases, fte_per_100_cases. Units without case data keep a
    blank open_cases and ratio. The workforce snapshot has no date; cases are those of the latest
    period in the case file.
    """
    staff = (
        workforce.assign(**{unit: workforce[unit].astype(str)})
        .groupby(unit, sort=False)["fte"]
        .agg(staff="size", fte="sum")
        .reset_index()
    )
    if cases is not None and not cases.empty:
        totals = open_case_totals(cases, unit)[[unit, "open_cases"]]
        staff = staff.merge(totals, on=unit, how="left")
    else:
        staff["open_cases"] = pd.NA
    staff["open_cases"] = staff["open_cases"].astype("Int64")
    with_cases = staff["open_cases"].notna()
    # The area total covers the units with case data (all units when none has any), so its
    # ratio compares like with like.
    basis = staff.loc[with_cases] if with_cases.any() else staff
    label = (
        f"All ({area})"
        if with_cases.all() or not with_cases.any()
        else f"All with case data ({area})"
    )
    total = pd.DataFrame(
        {
            unit: [label],
            "staff": [int(basis["staff"].sum())],
            "fte": [float(basis["fte"].sum())],
            "open_cases": [basis["open_cases"].sum() if with_cases.any() else pd.NA],
        }
    )
    out = pd.concat([staff, total], ignore_index=True)
    out["open_cases"] = out["open_cases"].astype("Int64")
    out["staff"] = out["staff"].astype("int64")
    out["fte_per_100_cases"] = pct(out["fte"], out["open_cases"].astype("Float64"))
    return out
