"""Packages per 1,000 adopted children: numerator and denominator describe one population."""

from __future__ import annotations

import pandas as pd
import pytest

from nps_analysis.regional.rates import packages_per_1000


def _packages() -> pd.DataFrame:
    rows = [
        # (financial_year, raa, order_type, child_age)
        ("2022/23", "Adopt East", "adoption", 8),
        ("2022/23", "Adopt East", "adoption", 17),
        ("2022/23", "Adopt East", "adoption", 18),  # 18+: outside the under-18 population
        ("2022/23", "Adopt East", "special guardianship", 6),  # not an adopted child
        ("2022/23", "Adoption Connects", "adoption", 12),
        ("2022/23", "Adoption Connects", "child arrangements", 12),
        ("2021/22", "Adopt East", "adoption", 5),
    ]
    df = pd.DataFrame(rows, columns=["financial_year", "raa", "order_type", "child_age"])
    return df.assign(region="Eastern")


def _population() -> pd.DataFrame:
    rows = [
        ("Adopt East", 2023, 1000.0, 800.0, 1250.0),
        ("Adoption Connects", 2023, 500.0, 400.0, 625.0),
        ("Adopt East", 2022, 950.0, 760.0, 1190.0),
        ("Adopt East", 2024, 1.0, 1.0, 1.0),  # another date: must not be used for 2022/23
    ]
    df = pd.DataFrame(rows, columns=["raa", "as_at_year", "estimate", "low", "high"])
    return df.assign(region="Eastern", age_limit=18)


def _region_population() -> pd.DataFrame:
    rows = [(2023, 1500.0, 1200.0, 1875.0), (2022, 950.0, 760.0, 1190.0)]
    df = pd.DataFrame(rows, columns=["as_at_year", "estimate", "low", "high"])
    return df.assign(region="Eastern", age_limit=18)


def test_rates_count_adopted_children_under_18_against_the_population_at_year_end():
    """Hand-worked: Adopt East 2022/23 has 2 in-scope packages (ages 8, 17) of 4; population at
    31 March 2023 1,000 (800-1,250) -> 2.0 per 1,000 (1.6-2.5). Adoption Connects: 1 of 2 over
    500 (400-625) -> 2.0 (1.6-2.5). Region: 3 of 6 over 1,500 (1,200-1,875) -> 2.0 (1.6-2.5)."""
    table = packages_per_1000(_packages(), _population(), _region_population())
    latest = table.loc[table["financial_year"] == "2022/23"].set_index("raa")
    assert list(latest.index) == ["Adopt East", "Adoption Connects", "All"]
    assert latest["packages"].tolist() == [2, 1, 3]
    assert latest["packages_excluded"].tolist() == [2, 1, 3]
    assert latest["as_at_year"].tolist() == [2023, 2023, 2023]
    assert latest["adopted_children_under_18"].tolist() == [1000, 500, 1500]
    assert latest["adopted_children_low"].tolist() == [800, 400, 1200]
    assert latest["rate_per_1000"].tolist() == pytest.approx([2.0, 2.0, 2.0])
    assert latest["rate_low"].tolist() == pytest.approx([1.6, 1.6, 1.6])
    assert latest["rate_high"].tolist() == pytest.approx([2.5, 2.5, 2.5])
    earlier = table.loc[table["financial_year"] == "2021/22"].set_index("raa")
    assert earlier.loc["Adopt East", "rate_per_1000"] == pytest.approx(1000 / 950)
