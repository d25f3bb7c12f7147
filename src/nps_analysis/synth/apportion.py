"""Integer apportionment that keeps published margins exact."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split integer `total` in proportion to `weights` (Hamilton / largest remainder); sums exactly."""
    w = np.asarray(weights, dtype="float64")
    if total < 0 or (w < 0).any() or w.sum() <= 0:
        raise ValueError(
            "largest_remainder needs total >= 0 and non-negative weights with a positive sum"
        )
    quota = total * w / w.sum()
    base = np.floor(quota).astype("int64")
    short = int(total - base.sum())
    order = np.lexsort((np.arange(len(w)), -(quota - base)))  # ties: first index wins
    base[order[:short]] += 1
    return base


def ipf(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, iters: int = 500) -> np.ndarray:
    """Iterative proportional fitting of `seed` to row and column totals (zeros stay zero)."""
    m = np.asarray(seed, dtype="float64").copy()
    for _ in range(iters):
        m *= (rows / np.where(m.sum(1) > 0, m.sum(1), 1))[:, None]
        m *= (cols / np.where(m.sum(0) > 0, m.sum(0), 1))[None, :]
        if np.allclose(m.sum(1), rows, rtol=0, atol=1e-9):
            break
    return m


def controlled_round(m: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Round a real matrix to integers whose row and column sums equal `rows` and `cols` exactly.

    Floors every cell, then adds 1 to a set of cells chosen by a transportation LP (integral
    optimum) that favours the largest fractional parts. Structural zeros stay zero.
    """
    m = np.asarray(m, dtype="float64")
    rows, cols = np.asarray(rows, dtype="int64"), np.asarray(cols, dtype="int64")
    if rows.sum() != cols.sum():
        raise ValueError("row and column totals differ")
    base = np.floor(m + 1e-9).astype("int64")
    need_r, need_c = rows - base.sum(1), cols - base.sum(0)
    free = np.argwhere(m > 0)
    if need_r.sum() == 0:
        out = base
    else:
        frac = (m - base)[free[:, 0], free[:, 1]]
        n_r, n_c, n_v = m.shape[0], m.shape[1], len(free)
        a_eq = np.zeros((n_r + n_c, n_v))
        a_eq[free[:, 0], np.arange(n_v)] = 1
        a_eq[n_r + free[:, 1], np.arange(n_v)] = 1
        res = linprog(
            -frac, A_eq=a_eq, b_eq=np.concatenate([need_r, need_c]), bounds=(0, 1), method="highs"
        )
        if not res.success:
            raise ValueError(f"controlled rounding failed: {res.message}")
        out = base.copy()
        out[free[:, 0], free[:, 1]] += np.round(res.x).astype("int64")
    if not ((out.sum(1) == rows).all() and (out.sum(0) == cols).all()):
        raise AssertionError("controlled rounding did not reproduce the margins")
    return out
