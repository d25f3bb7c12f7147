"""The interval attack over linked tables: hand-worked recoveries, brute force, an independent
full cross-product MILP, and the time at the size of a release."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from nps_analysis.disclosure import (
    Cell,
    Dimension,
    InconsistentReleaseError,
    Members,
    ProtectionRule,
    Relation,
    attack,
    audit,
    mean_relation,
    ratio_relations,
)
from nps_analysis.sdc import SDCConfig, primary_mask, secondary_mask

YEARS = ("2021", "2022", "2023")
THERAPIES = ("a", "b", "c")
# packages by year x therapy; (2023, a) = 4 is primary, (2023, b) = 13 its per-table secondary
LINKED_TRUTH = np.array([[12, 15, 20], [14, 11, 18], [4, 13, 16]])


def linked_release(hidden: Sequence[tuple[int, int]] = ((2, 0), (2, 1))) -> list[Cell]:
    """A: packages by year; B: year x therapy with a total column, `hidden` cells suppressed;
    C: packages by therapy. B alone protects its cells; with C their columns give them away."""
    cells = [
        Cell("A", i, "packages", {"year": y}, int(LINKED_TRUTH[i].sum()))
        for i, y in enumerate(YEARS)
    ]
    for i, y in enumerate(YEARS):
        for j, t in enumerate(THERAPIES):
            value = None if (i, j) in hidden else int(LINKED_TRUTH[i, j])
            cells.append(Cell("B", i, t, {"year": y, "therapy": t}, value))
        cells.append(Cell("B", i, "total", {"year": y}, int(LINKED_TRUTH[i].sum())))
    cells += [
        Cell("C", j, "packages", {"therapy": t}, int(LINKED_TRUTH[:, j].sum()))
        for j, t in enumerate(THERAPIES)
    ]
    return cells


LINKED_DIMS = (Dimension("year", YEARS), Dimension("therapy", THERAPIES))


def intervals(result: pd.DataFrame) -> dict[tuple[str, int, str], tuple[float, float]]:
    """(table, row, column) -> (lower, upper)."""
    return {(r.table, r.row, r.column): (r.lower, r.upper) for r in result.itertuples()}


# --------------------------------------------------------------------------- hand-worked cases
def test_linked_tables_recover_cells_each_table_protects() -> None:
    cells = linked_release()
    alone = attack(LINKED_DIMS, [c for c in cells if c.table == "B"])
    # B alone: a + b = 33 - 16 = 17 in 2023, so each lies in [0, 17]
    assert intervals(alone) == {("B", 2, "a"): (0, 17), ("B", 2, "b"): (0, 17)}
    together = attack(LINKED_DIMS, cells)
    # with C: a = 30 - 12 - 14 = 4, b = 39 - 15 - 11 = 13
    assert intervals(together) == {("B", 2, "a"): (4, 4), ("B", 2, "b"): (13, 13)}
    assert set(together["status"]) == {"exact"}
    report = audit(LINKED_DIMS, cells)
    assert not report.passed
    assert list(report.violations["reason"]) == ["recovered exactly"] * 2
    summary = report.summary.set_index("table")
    assert summary.loc["B", "violations"] == 2 and summary.loc["B", "narrowest_width"] == 0
    assert summary.loc["A", "suppressed"] == 0
    assert audit(LINKED_DIMS, [c for c in cells if c.table == "B"]).passed


def test_intruder_knows_every_category() -> None:
    """Therapy c is never shown, but its packages count in the year total: a + 13 + c = 33
    leaves a in [0, 20]. Declaring only the therapies shown would pin a = 20 (the truth is 4)."""
    shown = {("A", 2, "packages"), ("B", 2, "a"), ("B", 2, "b")}
    cells = [c for c in linked_release(hidden=[(2, 0)]) if c.key in shown]
    assert intervals(attack(LINKED_DIMS, cells)) == {("B", 2, "a"): (0, 20)}
    shown_only = (LINKED_DIMS[0], Dimension("therapy", ("a", "b")))
    assert intervals(attack(shown_only, cells)) == {("B", 2, "a"): (20, 20)}


def test_complement_recovers_the_hidden_part() -> None:
    dims = [Dimension("screened", ("yes", "no")), Dimension("raa", ("r1", "r2"))]
    cells = [
        Cell("S", 0, "n", {"raa": "r1"}, 50),
        Cell("S", 0, "n_with", {"raa": "r1", "screened": "yes"}, 45),
        Cell("S", 0, "n_without", {"raa": "r1", "screened": "no"}, None),
        Cell("S", 1, "n", {"raa": "r2"}, 30),
        Cell("S", 1, "n_with", {"raa": "r2", "screened": "yes"}, None),
        Cell("S", 1, "n_without", {"raa": "r2", "screened": "no"}, None),
    ]
    got = intervals(attack(dims, cells))
    assert got[("S", 0, "n_without")] == (5, 5)  # 50 - 45
    assert got[("S", 1, "n_with")] == (0, 30) and got[("S", 1, "n_without")] == (0, 30)


def test_a_count_another_table_publishes_is_not_judged() -> None:
    """A `c` whose count another table releases (the same members and population) withholds
    nothing: it is reported as published, not as recovered, and the other cells are still
    attacked with its value known."""
    dims = [Dimension("raa", ("r1", "r2", "r3"))]
    cells = [
        Cell("regional", 0, "n", {"raa": "r1"}, None),  # secondary here ...
        Cell("national", 0, "n", {"raa": "r1"}, 11),  # ... but released there
        Cell("regional", 1, "n", {"raa": "r2"}, None),
        Cell("regional", 2, "n", {"raa": "r3"}, None),
        Cell("national", 1, "total", {}, 40),
    ]
    report = audit(dims, cells)
    rows = report.intervals.set_index(["table", "row", "column"])
    assert rows.loc[("regional", 0, "n"), "status"] == "published"
    assert rows.loc[("regional", 0, "n"), ["lower", "upper"]].tolist() == [11, 11]
    assert ("regional", 0, "n") not in set(
        map(tuple, report.violations[["table", "row", "column"]].to_numpy())
    )
    # r2 + r3 = 40 - 11 = 29: each in [0, 29], wide, protected
    assert report.passed
    exact = intervals(attack(dims, cells))
    assert exact[("regional", 1, "n")] == (0, 29)


def test_an_audit_of_some_cells_judges_them_as_the_whole_audit_does() -> None:
    """`only` restricts which `c` are judged (the protection's later rounds re-attack only the
    cells that violated and the newly hidden ones); the others stay unknowns of the system."""
    cells = linked_release(hidden=((2, 0), (2, 1), (0, 2), (1, 2)))
    full = audit(LINKED_DIMS, cells, exact=True).intervals
    some = {("B", 2, "a"), ("B", 0, "c")}
    part = audit(LINKED_DIMS, cells, exact=True, only=some).intervals
    assert set(zip(part["table"], part["row"], part["column"], strict=True)) == some
    merged = part.merge(full, on=["table", "row", "column"], suffixes=("", "_full"))
    assert (merged["lower"] == merged["lower_full"]).all()
    assert (merged["upper"] == merged["upper_full"]).all()


def test_populations_are_not_linked() -> None:
    """Staff and packages share the region dimension, not their records."""
    dims = [Dimension("raa", ("r1", "r2")), Dimension("role", ("sw", "other"))]
    cells = [
        Cell("P", 0, "n", {"raa": "r1"}, None, population="packages"),
        Cell("P", 1, "n", {"raa": "r2"}, None, population="packages"),
        Cell("P", 2, "n", {}, 40, population="packages"),
        Cell("S", 0, "n", {"raa": "r1"}, 25, population="staff"),
        Cell("S", 1, "n", {}, 30, population="staff"),
    ]
    assert intervals(attack(dims, cells))[("P", 0, "n")] == (0, 40)
    merged = [Cell(c.table, c.row, c.column, c.members, c.value) for c in cells[:3] + cells[3:4]]
    assert intervals(attack(dims, merged))[("P", 0, "n")] == (25, 25)


def test_percentage_recovers_count() -> None:
    dims = [Dimension("therapy", THERAPIES)]
    part, whole = {"therapy": "a"}, {}
    cells = [Cell("T", 0, "n", whole, 40), Cell("T", 1, "a", part, None)]
    # 12.5% of 40 at 1 dp: 12.45 <= 100 k / 40 < 12.55, so 4.98 <= k < 5.02
    shown = ratio_relations(part, whole, 12.5, 1, source="T pct a")
    assert intervals(attack(dims, cells, shown))[("T", 1, "a")] == (5, 5)
    # 3% of 200 at 0 dp: 2.5 <= 100 k / 200 < 3.5, so k in {5, 6}
    cells[0] = Cell("T", 0, "n", whole, 200)
    shown = ratio_relations(part, whole, 3, 0, source="T pct a")
    assert intervals(attack(dims, cells, shown))[("T", 1, "a")] == (5, 6)
    assert audit(dims, cells, shown).violations["reason"].tolist() == ["interval narrower than 10"]


def test_percentage_window_is_half_open() -> None:
    """12.5% rounds half up to 13, never to 12: 12% of 40 fits no integer count."""
    dims = [Dimension("therapy", THERAPIES)]
    cells = [Cell("T", 0, "n", {}, 40), Cell("T", 1, "a", {"therapy": "a"}, None)]
    up = ratio_relations({"therapy": "a"}, {}, 13, 0, source="pct")
    assert intervals(attack(dims, cells, up))[("T", 1, "a")] == (5, 5)
    with pytest.raises(InconsistentReleaseError):
        attack(dims, cells, ratio_relations({"therapy": "a"}, {}, 12, 0, source="pct"))
    even = ratio_relations({"therapy": "a"}, {}, 12, 0, convention="half_even", source="pct")
    assert intervals(attack(dims, cells, even))[("T", 1, "a")] == (5, 5)


def test_mean_and_total_recover_hidden_n() -> None:
    """Mean £61.70 of a released total £1,234: 1234 / 61.705 < n <= 1234 / 61.695, n = 20."""
    dims = [Dimension("raa", ("r1", "r2"))]
    cells = [Cell("M", 0, "n", {"raa": "r1"}, None), Cell("M", 1, "n", {}, 55)]
    mean = mean_relation({"raa": "r1"}, 1234.0, 61.70, 2, source="M mean r1")
    assert (mean.lo, mean.hi) == (20, 20)
    assert intervals(attack(dims, cells, [mean]))[("M", 0, "n")] == (20, 20)


def test_group_categories() -> None:
    """An age band is the sum of its ages: band released, one age hidden, the other released."""
    dims = [Dimension("age", ("0-4", "5-10", "11-15", "16+"))]
    cells = [
        Cell("A", 0, "0-10", {"age": ("0-4", "5-10")}, 30),
        Cell("A", 1, "0-4", {"age": "0-4"}, None),
        Cell("B", 0, "5-10", {"age": "5-10"}, 22),
        Cell("B", 1, "rest", {"age": ("0-4", "11-15", "16+")}, None),
    ]
    got = intervals(attack(dims, cells))
    assert got[("A", 1, "0-4")] == (8, 8)
    assert got[("B", 1, "rest")] == (8, math.inf)
    bands = [  # no age shown alone: the bands alone tell categories apart
        Cell("C", 0, "all", {}, 50),
        Cell("C", 1, "0-10", {"age": ("0-4", "5-10")}, 30),
        Cell("C", 2, "11+", {"age": ("11-15", "16+")}, None),
    ]
    assert intervals(attack(dims, bands)) == {("C", 2, "11+"): (20, 20)}


def test_milp_closes_an_integrality_gap() -> None:
    """Released rates give 5 x0 <= 13 and 5 x1 <= 13 with x0 + x1 + x2 = 10: the LP allows
    x2 = 10 - 2.6 - 2.6 = 4.8, the integers only x2 >= 10 - 2 - 2 = 6."""
    dims = [Dimension("c", ("c0", "c1", "c2"))]
    cells = [Cell("T", 0, "n", {}, 10)] + [
        Cell("T", 1, c, {"c": c}, None) for c in ("c0", "c1", "c2")
    ]
    rates = [Relation(((5, {"c": c}),), 0, 13, f"rate {c}") for c in ("c0", "c1")]
    row = attack(dims, cells, rates).set_index("column").loc["c2"]
    assert row["lp_lower"] == pytest.approx(4.8)
    assert (row["lower"], row["upper"], row["method"]) == (6, 10, "milp")


def test_work_limit_leaves_bounds_unresolved() -> None:
    """Without nodes for the MILP the gap above stays open: only the outer bound ceil(4.8) = 5 is
    known, so a cell is never passed on an unproven bound."""
    dims = [Dimension("c", ("c0", "c1", "c2"))]
    cells = [Cell("T", 0, "n", {}, 10)] + [
        Cell("T", 1, c, {"c": c}, None) for c in ("c0", "c1", "c2")
    ]
    rates = [Relation(((5, {"c": c}),), 0, 13, f"rate {c}") for c in ("c0", "c1")]
    row = attack(dims, cells, rates, node_budget=0).set_index("column").loc["c2"]
    assert (row["lower"], row["upper"], row["status"]) == (5, 10, "unresolved")
    report = audit(dims, cells, rates, rule=ProtectionRule(3), node_budget=0)
    assert report.violations.set_index("column").loc["c2", "reason"] == (
        "not proven wide enough within the work limit"
    )
    in_budget = audit(dims, cells, rates, rule=ProtectionRule(3))  # [6, 10]: wide enough
    assert "c2" not in set(in_budget.violations["column"])


def test_the_work_limit_is_counted_in_nodes_not_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine whose clock races (every call 1,000 s later) gets the same intervals: the
    attack reads no clock."""
    import time

    cells, relations, _ = random_release(SMALL, 7, records=60, hide=0.5)
    expected = audit(SMALL, cells, relations, node_budget=50).intervals
    ticks = iter(range(0, 10**9, 1000))
    monkeypatch.setattr(time, "monotonic", lambda: float(next(ticks)))
    monkeypatch.setattr(time, "time", lambda: float(next(ticks)))
    assert audit(SMALL, cells, relations, node_budget=50).intervals.equals(expected)


def test_audit_is_deterministic() -> None:
    cells, relations, _ = random_release(SMALL, 7, records=60, hide=0.5)
    first, second = audit(SMALL, cells, relations), audit(SMALL, cells, relations)
    assert first.intervals.to_csv() == second.intervals.to_csv()
    assert first.summary.to_csv() == second.summary.to_csv()


def test_inconsistent_release_is_refused() -> None:
    cells = linked_release()
    cells[0] = Cell("A", 0, "packages", {"year": "2021"}, 48)  # B says 47
    with pytest.raises(ValueError, match="same count is 48"):
        attack(LINKED_DIMS, cells)
    primary_only = [
        c if c.value is not None else dataclasses.replace(c, bounds=(0, 9))
        for c in linked_release()
    ]
    with pytest.raises(InconsistentReleaseError):  # 13 is no primary cell
        attack(LINKED_DIMS, primary_only)


# --------------------------------------------------------------------------- soundness
SMALL = (
    Dimension("a", ("a0", "a1", "a2")),
    Dimension("b", ("b0", "b1", "b2")),
    Dimension("c", ("c0", "c1")),
)


def _indicator(dims: Sequence[Dimension], members: Members) -> np.ndarray:
    """Which atoms of the full cross-product a count covers."""
    names = [d.name for d in dims]
    atoms = itertools.product(*(d.categories for d in dims))
    wanted = {d: {v} if isinstance(v, str) else set(v) for d, v in members.items()}
    return np.array(
        [all(atom[names.index(d)] in cats for d, cats in wanted.items()) for atom in atoms]
    )


@functools.cache
def _compositions(total: int, parts: int) -> np.ndarray:
    """Every non-negative integer vector of `parts` entries summing to `total`."""
    if parts == 1:
        return np.array([[total]], dtype=np.int8)
    return np.vstack(
        [
            np.column_stack([np.full(len(rest), first, dtype=np.int8), rest])
            for first in range(total + 1)
            for rest in [_compositions(total - first, parts - 1)]
        ]
    )


def random_release(
    dims: Sequence[Dimension],
    seed: int,
    records: int,
    hide: float = 0.45,
    pairs: Sequence[tuple[int, int]] | None = None,
) -> tuple[list[Cell], list[Relation], np.ndarray]:
    """Seeded linked tables: one-way margins, two-way tables of `pairs` of dimensions (default
    every pair), a grouped table leaving categories out, the total; cells hidden at random;
    two random linear rates."""
    rng = np.random.default_rng(seed)
    sizes = [len(d.categories) for d in dims]
    truth = np.bincount(rng.integers(math.prod(sizes), size=records), minlength=math.prod(sizes))
    pairs = pairs or list(itertools.combinations(range(len(dims)), 2))
    layouts = [[d] for d in dims] + [[dims[i], dims[j]] for i, j in pairs]
    cells = [Cell("total", 0, "n", {}, records)]
    for table in layouts:
        name = "x".join(d.name for d in table)
        for i, combo in enumerate(itertools.product(*(d.categories for d in table))):
            members = {d.name: c for d, c in zip(table, combo, strict=True)}
            value = int(_indicator(dims, members) @ truth)
            cells.append(Cell(name, i, "n", members, None if rng.random() < hide else value))
    first, second = dims[0], dims[1]
    for i, c in enumerate(first.categories):
        members = {first.name: c, second.name: second.categories[:2]}
        value = int(_indicator(dims, members) @ truth)
        cells.append(Cell("group", i, "n", members, None if rng.random() < hide else value))
    relations = []
    interior = [c.members for c in cells if len(c.members) == 2]
    for k in range(2):
        i, j = rng.choice(len(interior), size=2, replace=False)
        a, b = (int(x) for x in rng.integers(2, 6, size=2))
        v = a * _indicator(dims, interior[i]) @ truth + b * _indicator(dims, interior[j]) @ truth
        spread = rng.uniform(0, 3, size=2)
        terms = ((a, interior[i]), (b, interior[j]))
        relations.append(Relation(terms, v - spread[0], v + spread[1], f"rate {k}"))
    return cells, relations, truth


def brute_force(
    dims: Sequence[Dimension], cells: list[Cell], relations: list[Relation], records: int
) -> dict[tuple[str, int, str], tuple[int, int]]:
    """[min, max] of every hidden cell over ALL integer tables of `records` fitting the release."""
    tables = _compositions(records, math.prod(len(d.categories) for d in dims)).astype(np.int64)
    fits = np.ones(len(tables), dtype=bool)
    for c in cells:
        if c.value is not None:
            fits &= tables @ _indicator(dims, c.members) == c.value
    for r in relations:
        value = sum(k * (tables @ _indicator(dims, m)) for k, m in r.terms)
        fits &= (value >= r.lo) & (value <= r.hi)
    feasible = tables[fits]
    return {
        c.key: (int(v.min()), int(v.max()))
        for c in cells
        if c.value is None
        for v in [feasible @ _indicator(dims, c.members)]
    }


@pytest.mark.parametrize("seed", range(12))
def test_attack_equals_brute_force(seed: int) -> None:
    cells, relations, truth = random_release(SMALL, seed, records=int(3 + seed % 5))
    result = attack(SMALL, cells, relations)
    assert intervals(result) == brute_force(SMALL, cells, relations, int(truth.sum()))
    hidden = [_indicator(SMALL, c.members) @ truth for c in cells if c.value is None]
    assert np.all(result["lower"] <= hidden) and np.all(hidden <= result["upper"])
    assert np.all(result["lp_lower"] <= result["lower"] + 1e-6)
    assert np.all(result["lp_upper"] >= result["upper"] - 1e-6)


def full_product_attack(
    dims: Sequence[Dimension], cells: list[Cell], relations: list[Relation]
) -> dict[tuple[str, int, str], tuple[float, float]]:
    """An independent attack: one variable per atom of the full cross-product, one MILP a bound."""
    rows, lo, hi = [], [], []
    for c in cells:
        if c.value is not None:
            rows.append(_indicator(dims, c.members))
            lo.append(c.value)
            hi.append(c.value)
    for r in relations:
        rows.append(sum(k * _indicator(dims, m).astype(float) for k, m in r.terms))
        lo.append(r.lo)
        hi.append(r.hi)
    constraint = LinearConstraint(np.array(rows, dtype=float), lo, hi)
    n = len(rows[0])
    out = {}
    for c in cells:
        if c.value is None:
            target = _indicator(dims, c.members).astype(float)
            ends = [
                milp(
                    sign * target,
                    integrality=np.ones(n),
                    bounds=Bounds(0, np.inf),
                    constraints=constraint,
                    options={"mip_rel_gap": 0},
                )
                for sign in (1, -1)
            ]
            out[c.key] = (round(ends[0].fun), round(-ends[1].fun))
    return out


@pytest.mark.parametrize(
    ("seed", "pairs"),
    [
        (0, None),  # every pair: one clique of all four dimensions
        (1, None),
        (2, [(0, 1), (1, 2), (2, 3), (3, 0)]),  # a 4-cycle: triangulated into two cliques
        (3, [(0, 1), (1, 2), (2, 3), (3, 0)]),
        (4, [(0, 1), (1, 2), (2, 3)]),  # a path: three cliques joined by one dimension each
        (5, [(0, 1), (2, 3)]),  # two pairs sharing only the grand total
    ],
)
def test_reduced_model_equals_full_cross_product(seed: int, pairs: list | None) -> None:
    """Blocks and junction-tree cliques change nothing: 4 dimensions, 300 records, and tables
    of several shapes, some whose margins are not decomposable."""
    dims = (
        Dimension("year", ("y1", "y2", "y3", "y4")),
        Dimension("therapy", ("t1", "t2", "t3", "t4", "t5")),
        Dimension("raa", ("r1", "r2", "r3")),
        Dimension("age", ("young", "old")),
    )
    cells, relations, truth = random_release(dims, 100 + seed, records=300, hide=0.3, pairs=pairs)
    result = attack(dims, cells, relations)
    assert intervals(result) == full_product_attack(dims, cells, relations)
    hidden = [_indicator(dims, c.members) @ truth for c in cells if c.value is None]
    assert np.all(result["lower"] <= hidden) and np.all(hidden <= result["upper"])


@pytest.mark.parametrize("seed", range(3))
def test_verdict_mode_agrees_with_exact_intervals(seed: int) -> None:
    dims = SMALL[:2] + (Dimension("c", ("c0", "c1", "c2", "c3")),)
    cells, relations, _ = random_release(dims, 200 + seed, records=120, hide=0.4)
    exact = audit(dims, cells, relations, exact=True)
    quick = audit(dims, cells, relations)
    assert set(exact.intervals["status"]) == {"exact"}
    keys = ["table", "row", "column", "lower", "upper", "reason"]
    assert not exact.violations.empty
    assert exact.violations[keys].equals(quick.violations[keys])
    wide = quick.intervals[quick.intervals["status"] == "wide"]
    full = exact.intervals.loc[wide.index]
    assert np.all(full["width"] >= wide["width"]) and np.all(wide["width"] >= 10)
    assert np.all(full["lower"] <= wide["seen_lower"]) and np.all(
        wide["seen_upper"] <= full["upper"]
    )


# --------------------------------------------------------------------------- release size
def realistic_release(seed: int = 0) -> tuple[list[Dimension], list[Cell], np.ndarray]:
    """~1,900 cells over 4 linked tables of a 5 year x 14 therapy x 5 RAA x 2 age base, each
    protected on its own (threshold 10 + secondary suppression in its margins): ~300 `c`."""
    rng = np.random.default_rng(seed)
    dims = [
        Dimension("year", tuple(str(y) for y in range(2019, 2024))),
        Dimension("therapy", tuple(f"t{i:02d}" for i in range(14))),
        Dimension("raa", tuple(f"r{i}" for i in range(5))),
        Dimension("age", ("0-10", "11+")),
    ]
    mean = 70 * np.einsum(
        "y,t,r,a->ytra",
        1 + 0.1 * np.arange(5),
        rng.lognormal(0, 1.5, size=14),
        rng.lognormal(0, 0.4, size=5),
        np.array([0.6, 0.4]),
    )
    truth = rng.poisson(mean)
    names = [d.name for d in dims]
    tables = {  # table -> (dimensions, dimensions with a total)
        "T1": (["year", "therapy", "raa"], ["year", "therapy", "raa"]),
        "T2": (["year", "therapy", "age"], ["year", "therapy", "age"]),
        "T3": (["therapy", "raa", "age"], ["therapy", "raa", "age"]),
        "T4": (names, ["raa"]),
    }
    cells = []
    for table, (tdims, totals) in tables.items():
        levels = [
            [*dims[names.index(d)].categories, *(["Total"] if d in totals else [])] for d in tdims
        ]
        frame = pd.DataFrame(list(itertools.product(*levels)), columns=tdims)
        members = [
            {d: v for d, v in row.items() if v != "Total"} for row in frame.to_dict("records")
        ]
        frame["n"] = [int(_indicator(dims, m) @ truth.ravel()) for m in members]
        mask = secondary_mask(frame, tdims, "n", primary_mask(frame["n"], SDCConfig()))
        for i, m in enumerate(members):
            cells.append(Cell(table, i, "n", m, None if mask[i] else int(frame["n"][i])))
    return dims, cells, truth


@pytest.mark.slow
def test_release_size_attack_within_budget() -> None:
    dims, cells, truth = realistic_release()
    assert 1800 <= len(cells) <= 2100 and 250 <= sum(c.suppressed for c in cells) <= 350
    start = time.perf_counter()
    exact = attack(dims, cells)
    elapsed_exact = time.perf_counter() - start
    start = time.perf_counter()
    report = audit(dims, cells)
    elapsed_audit = time.perf_counter() - start
    assert elapsed_exact < 30, f"exact attack took {elapsed_exact:.1f} s"
    assert elapsed_audit < 30, f"audit took {elapsed_audit:.1f} s"
    assert set(exact["status"]) == {"exact"}
    hidden = [_indicator(dims, c.members) @ truth.ravel() for c in cells if c.value is None]
    assert np.all(exact["lower"] <= hidden) and np.all(hidden <= exact["upper"])
    narrow = exact["width"] < 10
    assert narrow.any()  # per-table protection leaks here too
    assert report.violations[["table", "row", "column"]].equals(
        exact.loc[narrow, ["table", "row", "column"]].reset_index(drop=True)
    )


@pytest.mark.slow
def test_local_tables_replace_component_milps_without_changing_the_verdict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A known integer table changed only near a cell (`_Component.local_table`) is a table the
    intruder cannot rule out: the audit with it finds exactly the violations, with the same
    intervals, as the audit that solves every bound over the whole component, with fewer
    component-wide integer programmes."""
    from nps_analysis.disclosure import intervals as engine

    dims, cells, _ = realistic_release()
    calls = {"component": 0}
    solve = engine._Component.solve

    def counted(self, c, *, integral, nodes=None):  # type: ignore[no-untyped-def]
        calls["component"] += integral
        return solve(self, c, integral=integral, nodes=nodes)

    monkeypatch.setattr(engine._Component, "solve", counted)
    with_local = audit(dims, cells)
    local_calls = calls["component"]
    calls["component"] = 0
    monkeypatch.setattr(engine._Component, "local_table", lambda *args, **kwargs: None)
    without = audit(dims, cells)
    keys = ["table", "row", "column", "lower", "upper", "reason"]
    assert not without.violations.empty
    assert with_local.violations[keys].equals(without.violations[keys])
    assert local_calls < calls["component"], (local_calls, calls["component"])
