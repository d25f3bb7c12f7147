"""Shared helpers for the synthetic generators: reference lists, seeded streams, CSV writing."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from nps_analysis.paths import PUBLISHED_DIR, atomic_write
from nps_analysis.published import figure, load_published, load_reference

STREAMS = {"open_cases": 1, "asgsf_packages": 2, "workforce": 3, "step": 4}


def rng_for(seed: int, dataset: str) -> np.random.Generator:
    """An independent seeded stream per data set (changing one generator leaves the others alone)."""
    return np.random.default_rng([int(seed), STREAMS[dataset]])


def raas() -> pd.DataFrame:
    """The 30 RAAs with their pan-region, in reference order (region order, then RAA as listed)."""
    ref = load_reference("pan_regions_raas")
    ref = ref.assign(region_order=ref["region_order"].astype(int))
    return ref.sort_values("region_order", kind="mergesort")[["region", "raa"]].reset_index(
        drop=True
    )


def raa_weights(rng: np.random.Generator, concentration: float, n: int = 30) -> np.ndarray:
    """Random RAA size weights (Dirichlet): an ASSUMPTION, since RAA-level sizes are not published."""
    return rng.dirichlet(np.full(n, float(concentration)))


def published(name: str) -> pd.DataFrame:
    """A validated published table (read, never retyped)."""
    return load_published(name, PUBLISHED_DIR)


def fig(figure_id: str) -> float:
    """One published figure by id."""
    return figure(figure_id, PUBLISHED_DIR)


def yes_no(values: pd.Series) -> pd.Series:
    """Booleans written the way a region's spreadsheet would: yes / no / blank."""
    out = pd.Series(
        np.where(values.fillna(False).astype(bool), "yes", "no"), index=values.index, dtype=object
    )
    return out.where(values.notna(), "")


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """Deterministic CSV: UTF-8, LF, no index, minimal quoting, no timestamps."""
    text = df.to_csv(
        index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL, float_format="%.10g"
    )
    return atomic_write(path, text.encode("utf-8"))
