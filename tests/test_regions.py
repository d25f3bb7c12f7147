"""The one home of region helpers: names, RAAs, slugs and one region's rows."""

from __future__ import annotations

import pandas as pd
import pytest

from nps_analysis.regions import (
    PAN_REGIONS,
    check_region,
    raas_of,
    region_names,
    region_slug,
    rows_in_region,
)


def test_the_reference_list_has_the_report_s_eight_regions_in_order() -> None:
    assert region_names() == list(PAN_REGIONS)
    assert raas_of("Eastern") == [
        "Cambridgeshire & Peterborough Adoption",
        "Adoption Connects",
        "Adopt East",
    ]


def test_an_unknown_region_names_the_known_ones_and_the_closest() -> None:
    check_region(None)
    check_region("South West")
    with pytest.raises(ValueError, match=r"Unknown pan-region 'Soth West'.*'South West'"):
        check_region("Soth West")
    with pytest.raises(ValueError, match="known: Eastern, London"):
        raas_of("Wessex")
    assert region_slug(" yorkshire & humber ") == "yorkshire-humber"


def test_rows_in_region_copies_and_drops_unused_categories_unless_asked_not_to() -> None:
    df = pd.DataFrame(
        {
            "region": pd.Categorical(["Eastern", "London", "Eastern"]),
            "raa": pd.Categorical(["Adopt East", "Adopt London North", "Adoption Connects"]),
            "n": [1, 2, 3],
        }
    )
    eastern = rows_in_region(df, "Eastern")
    assert eastern["n"].tolist() == [1, 3]
    assert list(eastern["raa"].cat.categories) == ["Adopt East", "Adoption Connects"]
    kept = rows_in_region(df, "Eastern", drop_unused_categories=False)
    assert "Adopt London North" in kept["raa"].cat.categories
    eastern.loc[eastern.index[0], "n"] = 99
    assert df["n"].tolist() == [1, 2, 3]  # a copy, never a view of the caller's frame
    assert rows_in_region(df, None) is df
    assert rows_in_region(df, "Midlands").empty
