"""Suppressed cells behind a rounded published total: feasible bounds and a central value.

A *group* is the set of cells one published total is the sum of (for adoptions: the LAs of one
Government Office Region, year and adoption route). The model, per group:

* published cells are exact;
* each suppressed cell is a whole number in ``[SUPPRESSED_MIN, PRIMARY_SUPPRESSION_MAX]``
  (DfE primary suppression hides 1 to 5; zeros are published);
* the true group total is within ``ROUNDING_TOLERANCE`` (5) of the published total, which DfE
  rounds to the nearest 10.

So the residual S (the sum of the n suppressed cells) lies in ``[s_min, s_max]`` =
``[max(n * lo, R - 5 - K), min(n * cap, R + 5 - K)]`` (R published total, K published cells).
If ``R - 5 - K > 5 * n`` the residual cannot be met with every cell at most 5: secondary
suppression must be hiding larger values, so the cap is lifted for that group (``cap_lifted``;
each cell may then be as large as ``R + 5 - K - (n - 1)``). A suppressed value above 5 in a group
whose residual *can* be met with cells of at most 5 is outside the model (not detectable).

Bounds (integrality relaxed; with whole-number inputs they are whole numbers anyway): one sum
constraint with box bounds has a closed form. For m of a group's n suppressed cells,
``low(m) = max(m * lo, s_min - (n - m) * cap)`` and ``high(m) = min(m * cap, s_max - (n - m) * lo)``.
Groups share no cells, so the feasible min/max of any aggregate (an LA over its routes, an RAA,
a pan-region, England) is the sum over groups of these: that is what :func:`subset_bounds` returns.
It is tighter than the sum of the aggregate's per-cell bounds whenever the residual binds.

Central value: ``clip(R - K, s_min, s_max)`` shared in proportion to a size measure with each
cell kept in its box (water-filling), then rounded to whole numbers that keep the group's sum
(largest remainder), so a group's central total equals its published total whenever feasible.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from nps_analysis.errors import InputDataError, Problem
from nps_analysis.public.quirks import NATIONAL_ROUNDING_BASE

SUPPRESSED_MIN = 1
"""A suppressed count is at least 1 (zeros are published)."""
PRIMARY_SUPPRESSION_MAX = 5
"""DfE/ASG primary suppression hides counts of 1 to 5."""
ROUNDING_TOLERANCE = NATIONAL_ROUNDING_BASE // 2
"""A total rounded to the nearest 10 is within 5 of the true total."""

GROUP_COLUMNS = (
    "published_total",
    "known",
    "n_suppressed",
    "residual_min",
    "residual_central",
    "residual_max",
    "cell_min",
    "cell_max",
    "cap_lifted",
    "weight_basis",
)
"""Columns :func:`impute` adds to each group (after the group keys)."""


def _problem(source: str, rule: str, key: tuple, message: str, fix: str) -> Problem:
    return Problem(source, rule, f"group {key}: {message}", fix)


def allocate(target: int, weights: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Whole numbers in ``[lo, hi]`` summing to ``target``, proportional to ``weights`` where the
    box allows (water-filling, then largest remainder; ties go to the earlier cell)."""
    n = len(weights)
    if not n * lo <= target <= n * hi:
        raise ValueError(f"cannot share {target} among {n} cells in [{lo}, {hi}]")
    w = np.asarray(weights, dtype=float)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        w = np.ones(n)
    w = w + w.max() * 1e-9  # zero-size cells still take a share once the others are full
    lam_lo, lam_hi = 0.0, hi / w.min()
    for _ in range(200):
        mid = (lam_lo + lam_hi) / 2
        if np.clip(mid * w, lo, hi).sum() < target:
            lam_lo = mid
        else:
            lam_hi = mid
    x = np.clip(lam_hi * w, lo, hi)
    out = np.clip(np.floor(x + 1e-9), lo, hi)
    remainder = x - out
    short = int(round(target - out.sum()))
    up = [i for i in np.lexsort((np.arange(n), -remainder)) if out[i] < hi]
    down = [i for i in np.lexsort((np.arange(n), remainder)) if out[i] > lo]
    for i in up[: max(short, 0)]:
        out[i] += 1
    for i in down[: max(-short, 0)]:
        out[i] -= 1
    return out.astype(np.int64)


def impute(
    cells: pd.DataFrame,
    totals: pd.DataFrame,
    *,
    keys: Sequence[str],
    weights: Sequence[str] = (),
    lo: int = SUPPRESSED_MIN,
    cap: int = PRIMARY_SUPPRESSION_MAX,
    tolerance: int = ROUNDING_TOLERANCE,
    source: str = "published totals",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Central value and feasible bounds for every suppressed cell (``value`` NaN).

    ``cells``: the group ``keys``, ``value`` and the size-measure columns named in ``weights``,
    tried in order per group (the first that is known, >= 0 and not all zero for every
    suppressed cell of the group is used; else equal shares). ``totals``: ``keys`` and ``total``.
    Returns ``(cells, groups)``: cells with ``suppressed, est, low, high`` (published cells:
    their value) and one row per group with :data:`GROUP_COLUMNS`. Raises InputDataError when a
    group with suppressed cells has no total, or a group's cells cannot meet its total.
    """
    keys = list(keys)
    cells = cells.reset_index(drop=True)
    cells["value"] = pd.to_numeric(cells["value"]).astype(float)
    cells["suppressed"] = cells["value"].isna()
    grouped = cells.groupby(keys, sort=True, dropna=False)
    groups = grouped.agg(known=("value", "sum"), n_suppressed=("suppressed", "sum")).reset_index()
    total = totals.drop_duplicates(keys).set_index(keys)["total"].astype(float)
    groups["published_total"] = total.reindex(pd.MultiIndex.from_frame(groups[keys])).to_numpy()
    problems: list[Problem] = []
    rows = []
    est = cells["value"].copy()
    for _, g in groups.iterrows():
        key = tuple(g[k] for k in keys)
        n, known, total_g = int(g["n_suppressed"]), float(g["known"]), g["published_total"]
        row = {"cell_min": lo, "cell_max": cap, "cap_lifted": False, "weight_basis": ""}
        if pd.isna(total_g):
            if n:
                problems.append(
                    _problem(
                        source,
                        "total_missing",
                        key,
                        f"{n} suppressed cell(s) but no published total",
                        "check the regional rows of this year are present and named as in the lookup",
                    )
                )
            rows.append(row | {"residual_min": 0, "residual_central": 0, "residual_max": 0})
            continue
        r_lo, r_hi = total_g - tolerance - known, total_g + tolerance - known
        if r_hi < n * lo or (n == 0 and r_lo > 0):
            problems.append(
                _problem(
                    source,
                    "total_infeasible",
                    key,
                    f"published cells sum to {known:g} with {n} suppressed cell(s) (each >= {lo}) "
                    f"but the published total is {total_g:g} (+/- {tolerance})",
                    "check the LA -> region lookup and that cells and totals come from one release",
                )
            )
            rows.append(row | {"residual_min": 0, "residual_central": 0, "residual_max": 0})
            continue
        cell_max = cap
        if r_lo > n * cap:
            cell_max = int(r_hi - (n - 1) * lo)
            row |= {"cap_lifted": True, "cell_max": cell_max}
        s_min, s_max = int(max(n * lo, r_lo)), int(min(n * cell_max, r_hi))
        central = int(min(max(total_g - known, s_min), s_max))
        row |= {"residual_min": s_min, "residual_central": central, "residual_max": s_max}
        if n:
            idx = grouped.indices[key if len(keys) > 1 else key[0]]
            sup = cells.index[idx][cells["suppressed"].to_numpy()[idx]]
            w, basis = None, "equal"
            for col in weights:
                v = cells.loc[sup, col].astype(float)
                if v.notna().all() and (v >= 0).all() and v.sum() > 0:
                    w, basis = v.to_numpy(), col
                    break
            row["weight_basis"] = basis
            w = np.ones(n) if w is None else w
            est.loc[sup] = allocate(central, w, lo, cell_max)
        rows.append(row)
    if problems:
        raise InputDataError(problems)
    groups = pd.concat([groups, pd.DataFrame(rows, index=groups.index)], axis=1)
    groups = groups[[*keys, *GROUP_COLUMNS]]
    groups["weight_basis"] = groups["weight_basis"].where(groups["n_suppressed"] > 0, "")
    int_cols = ["n_suppressed", "residual_min", "residual_central", "residual_max", "cell_min"]
    groups[int_cols] = groups[int_cols].astype(np.int64)
    groups["cell_max"] = groups["cell_max"].astype(np.int64)
    cells["est"] = est.astype(float)
    one = subset_bounds(cells.assign(_cell=np.arange(len(cells))), groups, keys=keys, by=["_cell"])
    cells["low"] = one["low"].to_numpy()
    cells["high"] = one["high"].to_numpy()
    return cells, groups


def subset_bounds(
    cells: pd.DataFrame, groups: pd.DataFrame, *, keys: Sequence[str], by: Sequence[str]
) -> pd.DataFrame:
    """Exact feasible min/max (``low``, ``high``) and central sum (``est``) of the cells of each
    ``by`` group, given every group's constraint (output of :func:`impute`); sorted by ``by``."""
    keys, by = list(keys), list(by)
    both = [*by, *(k for k in keys if k not in by)]
    est = cells.groupby(by, sort=True)["est"].sum()
    known = cells.loc[~cells["suppressed"]].groupby(by)["value"].sum()
    m = (
        cells.loc[cells["suppressed"]]
        .groupby(both, sort=True)
        .size()
        .rename("m")
        .reset_index()
        .merge(groups, on=keys, how="left", validate="many_to_one")
    )
    rest = m["n_suppressed"] - m["m"]
    m["low"] = np.maximum(m["m"] * m["cell_min"], m["residual_min"] - rest * m["cell_max"])
    m["high"] = np.minimum(m["m"] * m["cell_max"], m["residual_max"] - rest * m["cell_min"])
    sup = m.groupby(by)[["low", "high"]].sum()
    out = pd.DataFrame({"est": est})
    base = known.reindex(out.index, fill_value=0.0)
    out["low"] = base + sup["low"].reindex(out.index, fill_value=0)
    out["high"] = base + sup["high"].reindex(out.index, fill_value=0)
    return out.reset_index()
