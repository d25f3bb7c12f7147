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
