"""Released values as readers see them: hand-worked examples of every rule."""

from __future__ import annotations

import pandas as pd
import pytest

from nps_analysis.release.formatting import format_frame, format_value
from nps_analysis.release.metadata import ColumnSpec, table_spec

COUNT = ColumnSpec("n", "indicator", "Children", indicator_dp=0)
PCT = ColumnSpec("pct", "indicator", "Share", indicator_unit="%", indicator_dp=1)
MONEY = ColumnSpec("gbp", "indicator", "Spend", indicator_unit="£", indicator_dp=0)
P = ColumnSpec("p", "indicator", "p-value", format="p_value", indicator_dp=3)
COEF = ColumnSpec("b", "indicator", "Estimate", indicator_dp=2)
FLAG = ColumnSpec("ok", "filter", "Agrees", format="yes_no")
GROWTH = ColumnSpec("g", "indicator", "Growth", indicator_unit="%", indicator_dp=1, missing="z")


@pytest.mark.parametrize(
    ("value", "column", "shown"),
    [
        (4984.06098, COUNT, "4,984"),  # the "4984.060980 adopted children"
        ("4984.06098", COUNT, "4,984"),  # as read from the CSV
        (41.21212121, PCT, "41.2"),  # "41.21212121%"
        (1020.0, COUNT, "1,020"),  # "1020.0-style counts"
        (0.285 * 100, COUNT, "29"),  # half up, float noise removed (28.499999999999996)
        (-2.5, COUNT, "-3"),  # ties away from zero
        (1614881, MONEY, "1,614,881"),
        ("1.001904188e-99", P, "<0.001"),  # "p-values like 1.001904e-99"
        (0.0456, P, "0.046"),
        (0.001, P, "0.001"),
        (0.0004, COEF, "[low]"),  # rounds to zero but is not zero
        (-0.004, COEF, "[low]"),
        (0.0, COEF, "0.00"),
        ("c", COUNT, "[c]"),  # suppressed by disclosure control
        ("", COUNT, "[x]"),  # blank: not available
        (float("nan"), GROWTH, "[z]"),  # blank where not applicable (first year's growth)
        (None, PCT, "[x]"),
        (True, FLAG, "Yes"),
        ("False", FLAG, "No"),
        ("c", FLAG, "[c]"),
    ],
)
def test_format_value(value, column, shown):
    assert format_value(value, column) == shown


def test_yes_no_refuses_other_values():
    with pytest.raises(ValueError, match="not a yes/no"):
        format_value("maybe", FLAG)


def test_format_frame_labels_headings_with_units_and_region():
    spec = table_spec("regional_needs_assessment", "agency_supply")
    frame = pd.DataFrame(
        {"provision_type": ["Voluntary Adoption Agency"], "region": [2], "england": [31]}
    )
    shown = format_frame(frame, spec, {"region": "Eastern"})
    assert list(shown.columns) == ["Provision type", "Eastern", "England"]
    spend = table_spec("regional_needs_assessment", "joint_commissioning_shortlist")
    assert spend.columns["spend_gbp"].header == "Spend (£)"
    assert spend.columns["share_of_region_spend_pct"].header == "Share of the region's spend (%)"
