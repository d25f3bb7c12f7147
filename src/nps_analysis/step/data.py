"""Loading a STEP extract (processed, or validated as it is read) and choosing the region."""

from __future__ import annotations

import os

import pandas as pd

from nps_analysis.errors import InputDataError, Problem
from nps_analysis.paths import display_path, resolve
from nps_analysis.regions import rows_in_region


def select_region(df: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """Rows of `region` (None = every row; categories kept); a readable InputDataError if there
    are none."""
    if region is None:
        return df.reset_index(drop=True)
    rows = rows_in_region(df, region, drop_unused_categories=False)
    if rows.empty:
        present = sorted(df["region"].dropna().astype(str).unique())
        raise InputDataError(
            [
                Problem(
                    file="step extract",
                    rule="region_present",
                    message=f"no rows for region '{region}' (regions present: {present})",
                    fix="set the notebook parameter `region` to one of the regions present, or None",
                    column="region",
                )
            ]
        )
    return rows.reset_index(drop=True)


def load_step(path: str | os.PathLike[str], region: str | None = None) -> pd.DataFrame:
    """Load a STEP extract (CSV, Excel or Parquet), then select `region`.

    The processed `data/processed/step.parquet` (validated when `nps process` wrote it) is read
    as written; any other extract is validated by the engine (`load_dataset`), an invalid one
    raising its InputDataError listing every problem (file, row, column, rule, fix). See
    `nps_analysis.datasets.processed.load_data_file`.
    """
    from nps_analysis.datasets.processed import load_data_file

    full = resolve(path)
    if not full.is_file():
        raise InputDataError(
            [
                Problem(
                    file=display_path(full),
                    rule="file_not_found",
                    message="the STEP extract was not found",
                    fix="run `make data` (synthetic default) or pass -p step_path <your extract>",
                )
            ]
        )
    return select_region(load_data_file("step", full), region)


__all__ = ["load_step", "select_region"]
