"""ASGSF growth, rounding, shares and the comparable series, checked by hand on a small fixture."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nps_analysis.asgsf import growth, mix
from nps_analysis.asgsf.categories import (
    COMPARABLE_LABEL,
    NOT_RECORDED,
    canonical_label,
    therapy_key,
)
from nps_analysis.asgsf.prepare import filter_region, therapy_year_counts
from nps_analysis.asgsf.rounding import REPORT_ROUNDING, Rounding, format_pct, round_values
from nps_analysis.asgsf.years import fy_label, fy_span, fy_start

FIXTURE = Path(__file__).parents[1] / "fixtures" / "asgsf" / "packages_small.csv"


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.read_csv(FIXTURE, dtype={"therapy_type": "category", "region": "category"})


def test_financial_years() -> None:
    assert fy_start("2018/19") == 2018
    assert fy_label(1999) == "1999/00"
    assert fy_span("2015/16", "2017/18") == ["2015/16", "2016/17", "2017/18"]
    with pytest.raises(ValueError, match="YYYY/YY"):
        fy_start("2018-2019x")
    with pytest.raises(ValueError, match="consecutive"):
        fy_start("2018/20")


def test_annual_totals_and_growth_by_hand(small: pd.DataFrame) -> None:
    counts = therapy_year_counts(small)
    totals = growth.annual_totals(counts)
    assert totals["financial_year"].tolist() == ["2018/19", "2019/20", "2020/21"]
    assert totals["packages"].tolist() == [4, 5, 6]
    assert np.isnan(totals["yoy_growth_pct"].iloc[0])
    assert totals["yoy_growth_pct"].iloc[1:].tolist() == pytest.approx([25.0, 20.0])
    summary = growth.growth_summary(totals).iloc[0]
    assert (summary["packages_first"], summary["packages_last"]) == (4, 6)
    assert summary["total_growth_pct"] == pytest.approx(50.0)
    assert summary["cagr_pct"] == pytest.approx((math.sqrt(1.5) - 1) * 100)  # 22.4744871...
    assert summary["n_years"] == 3  # 2018/19, 2019/20, 2020/21: printed beside the rate


def test_report_growth_is_truncated_not_rounded() -> None:
    counts = pd.DataFrame(
        {"x": [4672, 6000, 9000, 12000, 14481]}, index=fy_span("2018/19", "2022/23")
    )
    summary = growth.growth_summary(growth.annual_totals(counts)).iloc[0]
    exact = (14481 - 4672) / 4672 * 100
    assert summary["total_growth_pct"] == pytest.approx(exact)
    assert 209.95 < exact < 209.96
    assert REPORT_ROUNDING is Rounding.TRUNCATE
    assert round_values(exact, 1, Rounding.TRUNCATE) == pytest.approx(209.9)  # as printed
    assert round_values(exact, 1, Rounding.HALF_UP) == pytest.approx(210.0)
    assert format_pct(exact) == "209.9%"
    assert format_pct(exact, how=Rounding.HALF_UP) == "210.0%"
    assert summary["cagr_pct"] == pytest.approx(((14481 / 4672) ** 0.25 - 1) * 100)  # 32.68...
    table = growth.rounding_comparison(exact)
    assert table.loc[table["report_convention"], "printed"].item() == pytest.approx(209.9)


def test_report_shares_are_truncated_to_whole_percent() -> None:
    """5,804 / 50,202 = 11.56% is printed '11%': truncation again, not rounding (12%)."""
    share = 5804 / 50202 * 100
    assert round_values(share, 0, Rounding.TRUNCATE) == 11
    assert round_values(share, 0, Rounding.HALF_UP) == 12


@pytest.mark.parametrize(
    ("value", "dp", "how", "expected"),
    [
        (2.45, 1, Rounding.HALF_UP, 2.5),
        (2.45, 1, Rounding.HALF_EVEN, 2.4),
        (-1.25, 1, Rounding.HALF_UP, -1.3),
        (-1.29, 1, Rounding.TRUNCATE, -1.2),
        (
            0.29 * 100,
            0,
            Rounding.TRUNCATE,
            29.0,
        ),  # float noise 28.999999999999996 is not truncated to 28
    ],
)
def test_rounding_conventions(value: float, dp: int, how: Rounding, expected: float) -> None:
    assert round_values(value, dp, how) == pytest.approx(expected)


def test_therapy_shares_by_hand(small: pd.DataFrame) -> None:
    shares = mix.therapy_shares(therapy_year_counts(small)).set_index("therapy_type")
    assert shares["packages"].to_dict() == {
        "Creative therapies": 5,
        "Family therapy": 3,
        "Specialist assessments": 3,
        "Psychotherapy": 2,
        "Therapeutic parenting": 1,
        NOT_RECORDED: 1,
    }
    assert shares.loc["Creative therapies", "share_pct"] == pytest.approx(100 / 3)
    assert shares["share_pct"].sum() == pytest.approx(100.0)
    assert shares.index[-1] == NOT_RECORDED  # blank therapy kept, listed last


def test_shares_by_year_sum_to_100(small: pd.DataFrame) -> None:
    by_year = mix.shares_by_year(therapy_year_counts(small))
    sums = by_year.groupby("financial_year")["share_pct"].sum()
    assert sums.to_numpy() == pytest.approx([100.0, 100.0, 100.0])
    assert by_year.groupby("financial_year")["packages"].sum().tolist() == [4, 5, 6]


def test_comparable_series_by_hand(small: pd.DataFrame) -> None:
    counts = therapy_year_counts(small)
    comp = mix.comparable_series(counts)
    # psychotherapy + creative + family (+ multi-disciplinary): A1, A2 | B1, B2, B3, B5 | C1-C4
    assert comp[COMPARABLE_LABEL].tolist() == [2, 4, 4]
    assert "Family therapy" not in comp.columns and "Psychotherapy" not in comp.columns
    assert comp.sum(axis=1).tolist() == counts.sum(axis=1).tolist()  # totals unchanged


def test_comparable_series_absorbs_reclassification() -> None:
    """A move of packages from psychotherapy/creative to family therapy leaves the series smooth."""
    years = fy_span("2016/17", "2020/21")
    counts = pd.DataFrame(
        {
            "Psychotherapy": [100, 110, 70, 60, 66],
            "Creative therapies": [200, 220, 150, 130, 143],
            "Family therapy": [0, 0, 104, 173, 190],
            "Multi-disciplinary packages of support": [10, 11, 6, 0, 0],
            "Therapeutic parenting": [50, 55, 60, 66, 72],
        },
        index=pd.Index(years, name="financial_year"),
    )
    comp = mix.comparable_series(counts)
    assert comp[COMPARABLE_LABEL].tolist() == [310, 341, 330, 363, 399]
    without_md = mix.comparable_series(counts, keys=("psychotherapy", "creative", "family"))
    assert without_md[COMPARABLE_LABEL].tolist() == [300, 330, 324, 363, 399]
    assert "Multi-disciplinary packages of support" in without_md.columns


def test_region_filter_and_year_span(small: pd.DataFrame) -> None:
    london = filter_region(small, "London")
    counts = therapy_year_counts(london, fy_span("2017/18", "2021/22"))
    assert counts.sum(axis=1).tolist() == [0, 2, 3, 3, 0]  # zero-filled years outside the data
    with pytest.raises(ValueError, match="Unknown pan-region .Narnia.; known: Eastern"):
        filter_region(small, "Narnia")
    assert filter_region(small, None) is small


def test_labels_are_canonicalised() -> None:
    assert canonical_label("creative THERAPIES ") == "Creative therapies"
    assert canonical_label("Multidisciplinary packages") == "Multi-disciplinary packages of support"
    assert therapy_key("") == "not_recorded"
    assert therapy_key(None) == "not_recorded"
    assert therapy_key(pd.NA) == "not_recorded"
    assert canonical_label("not recorded") == NOT_RECORDED
    assert therapy_key("Something new") == "something_new"
