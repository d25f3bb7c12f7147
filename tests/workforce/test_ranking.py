"""No region or skill is ranked on fewer than `workforce.min_responders_to_rank` responding RAAs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.config import load_params
from nps_analysis.datasets import load_dataset
from nps_analysis.outputs import OutputWriter
from nps_analysis.paths import PROCESSED_DIR
from nps_analysis.workforce import run_analysis, write_outputs
from nps_analysis.workforce.opportunity import PRIORITY_COLUMNS, priorities
from nps_analysis.workforce.settings import min_responders_to_rank


def _released() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Released-style tables: London-like 1 of 1 (100%), a 5-RAA region 2 of 5, 'c' cells."""
    opp = pd.DataFrame(
        {
            "region": ["London", "Midlands", "North West", "England"],
            "skill": ["TLSW"] * 4,
            "raas_training_data": [1, 5, 6, 12],
            "packages_per_practitioner_fte": [90.0, 40.0, "c", 50.0],
        }
    )
    gaps = pd.DataFrame(
        {
            "region": ["London", "Midlands", "North West"],
            "skill": ["TLSW"] * 3,
            "pct": [100.0, 40.0, 50.0],
            "raas_with_gap": [1, 2, 3],
            "raas_responding": [1, 5, 6],
        }
    )
    return opp, gaps


def test_ranking_withheld_below_five_responders() -> None:
    opp, gaps = _released()
    t = priorities(opp, gaps, 5)
    assert list(t.columns) == PRIORITY_COLUMNS
    t = t.set_index("region")
    # London's 1 of 1 = 100% would rank first; with one responding RAA it is not ranked.
    assert pd.isna(t.loc["London", "rank_gap"]) and pd.isna(t.loc["London", "rank_demand_per_fte"])
    assert "gaps not ranked: fewer than 5 responding RAAs" in t.loc["London", "rank_note"]
    assert "demand not ranked" in t.loc["London", "rank_note"]
    assert t.loc["North West", "rank_gap"] == 1 and t.loc["Midlands", "rank_gap"] == 2
    assert t.loc["Midlands", "rank_demand_per_fte"] == 1  # North West's value is suppressed
    assert pd.isna(t.loc["North West", "rank_demand_per_fte"])
    assert t.loc["Midlands", "rank_note"] == ""
    assert "England" not in t.index  # the area total is not ranked against its regions
    # Five is exactly enough; six is not.
    assert priorities(opp, gaps, 6).set_index("region")["rank_gap"].notna().sum() == 1


def test_threshold_is_a_parameter() -> None:
    assert load_params()["workforce"]["min_responders_to_rank"] == 5
    assert min_responders_to_rank() == 5
    opp, gaps = _released()
    assert priorities(opp, gaps).equals(priorities(opp, gaps, 5))  # default from params.yaml
    loose = priorities(opp, gaps, 1).set_index("region")
    assert loose.loc["London", "rank_gap"] == 1  # what the old table showed
    with pytest.raises(ValueError):
        min_responders_to_rank(0)


def test_default_data_ranks_no_region(tmp_path: Path) -> None:
    """Pan-regions have 1-3 RAAs answering: no region x skill cell is ranked on the default data."""
    needed = [
        PROCESSED_DIR / f"{n}.parquet" for n in ("workforce", "skills_gaps", "asgsf_packages")
    ]
    if not all(p.is_file() for p in needed):
        pytest.skip("default synthetic data not built (run `nps synth && nps process`)")
    wf, gaps, packages = (
        load_dataset(name, path)
        for name, path in zip(("workforce", "skills_gaps", "asgsf_packages"), needed, strict=True)
    )
    res = run_analysis(wf, gaps, packages)
    out = OutputWriter(tmp_path, data_kind="synthetic")
    write_outputs(res, out)
    ranked = out.released("inhouse_priorities").set_index(["region", "skill"])
    assert len(ranked) == 8 * 5
    assert ranked["rank_gap"].isna().all() and ranked["rank_demand_per_fte"].isna().all()
    london = ranked.loc[("London", "TLSW")]
    assert (london["raas_with_gap"], london["raas_responding"]) == (1, 1)
    assert "gaps not ranked" in london["rank_note"]
    by_region = out.released("skills_gaps_by_region")
    assert by_region["raas_responding"].max() < 5
