"""Damped-growth trend: year-on-year growth that decays geometrically, anchored on the last year.

On log counts, `d_k = log y_k - log y_(k-1) = gamma * phi^(k-1) + e_k` (k = 1..n-1, `e_k` iid
normal), fitted by least squares with `0 <= phi <= 1` (`phi = 1`: constant growth from the last
year). The forecast continues from the last observation: `log y_(T+h) = log y_T + gamma *
(phi^(n-1) + ... + phi^(n+h-2))`. It is Holt's damped trend on log counts with the level following
the data (smoothing 1) and a deterministic trend: statsmodels `ETSModel(trend="add",
damped_trend=True)` has 5 parameters, which 5 annual points cannot estimate (on the default data it
returned smoothing parameters of 0 and damping at its bound 0.8, with no residual df left).

Two parameters on `n - 1` growth rates leave `n - 3` residual df: prediction intervals use
t(n - 3) with the delta-method variance of the cumulative growth plus `h * sigma^2`. At least 4
years (df >= 1) with at least `MIN_COUNT` packages every year (the log-normal approximation of a
count is poor below that) are required.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

MODEL_DAMPED = "damped_trend"
MIN_YEARS = 4
MIN_COUNT = 20


@dataclass
class DampedFit:
    """A fitted (or refused) damped-growth trend for one series of annual counts."""

    series: str
    model: str
    years: list[str]
    counts: np.ndarray
    gamma: float = float("nan")  # growth (log scale) in the first year-on-year step
    phi: float = float("nan")  # damping: each year's log growth is phi times the previous
    cov: np.ndarray = field(default_factory=lambda: np.full((2, 2), np.nan))
    sigma2: float = float("nan")  # residual variance of the log growth rates
    df_resid: int = 0
    note: str = ""

    @property
    def fitted_ok(self) -> bool:
        """True when a model was fitted."""
        return self.model == MODEL_DAMPED

    @property
    def n_steps(self) -> int:
        """Number of observed year-on-year growth rates (`n_years - 1`)."""
        return len(self.counts) - 1

    def growth_pct(self, step: int) -> float:
        """Fitted growth in percent of year-on-year step `step` (1 = first to second year)."""
        return float(np.expm1(self.gamma * self.phi ** (step - 1)) * 100.0)

    def predict(
        self, horizon: int, levels: tuple[float, ...] = (0.95,)
    ) -> tuple[np.ndarray, dict[float, tuple[np.ndarray, np.ndarray]]]:
        """`(central forecast, {level: (low, high)})` for 1..`horizon` years after the last one.

        The central forecast is the median (exp of the predicted log count).
        """
        k = np.arange(self.n_steps, self.n_steps + horizon)  # exponents of the future steps
        powers = self.phi**k
        log_centre = np.log(self.counts[-1]) + np.cumsum(self.gamma * powers)
        grad = np.column_stack(
            [np.cumsum(powers), np.cumsum(self.gamma * k * self.phi ** np.maximum(k - 1, 0))]
        )
        var = (
            np.einsum("ij,jk,ik->i", grad, self.cov, grad) + np.arange(1, horizon + 1) * self.sigma2
        )
        sd = np.sqrt(var)
        out = {}
        for lv in levels:
            q = stats.t.ppf(0.5 + lv / 2, self.df_resid)
            out[lv] = (np.exp(log_centre - q * sd), np.exp(log_centre + q * sd))
        return np.exp(log_centre), out


def _profile(d: np.ndarray, phi: float) -> tuple[float, float]:
    """Least-squares gamma given phi, and the residual sum of squares."""
    w = phi ** np.arange(len(d))
    gamma = float(d @ w / (w @ w))
    return gamma, float(np.sum((d - gamma * w) ** 2))


def fit_damped(
    series: str, years: list[str], counts: np.ndarray | list[int], *, min_count: int = MIN_COUNT
) -> DampedFit:
    """Fit the damped-growth trend to annual counts (model `'none'` with the reason if it cannot)."""
    y = np.asarray(counts, dtype=float)
    years = list(years)
    fit = DampedFit(series, "none", years, y)
    if len(y) < MIN_YEARS:
        fit.note = f"no damped trend: {len(y)} year(s); it needs at least {MIN_YEARS}"
        return fit
    if np.any(y < min_count):
        fit.note = (
            f"no damped trend: fewer than {min_count} packages in some year, too few for a "
            "log-scale model"
        )
        return fit
    d = np.diff(np.log(y))
    grid = np.linspace(0.0, 1.0, 101)
    rss = np.array([_profile(d, p)[1] for p in grid])
    i = int(np.argmin(rss))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    best = optimize.minimize_scalar(
        lambda p: _profile(d, p)[1], bounds=(lo, hi), method="bounded", options={"xatol": 1e-10}
    )
    phi = float(best.x) if best.fun <= rss[i] else float(grid[i])
    gamma, rss_min = _profile(d, phi)
    df_resid = len(d) - 2
    sigma2 = rss_min / df_resid
    if not sigma2 > 0:
        fit.note = "no damped trend: it fits exactly, so no residual variation to estimate from"
        return fit
    k = np.arange(len(d))
    jac = np.column_stack([phi**k, gamma * k * phi ** np.maximum(k - 1, 0)])
    fit.model, fit.gamma, fit.phi = MODEL_DAMPED, gamma, phi
    fit.cov = sigma2 * np.linalg.pinv(jac.T @ jac)
    fit.sigma2, fit.df_resid = sigma2, df_resid
    bound = " (phi at its bound)" if phi in (0.0, 1.0) else ""
    fit.note = (
        f"damped growth: first step {fit.growth_pct(1):+.1f}%, damping phi = {phi:.3f}{bound}, "
        f"last step {fit.growth_pct(len(d)):+.1f}%; t({df_resid}) intervals"
    )
    return fit


__all__ = ["MIN_COUNT", "MIN_YEARS", "MODEL_DAMPED", "DampedFit", "fit_damped"]
