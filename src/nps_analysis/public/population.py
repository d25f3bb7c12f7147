"""Loader for ONS mid-year child (0-17) population estimates in DfE EES format, 2012-2024."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nps_analysis.datasets.engine import check_frame
from nps_analysis.datasets.spec import public_spec
from nps_analysis.paths import PUBLIC_DIR
from nps_analysis.public.cla import LEVELS
from nps_analysis.public.quirks import check_values, ees_geography, parse_counts, read_public_csv

POPULATION_FILE = PUBLIC_DIR / "population" / "ons_mid-year_population_estimates_2012_to_2024.csv"


def load_population(path: str | Path = POPULATION_FILE) -> pd.DataFrame:
    """Children aged 0-17 by year and geography (National / Regional / Local authority)."""
    df = read_public_csv(
        path,
        required=(
            "time_period",
            "geographic_level",
            "region_name",
            "old_la_code",
            "la_name",
            "age_group",
            "population_estimate",
        ),
    )
    file = df.attrs["source_file"]
    check_values(
        df, "geographic_level", LEVELS, file=file, fix="expected National/Regional/LA rows"
    )
    check_values(
        df,
        "age_group",
        ["Children aged 0 to 17 years"],
        file=file,
        fix="this loader expects the 0-17 age group only",
    )
    number, flag = parse_counts(df["population_estimate"], file=file, column="population_estimate")
    out = pd.DataFrame(
        {
            **ees_geography(df),
            "population_0_17": number,
            "flag": flag,
        }
    )
    return check_frame(out, public_spec("ons_population"), file=file)
