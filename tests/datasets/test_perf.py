"""Validation speed: 1,000,000 ASGSF package rows in under 10 seconds (run: pytest -m slow)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nps_analysis.datasets import load_dataset
from nps_analysis.datasets.spec import get_vocabulary
from nps_analysis.paths import REFERENCE_DIR

N_ROWS = 1_000_000
BUDGET_SECONDS = 10.0


def write_packages(path: Path, n: int, seed: int = 1) -> Path:
    """A valid packages CSV of `n` rows (vectorised; 2018/19-2022/23, no category-change clashes)."""
    rng = np.random.default_rng(seed)
    ref = pd.read_csv(REFERENCE_DIR / "pan_regions_raas.csv")
    i = rng.integers(0, len(ref), n)
    therapies = np.array(
        [
            t
            for t in get_vocabulary("therapy_type").values
            if t not in ("Family therapy", "Multi-disciplinary packages of support")
        ]
    )
    years = np.array(["2018/19", "2019/20", "2020/21", "2021/22", "2022/23"])
    pd.DataFrame(
        {
            "application_id": np.char.add("A", np.arange(n).astype(str)),
            "financial_year": years[rng.integers(0, len(years), n)],
            "region": ref["region"].to_numpy()[i],
            "raa": ref["raa"].to_numpy()[i],
            "provider": np.char.add("P", rng.integers(0, 500, n).astype(str)),
            "therapy_type": therapies[rng.integers(0, len(therapies), n)],
            "child_age": rng.integers(0, 22, n),
            "order_type": "adoption",
            "amount_gbp": rng.integers(100, 5000, n),
            "match_funded": np.where(rng.random(n) < 0.05, "yes", "no"),
        }
    ).to_csv(path, index=False)
    return path


def time_validation(path: Path) -> tuple[float, int]:
    """Seconds to read, validate and type the file; rows loaded."""
    start = time.perf_counter()
    df = load_dataset("asgsf_packages", path)
    return time.perf_counter() - start, len(df)


@pytest.mark.slow
def test_million_rows_validate_within_budget(tmp_path: Path) -> None:
    path = write_packages(tmp_path / "asgsf_packages.csv", N_ROWS)
    seconds, rows = time_validation(path)
    assert rows == N_ROWS
    assert seconds < BUDGET_SECONDS, f"{N_ROWS:,} rows took {seconds:.1f} s"


if __name__ == "__main__":  # benchmark: python tests/datasets/test_perf.py
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        csv_path = write_packages(Path(tmp) / "asgsf_packages.csv", N_ROWS)
        for _ in range(3):
            secs, n = time_validation(csv_path)
            print(f"{n:,} rows validated in {secs:.2f} s")
