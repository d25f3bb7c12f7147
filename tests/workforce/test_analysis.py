"""Workforce skills and gaps (issue 8): hand-computed fixtures, Wilson intervals, the skill-therapy
mapping, disclosure control, the published s5 figures on the default data and scale."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nps_analysis.datasets import load_dataset
from nps_analysis.outputs import OutputWriter
from nps_analysis.paths import PROCESSED_DIR
from nps_analysis.rounding import round_half_up
from nps_analysis.workforce import (
    COVERAGE_COLUMNS,
    GAPS_COLUMNS,
    OPPORTUNITY_COLUMNS,
    InHouseAssumptions,
    inhouse_opportunity,
    load_skill_therapy_map,
    run_analysis,
    skills_coverage,
    skills_gaps,
    write_outputs,
)
from nps_analysis.workforce.opportunity import check_skill_therapy_map
from nps_analysis.workforce.profile import fte_by_role, fte_per_cases
from nps_analysis.workforce.skills import raa_skill_status, skills_stated

FIXTURES = Path(__file__).parents[1] / "fixtures" / "workforce"


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, pd.DataFrame]:
    wf = load_dataset("workforce", FIXTURES / "workforce_small.csv")
    gaps = load_dataset("skills_gaps", FIXTURES / "skills_gaps_small.csv")
    return wf, gaps


# ----------------------------------------------------------------------------- profile
def test_fte_by_role_hand_computed(small) -> None:
    wf, _ = small
    t = fte_by_role(wf, "England").set_index("role")
    assert list(t.index) == ["social workers", "team managers", "letter box staff", "other"]
    assert t["fte"].to_dict() == pytest.approx(
        {"social workers": 3.3, "team managers": 1.0, "letter box staff": 0.5, "other": 0.2}
    )
    assert t["staff"].tolist() == [4, 1, 1, 1]
    assert t["share_pct"].tolist() == pytest.approx([66.0, 20.0, 10.0, 4.0])


def _cases(rows: list[tuple[str, str, str, str, str, int]]) -> pd.DataFrame:
    """Typed open-case rows: (raa, region, period_start, period_end, count_basis, count)."""
    raa, region, start, end, basis, count = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "raa": list(raa),
            "region": list(region),
            "period_start": pd.to_datetime(list(start)),
            "period_end": pd.to_datetime(list(end)),
            "count_basis": pd.Categorical(list(basis), categories=["period", "snapshot"]),
            "recipient_group": "children",
            "child_age_band": "5-11",
            "count": pd.array(list(count), dtype="Int64"),
        }
    )


YEAR = ("2022-10-01", "2023-09-30")
SNAP = ("2023-09-30", "2023-09-30")


@pytest.fixture()
def mixed_cases() -> pd.DataFrame:
    """Adopt East: a 12-month count (60 + 40); Adoption Connects: a snapshot (50); Cambridgeshire &
    Peterborough: a 12-month count (30) but no staff records; Adopt North East: staff, no cases."""
    return _cases(
        [
            ("Adopt East", "Eastern", *YEAR, "period", 60),
            ("Adopt East", "Eastern", *YEAR, "period", 40),
            ("Adoption Connects", "Eastern", *SNAP, "snapshot", 50),
            ("Cambridgeshire & Peterborough Adoption", "Eastern", *YEAR, "period", 30),
        ]
    ).assign(recipient_group=["children", "adoptive parents", "children", "children"])


def test_fte_per_cases_national_ratio_only_over_raas_with_both(small, mixed_cases) -> None:
    """By hand: period block = Adopt East only (2.5 FTE / 100 cases); Cambridgeshire's 30 cases have
    no staff and Adopt North East's 1.0 FTE no cases, so both stay out; the snapshot (1.5 FTE / 50)
    is its own block. The old code summed 4.0 FTE over 180 cases of both bases (2.22)."""
    wf, _ = small
    t = fte_per_cases(wf, mixed_cases, "region", "England")
    total = t[t["region"] == "All with case data (England)"].set_index("count_basis")
    assert total.loc["period", "fte"] == pytest.approx(2.5)
    assert total.loc["period", "open_cases"] == 100
    assert total.loc["period", "fte_per_100_cases"] == pytest.approx(2.5)
    assert total.loc["snapshot", "fte"] == pytest.approx(1.5)
    assert total.loc["snapshot", "fte_per_100_cases"] == pytest.approx(3.0)
    # coverage: RAAs with staff / with such a return / with both
    assert total.loc["period", ["raas_with_staff", "raas_with_cases", "raas_both"]].tolist() == [
        3,
        2,
        1,
    ]
    assert total.loc["snapshot", ["raas_with_staff", "raas_with_cases", "raas_both"]].tolist() == [
        3,
        1,
        1,
    ]
    assert "North East" not in set(t["region"])  # staff but no case return: no ratio row
    assert 180 not in set(t["open_cases"].dropna())  # bases never added together


def test_fte_per_cases_by_raa_pairs_raa_by_raa(small, mixed_cases) -> None:
    wf, _ = small
    t = fte_per_cases(wf, mixed_cases, "raa", "Eastern")
    rows = t.set_index(["raa", "count_basis"])
    assert rows.loc[("Adopt East", "period"), "fte_per_100_cases"] == pytest.approx(2.5)
    assert rows.loc[("Adoption Connects", "snapshot"), "fte_per_100_cases"] == pytest.approx(3.0)
    assert rows.loc[("Adopt East", "period"), "period_end"] == pd.Timestamp("2023-09-30")
    assert set(t["raa"]) == {"Adopt East", "Adoption Connects", "All with case data (Eastern)"}
    assert list(t.columns[:4]) == ["raa", "count_basis", "period_start", "period_end"]


def test_fte_per_cases_keeps_two_periods_of_one_raa_apart(small) -> None:
    """Adopt East reports two 12-month periods: one row per period, never 180 cases."""
    wf, _ = small
    cases = _cases(
        [
            ("Adopt East", "Eastern", "2021-10-01", "2022-09-30", "period", 80),
            ("Adopt East", "Eastern", *YEAR, "period", 100),
        ]
    )
    t = fte_per_cases(wf, cases, "raa", "England")
    east = t[t["raa"] == "Adopt East"].set_index("period_start")
    assert east["open_cases"].tolist() == [80, 100]
    assert east.loc[pd.Timestamp("2021-10-01"), "fte_per_100_cases"] == pytest.approx(3.125)
    assert east.loc[pd.Timestamp("2022-10-01"), "fte_per_100_cases"] == pytest.approx(2.5)
    totals = t[t["raa"].str.startswith("All")]
    assert totals["open_cases"].tolist() == [80, 100]
    assert (totals["fte"] == 2.5).all()


def test_fte_per_cases_full_coverage_is_labelled_all(small) -> None:
    wf, _ = small
    cases = _cases(
        [
            ("Adopt East", "Eastern", *YEAR, "period", 100),
            ("Adoption Connects", "Eastern", *YEAR, "period", 50),
            ("Adopt North East", "North East", *YEAR, "period", 50),
        ]
    )
    t = fte_per_cases(wf, cases, "region", "England").set_index("region")
    assert t.loc["All (England)", "fte_per_100_cases"] == pytest.approx(500 / 200)
    assert t.loc["All (England)", "raas_both"] == 3


# ----------------------------------------------------------------------------- coverage
def test_skills_coverage_hand_computed(small) -> None:
    wf, _ = small
    cov = skills_coverage(wf)
    assert list(cov.columns[: len(COVERAGE_COLUMNS)]) == COVERAGE_COLUMNS
    cov = cov.set_index("skill")
    assert list(cov.index) == ["DDP", "Theraplay", "TLSW", "NVR", "BUSS"]
    assert (cov["base_fte"] == 4.0).all()  # Adopt North East (blank flags) is outside the base
    assert (cov["raas_responding"] == 2).all()
    assert cov["trained_fte"].tolist() == pytest.approx([1.5, 1.5, 1.0, 1.0, 0.0])
    assert cov["share_pct"].tolist() == pytest.approx([37.5, 37.5, 25.0, 25.0, 0.0])
    assert cov["raas_with_skill"].tolist() == [1, 2, 1, 1, 0]
    assert cov["trained_staff"].tolist() == [2, 2, 1, 1, 0]


def test_skills_stated_and_raa_status(small) -> None:
    wf, gaps = small
    stated = skills_stated(gaps).set_index("skill")
    assert stated["raas_stating_skill"].tolist() == [1, 0, 1, 0, 0]
    assert (stated["raas_stating"] == 1).all()
    raas = pd.DataFrame(
        {
            "region": ["Eastern", "Eastern", "North East"],
            "raa": ["Adopt East", "Adoption Connects", "Adopt North East"],
        }
    )
    st = raa_skill_status(wf, gaps, raas).set_index(["raa", "skill"])
    assert st.loc[("Adopt East", "DDP"), "status"] == "trained (staff records)"
    assert st.loc[("Adopt East", "BUSS"), "status"] == "none trained (staff records)"
    assert st.loc[("Adopt North East", "TLSW"), "status"] == "trained (stated)"
    assert st.loc[("Adopt North East", "NVR"), "status"] == "not stated"
    assert st.loc[("Adopt East", "TLSW"), "gap"] == "gap"
    assert st.loc[("Adopt North East", "DDP"), "gap"] == "not indicated"


# ----------------------------------------------------------------------------- gaps
def test_skills_gaps_counts_and_interval(small) -> None:
    _, gaps = small
    t = skills_gaps(gaps)
    assert list(t.columns) == GAPS_COLUMNS
    t = t.set_index("skill")
    assert t["raas_with_gap"].tolist() == [2, 0, 1, 0, 0]
    assert (t["raas_responding"] == 2).all()  # Adopt North East did not indicate gaps
    assert t["pct"].tolist() == pytest.approx([100.0, 0.0, 50.0, 0.0, 0.0])
    # Hypergeometric interval for K of the file's N = 3 RAAs, in % of 3, by hand:
    # DDP 2 of 2 -> K in [2, 3]; TLSW 1 of 2 -> [1, 2]; Theraplay 0 of 2 -> [0, 1].
    assert t.loc["DDP", ["ci_low", "ci_high"]].tolist() == pytest.approx([200 / 3, 100.0])
    assert t.loc["TLSW", ["ci_low", "ci_high"]].tolist() == pytest.approx([100 / 3, 200 / 3])
    assert t.loc["Theraplay", ["ci_low", "ci_high"]].tolist() == pytest.approx([0.0, 100 / 3])


def test_gaps_by_region_keeps_regions_without_responses(small) -> None:
    _, gaps = small
    t = skills_gaps(gaps, ["region"]).set_index(["region", "skill"])
    assert t.loc[("North East", "DDP"), "raas_responding"] == 0
    assert np.isnan(t.loc[("North East", "DDP"), "pct"])
    assert np.isnan(t.loc[("North East", "DDP"), "ci_low"])
    assert t.loc[("Eastern", "DDP"), "raas_with_gap"] == 2


# ----------------------------------------------------------------------------- opportunity
def _packages() -> pd.DataFrame:
    rows = [
        ("2022/23", "Eastern", "Adopt East", "Family therapy", 4000.0),
        ("2022/23", "Eastern", "Adopt East", "Psychotherapy", 2000.0),
        ("2022/23", "Eastern", "Adopt East", "Therapeutic parenting", 3000.0),
        ("2022/23", "Eastern", "Cambridgeshire & Peterborough Adoption", "Family therapy", 5000.0),
        (
            "2022/23",
            "Eastern",
            "Adoption Connects",
            "Extensive therapeutic life story work",
            1000.0,
        ),
        ("2021/22", "Eastern", "Adopt East", "Family therapy", 9999.0),  # other year: ignored
    ]
    return pd.DataFrame(
        rows, columns=["financial_year", "region", "raa", "therapy_type", "amount_gbp"]
    )


def test_inhouse_opportunity_hand_computed(small) -> None:
    wf, _ = small
    mapping = load_skill_therapy_map()
    a = InHouseAssumptions(
        sessions_per_fte=24,
        sessions_per_package=12,
        inhouse_time_share=0.25,
        staff_cost_per_fte_gbp=48_000,
        practitioner_roles=("social workers", "other"),
    )
    t = inhouse_opportunity(wf, _packages(), mapping, regions=["Eastern"], assumptions=a)
    assert list(t.columns) == OPPORTUNITY_COLUMNS
    ddp = t.set_index("skill").loc["DDP"]
    # DDP -> Psychotherapy, Family therapy, Therapeutic parenting; responding RAAs only (not C&P)
    assert ddp["packages"] == 3 and ddp["spend_gbp"] == pytest.approx(9000.0)
    assert ddp["packages_all"] == 4 and ddp["spend_all_gbp"] == pytest.approx(14000.0)
    assert ddp["trained_fte"] == pytest.approx(1.5)  # every role, whole FTE per skill
    # Capacity basis: P1 1.0 + P2's 0.5 FTE split between DDP and Theraplay = 1.25 FTE.
    assert ddp["practitioner_fte"] == pytest.approx(1.25)
    assert ddp["packages_per_practitioner_fte"] == pytest.approx(2.4)
    assert ddp["capacity_packages"] == pytest.approx(2.5)  # 1.25 FTE x 24 / 12
    assert ddp["coverage_pct"] == pytest.approx(250 / 3)
    assert ddp["indicative_inhouse_gbp"] == pytest.approx(7500.0)  # 2.5 x mean 3,000
    assert ddp["staff_cost_gbp"] == pytest.approx(15_000.0)  # 2.5 x 12 x (48,000 x 0.25 / 24)
    assert ddp["net_value_gbp"] == pytest.approx(-7500.0)
    tlsw = t.set_index("skill").loc["TLSW"]
    # The only TLSW-trained member of staff is a team manager: no in-house capacity.
    assert tlsw["packages"] == 1 and tlsw["capacity_packages"] == pytest.approx(0.0)
    buss = t.set_index("skill").loc["BUSS"]
    assert buss["trained_fte"] == 0 and np.isnan(buss["packages_per_practitioner_fte"])
    fixed = inhouse_opportunity(
        wf,
        _packages(),
        mapping,
        regions=["Eastern"],
        assumptions=InHouseAssumptions(24, 12, cost_per_package_gbp=500.0),
    ).set_index("skill")
    assert fixed.loc["DDP", "indicative_inhouse_gbp"] == pytest.approx(1250.0)  # 2.5 x 500


def test_changed_mapping_changes_opportunity(small) -> None:
    wf, _ = small
    mapping = load_skill_therapy_map()
    base = inhouse_opportunity(wf, _packages(), mapping, regions=["Eastern"]).set_index("skill")
    edited = mapping[~((mapping["skill"] == "DDP") & (mapping["therapy_type"] == "Family therapy"))]
    edited = pd.concat(
        [
            edited,
            pd.DataFrame(
                [{"skill": "Theraplay", "therapy_type": "Family therapy", "rationale": "test"}]
            ),
        ]
    )
    changed = inhouse_opportunity(wf, _packages(), edited, regions=["Eastern"]).set_index("skill")
    assert changed.loc["DDP", "packages"] == base.loc["DDP", "packages"] - 1
    assert changed.loc["Theraplay", "packages"] == base.loc["Theraplay", "packages"] + 1
    assert not changed.equals(base)


def test_mapping_file_is_valid_and_checked() -> None:
    from nps_analysis.published import load_reference

    therapy = list(load_reference("asgsf_therapy_categories")["therapy_type"])
    m = load_skill_therapy_map()
    assert list(m.columns) == ["skill", "therapy_type", "rationale"]
    assert set(m["therapy_type"]) <= set(therapy)
    assert set(m["skill"]) == set(load_reference("skills")["skill"])  # every skill is mapped
    bad = m.copy()
    bad.loc[0, "therapy_type"] = "family therapy"  # not spelled as in the reference list
    with pytest.raises(ValueError, match="not in the therapy reference list"):
        check_skill_therapy_map(bad, therapy)
    dup = pd.concat([m, m.iloc[[0]]])
    with pytest.raises(ValueError, match="duplicated"):
        check_skill_therapy_map(dup, therapy)


def test_assumptions_are_checked() -> None:
    with pytest.raises(ValueError):
        InHouseAssumptions(sessions_per_fte=0)
    with pytest.raises(ValueError):
        InHouseAssumptions(cost_per_package_gbp=-1)
    assert InHouseAssumptions(120, 12).packages_per_fte == pytest.approx(10.0)


# ----------------------------------------------------------------------------- outputs / SDC
def test_write_outputs_contract_and_disclosure_control(small, tmp_path: Path) -> None:
    wf, gaps = small
    res = run_analysis(wf, gaps, _packages(), region="Eastern")
    out = OutputWriter(tmp_path / "strict", data_kind="synthetic")
    write_outputs(res, out)
    tables = tmp_path / "strict" / "tables"
    cov = pd.read_csv(tables / "skills_coverage.csv", dtype=str)
    assert list(cov.columns) == COVERAGE_COLUMNS
    assert set(cov["trained_fte"]) == {"c"}  # 0-2 trained staff behind each FTE sum
    assert set(cov["share_pct"]) == {"c"}
    assert list(pd.read_csv(tables / "skills_gaps.csv").columns) == GAPS_COLUMNS
    assert (tables / "inhouse_opportunity.csv").is_file()
    manifest = out.manifest().set_index("output")
    assert manifest.loc["tables/skills_coverage.csv", "status"] == "suppressed"
    # with a threshold of 1 and zeros allowed, the same tables are released in full
    loose = OutputWriter(
        tmp_path / "loose",
        data_kind="synthetic",
        sdc_params={"threshold": 1, "zeros_are_disclosive": False},
    )
    write_outputs(res, loose)
    cov = pd.read_csv(tmp_path / "loose" / "tables" / "skills_coverage.csv")
    assert cov["share_pct"].tolist() == pytest.approx([37.5, 37.5, 25.0, 25.0, 0.0])
    assert set(loose.manifest()["status"]) <= {"safe", "unchecked"}


def test_unknown_region_is_refused(small) -> None:
    wf, gaps = small
    with pytest.raises(ValueError, match="Unknown pan-region"):
        run_analysis(wf, gaps, region="Atlantis")


def test_scales_to_100k_staff_rows() -> None:
    from nps_analysis.regions import pan_regions_raas

    rng = np.random.default_rng(8)
    ref = pan_regions_raas()
    n = 100_000
    idx = rng.integers(0, len(ref), n)
    wf = pd.DataFrame(
        {
            "raa": pd.Categorical(ref["raa"].to_numpy()[idx]),
            "region": pd.Categorical(ref["region"].to_numpy()[idx]),
            "role": pd.Categorical(
                rng.choice(["social workers", "team managers", "letter box staff", "other"], n)
            ),
            "fte": rng.choice([0.4, 0.5, 0.8, 1.0], n),
        }
    )
    for s in ("ddp", "theraplay", "tlsw", "nvr", "buss"):
        wf[f"trained_{s}"] = pd.array(rng.random(n) < 0.3, dtype="boolean")
    gaps = pd.DataFrame(
        {
            "raa": np.repeat(ref["raa"].to_numpy(), 5),
            "region": np.repeat(ref["region"].to_numpy(), 5),
            "skill": np.tile(["DDP", "Theraplay", "TLSW", "NVR", "BUSS"], len(ref)),
            "gap_identified": pd.array(rng.random(len(ref) * 5) < 0.3, dtype="boolean"),
        }
    )
    packages = pd.DataFrame(
        {
            "financial_year": "2022/23",
            "region": ref["region"].to_numpy()[idx],
            "raa": ref["raa"].to_numpy()[idx],
            "therapy_type": rng.choice(
                ["Family therapy", "Psychotherapy", "Therapeutic parenting"], n
            ),
            "amount_gbp": rng.gamma(4, 900, n),
        }
    )
    start = time.perf_counter()
    res = run_analysis(wf, gaps, packages)
    assert time.perf_counter() - start < 15
    assert res.fte_by_role["staff"].sum() == n
    assert res.coverage["base_fte"].iloc[0] == pytest.approx(wf["fte"].sum())


# ----------------------------------------------------------------------------- default data
@pytest.fixture(scope="module")
def default_results():
    needed = [
        PROCESSED_DIR / f"{n}.parquet"
        for n in ("workforce", "skills_gaps", "asgsf_packages", "open_cases")
    ]
    if not all(p.is_file() for p in needed):
        pytest.skip("default synthetic data not built (run `nps synth && nps process`)")
    wf = load_dataset("workforce", needed[0])
    gaps = load_dataset("skills_gaps", needed[1])
    packages = load_dataset("asgsf_packages", needed[2])
    cases = load_dataset("open_cases", needed[3])
    return run_analysis(wf, gaps, packages, cases)


def test_default_reproduces_published_fte_and_roles(default_results) -> None:
    res = default_results
    roles = res.fte_by_role.set_index("role")
    assert roles["fte"].sum() == pytest.approx(425.37, abs=1e-9)
    shares = round_half_up(roles["share_pct"])
    assert dict(zip(roles.index, shares, strict=True))["social workers"] == 55
    assert dict(zip(roles.index, shares, strict=True))["team managers"] == 11
    assert dict(zip(roles.index, shares, strict=True))["letter box staff"] == 14


def test_default_reproduces_published_skill_shares(default_results) -> None:
    cov = default_results.coverage.set_index("skill")
    assert (cov["raas_responding"] == 18).all()
    assert cov["base_fte"].round(2).eq(224.89).all()
    expected = {"DDP": 34, "Theraplay": 20, "TLSW": 16, "NVR": 13}
    got = {s: int(round_half_up(cov.loc[s, "share_pct"])) for s in expected}
    assert got == expected
    stated = default_results.stated.set_index("skill")["raas_stating_skill"].to_dict()
    assert stated == {"DDP": 9, "Theraplay": 6, "TLSW": 5, "NVR": 4, "BUSS": 5}


def test_default_reproduces_published_gaps(default_results) -> None:
    res = default_results
    assert res.counts["raas_indicating_gaps"] == 17 and res.counts["raas_in_gaps_file"] == 30
    gaps = res.gaps.set_index("skill")
    assert (gaps["raas_responding"] == 17).all()
    assert gaps["raas_with_gap"].to_dict() == {
        "DDP": 8,
        "Theraplay": 0,
        "TLSW": 6,
        "NVR": 3,
        "BUSS": 3,
    }
    assert res.check is not None and res.check["matches"].all(), res.check[~res.check["matches"]]
    assert len(res.check) == 23
    from nps_analysis.figure_check import CHECK_COLUMNS

    assert list(res.check.columns) == CHECK_COLUMNS
    fte = res.check.set_index("figure_id").loc["workforce.fte.total"]
    assert (fte["reproduced_as_printed"], fte["published"]) == (425.37, 425.37)  # printed to 2 dp
    assert set(res.check["convention"]) == {"half_up"}


def test_default_opportunity_has_every_region_and_skill(default_results) -> None:
    opp = default_results.opportunity
    assert opp is not None and len(opp) == 9 * 5  # 8 pan-regions + England, 5 skills
    england = opp[opp["region"] == "England"].set_index("skill")
    regions = (
        opp[opp["region"] != "England"].groupby("skill")[["trained_fte", "packages_all"]].sum()
    )
    assert np.allclose(england.loc[regions.index, "trained_fte"], regions["trained_fte"])
    assert (england.loc[regions.index, "packages_all"] == regions["packages_all"]).all()
