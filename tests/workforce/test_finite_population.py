"""The finite-population interval for how many of N RAAs have a gap: brute force, hand-worked
values, exact coverage and a seeded simulation at the production size (17 of 30 RAAs)."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pytest

from nps_analysis.workforce.finite_population import (
    hypergeometric_count_ci,
    no_assumption_bounds,
)

N_RAAS, N_RESPONDING = 30, 17  # England: 17 of the 30 RAAs indicated their skills gaps


def _brute_force(k: int, n: int, big_n: int, alpha: Fraction) -> tuple[int, int]:
    """Every K not rejected by either exact one-sided test at alpha/2, in rational arithmetic."""
    total = comb(big_n, n)
    kept = []
    for big_k in range(big_n + 1):
        pmf = [comb(big_k, x) * comb(big_n - big_k, n - x) for x in range(n + 1)]
        upper = Fraction(sum(pmf[k:]), total)  # P(X >= k | K)
        lower = Fraction(sum(pmf[: k + 1]), total)  # P(X <= k | K)
        if upper > alpha / 2 and lower > alpha / 2:
            kept.append(big_k)
    assert kept == list(range(kept[0], kept[-1] + 1))  # the accepted set is an interval
    return kept[0], kept[-1]


@pytest.mark.parametrize("alpha", [Fraction(1, 20), Fraction(1, 10)])
@pytest.mark.parametrize("big_n", [1, 2, 3, 5, 6, 16, N_RAAS])
def test_interval_equals_brute_force_enumeration(big_n: int, alpha: Fraction) -> None:
    # N = 6 and N = 16 include tails exactly equal to alpha/2 (ties must reject).
    cells = [(k, n) for n in range(1, big_n + 1) for k in range(n + 1)]
    k = np.array([c[0] for c in cells])
    n = np.array([c[1] for c in cells])
    low, high = hypergeometric_count_ci(k, n, big_n, float(alpha))
    expected = [_brute_force(kk, nn, big_n, alpha) for kk, nn in cells]
    assert list(zip(low.tolist(), high.tolist(), strict=True)) == expected


def test_hand_worked_intervals() -> None:
    # N=3, n=2, k=2: P(X>=2 | K=1) = 0, P(X>=2 | K=2) = C(2,2)/C(3,2) = 1/3 > 0.025 -> [2, 3].
    assert [int(v) for v in hypergeometric_count_ci(2, 2, 3)] == [2, 3]
    # N=5, n=2, k=0: P(X=0 | K) = C(5-K, 2)/10 = 1, .6, .3, .1, 0, 0 -> K <= 3 at alpha 0.05;
    # at alpha 0.2 the tail 0.1 at K=3 equals alpha/2 exactly and rejects -> K <= 2.
    assert [int(v) for v in hypergeometric_count_ci(0, 2, 5, 0.05)] == [0, 3]
    assert [int(v) for v in hypergeometric_count_ci(0, 2, 5, 0.2)] == [0, 2]
    # London TLSW: 1 of 1 responding of 4 RAAs says nothing beyond "at least one".
    assert [int(v) for v in hypergeometric_count_ci(1, 1, 4)] == [1, 4]
    # No responders: the whole range.
    assert [int(v) for v in hypergeometric_count_ci(0, 0, 30)] == [0, 30]


def test_no_assumption_bounds_hand_computed() -> None:
    # DDP, England: 8 of 17 responding named a gap; 13 RAAs did not answer -> 8 to 21 of 30.
    low, high = no_assumption_bounds(np.array([8, 0, 6, 3]), N_RESPONDING, N_RAAS)
    assert low.tolist() == [8, 0, 6, 3]
    assert high.tolist() == [21, 13, 19, 16]
    with pytest.raises(ValueError):
        no_assumption_bounds(5, 4, 30)  # k > n
    with pytest.raises(ValueError):
        no_assumption_bounds(1, 31, 30)  # n > N


def test_interval_lies_inside_the_no_assumption_bounds() -> None:
    k = np.arange(N_RESPONDING + 1)
    low, high = hypergeometric_count_ci(k, N_RESPONDING, N_RAAS)
    b_low, b_high = no_assumption_bounds(k, N_RESPONDING, N_RAAS)
    assert (low >= b_low).all() and (high <= b_high).all()
    # ...and is strictly narrower where there is room (DDP 8 of 17: 10-19 against 8-21).
    assert (int(low[8]), int(high[8])) == (10, 19)


def test_exact_coverage_at_production_size() -> None:
    """For every population count K of the 30 RAAs, P(K in interval) >= 95% (hypergeometric pmf)."""
    from scipy.stats import hypergeom

    k = np.arange(N_RESPONDING + 1)
    low, high = hypergeometric_count_ci(k, N_RESPONDING, N_RAAS)
    coverage = [
        hypergeom.pmf(k, N_RAAS, big_k, N_RESPONDING)[(low <= big_k) & (big_k <= high)].sum()
        for big_k in range(N_RAAS + 1)
    ]
    assert min(coverage) >= 0.95 - 1e-12
    # The construction is not trivially conservative: some K is covered less than 99%.
    assert min(coverage) < 0.99


def test_simulated_random_response_coverage() -> None:
    """17 of 30 RAAs chosen at random, 20,000 times per K: the interval covers K >= 95%."""
    rng = np.random.default_rng(20241125)
    k_grid = np.arange(N_RESPONDING + 1)
    low, high = hypergeometric_count_ci(k_grid, N_RESPONDING, N_RAAS)
    reps = 20_000
    for big_k in (0, 3, 8, 14, 21, 30):
        has_gap = np.zeros(N_RAAS, dtype=bool)
        has_gap[:big_k] = True
        draws = np.argsort(rng.random((reps, N_RAAS)), axis=1)[:, :N_RESPONDING]
        k = has_gap[draws].sum(axis=1)
        covered = ((low[k] <= big_k) & (big_k <= high[k])).mean()
        se = np.sqrt(0.95 * 0.05 / reps)
        assert covered >= 0.95 - 3 * se, (big_k, covered)


def test_simulation_breaks_when_response_is_selective() -> None:
    """If RAAs with a gap answer more often, the interval can miss; the bounds never do."""
    rng = np.random.default_rng(7)
    big_k, reps = 8, 5_000
    has_gap = np.zeros(N_RAAS, dtype=bool)
    has_gap[:big_k] = True
    weight = np.where(has_gap, 6.0, 1.0)  # a gap makes answering six times likelier
    k_grid = np.arange(N_RESPONDING + 1)
    low, high = hypergeometric_count_ci(k_grid, N_RESPONDING, N_RAAS)
    b_low, b_high = no_assumption_bounds(k_grid, N_RESPONDING, N_RAAS)
    ks = np.array(
        [
            has_gap[rng.choice(N_RAAS, N_RESPONDING, replace=False, p=weight / weight.sum())].sum()
            for _ in range(reps)
        ]
    )
    assert ((low[ks] <= big_k) & (big_k <= high[ks])).mean() < 0.9
    assert ((b_low[ks] <= big_k) & (big_k <= b_high[ks])).all()
