"""The interval attack on a whole release, and the audit that judges its result.

For every suppressed count the intruder's feasible interval is the minimum and maximum of that
count over all non-negative integer tables consistent with everything released. Each bound is
first solved as a linear programme (HiGHS simplex): if the optimal vertex is integral it is the
integer optimum; otherwise a small mixed-integer programme over the counts near the cell (the rest
kept at a known integer table) often reaches the LP bound, and when it does not, a mixed-integer
programme over the whole component (HiGHS) finds it. The LP interval always
contains the integer one, so an LP interval narrower than the rule already proves a violation,
but a wide one proves nothing until the integer bounds are known.

With a `min_width` the attack answers the audit's question only: a count for which two integer
tables consistent with the release are known whose values differ by at least `min_width` is
*wide* (proven protected) without its own bounds being solved; every other count gets its exact
interval. Known tables come from integral LP vertices, MILP solutions and a few seeded probes.

The attack's work is limited by branch-and-bound nodes, never by seconds: `node_budget` nodes
for all its integer programmes, at most `MILP_NODES` each in audit mode. HiGHS is deterministic,
so the same release gives the same intervals on any machine, however fast or busy.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp
from scipy.sparse.csgraph import connected_components

from nps_analysis.disclosure.model import Cell, CellKey, Dimension, Relation
from nps_analysis.disclosure.system import LinearSystem, build_system

_TOL = 1e-6
INTERVAL_COLUMNS = [
    "table", "row", "column", "population", "lower", "upper", "width",
    "seen_lower", "seen_upper", "lp_lower", "lp_upper", "method", "status",
]  # fmt: skip
MILP_NODES = 200
"""Branch-and-bound nodes one integer programme may use in audit mode (see
`_Component.interval`), so a hard cell cannot use up the budget of all the others."""
NODE_BUDGET = 20_000
"""Default branch-and-bound nodes for all the integer programmes of one attack."""
PROBES = 10
"""Seeded random LPs per component that look for integer tables before the targets (min_width)."""


class InconsistentReleaseError(ValueError):
    """No integer table fits what is released: a declaration (or an a-priori bound) is wrong."""


@dataclass(frozen=True)
class _Bound:
    """One end of an interval: `value` is exact, or an outer bound when not `exact`."""

    value: float
    lp: float
    exact: bool
    milp: bool


class _Budget:
    """Branch-and-bound nodes left for the integer programmes of one attack."""

    def __init__(self, nodes: int) -> None:
        self.left = nodes

    def take(self, cap: int | None) -> int:
        """Nodes the next integer programme may use (at most `cap`)."""
        return self.left if cap is None else min(cap, self.left)

    def spend(self, result: OptimizeResult) -> None:
        """Charge the nodes an integer programme used (at least one: its root)."""
        self.left -= max(1, int(getattr(result, "mip_node_count", 0) or 0))


def _quiet_highs() -> Any:
    """A new highspy.Highs with no console output (its first construction in a process prints
    a banner on the C stdout, which is sent to /dev/null for that moment)."""
    import os
    import sys

    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    return highs


class _WarmLP:
    """The component's LP kept in one HiGHS instance (highspy): each new objective starts the
    simplex from the last optimal basis (warm start), many times faster than solving each LP
    from scratch, and as deterministic (the same objectives in the same order give the same
    vertices)."""

    def __init__(
        self, matrix: sparse.csr_array, lower: np.ndarray, upper: np.ndarray, strategy: int = 4
    ) -> None:
        import highspy

        csc = sparse.csc_array(matrix)
        csc.sort_indices()
        inf = highspy.kHighsInf
        lp: Any = highspy.HighsLp()  # its stubs type the arrays as lists; numpy arrays are taken
        lp.num_col_, lp.num_row_ = csc.shape[1], csc.shape[0]
        lp.col_cost_ = np.zeros(csc.shape[1])
        lp.col_lower_ = np.zeros(csc.shape[1])
        lp.col_upper_ = np.full(csc.shape[1], inf)
        lp.row_lower_ = np.where(np.isfinite(lower), lower, -inf)
        lp.row_upper_ = np.where(np.isfinite(upper), upper, inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
        lp.a_matrix_.index_ = csc.indices.astype(np.int32)
        lp.a_matrix_.value_ = csc.data.astype(float)
        self.highs = _quiet_highs()
        self.highs.setOptionValue("threads", 1)
        # from the last basis only the objective changes: it stays primal feasible, so the
        # primal simplex (strategy 4) without presolve goes on from it (measured 3x faster than
        # the default); when row bounds change too, the dual simplex (1) does
        self.highs.setOptionValue("presolve", "off")
        self.highs.setOptionValue("simplex_strategy", strategy)
        self.highs.passModel(lp)
        self.columns = np.arange(csc.shape[1], dtype=np.int32)
        self._status = highspy.HighsModelStatus

    def solve(self, c: np.ndarray) -> OptimizeResult:
        """Minimise c @ x: ``status`` 0 optimal, 2 infeasible, 3 unbounded (as scipy's milp)."""
        self.highs.changeColsCost(len(self.columns), self.columns, np.asarray(c, dtype=float))
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == self._status.kOptimal:
            x = np.array(self.highs.getSolution().col_value)
            return OptimizeResult(status=0, x=x, fun=float(np.dot(c, x)), message="optimal")
        code = {self._status.kInfeasible: 2, self._status.kUnbounded: 3}.get(status, 4)
        return OptimizeResult(status=code, x=None, fun=math.nan, message=str(status))


class _Component:
    """One independent block of the system (the rows and variables it links) and its targets.

    Every integer solution met on the way (an integral LP vertex, a MILP incumbent) is a table
    the intruder cannot rule out, so it bounds every target from inside; a bound that meets the
    LP's outer bound needs no MILP."""

    def __init__(self, system: LinearSystem, variables: np.ndarray, targets: np.ndarray) -> None:
        matrix = system.matrix[:, variables]
        rows = np.flatnonzero(np.diff(matrix.tocsr().indptr))
        self.matrix = matrix[rows, :].tocsr()
        self.constraint = LinearConstraint(self.matrix, system.lower[rows], system.upper[rows])
        self.sources = [system.sources[i] for i in rows]
        self.n = len(variables)
        self.targets = system.targets[targets][:, variables].tocsr()
        self.seen_low = np.full(len(targets), math.inf)  # smallest value in a known solution
        self.seen_high = np.full(len(targets), -math.inf)
        self.incumbent: np.ndarray | None = None  # the last integer table met
        self.lp = _WarmLP(self.matrix, system.lower[rows], system.upper[rows])
        self._columns = self.matrix.tocsc()

    def solve(self, c: np.ndarray, *, integral: bool, nodes: int | None = None) -> OptimizeResult:
        """Minimise c @ x over the component (HiGHS); `nodes` caps the branch-and-bound work of
        an integer programme (a work limit: deterministic, unlike a time limit)."""
        if not integral:
            return self.lp.solve(c)
        options: dict[str, int] = {} if nodes is None else {"node_limit": nodes}
        return milp(
            c,
            integrality=np.ones(self.n) if integral else None,
            bounds=Bounds(0, np.inf),
            constraints=self.constraint,
            options=options,
        )

    def remember(self, x: np.ndarray | None) -> bool:
        """Record x if it is (up to tolerance) an integer solution; True if it was."""
        if x is None:
            return False
        r = np.round(x)
        ax = self.matrix @ r  # exact for integer coefficients; float ones get rounding slack
        lb, ub = self.constraint.lb, self.constraint.ub
        slack = 1e-9 * np.maximum(1, np.abs(ax))
        if (
            np.max(np.abs(x - r), initial=0) > _TOL
            or np.any(ax < lb - slack)
            or np.any(ax > ub + slack)
        ):
            return False
        values = self.targets @ r
        np.minimum(self.seen_low, values, out=self.seen_low)
        np.maximum(self.seen_high, values, out=self.seen_high)
        self.incumbent = r
        return True

    def local_table(
        self, c: np.ndarray, t: int, hops: int, budget: _Budget, cap: int | None
    ) -> np.ndarray | None:
        """An integer table minimising c @ x that differs from the last known one only near
        target t: the counts within `hops` shared rows of its own are free, every other count
        keeps its known value. Any table it finds fits the whole release (the rows that touch
        no free count are those of the known table), so it is a table the intruder cannot rule
        out; it is only far cheaper than the component's MILP (measured: 3.4x on a region's
        audit, where the component's MILPs mostly ended at their root)."""
        if self.incumbent is None:
            return None
        nodes = budget.take(cap)
        if nodes <= 0:
            return None
        free = self.targets[[t]].indices
        for _ in range(hops):
            rows = np.unique(self._columns[:, free].indices)
            free = np.union1d(free, self.matrix[rows].indices)
        rows = np.unique(self._columns[:, free].indices)
        kept = np.ones(self.n, dtype=bool)
        kept[free] = False
        part = self.matrix[rows]
        fixed = part[:, kept] @ self.incumbent[kept]
        res = milp(
            c[free],
            integrality=np.ones(len(free)),
            bounds=Bounds(0, np.inf),
            constraints=LinearConstraint(
                part[:, free], self.constraint.lb[rows] - fixed, self.constraint.ub[rows] - fixed
            ),
            options={"node_limit": nodes},
        )
        budget.spend(res)
        if res.x is None:
            return None
        table = self.incumbent.copy()
        table[free] = res.x
        return table

    def bound(
        self, t: int, sign: int, budget: _Budget, cap: int | None = None, goal: float | None = None
    ) -> _Bound:
        """The integer minimum of sign * target t: from known solutions, the LP or a MILP of at
        most `cap` nodes from the `budget`. With a `goal` (audit mode) no MILP is solved once
        the known tables put t's values `goal` apart: the cell is then proven wide, and its
        bound (returned as not exact) is not needed."""
        seen = self.seen_low[t] if sign > 0 else -self.seen_high[t]
        if sign > 0 and seen == 0:  # a count is never negative
            return _Bound(0, 0, True, False)
        c = sign * self.targets[[t]].toarray().ravel()
        lp = self.solve(c, integral=False)  # LPs are cheap: always solved
        if lp.status == 3:  # unbounded LP + integer feasible => unbounded integer programme
            return _Bound(-math.inf, -math.inf, True, False)
        if lp.status != 0:
            raise RuntimeError(f"LP failed: {lp.message}")
        outer = math.ceil(lp.fun - _TOL)
        if seen <= outer or self.remember(lp.x):
            return _Bound(outer, lp.fun, True, False)
        for hops in (1, 2):  # a known table changed near t often reaches the LP bound
            if self.remember(self.local_table(c, t, hops, budget, cap)):
                seen = self.seen_low[t] if sign > 0 else -self.seen_high[t]
                if seen <= outer:
                    return _Bound(outer, lp.fun, True, True)
        if goal is not None and self.seen_high[t] - self.seen_low[t] >= goal:
            return _Bound(outer, lp.fun, False, False)
        nodes = budget.take(cap)
        if nodes <= 0:
            return _Bound(outer, lp.fun, False, False)
        res = self.solve(c, integral=True, nodes=nodes)
        budget.spend(res)
        if res.status == 2:
            raise InconsistentReleaseError("no integer table fits: " + self.describe())
        if not self.remember(res.x):
            return _Bound(outer, lp.fun, False, True)
        bound = max(outer, math.ceil(res.mip_dual_bound - _TOL))
        return _Bound(bound, lp.fun, bound >= round(res.fun), True)

    def probe(self, n: int) -> None:
        """Look for integer tables with `n` LPs of seeded random objectives over the targets."""
        rng = np.random.default_rng(0)
        for _ in range(n):
            weights = rng.integers(-3, 4, size=self.targets.shape[0])
            self.remember(self.solve(weights @ self.targets, integral=False).x)

    def interval(self, t: int, budget: _Budget, goal: float | None) -> dict[str, object]:
        """The attack's row for target t (see `attack`)."""

        def wide() -> bool:
            return goal is not None and self.seen_high[t] - self.seen_low[t] >= goal

        # In audit mode each MILP gets at most MILP_NODES nodes: its incumbent is an integer
        # table, and two of them far enough apart already prove the cell protected (`wide`), so
        # a hard cell cannot use up the budget of all the others.
        cap = None if goal is None else MILP_NODES
        high = None if wide() else self.bound(t, -1, budget, cap, goal)
        low = None if wide() else self.bound(t, 1, budget, cap, goal)
        if wide():
            low = high = None
        row: dict[str, object] = {
            "seen_lower": self.seen_low[t],
            "seen_upper": self.seen_high[t],
            "lower": math.nan if low is None else low.value,
            "upper": math.nan if high is None else -high.value,
            "lp_lower": math.nan if low is None else low.lp,
            "lp_upper": math.nan if high is None else -high.lp,
            "method": "milp" if any(b is not None and b.milp for b in (low, high)) else "lp",
        }
        if low is None or high is None:
            return row | {"width": self.seen_high[t] - self.seen_low[t], "status": "wide"}
        exact = low.exact and high.exact
        return row | {
            "width": -high.value - low.value,
            "status": "exact" if exact else "unresolved",
        }

    def describe(self, limit: int = 8) -> str:
        """The first rows of the component, for an error message."""
        shown = [s for s in dict.fromkeys(self.sources) if s][:limit]
        return "; ".join(shown) + (" ..." if len(self.sources) > limit else "")


def _published(copy: Cell | None) -> dict[str, object]:
    """The attack's row for a `c` whose count another table of the release publishes: it hides
    nothing, so it protects nothing and is not judged (status "published")."""
    value = float(copy.value) if copy is not None and copy.value is not None else math.nan
    return {
        "lower": value, "upper": value, "width": 0.0, "seen_lower": value, "seen_upper": value,
        "lp_lower": value, "lp_upper": value, "method": "copy", "status": "published",
    }  # fmt: skip


def independent_blocks(system: LinearSystem) -> list[np.ndarray]:
    """Variables of each independent block: linked by a shared row or a shared target."""
    rows = sparse.vstack([system.matrix, system.targets]).tocsr()
    pattern = (abs(rows) > 0).astype(np.int8)
    graph = sparse.block_array([[None, pattern.T], [pattern, None]], format="csr")
    _, labels = connected_components(graph, directed=False)
    var_labels = labels[: rows.shape[1]]
    return [np.flatnonzero(var_labels == label) for label in dict.fromkeys(var_labels)]


def attack(
    dimensions: Sequence[Dimension],
    cells: Sequence[Cell],
    relations: Sequence[Relation] = (),
    *,
    suppressed_bounds: tuple[float, float] = (0, math.inf),
    node_budget: int = NODE_BUDGET,
    min_width: float | None = None,
    only: Collection[CellKey] | None = None,
) -> pd.DataFrame:
    """The intruder's feasible integer interval [lower, upper] of every suppressed cell (of the
    suppressed cells in `only`, when given: the others are still unknowns, just not judged).

    Knowledge: all `cells` and `relations`, integrality, non-negativity, the full category lists,
    and for each `c` its `bounds` (default `suppressed_bounds`, e.g. (1, inf) when zeros are
    released). Truth-free: the hidden values are never read. One row per suppressed cell, in
    input order; `status`:

    * "exact": [lower, upper] is the feasible interval (width = upper - lower);
    * "wide" (only with `min_width`): known integer tables give it values seen_lower and
      seen_upper, at least `min_width` apart; its bounds were not solved (width = that spread,
      a lower bound of the true width);
    * "unresolved": the `node_budget` (branch-and-bound nodes for all integer programmes) or a
      programme's share of it ran out; lower/upper are outer bounds (from the LP or the MILP's
      dual bound);
    * "published": another table of the release publishes the same count (lower = upper = its
      value): the `c` withholds nothing, so there is nothing to protect.
    """
    budget = _Budget(node_budget)
    system = build_system(dimensions, cells, relations, suppressed_bounds=suppressed_bounds)
    judged = [
        (c, t) for c, t in zip(system.suppressed, system.target_of, strict=True)
        if only is None or c.key in only
    ]  # fmt: skip
    copy_of = dict(zip((c.key for c in system.suppressed), system.published_as, strict=True))
    asked = np.zeros(system.targets.shape[0], dtype=bool)
    asked[[t for c, t in judged if copy_of[c.key] is None]] = True
    targets = system.targets.tocsc()
    results: dict[int, dict[str, object]] = {}
    for variables in independent_blocks(system):
        wanted = np.flatnonzero(np.diff(targets[:, variables].tocsr().indptr))
        wanted = wanted[asked[wanted]]
        if not len(wanted):
            continue
        component = _Component(system, variables, wanted)
        check = component.solve(np.zeros(component.n), integral=True, nodes=max(1, budget.left))
        budget.spend(check)
        if check.status in (2, 4):  # a zero objective cannot be unbounded
            raise InconsistentReleaseError("no integer table fits: " + component.describe())
        component.remember(check.x)
        if min_width is not None:
            component.probe(PROBES)
        for i, t in enumerate(wanted):
            results[int(t)] = component.interval(i, budget, min_width)
    rows = [
        {"table": c.table, "row": c.row, "column": c.column, "population": c.population}
        | (results[t] if copy_of[c.key] is None else _published(copy_of[c.key]))
        for c, t in judged
    ]
    numbers = ["lower", "upper", "width", "seen_lower", "seen_upper", "lp_lower", "lp_upper"]
    return pd.DataFrame(rows, columns=INTERVAL_COLUMNS).astype(dict.fromkeys(numbers, float))


@dataclass(frozen=True)
class ProtectionRule:
    """A suppressed cell is protected when its feasible interval is at least `min_width` wide
    (upper - lower; default the threshold, 10) and never a single value."""

    min_width: float = 10.0

    def reason(self, width: float, status: str) -> str | None:
        """Why an attack row fails the rule, or None (see `attack` for width and status)."""
        if status == "published":  # another table releases the count: nothing is withheld
            return None
        if status != "wide":  # width of the interval (of outer bounds when unresolved)
            if width <= 0:
                return "recovered exactly"
            if width < self.min_width:
                return f"interval narrower than {self.min_width:g}"
        if status == "exact" or (status == "wide" and width >= self.min_width):
            return None
        return "not proven wide enough" + (
            " within the work limit" if status == "unresolved" else ""
        )


@dataclass(frozen=True)
class AuditReport:
    """The attack's intervals, the violations of the rule, and a summary per table."""

    intervals: pd.DataFrame
    violations: pd.DataFrame
    summary: pd.DataFrame

    @property
    def passed(self) -> bool:
        """True when no suppressed cell violates the rule (the run may publish)."""
        return self.violations.empty


def judge(intervals: pd.DataFrame, tables: Sequence[str], rule: ProtectionRule) -> AuditReport:
    """Apply `rule` to an `attack` result; `tables` lists every table of the run (summary rows)."""
    reasons = [
        rule.reason(w, s) for w, s in zip(intervals["width"], intervals["status"], strict=True)
    ]
    flagged = intervals.assign(reason=reasons)
    violations = flagged[flagged["reason"].notna()].reset_index(drop=True)
    summary = []
    for table in dict.fromkeys(tables):
        rows = flagged[flagged["table"] == table]
        hiding = rows[rows["status"] != "published"]  # a `c` published elsewhere hides nothing
        narrowest = hiding.loc[hiding["width"].idxmin()] if len(hiding) else None
        summary.append(
            {
                "table": table,
                "suppressed": len(rows),
                "violations": int(rows["reason"].notna().sum()),
                "narrowest_width": narrowest["width"] if narrowest is not None else math.nan,
                "narrowest_row": narrowest["row"] if narrowest is not None else None,
                "narrowest_column": narrowest["column"] if narrowest is not None else None,
                "narrowest_status": narrowest["status"] if narrowest is not None else None,
            }
        )
    return AuditReport(flagged, violations, pd.DataFrame(summary))


def audit(
    dimensions: Sequence[Dimension],
    cells: Sequence[Cell],
    relations: Sequence[Relation] = (),
    *,
    rule: ProtectionRule | None = None,
    suppressed_bounds: tuple[float, float] = (0, math.inf),
    node_budget: int = NODE_BUDGET,
    exact: bool = False,
    only: Collection[CellKey] | None = None,
) -> AuditReport:
    """Attack the whole release and judge every suppressed cell by `rule` (default width >= 10),
    or the suppressed cells in `only` (the intervals of the others are not in the report).

    Every violation carries its exact interval; a protected cell carries its exact interval when
    `exact`, else the proof that it is wide enough (status "wide", see `attack`)."""
    rule = rule or ProtectionRule()
    intervals = attack(
        dimensions,
        cells,
        relations,
        suppressed_bounds=suppressed_bounds,
        node_budget=node_budget,
        min_width=None if exact else rule.min_width,
        only=only,
    )
    return judge(intervals, [c.table for c in cells], rule)
