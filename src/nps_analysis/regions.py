"""Pan-regions and their RAAs (National Picture s2.1), read from the reference list."""

from __future__ import annotations

import pandas as pd

from nps_analysis.paths import REFERENCE_DIR

PAN_REGIONS_FILE = REFERENCE_DIR / "pan_regions_raas.csv"

PAN_REGIONS: tuple[str, ...] = (
    "Eastern",
    "London",
    "Midlands",
    "North East",
    "North West",
    "South East",
    "South West",
    "Yorkshire & Humber",
)
"""The eight pan-regions in the report's order (s2.1); a test checks the reference list agrees."""


def pan_regions_raas() -> pd.DataFrame:
    """All 30 RAAs with their pan-region, in the report's order."""
    df = pd.read_csv(PAN_REGIONS_FILE, encoding="utf-8", dtype=str, keep_default_na=False)
    df["region_order"] = df["region_order"].astype(int)
    return df


def region_names() -> list[str]:
    """The eight pan-region names in the report's order."""
    df = pan_regions_raas()
    return list(dict.fromkeys(df.sort_values("region_order", kind="mergesort")["region"]))


def raas_of(region: str) -> list[str]:
    """The RAAs of one pan-region (raises ValueError with the known names if unknown)."""
    df = pan_regions_raas()
    raas = df.loc[df["region"] == region, "raa"].tolist()
    if not raas:
        raise ValueError(f"Unknown pan-region {region!r}; known: {', '.join(region_names())}")
    return raas
