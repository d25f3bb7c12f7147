"""Section 1 of the regional report: the region's adoptions against England (real DfE data)."""

from __future__ import annotations

import pandas as pd
import pytest

from nps_analysis.regional.context import adoptions_region_vs_england
from nps_analysis.regions import region_slugs

PUBLIC = "data/processed/public"


@pytest.fixture(scope="module")
def la_year() -> pd.DataFrame:
    return pd.read_parquet(f"{PUBLIC}/adoptions_la_year.parquet")


@pytest.mark.parametrize("region", list(region_slugs()))
def test_region_and_england_equal_independent_sums_of_la_counts(region, la_year):
    """Each year: the region is the sum of its LAs, England the national LA-sum check (no
    region counted twice through its 'All' row)."""
    table = adoptions_region_vs_england(region, PUBLIC).set_index("year")
    mine = la_year.loc[la_year["region"] == region].groupby("year")["adoptions_est"].sum()
    england = pd.read_parquet(f"{PUBLIC}/england_totals_check.parquet").set_index("year")["la_est"]
    assert list(table.index) == sorted(mine.index)
    pd.testing.assert_series_equal(
        table["adoptions_region"], mine, check_names=False, check_dtype=False
    )
    pd.testing.assert_series_equal(
        table["adoptions_england"], england.loc[table.index], check_names=False, check_dtype=False
    )
    assert (table["adoptions_low_region"] <= table["adoptions_region"]).all()
    assert (table["adoptions_region"] <= table["adoptions_high_region"]).all()
    assert (table["region_share_pct"] < 30).all()
    exact = pd.read_parquet(f"{PUBLIC}/england_totals_check.parquet").set_index("year")
    assert (table["adoptions_low_england"] == exact.loc[table.index, "la_low"]).all()
    assert (table["adoptions_high_england"] == exact.loc[table.index, "la_high"]).all()


def test_eastern_2024_is_the_hand_sum_of_its_twelve_published_la_counts():
    """DfE 2024 (year to 31 March), all twelve LAs published: Peterborough 19, Luton 16,
    Southend 10, Thurrock 6, Bedford 15, Central Bedfordshire 16, Cambridgeshire 22, Essex 49,
    Hertfordshire 46, Norfolk 55, Suffolk 29, Milton Keynes 19 = 302 (was shown as 604)."""
    table = adoptions_region_vs_england("Eastern", PUBLIC).set_index("year")
    assert (
        table.loc[2024, "adoptions_region"]
        == 19 + 16 + 10 + 6 + 15 + 16 + 22 + 49 + 46 + 55 + 29 + 19
    )
    assert table.loc[2024, "adoptions_low_region"] == table.loc[2024, "adoptions_high_region"]
