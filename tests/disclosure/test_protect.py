"""Joint protection: extra suppression until the audit of all linked tables passes."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
from test_attack import (  # the linked fixtures, shared (tests/disclosure is on sys.path)
    LINKED_DIMS,
    LINKED_TRUTH,
    intervals,
    linked_release,
    realistic_release,
)

from nps_analysis.disclosure import (
    Cell,
    Dimension,
    Relation,
    attack,
    audit,
    protect,
    ratio_relations,
)


def hide(cells: list[Cell], keys: tuple) -> list[Cell]:
    """The release with `keys` suppressed too."""
    return [dataclasses.replace(c, value=None) if c.key in keys else c for c in cells]


def test_protect_completes_a_rectangle() -> None:
    """(2023, a) = 4 and (2023, b) = 13 are recovered through C; the cheapest fix hides the same
    two therapies in another year — 2022 (14 + 11 = 25) rather than 2021 (12 + 15 = 27)."""
    cells = linked_release()
    result = protect(LINKED_DIMS, cells)
    assert result.extra == (("B", 1, "a"), ("B", 1, "b"))
    assert (result.cells_added, result.value_hidden, result.passed) == (2, 25, True)
    assert result.rounds == 2 and result.withdrawn == ()
    # t = (2023, a): (2023, b) = 17 - t, (2022, a) = 18 - t, (2022, b) = 7 + t, 0 <= t <= 17
    exact = attack(LINKED_DIMS, hide(cells, result.extra))
    assert intervals(exact) == {
        ("B", 1, "a"): (1, 18),
        ("B", 1, "b"): (7, 24),
        ("B", 2, "a"): (0, 17),
        ("B", 2, "b"): (0, 17),
    }
    truth = {("B", i, t): LINKED_TRUTH[i, j] for i in (1, 2) for j, t in enumerate("ab")}
    assert all(lo <= truth[k] <= hi for k, (lo, hi) in intervals(exact).items())


def test_protect_uses_only_candidates() -> None:
    """Only table C may lose cells: hiding its a and b totals leaves a + b = 17 in 2023."""
    cells = linked_release()
    result = protect(LINKED_DIMS, cells, candidates=[c.key for c in cells if c.table == "C"])
    assert result.extra == (("C", 0, "packages"), ("C", 1, "packages"))
    assert result.value_hidden == 30 + 39 and result.passed
    exact = intervals(attack(LINKED_DIMS, hide(cells, result.extra)))
    assert exact[("B", 2, "a")] == (0, 17) and exact[("C", 0, "packages")] == (26, 43)


def test_protect_fails_when_no_candidate_helps() -> None:
    """Table A only repeats B's totals: hiding it changes nothing, so the run must not publish."""
    cells = linked_release()
    result = protect(LINKED_DIMS, cells, candidates=[c.key for c in cells if c.table == "A"])
    assert not result.passed and result.extra == ()
    assert list(result.report.violations["column"]) == ["a", "b"]
    with pytest.raises(ValueError, match="released cells"):
        protect(LINKED_DIMS, cells, candidates=[("B", 2, "a")])


def test_protect_withdraws_derived_values() -> None:
    """n = 50, n_with = 45 give n_without = 5. Hiding n_with suffices once its percentage
    (90.0%, derived from it) goes too; a percentage not declared as derived forces hiding n."""
    dims = [Dimension("screened", ("yes", "no"))]
    cells = [
        Cell("S", 0, "n", {}, 50),
        Cell("S", 0, "n_with", {"screened": "yes"}, 45),
        Cell("S", 0, "n_without", {"screened": "no"}, None),
    ]
    pct = ratio_relations(
        {"screened": "yes"}, {}, 90.0, 1, source="S pct_with", derived_from=(("S", 0, "n_with"),)
    )
    result = protect(dims, cells, pct)
    assert result.extra == (("S", 0, "n_with"),) and result.withdrawn == ("S pct_with",)
    assert result.passed and result.value_hidden == 45
    kept = [Relation(r.terms, r.lo, r.hi, r.source) for r in pct]
    result = protect(dims, cells, kept)
    assert result.extra == (("S", 0, "n"), ("S", 0, "n_with")) and result.withdrawn == ()
    assert result.passed


def test_protect_is_deterministic() -> None:
    """Same inputs, same result; with a unique cheapest pattern the input order does not matter."""
    cells = linked_release()
    first, again = protect(LINKED_DIMS, cells), protect(LINKED_DIMS, cells)
    assert first.extra == again.extra
    assert first.report.intervals.to_csv() == again.report.intervals.to_csv()
    order = np.random.default_rng(3).permutation(len(cells))
    shuffled = protect(LINKED_DIMS, [cells[i] for i in order])
    assert shuffled.extra == protect(LINKED_DIMS, cells).extra


@pytest.mark.slow
def test_protect_release_size() -> None:
    """~1,900 cells of 4 linked tables, ~300 `c`, 48 of them too narrow: protection passes,
    hides few extra cells, and every true value stays inside its interval."""
    dims, cells, truth = realistic_release()
    before = audit(dims, cells)
    start = time.perf_counter()
    result = protect(dims, cells)
    elapsed = time.perf_counter() - start
    assert len(before.violations) > 0 and result.passed
    assert elapsed < 60, f"protect took {elapsed:.1f} s"
    released = {c.key for c in cells if not c.suppressed}
    assert set(result.extra) <= released
    assert result.cells_added <= 0.05 * len(released)  # 18 cells (403 packages) at writing
    protected = hide(cells, result.extra)
    exact = attack(dims, protected)
    assert exact["width"].min() >= 10
    names = [d.name for d in dims]
    for row, cell in zip(exact.itertuples(), [c for c in protected if c.suppressed], strict=True):
        index = tuple(
            dims[i].categories.index(cell.members[n]) if n in cell.members else slice(None)
            for i, n in enumerate(names)
        )
        assert row.lower <= truth[index].sum() <= row.upper
