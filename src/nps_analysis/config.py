"""Read params.yaml: the one place parameters and assumptions live."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from nps_analysis.paths import PROJECT_ROOT


@lru_cache(maxsize=1)
def load_params() -> dict[str, Any]:
    """The parsed params.yaml of the project."""
    import yaml

    return yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text(encoding="utf-8"))


def region_slugs() -> dict[str, str]:
    """Map pan-region name → file-safe slug (the DVC foreach key), in report order."""
    return {spec["name"]: slug for slug, spec in load_params()["regions"].items()}


def region_slug(region: str) -> str:
    """The slug for a pan-region name; a clear error with close matches when unknown."""
    import difflib

    slugs = region_slugs()
    if region in slugs:
        return slugs[region]
    for name, slug in slugs.items():
        if region.strip().lower() in (name.lower(), slug):
            return slug
    close = difflib.get_close_matches(region, list(slugs), n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"Unknown pan-region {region!r}. Known: {', '.join(slugs)}.{hint}")
