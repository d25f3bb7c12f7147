"""The `nps` entry point and its small helpers."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from nps_analysis.cli import app
from nps_analysis.execute import parse_parameters
from nps_analysis.regions import region_slug, region_slugs

runner = CliRunner()


def test_help_lists_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "validate", "template", "synth", "execute", "render", "index"):
        assert command in result.output


def test_parameters_typed_and_raw():
    params = parse_parameters(
        ["n=5", "region_filter=null"], ["region=Yorkshire & Humber", "code=01"]
    )
    assert params == {"n": 5, "region_filter": None, "region": "Yorkshire & Humber", "code": "01"}


def test_bad_parameter_says_how_to_write_it():
    with pytest.raises(ValueError, match="name=value"):
        parse_parameters(["region"], [])


def test_eight_regions_with_slugs():
    assert list(region_slugs()) == [
        "Eastern",
        "London",
        "Midlands",
        "North East",
        "North West",
        "South East",
        "South West",
        "Yorkshire & Humber",
    ]
    assert region_slug("Yorkshire & Humber") == "yorkshire-humber"
    assert region_slug("south west") == "south-west"


def test_unknown_region_suggests_close_match():
    with pytest.raises(ValueError, match="Did you mean 'South West'"):
        region_slug("Soth West")


def test_run_unknown_region_exits_non_zero():
    result = runner.invoke(app, ["run", "--region", "Atlantis"])
    assert result.exit_code == 2


def test_pan_region_constant_matches_the_reference_list():
    from nps_analysis.regions import PAN_REGIONS, region_names

    assert list(PAN_REGIONS) == region_names()


def test_own_data_options_need_data_dir_and_well_formed_sheet_maps():
    result = runner.invoke(app, ["run", "--region", "South West", "--output-dir", "x"])
    assert result.exit_code == 2 and "--data-dir" in result.output
    result = runner.invoke(app, ["validate", ".", "--sheet", "Sheet1"])
    assert result.exit_code == 2 and "SHEET=DATASET" in result.output


def test_validate_an_unknown_region_exits_2_with_the_close_match():
    result = runner.invoke(app, ["validate", ".", "--region", "Soth West"])
    assert result.exit_code == 2 and "South West" in result.output
