"""In-house capacity: practitioner roles only, each person's FTE counted once across skills,
sessions per package calibrated to cost, value net of staff time. Hand-worked fixtures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nps_analysis.config import load_params
from nps_analysis.datasets import load_dataset
from nps_analysis.paths import PROCESSED_DIR
from nps_analysis.workforce.capacity import practitioner_fte
from nps_analysis.workforce.opportunity import (
    OPPORTUNITY_COLUMNS,
    InHouseAssumptions,
    inhouse_opportunity,
    load_skill_therapy_map,
)
from nps_analysis.workforce.skills import coverage_by

SKILLS = ("ddp", "theraplay", "tlsw", "nvr", "buss")
ROLES = ("social workers", "other")


def _staff(rows: list[tuple[str, str, float, set[str] | None]]) -> pd.DataFrame:
    """Staff records of Adopt East (Eastern): post id, role, fte, skills trained (None = blank)."""
    out = pd.DataFrame(
        {
            "post_id": [r[0] for r in rows],
            "raa": "Adopt East",
            "region": "Eastern",
            "role": [r[1] for r in rows],
            "fte": [r[2] for r in rows],
        }
    )
    for s in SKILLS:
        out[f"trained_{s}"] = pd.array(
            [None if r[3] is None else s in r[3] for r in rows], dtype="boolean"
        )
    return out


@pytest.fixture
def workforce() -> pd.DataFrame:
    return _staff(
        [
            ("A", "social workers", 1.0, {"ddp", "theraplay"}),  # two skills: 0.5 FTE each
            ("B", "social workers", 0.6, {"ddp"}),
            ("C", "team managers", 1.0, {"ddp"}),  # manager: not capacity
            ("D", "letter box staff", 0.8, {"tlsw"}),  # letter box: not capacity
            ("E", "other", 0.3, {"ddp", "tlsw", "nvr"}),  # three skills: 0.1 FTE each
            ("F", "social workers", 0.5, set()),  # untrained
            ("G", "social workers", 1.0, None),  # training not recorded
        ]
    )


def test_practitioner_fte_hand_computed(workforce: pd.DataFrame) -> None:
    t = practitioner_fte(workforce, ROLES).set_index("skill")
    assert t["practitioner_fte"].to_dict() == pytest.approx(
        {"DDP": 0.5 + 0.6 + 0.1, "Theraplay": 0.5, "TLSW": 0.1, "NVR": 0.1, "BUSS": 0.0}
    )
    assert t["practitioner_staff"].to_dict() == {
        "DDP": 3,
        "Theraplay": 1,
        "TLSW": 1,
        "NVR": 1,
        "BUSS": 0,
    }
    # Each trained practitioner counted once: the skills add up to A + B + E = 1.9 FTE, where
    # whole FTE per skill and every role (the old capacity basis) add up to 2 + .6 + 1 + .8 + .9.
    assert t["practitioner_fte"].sum() == pytest.approx(1.9)
    assert coverage_by(workforce)["trained_fte"].sum() == pytest.approx(5.3)


def test_roles_are_a_stated_choice(workforce: pd.DataFrame) -> None:
    with_managers = practitioner_fte(workforce, (*ROLES, "team managers")).set_index("skill")
    assert with_managers.loc["DDP", "practitioner_fte"] == pytest.approx(2.2)
    with pytest.raises(ValueError, match="practitioner_roles"):
        practitioner_fte(workforce, ("therapists",))
    assert tuple(load_params()["workforce"]["practitioner_roles"]) == ROLES
    assert InHouseAssumptions().practitioner_roles == ROLES


def _packages() -> pd.DataFrame:
    rows = [("Psychotherapy", 3000.0)] * 10 + [("Filial therapy", 1000.0)]
    rows += [("Psychotherapy", 9999.0)]  # another year: ignored
    return pd.DataFrame(
        {
            "financial_year": ["2022/23"] * 11 + ["2021/22"],
            "region": "Eastern",
            "raa": "Adopt East",
            "therapy_type": [r[0] for r in rows],
            "amount_gbp": [r[1] for r in rows],
        }
    )


ASSUME = InHouseAssumptions(
    sessions_per_fte=60,
    sessions_per_package="calibrated",
    cost_per_package_gbp="observed",
    session_cost_gbp=100,
    inhouse_time_share=0.25,
    staff_cost_per_fte_gbp=20_000,
    practitioner_roles=ROLES,
)


def test_inhouse_opportunity_hand_computed(workforce: pd.DataFrame) -> None:
    t = inhouse_opportunity(
        workforce, _packages(), load_skill_therapy_map(), regions=["Eastern"], assumptions=ASSUME
    )
    assert list(t.columns) == OPPORTUNITY_COLUMNS
    t = t.set_index("skill")
    # Staff cost per session: 20,000 x 0.25 / 60 = 83.33.
    assert ASSUME.staff_cost_per_session_gbp == pytest.approx(250 / 3)
    ddp = t.loc["DDP"]  # demand: 10 psychotherapy packages at 3,000
    assert ddp["trained_fte"] == pytest.approx(2.9)  # every role, whole FTE (coverage basis)
    assert ddp["practitioner_fte"] == pytest.approx(1.2)
    assert ddp["sessions_per_package"] == pytest.approx(30.0)  # 3,000 / 100
    assert ddp["capacity_packages"] == pytest.approx(2.4)  # 1.2 x 60 / 30
    assert ddp["inhouse_packages"] == pytest.approx(2.4)
    assert ddp["coverage_pct"] == pytest.approx(24.0)
    assert ddp["indicative_inhouse_gbp"] == pytest.approx(7200.0)  # 2.4 x 3,000
    assert ddp["staff_cost_gbp"] == pytest.approx(
        6000.0
    )  # 2.4 x 30 x 83.33 = 1.2 FTE x 0.25 x 20,000
    assert ddp["net_value_gbp"] == pytest.approx(1200.0)
    assert ddp["packages_per_practitioner_fte"] == pytest.approx(10 / 1.2)
    play = t.loc["Theraplay"]  # demand: 1 filial therapy package at 1,000 -> 10 sessions
    assert play["capacity_packages"] == pytest.approx(3.0)  # 0.5 x 60 / 10
    assert play["inhouse_packages"] == pytest.approx(1.0)  # capped at demand
    assert play["coverage_pct"] == pytest.approx(100.0)
    assert play["staff_cost_gbp"] == pytest.approx(10 * 250 / 3)
    assert play["net_value_gbp"] == pytest.approx(1000 - 10 * 250 / 3)
    tlsw = t.loc["TLSW"]  # 0.1 FTE trained, no TLSW packages: no calibrated package size
    assert tlsw["packages"] == 0 and np.isnan(tlsw["capacity_packages"])
    assert np.isnan(tlsw["net_value_gbp"])
    assert t["raas_training_data"].eq(1).all()


def test_fixed_package_size_and_value_override_calibration(workforce: pd.DataFrame) -> None:
    fixed = InHouseAssumptions(60, 12, 500.0, 100, 0.25, 20_000, ROLES)
    t = inhouse_opportunity(
        workforce, _packages(), load_skill_therapy_map(), regions=["Eastern"], assumptions=fixed
    ).set_index("skill")
    assert t.loc["DDP", "sessions_per_package"] == pytest.approx(12.0)
    assert t.loc["DDP", "capacity_packages"] == pytest.approx(6.0)  # 1.2 x 60 / 12
    assert t.loc["DDP", "indicative_inhouse_gbp"] == pytest.approx(3000.0)  # 6 x 500
    assert t.loc["DDP", "net_value_gbp"] == pytest.approx(3000.0 - 6 * 12 * 250 / 3)
    assert fixed.packages_per_fte == pytest.approx(5.0)
    with pytest.raises(ValueError, match="calibrated"):
        _ = ASSUME.packages_per_fte


def test_assumptions_come_from_params_yaml() -> None:
    params = load_params()["workforce"]
    a = InHouseAssumptions()
    assert a.sessions_per_fte == params["sessions_per_fte"]
    assert a.session_cost_gbp == params["session_cost_gbp"]
    assert a.staff_cost_per_fte_gbp == params["staff_cost_per_fte_gbp"]
    assert a.inhouse_time_share == params["inhouse_time_share"]
    assert params["sessions_per_package"] == "calibrated" and a.sessions_per_package is None
    assert params["cost_per_package_gbp"] == "observed" and a.cost_per_package_gbp is None
    table = a.table().set_index("parameter")["value"]
    assert table["sessions_per_package"] == "calibrated"
    with pytest.raises(ValueError):
        InHouseAssumptions(inhouse_time_share=0)
    with pytest.raises(ValueError):
        InHouseAssumptions(session_cost_gbp=0)


def test_default_data_counts_each_practitioner_once() -> None:
    needed = [PROCESSED_DIR / f"{n}.parquet" for n in ("workforce", "asgsf_packages")]
    if not all(p.is_file() for p in needed):
        pytest.skip("default synthetic data not built (run `nps synth && nps process`)")
    wf = load_dataset("workforce", needed[0])
    packages = load_dataset("asgsf_packages", needed[1])
    t = inhouse_opportunity(
        wf.assign(region="England"),
        packages.assign(region="England"),
        load_skill_therapy_map(),
        regions=["England"],
    )
    flags = wf[[f"trained_{s}" for s in SKILLS]].fillna(False).to_numpy()
    any_trained = flags.any(axis=1)
    practitioner = wf["role"].astype(str).isin(ROLES).to_numpy()
    distinct = wf["fte"].to_numpy()[any_trained & practitioner].sum()
    assert t["practitioner_fte"].sum() == pytest.approx(distinct)  # 110.80 FTE
    assert t["practitioner_fte"].sum() < wf["fte"].to_numpy()[any_trained].sum()  # 143.91
    assert t["trained_fte"].sum() == pytest.approx((wf["fte"].to_numpy()[:, None] * flags).sum())
    a = InHouseAssumptions()
    # Capacity binds everywhere on the default data, so the net value is practitioner FTE x
    # sessions a year x (commissioned session price - staff cost per session).
    assert (t["inhouse_packages"] < t["packages"]).all()
    margin = a.sessions_per_fte * (a.session_cost_gbp - a.staff_cost_per_session_gbp)
    assert t["net_value_gbp"].to_numpy() == pytest.approx(t["practitioner_fte"].to_numpy() * margin)
