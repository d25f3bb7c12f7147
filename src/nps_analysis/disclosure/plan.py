"""Joint protection of one analysis against everything released before it: audit and extend.

`nps execute` runs a record-level notebook once, reads the count cells its writers left in the
output checker's folder, and asks `protect` (LP-guided audit-and-extend, HiGHS) for the extra
cells to suppress so that every `c` of this analysis *and of the analyses it is released with*
(`upstream`: their cells are fixed) keeps its protection interval. If any are needed it writes
them as a suppression plan and runs the notebook again; `OutputWriter.table` suppresses the
planned cells (and the values derived from them) as it writes. Deterministic: the same cells
give the same plan.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nps_analysis.disclosure.intervals import ProtectionRule
from nps_analysis.disclosure.protection import protect
from nps_analysis.disclosure.release import analysis_cells, blocks_release, build_model

PLAN_FILE = "suppression_plan.json"


@dataclass(frozen=True)
class PlanResult:
    """What protecting one analysis did."""

    extra: tuple[tuple[str, int, str], ...]  # (table, row, column) within the analysis
    passed: bool
    rounds: int
    violations: int
    blocking: bool = False  # a violation concerns real microdata: nothing may be published


def plan_protection(
    checker_dir: str | Path,
    upstream: Sequence[str | Path] = (),
    *,
    min_width: float,
    node_budget: int,
    zeros_released: bool = False,
) -> PlanResult:
    """Protect the cells in `checker_dir` jointly with the (fixed) cells of `upstream` checker
    folders; write the plan (possibly empty) to `checker_dir/suppression_plan.json`."""
    folder = Path(checker_dir)
    own = analysis_cells(folder, "own/")
    fixed = [cell for i, up in enumerate(upstream) for cell in analysis_cells(up, f"upstream{i}/")]
    extra: tuple[tuple[str, int, str], ...] = ()
    passed, rounds, violations, blocking = True, 0, 0, False
    if any(c["value"] is None for c in own):
        dimensions, cells = build_model([*own, *fixed])
        candidates = [c.key for c in cells if c.table.startswith("own/") and not c.suppressed]
        result = protect(
            dimensions,
            cells,
            candidates=candidates,
            rule=ProtectionRule(min_width=min_width),
            suppressed_bounds=(1, math.inf) if zeros_released else (0, math.inf),
            node_budget=node_budget,
        )
        extra = tuple((t[len("own/") :], int(r), c) for t, r, c in result.extra)
        passed, rounds, violations = result.passed, result.rounds, len(result.report.violations)
        blocking = blocks_release(result.report.violations, [*own, *fixed])
    (folder / PLAN_FILE).write_text(
        json.dumps({"extra": [list(k) for k in extra]}, indent=1) + "\n", encoding="utf-8"
    )
    return PlanResult(extra, passed, rounds, violations, blocking)


def read_plan(checker_dir: str | Path) -> set[tuple[str, int, str]]:
    """The planned extra suppressions of an analysis (empty when there is no plan)."""
    path = Path(checker_dir) / PLAN_FILE
    if not path.is_file():
        return set()
    return {(t, int(r), c) for t, r, c in json.loads(path.read_text(encoding="utf-8"))["extra"]}
