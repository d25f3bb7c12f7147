"""Minimum data sets: specs (as data), validation, typed loading, template and processed files."""

from __future__ import annotations

from nps_analysis.datasets.loading import DataWarning, check_path, load_dataset
from nps_analysis.datasets.processed import build_processed
from nps_analysis.datasets.spec import DATASET_NAMES, all_specs, get_spec

__all__ = [
    "DATASET_NAMES",
    "DataWarning",
    "all_specs",
    "build_processed",
    "check_path",
    "get_spec",
    "load_dataset",
]
