"""Processed data are byte-identical across machines: canonical floats and a golden hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from nps_analysis.canonical import canonical_floats, parquet_bytes
from nps_analysis.public.analysis import build_public_processed

GOLDEN = Path(__file__).parent / "fixtures" / "golden" / "public_processed.md5"


def test_last_bit_differences_give_the_same_bytes():
    """0.1 + 0.2 and 0.3 differ in the last bit (as SIMD and scalar kernels may): same file."""
    a = pd.DataFrame({"x": [0.1 + 0.2, np.nan], "n": [1, 2]})
    b = pd.DataFrame({"x": [0.3, np.nan], "n": [1, 2]})
    assert a["x"].iloc[0] != b["x"].iloc[0]
    assert parquet_bytes(a) == parquet_bytes(b)
    assert canonical_floats(a)["n"].tolist() == [1, 2]


def test_public_processed_data_match_the_golden_hashes(tmp_path):
    """The real public tables hash as recorded. If a deliberate change alters them, regenerate:
    `nps public-data --out-dir DIR` and `md5sum *.parquet > tests/fixtures/golden/public_processed.md5`."""
    build_public_processed(tmp_path)
    expected = dict(
        reversed(line.split()) for line in GOLDEN.read_text(encoding="utf-8").splitlines()
    )
    found = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in tmp_path.glob("*.parquet")}
    assert found == expected
