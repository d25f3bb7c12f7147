"""How many of a finite population of N RAAs have a property, from k of n that responded.

Two answers for the population count K (e.g. RAAs in England with a DDP skills gap):

* `no_assumption_bounds`: K lies in [k, k + (N - n)] whatever the non-responders are like (none
  of them has it / all of them have it). Nothing is assumed about why RAAs did not respond.
* `hypergeometric_count_ci`: an exact interval for K **if** the n responders were a simple random
  sample of the N (response unrelated to having the property). The number with the property among
  the responders is then hypergeometric(N, K, n); the interval keeps every K that neither
  one-sided test rejects at alpha/2 (the Clopper-Pearson construction, for a finite population).
  It always lies inside the no-assumption bounds.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import pandas as pd

ArrayLike: TypeAlias = np.ndarray | pd.Series | int


def _ints(*values: ArrayLike) -> tuple[np.ndarray, ...]:
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.int64) for v in values))
    k, n, population = arrays
    if (k < 0).any() or (k > n).any() or (n > population).any():
        raise ValueError("need 0 <= k <= n <= N for every cell")
    return k, n, population


def no_assumption_bounds(
    k: ArrayLike, n: ArrayLike, population: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest possible population count K: (k, k + N - n)."""
    k, n, population = _ints(k, n, population)
    return k.copy(), k + (population - n)


def hypergeometric_count_ci(
    k: ArrayLike, n: ArrayLike, population: ArrayLike, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (1 - alpha) interval (K_low, K_high) for the population count K (vectorised).

    K_low is the smallest K with P(X >= k | K) > alpha/2 and K_high the largest with
    P(X <= k | K) > alpha/2, X ~ hypergeometric(N, K, n): a tail exactly equal to alpha/2
    rejects (ties occur, e.g. N=16, n=2, k=2, K=3 at alpha=0.05; the comparison allows 1e-9
    relative rounding, far below the 1/C(N, n) spacing of the tails for N of a few dozen).
    Cells with n = 0 get (0, N).
    """
    from scipy.stats import hypergeom

    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    k, n, population = _ints(k, n, population)
    threshold = alpha / 2 * (1 + 1e-9)
    low = np.zeros(k.shape, dtype=np.int64)
    high = population.copy()
    for idx in np.ndindex(k.shape):
        kk, nn, big_n = int(k[idx]), int(n[idx]), int(population[idx])
        if nn == 0:
            continue
        counts = np.arange(big_n + 1)
        upper_tail = hypergeom.sf(kk - 1, big_n, counts, nn)  # P(X >= k | K)
        lower_tail = hypergeom.cdf(kk, big_n, counts, nn)  # P(X <= k | K)
        kept = counts[(upper_tail > threshold) & (lower_tail > threshold)]
        low[idx], high[idx] = kept.min(), kept.max()
    return low, high
