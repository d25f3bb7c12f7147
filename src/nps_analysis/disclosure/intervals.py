"""The interval attack on a whole release, and the audit that judges its result.

For every suppressed count the intruder's feasible interval is the minimum and maximum of that
count over all non-negative integer tables consistent with everything released. Each bound is
first solved as a linear programme (HiGHS simplex): if the optimal vertex is integral it is the
integer optimum; otherwise a mixed-integer programme (HiGHS) finds it. The LP interval always
contains the integer one, so an LP interval narrower than the rule already proves a violation,
but a wide one proves nothing until the integer bounds are known.

With a `min_width` the attack answers the audit's question only: a count for which two integer
tables consistent with the release are known whose values differ by at least `min_width` is
*wide* (proven protected) without its own bounds being solved; every other count gets its exact
interval. Known tables come from integral LP vertices, MILP solutions and a few seeded probes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp
from scipy.sparse.csgraph import connected_components

from nps_analysis.disclosure.model import Cell, Dimension, Relation
from nps_analysis.disclosure.system import LinearSystem, build_system

_TOL = 1e-6
INTERVAL_COLUMNS = [
    "table", "row", "column", "population", "lower", "upper", "width",
    "seen_lower", "seen_upper", "lp_lower", "lp_upper", "method", "status",
]  # fmt: skip
LP_GRACE = 20.0
"""Seconds after the time limit in which LPs are still solved; later cells are left unresolved
(reported as not proven protected) so an audit always ends."""
MILP_NODES = 200
"""Branch-and-bound nodes one integer programme may use in audit mode (see
`_Component.interval`): a work limit, so the result does not depend on the machine's speed."""
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

    def solve(
        self, c: np.ndarray, *, integral: bool, time_limit: float, nodes: int | None = None
    ) -> OptimizeResult:
        """Minimise c @ x over the component (HiGHS); `nodes` caps the branch-and-bound work
        (deterministic, unlike a time cap)."""
        options: dict[str, float | int] = {"time_limit": max(time_limit, 1e-3)}
        if nodes is not None:
            options["node_limit"] = nodes
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
        return True

    def bound(self, t: int, sign: int, deadline: float, nodes: int | None = None) -> _Bound:
        """The integer minimum of sign * target t: from known solutions, the LP or a MILP."""
        seen = self.seen_low[t] if sign > 0 else -self.seen_high[t]
        if sign > 0 and seen == 0:  # a count is never negative
            return _Bound(0, 0, True, False)
        if time.monotonic() > deadline + LP_GRACE:  # out of time: only the trivial bound
            return _Bound(0 if sign > 0 else -math.inf, math.nan, False, False)
        c = sign * self.targets[[t]].toarray().ravel()
        lp = self.solve(c, integral=False, time_limit=math.inf)  # LPs are cheap: never cut
        if lp.status == 3:  # unbounded LP + integer feasible => unbounded integer programme
            return _Bound(-math.inf, -math.inf, True, False)
        if lp.status != 0:
            raise RuntimeError(f"LP failed: {lp.message}")
        outer = math.ceil(lp.fun - _TOL)
        if seen <= outer or self.remember(lp.x):
            return _Bound(outer, lp.fun, True, False)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return _Bound(outer, lp.fun, False, False)
        res = self.solve(c, integral=True, time_limit=remaining, nodes=nodes)
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
            self.remember(self.solve(weights @ self.targets, integral=False, time_limit=math.inf).x)

    def interval(self, t: int, deadline: float, goal: float | None) -> dict[str, object]:
        """The attack's row for target t (see `attack`)."""

        def wide() -> bool:
            return goal is not None and self.seen_high[t] - self.seen_low[t] >= goal

        # In audit mode each MILP gets at most MILP_NODES nodes: its incumbent is an integer
        # table, and two of them far enough apart already prove the cell protected (`wide`), so
        # a hard cell cannot use up the time of all the others.
        nodes = None if goal is None else MILP_NODES
        high = None if wide() else self.bound(t, -1, deadline, nodes)
        low = None if wide() else self.bound(t, 1, deadline, nodes)
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


def _components(system: LinearSystem) -> list[np.ndarray]:
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
    time_limit: float = 60.0,
    min_width: float | None = None,
) -> pd.DataFrame:
    """The intruder's feasible integer interval [lower, upper] of every suppressed cell.

    Knowledge: all `cells` and `relations`, integrality, non-negativity, the full category lists,
    and for each `c` its `bounds` (default `suppressed_bounds`, e.g. (1, inf) when zeros are
    released). Truth-free: the hidden values are never read. One row per suppressed cell, in
    input order; `status`:

    * "exact": [lower, upper] is the feasible interval (width = upper - lower);
    * "wide" (only with `min_width`): known integer tables give it values seen_lower and
      seen_upper, at least `min_width` apart; its bounds were not solved (width = that spread,
      a lower bound of the true width);
    * "unresolved": the `time_limit` (seconds, for all integer programmes) ran out; lower/upper
      are outer bounds (from the LP or the MILP's dual bound).
    """
    deadline = time.monotonic() + time_limit
    system = build_system(dimensions, cells, relations, suppressed_bounds=suppressed_bounds)
    targets = system.targets.tocsc()
    results: dict[int, dict[str, object]] = {}
    for variables in _components(system):
        wanted = np.flatnonzero(np.diff(targets[:, variables].tocsr().indptr))
        if not len(wanted):
            continue
        component = _Component(system, variables, wanted)
        remaining = deadline - time.monotonic()
        check = component.solve(np.zeros(component.n), integral=True, time_limit=remaining)
        if check.status in (2, 4):  # a zero objective cannot be unbounded
            raise InconsistentReleaseError("no integer table fits: " + component.describe())
        component.remember(check.x)
        if min_width is not None:
            component.probe(PROBES)
        for i, t in enumerate(wanted):
            results[int(t)] = component.interval(i, deadline, min_width)
    rows = [
        {"table": c.table, "row": c.row, "column": c.column, "population": c.population}
        | results[t]
        for c, t in zip(system.suppressed, system.target_of, strict=True)
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
        if status != "wide":  # width of the interval (of outer bounds when unresolved)
            if width <= 0:
                return "recovered exactly"
            if width < self.min_width:
                return f"interval narrower than {self.min_width:g}"
        if status == "exact" or (status == "wide" and width >= self.min_width):
            return None
        return "not proven wide enough" + (" in the time limit" if status == "unresolved" else "")


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
        narrowest = rows.loc[rows["width"].idxmin()] if len(rows) else None
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
    time_limit: float = 60.0,
    exact: bool = False,
) -> AuditReport:
    """Attack the whole release and judge every suppressed cell by `rule` (default width >= 10).

    Every violation carries its exact interval; a protected cell carries its exact interval when
    `exact`, else the proof that it is wide enough (status "wide", see `attack`)."""
    rule = rule or ProtectionRule()
    intervals = attack(
        dimensions,
        cells,
        relations,
        suppressed_bounds=suppressed_bounds,
        time_limit=time_limit,
        min_width=None if exact else rule.min_width,
    )
    return judge(intervals, [c.table for c in cells], rule)
