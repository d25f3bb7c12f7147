"""Finding a region's data: which data sets it has, read from a folder of processed files."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from nps_analysis.paths import resolve

DATASETS = ("asgsf_packages", "open_cases", "workforce", "skills_gaps", "step")


def load_available(data_dir: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """The processed data sets present in `data_dir` (`<name>.parquet`); absent ones are left out."""
    folder = resolve(data_dir)
    found: dict[str, pd.DataFrame] = {}
    for name in DATASETS:
        path = Path(folder) / f"{name}.parquet"
        if path.is_file():
            found[name] = pd.read_parquet(path)
    return found
