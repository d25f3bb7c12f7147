"""Synthetic default data: every honoured published aggregate is reproduced exactly; seeded bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from nps_analysis.datasets import DATASET_NAMES, load_dataset
from nps_analysis.datasets.spec import get_vocabulary
from nps_analysis.paths import PROJECT_ROOT
from nps_analysis.published import figure, load_published
from nps_analysis.synth import generate_all
from nps_analysis.synth.apportion import controlled_round, ipf, largest_remainder
from nps_analysis.synth.asgsf import FAMILY, MDP, STATED_RISING

PARAMS = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text(encoding="utf-8"))["synth"]


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    generate_all(out, PARAMS)
    return out


@pytest.fixture(scope="module")
def data(synth_dir: Path) -> dict[str, pd.DataFrame]:
    return {name: load_dataset(name, synth_dir / f"{name}.csv") for name in DATASET_NAMES}


def test_byte_identical_for_same_seed(synth_dir: Path, tmp_path: Path) -> None:
    written = generate_all(tmp_path, PARAMS)
    assert sorted(p.name for p in written) == sorted(
        [f"{n}.csv" for n in DATASET_NAMES] + ["README.md"]
    )
    for path in written:
        assert path.read_bytes() == (synth_dir / path.name).read_bytes(), path.name
    assert "SYNTHETIC" in (tmp_path / "README.md").read_text(encoding="utf-8")


def test_other_seed_differs(synth_dir: Path, tmp_path: Path) -> None:
    generate_all(tmp_path, {**PARAMS, "seed": PARAMS["seed"] + 1})
    assert (tmp_path / "step.csv").read_bytes() != (synth_dir / "step.csv").read_bytes()


def test_ids_are_marked_synthetic(data: dict[str, pd.DataFrame]) -> None:
    assert data["step"]["family_id"].str.startswith("SYN-").all()
    assert data["asgsf_packages"]["application_id"].str.startswith("SYN-").all()


# ----------------------------------------------------------------------------- open cases
def test_open_cases_margins_exact(data: dict[str, pd.DataFrame]) -> None:
    oc = data["open_cases"]
    by_group = oc.groupby("recipient_group", observed=True)["count"].sum()
    assert by_group["children"] == figure("cases.group.children")
    assert by_group["adoptive parents"] == figure("cases.group.adoptive_parents")
    assert by_group["birth families"] == figure("cases.group.birth_families")
    assert by_group["adopted adults"] == figure("cases.group.adopted_adults")
    assert oc["count"].sum() == figure("cases.total")
    bands = (
        oc[oc["recipient_group"] == "children"]
        .groupby("child_age_band", observed=True)["count"]
        .sum()
    )
    for band, fid in (
        ("0-4", "0_4"),
        ("5-11", "5_11"),
        ("12-15", "12_15"),
        ("16-18", "16_18"),
        ("not reported", "not_reported"),
    ):
        assert bands[band] == figure(f"cases.children.age.{fid}")


def test_open_cases_cover_24_raas_in_7_pan_regions(data: dict[str, pd.DataFrame]) -> None:
    """s3.1: "seven pan regions covering 24 RAAs"; South West (no needs assessment in the report)
    is the pan-region without a return, and the other 3 non-submitting RAAs are as params says."""
    oc = data["open_cases"]
    assert oc["raa"].nunique() == figure("cases.coverage.raas") == 24
    assert oc["region"].nunique() == figure("cases.coverage.pan_regions") == 7
    assert "South West" not in set(oc["region"].astype(str))
    missing = set(get_vocabulary("raa").values) - set(oc["raa"].astype(str))
    south_west = {"Adoption West", "Adoption South West", "Adopt Thames Valley"}
    assert missing == south_west | set(PARAMS["open_cases"]["raas_not_submitting"])


def test_open_cases_one_return_per_raa_with_stated_snapshot_share(
    data: dict[str, pd.DataFrame],
) -> None:
    oc, p = data["open_cases"], PARAMS["open_cases"]
    returns = oc.groupby("raa", observed=True)[
        ["count_basis", "period_start", "period_end"]
    ].nunique()
    assert (returns == 1).all().all(), "each RAA sends exactly one return"
    basis = oc.drop_duplicates("raa").set_index("raa")
    snap = basis[basis["count_basis"] == "snapshot"]
    assert len(snap) == round(p["snapshot_share"] * 24) == 6
    assert (snap["period_start"] == pd.Timestamp(p["snapshot_date"])).all()
    assert (snap["period_end"] == snap["period_start"]).all()
    period = basis[basis["count_basis"] == "period"]
    assert (period["period_start"] == pd.Timestamp(p["period_start"])).all()
    assert (period["period_end"] == pd.Timestamp(p["period_end"])).all()


def test_open_cases_coverage_params_are_checked() -> None:
    from nps_analysis.synth.open_cases import submitting_raas

    with pytest.raises(ValueError, match="24 RAAs in 7"):
        submitting_raas({**PARAMS["open_cases"], "raas_not_submitting": []})
    with pytest.raises(ValueError, match="unknown"):
        submitting_raas({**PARAMS["open_cases"], "regions_not_submitting": ["Atlantis"]})


# ---------------------------------------------------------------------------------- ASGSF
def test_asgsf_totals_exact(data: dict[str, pd.DataFrame]) -> None:
    pk = data["asgsf_packages"]
    pub = load_published("asgsf_packages")
    pub = pub[(pub["measure"] == "packages") & (pub["therapy_type"] != "all")]
    by_therapy = pk.groupby("therapy_type", observed=True).size()
    for therapy, value in zip(pub["therapy_type"], pub["value"], strict=True):
        assert by_therapy[therapy] == value, therapy
    years = pk.groupby("financial_year", observed=True).size()
    assert list(years.index) == ["2018/19", "2019/20", "2020/21", "2021/22", "2022/23"]
    assert years["2018/19"] == figure("asgsf.packages.2018_19")
    assert years["2022/23"] == figure("asgsf.packages.2022_23")
    assert (np.diff(years.to_numpy()) > 0).all(), "annual totals must rise (assumption)"


def test_asgsf_category_change(data: dict[str, pd.DataFrame]) -> None:
    pk = data["asgsf_packages"]
    change = pd.Timestamp("2018-11-01")
    assert (pk.loc[pk["therapy_type"] == FAMILY, "date_approved"] >= change).all()
    mdp = pk[pk["therapy_type"] == MDP]
    assert (mdp["date_approved"] < change).all() and (mdp["financial_year"] == "2018/19").all()


def test_asgsf_stated_year_on_year_increases(data: dict[str, pd.DataFrame]) -> None:
    table = (
        data["asgsf_packages"]
        .groupby(["therapy_type", "financial_year"], observed=True)
        .size()
        .unstack()
    )
    for therapy in STATED_RISING:
        assert (np.diff(table.loc[therapy].to_numpy()) > 0).all(), therapy


def test_provider_funding_by_region_exact(data: dict[str, pd.DataFrame]) -> None:
    pk = data["asgsf_packages"]
    named = pk[pk["provider"].str.fullmatch(r"Provider [A-E]").fillna(False)]
    got = named.groupby(["provider", "region"], observed=True)["amount_gbp"].sum()
    pub = load_published("provider_funding")
    pub = pub[
        (pub["measure"] == "gbp")
        & (pub["region"] != "all")
        & pub["figure_id"].str.startswith("funding.provider_")
    ]
    want = pd.Series(
        pub["value"].to_numpy(),
        index=pd.MultiIndex.from_arrays(["Provider " + pub["provider"], pub["region"]]),
    )
    assert len(got) == len(want)
    for key, value in want.items():
        assert got[key] == value, key
    for p in "ABCDE":
        assert named.loc[named["provider"] == f"Provider {p}", "amount_gbp"].sum() == figure(
            f"funding.provider_{p.lower()}.total"
        )


def test_asgsf_amounts_respect_limits(data: dict[str, pd.DataFrame]) -> None:
    pk = data["asgsf_packages"]
    assert (pk["amount_gbp"] >= 0).all() and (
        pk["amount_gbp"] <= figure("asgsf.rules.match_funding.max_total_per_child")
    ).all()
    fal = np.where(pk["therapy_type"] == "Specialist assessments", 2500, 5000)
    assert (pk["match_funded"].to_numpy() == (pk["amount_gbp"].to_numpy() > fal)).all()


# ------------------------------------------------------------------------------- workforce
def test_workforce_exact(data: dict[str, pd.DataFrame]) -> None:
    wf = data["workforce"]
    fte_h = np.round(wf["fte"] * 100).astype(int)
    assert fte_h.sum() == round(figure("workforce.fte.total") * 100)
    assert wf["raa"].nunique() == 30
    role_pct = fte_h.groupby(wf["role"], observed=True).sum() / fte_h.sum() * 100
    assert round(role_pct["social workers"]) == figure("workforce.role.social_workers.pct")
    assert round(role_pct["team managers"]) == figure("workforce.role.team_managers.pct")
    assert round(role_pct["letter box staff"]) == figure("workforce.role.letter_box_staff.pct")
    reporting = wf["trained_ddp"].notna()
    assert wf.loc[reporting, "raa"].nunique() == figure("workforce.skills.raas_reporting_fte")
    base = fte_h[reporting].sum()
    assert base == round(figure("workforce.skills.fte_base") * 100)
    for skill in ("ddp", "theraplay", "tlsw", "nvr"):
        trained = fte_h[reporting & wf[f"trained_{skill}"].fillna(False)].sum()
        assert round(trained / base * 100) == figure(f"workforce.skill.{skill}.pct"), skill
    assert (
        wf.loc[~reporting, ["trained_theraplay", "trained_tlsw", "trained_nvr", "trained_buss"]]
        .isna()
        .all()
        .all()
    )


def test_skills_gaps_exact(data: dict[str, pd.DataFrame]) -> None:
    sg = data["skills_gaps"]
    named = sg[sg["gap_identified"].notna()]
    assert named["raa"].nunique() == figure("workforce.gaps.raas_reporting")
    assert (named.groupby("raa", observed=True)["gap_identified"].sum() >= 1).all()
    gaps = named[named["gap_identified"].astype(bool)].groupby("skill", observed=True).size()
    for skill in ("DDP", "TLSW", "NVR", "BUSS"):
        assert gaps[skill] == figure(f"workforce.gaps.{skill.lower()}")
    assert gaps.get("Theraplay", 0) == 0
    stated = sg[sg["has_trained_staff"].notna()]
    assert stated["raa"].nunique() == figure("workforce.skills.raas_stating_types")
    has = stated[stated["has_trained_staff"].astype(bool)].groupby("skill", observed=True).size()
    for skill in ("DDP", "Theraplay", "TLSW", "BUSS", "NVR"):
        assert has[skill] == figure(f"workforce.raas_with_skill.{skill.lower()}")
    reporting = set(data["workforce"].loc[data["workforce"]["trained_ddp"].notna(), "raa"])
    assert not reporting & set(stated["raa"]), (
        "training types are stated only by RAAs without exact numbers"
    )


# ------------------------------------------------------------------------------------ STEP
def test_step_profile_exact(data: dict[str, pd.DataFrame]) -> None:
    s = data["step"]
    n = figure("step.parents.n")
    assert len(s) == n and (s["region"] == "Eastern").all()
    assert set(s["raa"].astype(str)) <= {
        "Adopt East",
        "Adoption Connects",
        "Cambridgeshire & Peterborough Adoption",
    }
    a, d = s["parent_anxiety"], s["parent_depression"]
    c, dis = s["parent_chronic_illness"], s["parent_disability"]
    none = ~(a | d | c | dis)
    groups = {
        "parent_no_condition": none,
        "parent_anxiety": a & ~d,
        "parent_anxiety_and_depression": a & d,
        "parent_chronic_illness": c,
        "parent_depression": d & ~a,
        "parent_disability": dis,
    }
    for name, mask in groups.items():
        assert round(mask.sum() / n * 100) == figure(f"step.{name}.pct"), name
    assert sum(int(m.sum()) for m in groups.values()) == n, "parent groups are mutually exclusive"
    dx = s[[c for c in s.columns if c.startswith("dx_")]]
    assert dx.any(axis=1).sum() == figure("step.child_any_diagnosis.n")
    for col in (
        "dx_learning_difficulty",
        "dx_autism",
        "dx_attachment_disorder",
        "dx_ptsd",
        "dx_conduct_disorder",
    ):
        assert round(dx[col].sum() / n * 100) == figure(f"step.{col}.pct"), col
    ages = s[["child_age_at_entry_to_care", "child_age_at_placement", "child_age"]]
    assert (ages.diff(axis=1).iloc[:, 1:].fillna(0) >= 0).all().all()


def test_step_ols_reproduces_published_effects(data: dict[str, pd.DataFrame]) -> None:
    reg = load_published("step_regression")
    published = reg[
        reg["value"].notna() & reg["measure"].isin(["coefficient_per_year", "approx_difference"])
    ]
    terms = list(published["term"]) + [
        t for t in PARAMS["step"]["unpublished_effects"] if t not in set(published["term"])
    ]
    cc = data["step"].dropna(subset=[*terms, "tayc_r_total"])
    x = np.column_stack([np.ones(len(cc)), cc[terms].astype(float).to_numpy()])
    beta = np.linalg.lstsq(x, cc["tayc_r_total"].to_numpy(dtype=float), rcond=None)[0]
    coef = dict(zip(terms, beta[1:], strict=True))
    assert round(coef["child_age"], 3) == figure("step.reg.child_age.coef")
    for term, value in zip(published["term"], published["value"], strict=True):
        assert abs(coef[term] - value) < 2e-3, term
    assert data["step"]["tayc_r_total"].isna().any(), "some outcomes are missing (assumed rate)"


# ------------------------------------------------------------------------------ apportion
@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.floats(0.01, 100), min_size=1, max_size=30))
def test_largest_remainder_sums_exactly(total: int, weights: list[float]) -> None:
    out = largest_remainder(total, np.array(weights))
    assert out.sum() == total and (out >= 0).all()
    assert (np.abs(out - total * np.array(weights) / sum(weights)) < 1 + 1e-9).all()


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_controlled_round_keeps_margins(r: int, c: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, 500, r)
    cols = (
        largest_remainder(int(rows.sum()), rng.random(c) + 0.1) if rows.sum() else np.zeros(c, int)
    )
    m = ipf(rng.random((r, c)) + 0.01, rows.astype(float), cols.astype(float))
    out = controlled_round(m, rows, cols)
    assert (out.sum(1) == rows).all() and (out.sum(0) == cols).all() and (out >= 0).all()
