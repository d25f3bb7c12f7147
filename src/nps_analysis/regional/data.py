"""Finding a region's data: which data sets it has, read from a folder of processed files."""

from __future__ import annotations

import os

import pandas as pd

from nps_analysis.datasets.processed import load_processed
from nps_analysis.paths import resolve

DATASETS = ("asgsf_packages", "open_cases", "workforce", "skills_gaps", "step")


def load_available(data_dir: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """The processed data sets present in `data_dir` (`<name>.parquet`, read by `load_processed`);
    absent ones are left out."""
    folder = resolve(data_dir)
    return {
        name: load_processed(name, folder)
        for name in DATASETS
        if (folder / f"{name}.parquet").is_file()
    }
