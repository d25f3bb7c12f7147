"""Simulated ASGSF packages in the data-contract schema, for tests and benchmarks (not the default data).

Packages per therapy and year follow `lambda0 * (1 + growth) ** t` (Poisson, or negative binomial
with dispersion `alpha`), so trend models can be checked against known growth rates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from nps_analysis.asgsf.categories import availability
from nps_analysis.asgsf.years import fy_span, fy_start
from nps_analysis.regions import PAN_REGIONS

DEFAULT_RATES: dict[str, tuple[float, float]] = {
    # therapy: (packages in the first year, annual growth)
    "Creative therapies": (900.0, 0.25),
    "Family therapy": (700.0, 0.35),
    "Multi-disciplinary packages of support": (60.0, 0.0),
    "Psychotherapy": (600.0, 0.20),
    "Therapeutic parenting": (500.0, 0.15),
    "Specialist assessments": (400.0, 0.30),
    "Extensive therapeutic life story work": (300.0, 0.10),
    "Short breaks": (5.0, 0.0),
    "Filial therapy": (3.0, 0.0),
}


def simulate_counts(
    years: Sequence[str],
    rates: Mapping[str, tuple[float, float]] = DEFAULT_RATES,
    *,
    alpha: float = 0.0,
    seed: int = 1,
) -> pd.DataFrame:
    """Year x therapy count table with expected counts `lambda0 * (1 + g) ** t`.

    Family therapy has no packages before 2018/19 and Multi-disciplinary packages none after it;
    in 2018/19 both get half their expected count (the category change was in November 2018).
    """
    rng = np.random.default_rng(seed)
    t = np.arange(len(years))
    starts = np.array([fy_start(y) for y in years])
    cols = {}
    for name, (lam0, g) in rates.items():
        av = availability(name)
        # categories that did not exist have no packages; the change year (2018/19) is half-year
        exists = np.array([1.0 if av.available(s) else 0.0 for s in starts])
        exists *= np.array([0.5 if av.partial(s) else 1.0 for s in starts])
        mu = lam0 * (1.0 + g) ** t * exists
        if alpha > 0:
            mu = np.where(mu > 0, rng.gamma(1.0 / alpha, np.maximum(mu, 1e-12) * alpha), 0.0)
        cols[name] = rng.poisson(mu)
    out = pd.DataFrame(cols, index=pd.Index(list(years), name="financial_year"))
    out.columns.name = "therapy_type"
    return out


def simulate_series(
    n_years: int,
    *,
    first: float,
    growth: float,
    alpha: float = 0.0,
    rng: np.random.Generator,
) -> np.ndarray:
    """One series of annual counts with mean `first * (1 + growth) ** t`, t = 0..n_years-1:
    Poisson, or negative binomial NB2 (Var = mu + alpha mu^2) when `alpha > 0`."""
    mu = first * (1.0 + growth) ** np.arange(n_years)
    lam = rng.gamma(1.0 / alpha, mu * alpha) if alpha > 0 else mu
    return rng.poisson(lam)


def packages_from_counts(
    counts: pd.DataFrame, *, seed: int = 2, blank_share: float = 0.0
) -> pd.DataFrame:
    """Expand a year x therapy count table into package rows in the schema (vectorised)."""
    rng = np.random.default_rng(seed)
    long = counts.stack()
    long = long[long > 0]
    reps = long.to_numpy()
    n = int(reps.sum())
    fy = np.repeat(long.index.get_level_values(0).to_numpy(), reps)
    therapy = np.repeat(long.index.get_level_values(1).to_numpy(), reps).astype(object)
    if blank_share > 0:
        therapy[rng.random(n) < blank_share] = ""
    raas = _raas()
    pick = rng.integers(0, len(raas), n)
    region = raas["region"].to_numpy()[pick]
    raa = raas["raa"].to_numpy()[pick]
    is_assess = np.char.find(therapy.astype(str), "assessment") >= 0
    amount = np.round(rng.lognormal(np.where(is_assess, 7.6, 8.1), 0.5), 2)
    limit = np.where(is_assess, 2500.0, 5000.0)
    return pd.DataFrame(
        {
            "application_id": np.char.add("APP", np.arange(n).astype(str)),
            "financial_year": fy,
            "region": pd.Categorical(region, categories=list(PAN_REGIONS)),
            "raa": pd.Categorical(raa),
            "provider": np.where(rng.random(n) < 0.1, "", "Provider X"),
            "therapy_type": pd.Categorical(therapy),
            "child_age": rng.integers(0, 22, n),
            "order_type": np.where(
                rng.random(n) < 0.8, "Adoption order", "Special guardianship order"
            ),
            "amount_gbp": amount,
            "match_funded": amount > limit,
        }
    )


def _raas() -> pd.DataFrame:
    """Region and RAA pairs from the reference list (one placeholder RAA per region if absent)."""
    try:
        from nps_analysis.regions import pan_regions_raas

        return pan_regions_raas()[["region", "raa"]]
    except (ImportError, FileNotFoundError):  # pragma: no cover - reference list missing
        return pd.DataFrame({"region": list(PAN_REGIONS), "raa": [f"{r} RAA" for r in PAN_REGIONS]})


def simulate_packages(
    first: str = "2015/16",
    last: str = "2024/25",
    *,
    scale: float = 1.0,
    seed: int = 1,
    alpha: float = 0.0,
) -> pd.DataFrame:
    """Packages for every year `first..last`, expected counts multiplied by `scale`."""
    years = fy_span(first, last)
    rates = {k: (v[0] * scale, v[1]) for k, v in DEFAULT_RATES.items()}
    return packages_from_counts(
        simulate_counts(years, rates, alpha=alpha, seed=seed), seed=seed + 1
    )
