"""Sections 3-4 of the regional report: ASGSF use and the provider market."""

from __future__ import annotations

import pandas as pd
import pytest

from nps_analysis.published import load_published
from nps_analysis.regional import commissioning
from nps_analysis.regional.commissioning import published_provider_funding
from nps_analysis.regions import region_slugs


@pytest.mark.parametrize("region", list(region_slugs()))
def test_published_provider_funding_has_one_row_per_provider(region):
    published = load_published("provider_funding")
    table = published_provider_funding(published, region)
    chart = published.loc[(published["region"] == region) & (published["unit"] == "gbp")]
    assert table["provider"].is_unique
    assert sorted(table["provider"]) == sorted(chart["provider"])
    assert table["funding_gbp"].sum() == chart["value"].sum()


def test_provider_c_london_is_the_chart_cell_with_its_share():
    """Chart 6: London, Provider C, £1,843,766 (49%); the text quotes the 49% again."""
    table = published_provider_funding(load_published("provider_funding"), "London")
    row = table.loc[table["provider"] == "C"].iloc[0]
    assert (row["funding_gbp"], row["share_of_provider_total_pct"]) == (1843766, 49)
    assert len(table) == 3


def test_cost_per_therapy_compares_the_region_with_the_national_comparator():
    """Hand-worked: region DDP packages £1,000 and £3,000 (mean £2,000); England's four DDP
    packages £1,000, £3,000, £500, £500 (mean £1,250): ratio 1.6, never 1.0 by construction."""
    import pandas as pd

    from nps_analysis.regional.commissioning import cost_per_therapy_vs_national

    region = pd.DataFrame(
        {"therapy_type": ["DDP", "DDP"], "amount_gbp": [1000.0, 3000.0], "region": "London"}
    )
    national = pd.concat(
        [
            region,
            pd.DataFrame(
                {"therapy_type": ["DDP", "DDP"], "amount_gbp": [500.0, 500.0], "region": "Eastern"}
            ),
        ]
    )
    table = cost_per_therapy_vs_national(region, national, national_basis="test national data")
    row = table.iloc[0]
    assert (row["packages_region"], row["packages_england"]) == (2, 4)
    assert (row["mean_cost_region_gbp"], row["mean_cost_england_gbp"]) == (2000.0, 1250.0)
    assert row["ratio_to_england"] == pytest.approx(1.6)
    assert row["england_basis"] == "test national data"


def _spend(amounts: dict[str, list[float]]) -> pd.DataFrame:
    rows = [(p, a) for p, values in amounts.items() for a in values]
    return pd.DataFrame(rows, columns=["provider", "amount_gbp"])


def test_provider_share_is_released_only_when_no_provider_dominates():
    from nps_analysis.regional.commissioning import provider_concentration
    from nps_analysis.sdc import SDCConfig

    config = SDCConfig()  # n-k: 2 providers above 90%; p%: 10%
    spread = _spend({"A": [300.0] * 5, "B": [200.0] * 5, "C": [100.0] * 5, "D": [100.0] * 5})
    shown = provider_concentration(spread, config).iloc[0]
    assert shown["largest_provider_share_pct"] == pytest.approx(100 * 1500 / 3500)
    assert shown["hhi"] == pytest.approx(sum((100 * v / 3500) ** 2 for v in (1500, 1000, 500, 500)))
    # A and B hold 95% of the spend: the share would give A's spend to anyone with the total
    dominant = _spend({"A": [900.0] * 5, "B": [50.0] * 5, "C": [25.0] * 5, "D": [25.0] * 5})
    hidden = provider_concentration(dominant, config).iloc[0]
    assert hidden["largest_provider_share_pct"] == "c" and hidden["hhi"] == "c"
    assert hidden["packages"] == 20  # the count itself is not a magnitude


def test_within_row_shares_declare_both_their_counts() -> None:
    """pct = 100 x aged_12_plus / packages: released beside a suppressed `packages` it gave the
    count back (the default release showed 237 and 44.97% beside a `c`), so every share and its
    interval follow both counts."""
    table = commissioning.share_aged_12_plus(
        pd.DataFrame({"financial_year": ["2022/23"] * 4, "child_age": [3.0, 12.0, 15.0, None]})
    )
    assert table.loc[0, "pct"] == pytest.approx(100 * 2 / 3)  # the base is packages with an age
    for column in ("pct", "ci_low", "ci_high"):
        assert set(commissioning.AGE_DISCLOSURE.derived[column]) == {"packages", "aged_12_plus"}
    blank = commissioning.blank_therapy_by_raa(
        pd.DataFrame({"raa": ["A"] * 4, "therapy_type": ["Not recorded", "Psychotherapy"] * 2})
    )
    assert blank.loc[0, "blank_pct"] == 50  # blank_therapy / packages: both counts
    assert set(commissioning.BLANK_DISCLOSURE.derived["blank_pct"]) == {"packages", "blank_therapy"}
