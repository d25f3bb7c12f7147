"""Canonical bytes for processed data: the same values give the same file on every machine.

Floating-point results can differ in their last bits between processors (numpy picks SIMD
kernels for `power`, `exp`, sums ... by CPU), so a Parquet file of raw float64 results hashes
differently on another machine although nothing meaningful changed, and DVC then reports the
stage as modified. Every float column is therefore written at `SIGNIFICANT_DIGITS` significant
digits (far beyond any published precision), and Parquet is written without volatile metadata.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

SIGNIFICANT_DIGITS = 12
"""Significant digits kept in processed float columns (results agree far beyond this)."""


def canonical_floats(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every float column rounded to `SIGNIFICANT_DIGITS` significant digits."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            values = out[column].to_numpy(dtype="float64", na_value=np.nan)
            rounded = np.array([float(f"{v:.{SIGNIFICANT_DIGITS}g}") for v in values])
            out[column] = pd.array(rounded, dtype=out[column].dtype)
    return out


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Deterministic Parquet bytes (pyarrow, snappy, no index) of the canonical frame."""
    buffer = io.BytesIO()
    canonical_floats(frame).to_parquet(buffer, index=False, engine="pyarrow", compression="snappy")
    return buffer.getvalue()
