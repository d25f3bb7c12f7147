"""Comparator groups of similar RAAs: nearest neighbours on stated public characteristics.

Each of the report's 30 RAAs gets the ``k`` RAAs (from any pan-region) closest to it on a few
characteristics built from the public LA data already held, aggregated to RAAs (DfE adoptions,
the adopted-child population estimate, the LA-RAA lookup). Each characteristic is standardised
to a z-score across the 30 RAAs (population standard deviation), weighted, and the distance is
Euclidean; ties are broken by RAA name, so the groups are deterministic. Variables, weights and
years are ASSUMPTIONS in params.yaml (``benchmarking.comparators``); the method and the
resulting groups are in docs/benchmarking.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from nps_analysis.datasets.processed import load_processed
from nps_analysis.regions import pan_regions_raas

VARIABLES = (
    "log_adopted_children_under_18",
    "local_authorities",
    "adoptions_trend",
    "share_adopted_aged_18_24",
)
"""The characteristics this module can build (params.yaml chooses and weights them)."""


def comparator_params() -> dict[str, Any]:
    """The ``benchmarking.comparators`` block of params.yaml."""
    from nps_analysis.config import load_params

    return dict(load_params()["benchmarking"]["comparators"])


def characteristics(
    public_dir: str | os.PathLike[str], params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """One row per report RAA: region, raa and the raw characteristics of :data:`VARIABLES`.

    - ``log_adopted_children_under_18``: natural log of the estimated adopted children under 18
      at 31 March of ``population_year`` (size);
    - ``local_authorities``: LAs in the RAA (structure: single- or multi-authority);
    - ``adoptions_trend``: mean DfE adoptions over ``trend_recent`` / mean over ``trend_base``
      (years ending 31 March; suppressed LA cells at their estimate);
    - ``share_adopted_aged_18_24``: adopted people aged 18-24 as a share of those under 25
      (the age structure that older support needs follow).
    """
    p = dict(params or comparator_params())
    ref = pan_regions_raas()[["region", "raa"]]
    pop = load_processed("adopted_population_by_year", public_dir)
    pop = pop.loc[pop["as_at_year"] == int(p["population_year"])]
    wide = pop.pivot_table(index="raa", columns="age_limit", values="estimate", aggfunc="sum")
    lookup = load_processed("la_raa_region_lookup", public_dir)
    las = lookup.groupby("raa")["old_la_code"].nunique()
    adoptions = load_processed("adoptions_by_region_year", public_dir)

    def mean_adoptions(years: list[int]) -> pd.Series:
        rows = adoptions.loc[adoptions["year"].between(int(years[0]), int(years[1]))]
        return rows.groupby("raa")["adoptions"].mean()

    out = ref.copy()
    out["log_adopted_children_under_18"] = np.log(out["raa"].map(wide[18]).astype(float))
    out["local_authorities"] = out["raa"].map(las).astype(float)
    out["adoptions_trend"] = out["raa"].map(
        mean_adoptions(p["trend_recent"]) / mean_adoptions(p["trend_base"])
    )
    out["share_adopted_aged_18_24"] = out["raa"].map((wide[25] - wide[18]) / wide[25])
    missing = out[list(VARIABLES)].isna().any(axis=1)
    if missing.any():
        raise ValueError(f"characteristics missing for {sorted(out.loc[missing, 'raa'])}")
    return out.reset_index(drop=True)


def standardise(frame: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """z-scores (population SD, across the rows) of the weighted variables, times their weight."""
    cols = list(weights)
    values = frame[cols].astype(float)
    sd = values.std(ddof=0).replace(0.0, 1.0)
    z = (values - values.mean()) / sd
    return z * pd.Series({c: float(w) for c, w in weights.items()})


def nearest_neighbours(frame: pd.DataFrame, weights: Mapping[str, float], k: int) -> pd.DataFrame:
    """The ``k`` nearest RAAs of every RAA: raa, region, rank, comparator, comparator_region,
    distance (weighted Euclidean on z-scores; ties by comparator name)."""
    z = standardise(frame, weights).to_numpy()
    distance = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    raas, regions = frame["raa"].tolist(), frame["region"].tolist()
    rows = []
    for i, raa in enumerate(raas):
        others = sorted(
            (j for j in range(len(raas)) if j != i),
            key=lambda j: (round(distance[i, j], 12), raas[j]),
        )
        for rank, j in enumerate(others[:k], start=1):
            rows.append(
                {
                    "region": regions[i],
                    "raa": raa,
                    "rank": rank,
                    "comparator": raas[j],
                    "comparator_region": regions[j],
                    "distance": float(distance[i, j]),
                }
            )
    return pd.DataFrame(rows)


def comparator_groups(
    public_dir: str | os.PathLike[str], params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Every report RAA's comparator group from the params.yaml choices (see the module)."""
    p = dict(params or comparator_params())
    return nearest_neighbours(characteristics(public_dir, p), p["variables"], int(p["k"]))


def groups_of(groups: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """RAA -> its comparator RAAs in rank order."""
    ordered = groups.sort_values(["raa", "rank"], kind="mergesort")
    return {raa: tuple(g["comparator"]) for raa, g in ordered.groupby("raa", sort=False)}
