"""The `workforce:` block of params.yaml: reporting rules and in-house ASSUMPTIONS, read in one place."""

from __future__ import annotations

from typing import Any

import pandas as pd


def workforce_params() -> dict[str, Any]:
    """The `workforce:` block of params.yaml (reporting rules and in-house assumptions)."""
    from nps_analysis.config import load_params

    return dict(load_params().get("workforce") or {})


def min_responders_to_rank(value: int | None = None) -> int:
    """Fewest responding RAAs a region or skill needs before it is ranked (params.yaml default)."""
    out = int(workforce_params()["min_responders_to_rank"] if value is None else value)
    if out < 1:
        raise ValueError("min_responders_to_rank must be at least 1")
    return out


def rankable(responders: pd.Series, minimum: int) -> pd.Series:
    """Cells whose number of responding RAAs (released: a number, blank or 'c') reaches `minimum`."""
    return pd.to_numeric(responders, errors="coerce").fillna(0) >= minimum
