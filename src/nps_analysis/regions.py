"""Pan-regions and their RAAs (National Picture s2.1): the names, their RAAs (reference list),
the file-safe slugs of params.yaml, and choosing one region's rows. The one home of region
helpers: every analysis checks a region name and selects its rows here."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

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


def read_reference_csv(path: Path) -> pd.DataFrame:
    """A reference list (``data/raw/published/reference/*.csv``) as text, a copy read once per
    file version: the one reader of those files (the vocabularies, ``published.load_reference``
    and the public-data geography all come here). It lives here because region code must stay
    light and everything that reads the pan-regions imports this module."""
    stat = path.stat() if path.is_file() else None
    return _read_text(str(path), (stat.st_mtime_ns, stat.st_size) if stat else None).copy()


def read_pan_regions_raas(reference_dir: Path = REFERENCE_DIR) -> pd.DataFrame:
    """The pan-regions reference list as text (see :func:`read_reference_csv`)."""
    return read_reference_csv(Path(reference_dir) / PAN_REGIONS_FILE.name)


@lru_cache(maxsize=8)
def _read_text(path: str, version: tuple[int, int] | None) -> pd.DataFrame:
    del version  # part of the cache key only: an edited file is read again
    return pd.read_csv(path, encoding="utf-8", dtype=str, keep_default_na=False)


def pan_regions_raas(reference_dir: Path = REFERENCE_DIR) -> pd.DataFrame:
    """All 30 RAAs with their pan-region, in the report's order (`region_order` an int)."""
    df = read_pan_regions_raas(reference_dir)
    df["region_order"] = df["region_order"].astype(int)
    return df


def region_names() -> list[str]:
    """The eight pan-region names in the report's order."""
    df = pan_regions_raas()
    return list(dict.fromkeys(df.sort_values("region_order", kind="mergesort")["region"]))


def raas_of(region: str) -> list[str]:
    """The RAAs of one pan-region (raises ValueError with the known names if unknown)."""
    check_region(region)
    df = pan_regions_raas()
    return df.loc[df["region"] == region, "raa"].tolist()


def check_region(region: str | None) -> None:
    """Raise ValueError naming the eight pan-regions (and the closest) when `region` is not one;
    None (all of England) passes."""
    if region is None or region in PAN_REGIONS:
        return
    hint = _did_you_mean(str(region), PAN_REGIONS)
    raise ValueError(f"Unknown pan-region {region!r}; known: {', '.join(PAN_REGIONS)}.{hint}")


def _did_you_mean(value: str, known: Iterable[str]) -> str:
    """ " Did you mean 'X', 'Y'?" with the closest known names, or "" when none is close."""
    close = difflib.get_close_matches(value, list(known), n=3)
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def rows_in_region(
    df: pd.DataFrame, region: str | None, *, drop_unused_categories: bool = True
) -> pd.DataFrame:
    """The rows of `df` in pan-region `region` (a copy; every row when None), by default with the
    categories no remaining row uses dropped from categorical columns."""
    check_region(region)
    if region is None:
        return df
    rows = df.loc[df["region"].astype(str) == region].copy()
    if drop_unused_categories:
        for column in rows.columns:
            if isinstance(rows[column].dtype, pd.CategoricalDtype):
                rows[column] = rows[column].cat.remove_unused_categories()
    return rows


def region_slugs() -> dict[str, str]:
    """Map pan-region name → file-safe slug (the DVC foreach key in params.yaml), report order."""
    from nps_analysis.config import load_params

    return {spec["name"]: slug for slug, spec in load_params()["regions"].items()}


def region_slug(region: str) -> str:
    """The slug for a pan-region name (case and spacing forgiven); a clear error with close
    matches when unknown."""
    slugs = region_slugs()
    if region in slugs:
        return slugs[region]
    for name, slug in slugs.items():
        if region.strip().lower() in (name.lower(), slug):
            return slug
    hint = _did_you_mean(region, slugs)
    raise ValueError(f"Unknown pan-region {region!r}. Known: {', '.join(slugs)}.{hint}")
