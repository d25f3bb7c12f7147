"""Suppressed-cell imputation: a hand-worked example, the closed form against linear programming,
and a fixture where we suppress known values ourselves and check the bounds bracket the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from nps_analysis.datasets.engine import check_frame
from nps_analysis.errors import InputDataError
from nps_analysis.public import analysis, cla, geography, imputation
from nps_analysis.public.quirks import round_half_up

KEYS = ["year", "area"]
NAN = np.nan


def _impute(cells: pd.DataFrame, totals: dict[str, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    t = pd.DataFrame({"year": 1, "area": list(totals), "total": list(totals.values())})
    return imputation.impute(cells, t, keys=KEYS, weights=["w"])


# ------------------------------------------------------------------- (c) hand-worked example
@pytest.fixture(scope="module")
def hand_worked() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Area A: published 10 and 3, three suppressed cells (sizes 2, 1, 1), total published 20.
    Area B: the same cells, total 30. Area C: published 100, two suppressed, total 130."""
    five = {"unit": list("abcde"), "value": [10, NAN, NAN, 3, NAN], "w": [1, 2, 1, 1, 1]}
    five["raa"] = ["x", "x", "y", "y", "y"]
    cells = pd.concat(
        [
            pd.DataFrame(five).assign(year=1, area="A"),
            pd.DataFrame(five).assign(year=1, area="B"),
            pd.DataFrame(
                {"unit": list("fgh"), "value": [100, NAN, NAN], "w": 1.0, "raa": "z"}
            ).assign(year=1, area="C"),
        ],
        ignore_index=True,
    )
    return _impute(cells, {"A": 20, "B": 30, "C": 130})


def test_hand_worked_groups(hand_worked: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, groups = hand_worked
    g = groups.set_index("area")
    # A: residual in [20-5-13, 20+5-13] = [2, 12], and >= 3 x 1: [3, 12]; central 20-13 = 7
    assert g.loc["A", ["residual_min", "residual_central", "residual_max"]].tolist() == [3, 7, 12]
    # B: [30-5-13, 30+5-13] = [12, 22] capped at 3 x 5 = 15; central 17 clipped to 15
    assert g.loc["B", ["residual_min", "residual_central", "residual_max"]].tolist() == [12, 15, 15]
    # C: residual [25, 35] > 2 x 5: secondary suppression, cap lifted to 35 - 1 = 34
    assert g.loc["C", ["residual_min", "residual_central", "residual_max"]].tolist() == [25, 30, 35]
    assert g["cap_lifted"].tolist() == [False, False, True]
    assert g["cell_max"].tolist() == [5, 5, 34]
    assert g["weight_basis"].tolist() == ["w", "w", "w"]


def test_hand_worked_cells(hand_worked: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    cells, _ = hand_worked
    c = cells.set_index(["area", "unit"])
    # A: 7 shared 2:1:1 -> 3.5, 1.75, 1.75 -> whole numbers by largest remainder: 3, 2, 2
    assert c.loc["A", "est"].tolist() == [10, 3, 2, 3, 2]
    assert c.loc["A", "low"].tolist() == [10, 1, 1, 3, 1]  # max(1, 3 - 2 x 5)
    assert c.loc["A", "high"].tolist() == [10, 5, 5, 3, 5]  # min(5, 12 - 2 x 1)
    # B: every suppressed cell must be at least 12 - 2 x 5 = 2
    assert c.loc["B", "est"].tolist() == [10, 5, 5, 3, 5]
    assert c.loc["B", "low"].tolist() == [10, 2, 2, 3, 2]
    assert c.loc["C", "est"].tolist() == [100, 15, 15]
    assert c.loc["C", "low"].tolist() == [100, 1, 1]  # max(1, 25 - 34)
    assert c.loc["C", "high"].tolist() == [100, 34, 34]  # min(34, 35 - 1)


def test_hand_worked_aggregates_are_feasible_bounds_not_sums(
    hand_worked: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    cells, groups = hand_worked
    by = imputation.subset_bounds(cells, groups, keys=KEYS, by=["area", "raa"]).set_index(
        ["area", "raa"]
    )
    expected = {
        ("A", "x"): (13, 11, 15),  # 10 + one cell: [max(1, 3 - 10), min(5, 12 - 2)]
        ("A", "y"): (7, 5, 13),  # 3 + two cells: [max(2, 3 - 5), min(10, 12 - 1)]
        ("B", "x"): (15, 12, 15),  # 10 + [max(1, 12 - 10), min(5, 15 - 2)]
        ("B", "y"): (13, 10, 13),  # 3 + [max(2, 12 - 5), min(10, 15 - 1)]; summed cells: [7, 13]
        ("C", "z"): (130, 125, 135),
    }
    for key, values in expected.items():
        assert tuple(by.loc[key, ["est", "low", "high"]]) == values, key
    total = imputation.subset_bounds(cells, groups, keys=KEYS, by=["year"]).iloc[0]
    # groups are independent: the total's bounds are the sum of each group's (A + B + C)
    assert (total["est"], total["low"], total["high"]) == (
        20 + 28 + 130,
        16 + 25 + 125,
        25 + 28 + 135,
    )


def test_allocation_respects_boxes_and_sums() -> None:
    assert imputation.allocate(17, np.array([5.0, 1, 1, 0]), 1, 5).tolist() == [5, 5, 5, 2]
    assert imputation.allocate(4, np.array([0.0, 0.0]), 1, 5).tolist() == [2, 2]  # equal
    with pytest.raises(ValueError, match="cannot share"):
        imputation.allocate(11, np.ones(2), 1, 5)


@pytest.mark.parametrize(
    ("values", "total", "rule"),
    [
        ([50, NAN], 40, "total_infeasible"),  # 50 + at least 1 > 40 + 5
        ([50, 4], 70, "total_infeasible"),  # nothing suppressed, 54 is not within 70 +- 5
        ([50, NAN], NAN, "total_missing"),
    ],
)
def test_inconsistent_groups_raise(values: list[float], total: float, rule: str) -> None:
    cells = pd.DataFrame({"year": 1, "area": "A", "value": values, "w": 1.0})
    with pytest.raises(InputDataError) as err:
        _impute(cells, {"A": total})
    assert err.value.problems[0].rule == rule


# --------------------------------------------------------- closed form = linear programming
def _lp_bounds(groups: list[dict], subset: list[tuple[int, int]]) -> tuple[float, float]:
    """min/max of the subset's suppressed cells by HiGHS, one sum constraint per group and
    [1, 5] boxes ([1, inf) where the cap is lifted)."""
    index = [(g, i) for g, grp in enumerate(groups) for i in range(grp["n"])]
    pos = {k: j for j, k in enumerate(index)}
    a_ub, b_ub = [], []
    for g, grp in enumerate(groups):
        row = np.zeros(len(index))
        row[[pos[(g, i)] for i in range(grp["n"])]] = 1
        a_ub += [row, -row]
        b_ub += [grp["total"] + 5 - grp["known"], -(grp["total"] - 5 - grp["known"])]
    bounds = [(1, None if groups[g]["lifted"] else 5) for g, _ in index]
    c = np.zeros(len(index))
    c[[pos[k] for k in subset]] = 1
    lo = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    hi = linprog(-c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    assert lo.status == 0 and hi.status == 0
    return lo.fun, -hi.fun


def test_closed_form_bounds_equal_linear_programming() -> None:
    rng = np.random.default_rng(15)
    for trial in range(60):
        groups, frames = [], []
        for g in range(int(rng.integers(1, 4))):
            n = int(rng.integers(1, 7))
            hidden = rng.integers(1, 6, n)
            if rng.random() < 0.2:  # secondary suppression of a large value
                hidden[0] = rng.integers(20, 40)
            known = rng.integers(0, 40, int(rng.integers(0, 5))).astype(float)
            total = float(round_half_up(np.array([hidden.sum() + known.sum()]))[0])
            lifted = bool(total - 5 - known.sum() > 5 * n)
            groups.append({"n": n, "known": known.sum(), "total": total, "lifted": lifted})
            values = np.concatenate([np.full(n, NAN), known])
            frames.append(pd.DataFrame({"area": g, "unit": range(len(values)), "value": values}))
        cells = pd.concat(frames, ignore_index=True).assign(year=1, w=1.0)
        cells["pick"] = rng.random(len(cells)) < 0.5
        out, grp = _impute(cells, {g: grp["total"] for g, grp in enumerate(groups)})
        assert grp["cap_lifted"].tolist() == [g["lifted"] for g in groups]
        hidden_cells = out[out["suppressed"]]
        for row in hidden_cells.itertuples():
            lp = _lp_bounds(groups, [(row.area, row.unit)])
            assert (row.low, row.high) == pytest.approx(lp), trial
        picked = hidden_cells[hidden_cells["pick"]]
        if len(picked):
            lo, hi = _lp_bounds(groups, list(zip(picked["area"], picked["unit"], strict=True)))
            got = imputation.subset_bounds(out, grp, keys=KEYS, by=["pick"]).set_index("pick")
            known_picked = out.loc[out["pick"], "value"].sum()
            assert got.loc[True, "low"] - known_picked == pytest.approx(lo), trial
            assert got.loc[True, "high"] - known_picked == pytest.approx(hi), trial


# ------------------------------------------------- (b) suppress known values ourselves, real LAs
ROUTES = ("unopposed", "dispensed")
GROUP = ["year", "gor_region", "route"]
_TEXT = ["region_name", "old_la_code", "new_la_code", "la_name"]


@pytest.fixture(scope="module")
def suppressed_by_us() -> dict[str, pd.DataFrame]:
    """Real 2014 and 2015 LA counts (their few suppressed cells drawn from 1-5) as the truth; 2014
    split into two routes. Regional and national totals rounded to 10 per route; every cell of
    1-5 suppressed, plus the largest London cell of 2015 (secondary suppression above 5)."""
    rng = np.random.default_rng(2024)
    real = cla.load_all_adoptions()
    la = real[real["year"].isin([2014, 2015]) & (real["geographic_level"] == "Local authority")]
    la = la[["year", "old_la_code", "adoptions"]].reset_index(drop=True)
    la["truth"] = la["adoptions"].astype(float).fillna(pd.Series(rng.integers(1, 6, len(la))))
    la["gor_region"] = la["old_la_code"].map(
        geography.la_lookup().set_index("old_la_code")["gor_region"]
    )
    frames = []
    for year, sub in la.groupby("year"):
        if year == 2014:
            first = rng.binomial(sub["truth"].astype(int), 0.55).astype(float)
            frames.append(sub.assign(route=ROUTES[0], true=first))
            frames.append(sub.assign(route=ROUTES[1], true=sub["truth"] - first))
        else:
            frames.append(sub.assign(route=cla.ROUTE_ALL, true=sub["truth"]))
    cells = pd.concat(frames, ignore_index=True)
    hide = cells["true"].between(1, 5)
    london = cells[(cells["year"] == 2015) & (cells["gor_region"] == "London")]
    hide[london["true"].idxmax()] = True
    cells["count"] = cells["true"].where(~hide).astype("Float64")
    cells["flag"] = pd.Series(pd.NA, index=cells.index, dtype="string").mask(hide, "x")
    regional = cells.groupby(["year", "gor_region", "route"], as_index=False)["true"].sum()
    regional["count"] = round_half_up(regional["true"])
    national = regional.groupby(["year", "route"], as_index=False)["true"].sum()
    national["count"] = round_half_up(national["true"])
    regional["region_name"] = regional["gor_region"]
    levels = {"Local authority": cells, "Regional": regional, "National": national}
    dtypes = {"year": int, "count": "Float64", "flag": "string"} | dict.fromkeys(_TEXT, object)
    frames = [
        df.assign(geographic_level=level, release="synthetic")
        .reindex(columns=cla.ROUTES.column_names)
        .astype(dtypes)
        for level, df in levels.items()
    ]
    routes = pd.concat(frames, ignore_index=True)
    routes[_TEXT] = routes[_TEXT].where(routes[_TEXT].notna(), None)
    routes = check_frame(routes, cla.ROUTES, file="synthetic routes")
    imputed = analysis.impute_la_adoptions(routes=routes)
    truth = cells.groupby(["year", "old_la_code"], as_index=False)["true"].sum()
    return {"cells": cells, "imputed_la": imputed.la, "groups": imputed.groups, "truth": truth}


def test_suppressed_fixture_is_a_real_test(suppressed_by_us: dict[str, pd.DataFrame]) -> None:
    groups = suppressed_by_us["groups"]
    assert groups["n_suppressed"].sum() >= 40
    assert groups["cap_lifted"].sum() == 1  # the London 2015 secondary suppression
    la = suppressed_by_us["imputed_la"]
    assert (la["suppressed_parts"] == 1).sum() > 10  # 2014 LAs with one route published


def test_bounds_bracket_the_values_we_suppressed(suppressed_by_us: dict[str, pd.DataFrame]) -> None:
    la = suppressed_by_us["imputed_la"].merge(suppressed_by_us["truth"], on=["year", "old_la_code"])
    assert ((la["adoptions_low"] <= la["true"]) & (la["true"] <= la["adoptions_high"])).all()
    for level, keys in analysis.LEVEL_KEYS.items():
        agg = la.groupby(keys).agg(
            true=("true", "sum"),
            low=(f"{level}_adoptions_low", "first"),
            high=(f"{level}_adoptions_high", "first"),
            summed_low=("adoptions_low", "sum"),
            summed_high=("adoptions_high", "sum"),
        )
        assert ((agg["low"] <= agg["true"]) & (agg["true"] <= agg["high"])).all(), level
        # feasible aggregate bounds are never looser than summed LA bounds, and tighter somewhere
        assert (agg["low"] >= agg["summed_low"]).all() and (agg["high"] <= agg["summed_high"]).all()
        if level != "raa":
            assert ((agg["low"] > agg["summed_low"]) | (agg["high"] < agg["summed_high"])).any()
    series = analysis.adoptions_by_region_year(suppressed_by_us["imputed_la"])
    raa = series[series["raa"] != "All"].set_index(["year", "raa"]).sort_index()
    true_raa = la.groupby(["year", "raa"])["true"].sum().reindex(raa.index)
    assert ((raa["adoptions_low"] <= true_raa) & (true_raa <= raa["adoptions_high"])).all()


def test_central_estimate_adds_up_to_the_rounded_regional_totals(
    suppressed_by_us: dict[str, pd.DataFrame],
) -> None:
    la, groups = suppressed_by_us["imputed_la"], suppressed_by_us["groups"]
    true = suppressed_by_us["cells"].groupby(GROUP)["true"].sum()
    groups = groups.set_index(GROUP).sort_index()
    assert (groups["published_total"] == round_half_up(true.reindex(groups.index))).all()
    central = groups["known"] + groups["residual_central"]
    hidden = groups["n_suppressed"] > 0
    assert ((central - groups["published_total"]).abs() <= 5).all()
    # imputed cells fill the gap to the published total exactly, unless that gap is infeasible
    # (e.g. below 1 per suppressed cell): then the nearest feasible residual
    gap = groups["published_total"] - groups["known"]
    fits = hidden & gap.between(groups["residual_min"], groups["residual_max"])
    assert fits.sum() >= 10
    assert (central[fits] == groups.loc[fits, "published_total"]).all()
    clipped = groups[hidden & ~fits]
    assert (
        (clipped["residual_central"] == clipped["residual_min"])
        | (clipped["residual_central"] == clipped["residual_max"])
    ).all()
    # LA central estimates (whole numbers) add up to those totals, region by region
    assert la["adoptions_est"].dtype == np.int64
    by_region = central.groupby(level=["year", "gor_region"]).sum().astype(np.int64)
    assert la.groupby(["year", "gor_region"])["adoptions_est"].sum().equals(by_region)
