"""Design columns for the TAYC-R models: 0/1 indicators for categories, RAA fixed effects."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from nps_analysis.step import CATEGORICAL_FACTORS
from nps_analysis.step.screening import merge_small_groups

RAA = "raa"
"""The RAA column: entered as fixed effects when an extract spans several RAAs."""

MIN_GROUP_SIZE = 10
"""Categories with fewer families are merged before they become indicators (as in screening)."""

INDICATOR_SEPARATOR = "__"


def is_categorical(factor: str) -> bool:
    """True for factors entered as indicators (ethnicity, RAA)."""
    return factor in CATEGORICAL_FACTORS or factor == RAA


def slug(label: str) -> str:
    """A formula-safe lower-case name for a category label (`White Other` -> `white_other`)."""
    return re.sub(r"[^0-9a-z]+", "_", label.lower()).strip("_") or "blank"


def factor_of(term: str) -> str:
    """The factor a design column belongs to (`child_ethnicity__mixed` -> `child_ethnicity`)."""
    return term.split(INDICATOR_SEPARATOR, 1)[0]


def indicators(values: pd.Series, name: str, min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """0/1 columns `name__<level>` for every level except the reference (the largest group).

    Levels with fewer than `min_group_size` known values are merged first (`merge_small_groups`);
    rows where `values` is missing get NaN in every column. Column order is the sorted level order.
    """
    known = values.notna().to_numpy()
    labels = values[known].astype(str).to_numpy()
    merged = merge_small_groups(labels, min_group_size) if len(labels) else labels
    levels, counts = np.unique(merged, return_counts=True)
    columns: dict[str, np.ndarray] = {}
    if len(levels):
        reference = levels[int(np.argmax(counts))]
        for level in levels:
            if level == reference:
                continue
            col = np.full(len(values), np.nan)
            col[known] = (merged == level).astype(float)
            columns[f"{name}{INDICATOR_SEPARATOR}{slug(str(level))}"] = col
    if len(columns) < max(len(levels) - 1, 0):
        raise ValueError(f"categories of '{name}' collide once made formula-safe: {list(levels)}")
    return pd.DataFrame(columns, index=values.index)


def as_float(values: pd.Series) -> np.ndarray:
    """A numeric or boolean column as float, NaN where missing (nullable dtypes included)."""
    return pd.to_numeric(values.astype("object").where(values.notna(), np.nan)).to_numpy(
        dtype=float
    )


def expand(
    df: pd.DataFrame, factors: Sequence[str], min_group_size: int = MIN_GROUP_SIZE
) -> pd.DataFrame:
    """The design columns of `factors`: numeric as float, categorical as `indicators` (keeps NaN)."""
    parts = []
    for f in factors:
        if is_categorical(f):
            parts.append(indicators(df[f], f, min_group_size))
        else:
            parts.append(pd.DataFrame({f: as_float(df[f])}, index=df.index))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=df.index)


def spans_several_raas(df: pd.DataFrame) -> bool:
    """True when the rows come from more than one RAA (then RAA fixed effects are entered)."""
    return RAA in df.columns and df[RAA].dropna().astype(str).nunique() > 1


__all__ = [
    "INDICATOR_SEPARATOR",
    "MIN_GROUP_SIZE",
    "RAA",
    "as_float",
    "expand",
    "factor_of",
    "indicators",
    "is_categorical",
    "slug",
    "spans_several_raas",
]
