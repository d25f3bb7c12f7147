"""Skills gaps as an estimand over the area's RAAs: k/n, no-assumption bounds and the
hypergeometric interval, hand-computed on small frames and checked on the default data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.datasets import load_dataset
from nps_analysis.paths import PROCESSED_DIR
from nps_analysis.regions import pan_regions_raas
from nps_analysis.workforce.gaps import ESTIMAND_COLUMNS, GAPS_COLUMNS, gap_estimates, skills_gaps

FIXTURES = Path(__file__).parents[1] / "fixtures" / "workforce"


def _gaps(rows: list[tuple[str, str, str, object]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "raa": [r[0] for r in rows],
            "region": [r[1] for r in rows],
            "skill": [r[2] for r in rows],
            "gap_identified": pd.array([r[3] for r in rows], dtype="boolean"),
        }
    )


def test_bounds_and_interval_hand_computed() -> None:
    # 6 RAAs in the area; 4 answered for DDP, 3 of them naming a gap; 2 did not answer.
    raas = pd.DataFrame(
        {"region": ["Eastern"] * 3 + ["North East"] * 3, "raa": [f"R{i}" for i in range(6)]}
    )
    answers = [True, True, True, False, None, None]
    gaps = _gaps([(f"R{i}", raas["region"][i], "DDP", a) for i, a in enumerate(answers)])
    t = gap_estimates(gaps, raas=raas).set_index("skill")
    assert list(t.reset_index().columns) == ESTIMAND_COLUMNS
    ddp = t.loc["DDP"]
    assert (ddp["raas_with_gap"], ddp["raas_responding"], ddp["raas_in_area"]) == (3, 4, 6)
    assert ddp["pct"] == pytest.approx(75.0)
    # No assumption: none of the 2 silent RAAs has the gap (3) ... both do (5).
    assert (ddp["gap_raas_min"], ddp["gap_raas_max"]) == (3, 5)
    assert ddp["bound_low_pct"] == pytest.approx(50.0)
    assert ddp["bound_high_pct"] == pytest.approx(500 / 6)
    # Random response: P(X >= 3 | K) = C(K,3)C(6-K,1)/15 + C(K,4)/15 (C(6,4) = 15):
    # K=3: 3/15 = 0.2 > 0.025 -> K_low = 3; P(X <= 3 | K=5) = 1 - C(5,4)/15 = 2/3 -> K_high = 5.
    assert (ddp["ci_raas_low"], ddp["ci_raas_high"]) == (3, 5)
    assert ddp["ci_low"] == pytest.approx(50.0) and ddp["ci_high"] == pytest.approx(500 / 6)


def test_population_is_the_area_not_the_responders(small_gaps: pd.DataFrame) -> None:
    """The fixture lists 3 RAAs; Eastern and North East have 6 in the reference list."""
    ref = pan_regions_raas()
    ref = ref.loc[ref["region"].isin(["Eastern", "North East"])]
    t = gap_estimates(small_gaps, raas=ref).set_index("skill")
    assert (t["raas_in_area"] == 6).all() and (t["raas_responding"] == 2).all()
    # DDP 2 of 2: between 2 and 2 + 4 = 6 of the 6 RAAs.
    assert (t.loc["DDP", "gap_raas_min"], t.loc["DDP", "gap_raas_max"]) == (2, 6)
    assert (t.loc["Theraplay", "gap_raas_min"], t.loc["Theraplay", "gap_raas_max"]) == (0, 4)
    # Without a reference list the file's RAAs are the population (3): 2 to 3.
    own = gap_estimates(small_gaps).set_index("skill")
    assert (own.loc["DDP", "gap_raas_min"], own.loc["DDP", "gap_raas_max"]) == (2, 3)


def test_region_without_responders_has_bounds_but_no_interval(small_gaps: pd.DataFrame) -> None:
    ref = pan_regions_raas()
    t = gap_estimates(small_gaps, ["region"], raas=ref).set_index(["region", "skill"])
    ne = t.loc[("North East", "DDP")]
    assert ne["raas_responding"] == 0 and ne["raas_in_area"] == 3
    assert (ne["gap_raas_min"], ne["gap_raas_max"]) == (0, 3)
    assert pd.isna(ne["pct"]) and pd.isna(ne["ci_low"]) and pd.isna(ne["ci_raas_low"])


def test_contract_table_keeps_its_columns_with_the_finite_population_interval(
    small_gaps: pd.DataFrame,
) -> None:
    t = skills_gaps(small_gaps)
    assert list(t.columns) == GAPS_COLUMNS
    full = gap_estimates(small_gaps)
    assert t["ci_low"].tolist() == full["ci_low"].tolist()
    # TLSW 1 of 2 of 3 RAAs: K in [1, 2] (by hand), i.e. 33.3% to 66.7%, not Wilson's 9.5-90.5%.
    tlsw = t.set_index("skill").loc["TLSW"]
    assert tlsw["ci_low"] == pytest.approx(100 / 3) and tlsw["ci_high"] == pytest.approx(200 / 3)


def test_more_responders_than_raas_is_refused(small_gaps: pd.DataFrame) -> None:
    one = pd.DataFrame({"region": ["Eastern"], "raa": ["Adopt East"]})
    with pytest.raises(ValueError, match="more RAAs responded"):
        gap_estimates(small_gaps, raas=one)


@pytest.fixture(scope="module")
def small_gaps() -> pd.DataFrame:
    return load_dataset("skills_gaps", FIXTURES / "skills_gaps_small.csv")


def test_default_data_england_bounds() -> None:
    path = PROCESSED_DIR / "skills_gaps.parquet"
    if not path.is_file():
        pytest.skip("default synthetic data not built (run `nps synth && nps process`)")
    t = gap_estimates(load_dataset("skills_gaps", path), raas=pan_regions_raas()).set_index("skill")
    assert (t["raas_in_area"] == 30).all() and (t["raas_responding"] == 17).all()
    assert t["gap_raas_min"].to_dict() == {"DDP": 8, "Theraplay": 0, "TLSW": 6, "NVR": 3, "BUSS": 3}
    assert t["gap_raas_max"].to_dict() == {
        "DDP": 21,
        "Theraplay": 13,
        "TLSW": 19,
        "NVR": 16,
        "BUSS": 16,
    }
    assert t.loc["DDP", "bound_low_pct"] == pytest.approx(80 / 3)
    assert t.loc["DDP", "bound_high_pct"] == pytest.approx(70.0)
    assert (t.loc["DDP", "ci_raas_low"], t.loc["DDP", "ci_raas_high"]) == (10, 19)
