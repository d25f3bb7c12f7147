"""Small statistical helpers shared by every analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd


def wilson_ci(
    count: np.ndarray | pd.Series | int, n: np.ndarray | pd.Series | int, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for the proportion count/n (vectorised; NaN where n is 0)."""
    from statsmodels.stats.proportion import proportion_confint

    count_a = np.asarray(count, dtype=float)
    n_a = np.asarray(n, dtype=float)
    safe_n = np.where(n_a > 0, n_a, 1.0)
    low, high = proportion_confint(count_a, safe_n, alpha=alpha, method="wilson")
    low = np.where(n_a > 0, low, np.nan)
    high = np.where(n_a > 0, high, np.nan)
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def hhi(shares_pct: pd.Series) -> float:
    """Herfindahl-Hirschman index (0-10,000) from market shares in percent."""
    shares = pd.to_numeric(shares_pct, errors="raise").astype(float)
    return float((shares**2).sum())
