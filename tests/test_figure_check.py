"""nps_analysis.figure_check: reproduced figures against the register at the report's rounding."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.figure_check import CHECK_COLUMNS, check_figures

REGISTER = pd.DataFrame(
    [
        ("share.pct", "29%", 29.0, ""),  # no convention given: half-up
        ("growth.pct", "209.9%", 209.9, "truncate"),
        ("fte", "425.37", 425.37, ""),
        ("words", "nine", 9.0, ""),
    ],
    columns=["figure_id", "value_as_printed", "value", "convention"],
)


def test_rounds_decimal_exactly_at_the_printed_precision() -> None:
    table = check_figures(
        {"share.pct": 0.285 * 100, "growth.pct": 209.99, "fte": 425.365, "words": 9.4}, REGISTER
    )
    assert list(table.columns) == CHECK_COLUMNS
    rows = table.set_index("figure_id")
    # 0.285 * 100 is 28.499999999999996 in binary: half-up on the decimal gives 29, floor(x+.5) 28
    assert rows.loc["share.pct", "reproduced_as_printed"] == 29.0
    assert rows.loc["growth.pct", "reproduced_as_printed"] == 209.9  # truncated, not 210.0
    assert rows.loc["fte", "reproduced_as_printed"] == 425.37  # 425.365 half up at 2 dp
    assert rows.loc["words", "reproduced_as_printed"] == 9.0  # a number in words: 0 dp
    assert rows["matches"].all()
    assert rows["convention"].to_dict() == {
        "share.pct": "half_up",
        "growth.pct": "truncate",
        "fte": "half_up",
        "words": "half_up",
    }


def test_missing_values_and_other_conventions_do_not_match() -> None:
    table = check_figures(
        {"growth.pct": 209.8999, "share.pct": np.nan, "fte": 425.364, "unknown": 1.0}, REGISTER
    )
    assert list(table["figure_id"]) == ["growth.pct", "share.pct", "fte"]  # input order
    assert not table["matches"].any()  # 209.8999 truncates to 209.8; NaN; 425.36


def test_register_conventions_come_from_the_audit() -> None:
    table = check_figures(
        {
            "asgsf.packages.growth_2018_19_2022_23.pct": 209.95,
            "cases.group.birth_families.pct": 16.9,  # printed 16%: truncated by the report
            "cases.group.children.pct": 51.5,  # printed 52%: half-up
        }
    ).set_index("figure_id")
    assert table["convention"].to_dict() == {
        "asgsf.packages.growth_2018_19_2022_23.pct": "truncate",
        "cases.group.birth_families.pct": "truncate",
        "cases.group.children.pct": "half_up",
    }
    assert table["matches"].all()
