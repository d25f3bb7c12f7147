"""Statistical disclosure control: property tests and crafted tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nps_analysis.disclosure import Disclosure
from nps_analysis.outputs import OutputWriter
from nps_analysis.sdc import (
    SUPPRESSED,
    SDCConfig,
    dof_is_safe,
    magnitude_table,
    make_acro,
    primary_mask,
    protect_counts,
    round_to_base,
)

CONFIG = SDCConfig()


def _grid(values: list[list[int]]) -> pd.DataFrame:
    rows = [
        {"region": f"r{i}", "therapy": f"t{j}", "n": v}
        for i, row in enumerate(values)
        for j, v in enumerate(row)
    ]
    return pd.DataFrame(rows)


def _suppressed(df: pd.DataFrame, column: str = "n") -> pd.Series:
    return df[column].astype(str) == SUPPRESSED


grids = st.integers(min_value=1, max_value=6).flatmap(
    lambda n_cols: st.lists(
        st.lists(st.integers(min_value=0, max_value=60), min_size=n_cols, max_size=n_cols),
        min_size=1,
        max_size=6,
    )
)


@settings(max_examples=150, deadline=None)
@given(grids)
def test_no_released_cell_below_threshold(values):
    table = protect_counts(_grid(values), ["n"], {}, ["region", "therapy"], CONFIG).table
    released = pd.to_numeric(table.loc[~_suppressed(table), "n"])
    assert (released >= CONFIG.threshold).all()


@settings(max_examples=150, deadline=None)
@given(grids)
def test_no_row_or_column_with_exactly_one_suppressed_cell(values):
    table = protect_counts(_grid(values), ["n"], {}, ["region", "therapy"], CONFIG).table
    marked = _suppressed(table)
    for dim in ("region", "therapy"):
        per_group = marked.groupby(table[dim]).agg(["sum", "size"])
        lonely = per_group[(per_group["sum"] == 1) & (per_group["size"] > 1)]
        assert lonely.empty, f"a {dim} group has one suppressed cell: recoverable from its total"


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=50),
    st.sampled_from([3, 5, 10]),
)
def test_rounded_values_are_multiples_of_base_within_half_base(values, base):
    raw = pd.Series(values)
    rounded = round_to_base(raw, base)
    assert (rounded % base == 0).all()
    assert ((rounded - raw).abs() <= base / 2).all()


@given(
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=1, max_value=50),
    st.integers(min_value=1, max_value=30),
)
def test_dof_rule_fails_exactly_when_residual_dof_below_threshold(n, k, threshold):
    config = SDCConfig(safe_dof_threshold=threshold)
    assert dof_is_safe(n, k, config) == (n - k >= threshold)


def test_single_small_cell_and_its_partner_are_suppressed():
    # one row of three cells: 3 is primary; the smallest other (12) goes too (the total is known)
    table = protect_counts(_grid([[3, 12, 40]]), ["n"], {}, ["region", "therapy"], CONFIG)
    assert table.table["n"].tolist() == [SUPPRESSED, SUPPRESSED, 40]
    assert (table.primary, table.secondary) == (1, 1)


def test_recoverable_cell_triggers_secondary_suppression_across_rows_and_columns():
    values = [[5, 20, 30], [25, 40, 50]]
    table = protect_counts(_grid(values), ["n"], {}, ["region", "therapy"], CONFIG).table
    marked = _suppressed(table)
    assert marked.sum() == 4  # 5 (primary), 20 (row), 25 (column), 40 (to protect the new pair)
    assert not marked[table["n"].astype(str) == "50"].any()


def test_zero_is_suppressed_when_zeros_are_disclosive_and_kept_otherwise():
    df = _grid([[0, 50, 60]])
    assert primary_mask(df["n"], SDCConfig()).tolist() == [True, False, False]
    assert primary_mask(df["n"], SDCConfig(zeros_are_disclosive=False)).tolist() == [
        False,
        False,
        False,
    ]


def test_percentages_and_cis_of_unsafe_counts_are_suppressed():
    df = pd.DataFrame(
        {
            "dx": ["a", "b", "c"],
            "count": [4, 50, 60],
            "pct": [3.5, 43.9, 52.6],
            "ci_low": [1.0, 35.0, 43.0],
        }
    )
    out = protect_counts(df, ["count"], {"pct": "count", "ci_low": "count"}, ["dx"], CONFIG).table
    assert out.loc[0, "pct"] == SUPPRESSED and out.loc[0, "ci_low"] == SUPPRESSED
    assert out.loc[2, "pct"] == 52.6  # the largest is not needed for secondary suppression


def test_dominant_contributor_fails_acro_checks():
    rng = np.random.default_rng(0)
    records = pd.DataFrame(
        {
            "provider": ["A"] * 30 + ["B"] * 30,
            "amount": np.r_[rng.uniform(100, 200, 29), 1_000_000, rng.uniform(100, 200, 30)],
        }
    )
    table, check = magnitude_table(records, ["provider"], "amount", CONFIG)
    assert table.loc[table["provider"] == "A", "total"].item() == SUPPRESSED
    assert "NKCheck" in check["reason"] or "PPercentCheck" in check["reason"]
    # the checker's log splits primary from secondary; the public note does not
    assert (check["primary"], check["secondary"]) == (1, 1)
    assert "Check" not in check["public"] and "secondary" not in check["public"]
    # B then stands alone against the known grand total: secondary suppression takes it too
    assert table.loc[table["provider"] == "B", "total"].item() == SUPPRESSED
    # the counts are frequencies of 30 packages each: a dominated total does not hide them
    assert table["n"].tolist() == [30, 30]


def test_make_acro_applies_custom_thresholds():
    session = make_acro(SDCConfig(threshold=7, safe_dof_threshold=15, p_ratio=0.2))
    assert session.config["safe_threshold"] == 7
    assert session.config["safe_dof_threshold"] == 15
    assert session.sdc_checks.risk_appetite["safe_threshold"] == 7
    # and the threshold is used: a cell of 8 records passes at threshold 7 and fails at 10
    records = pd.DataFrame({"g": ["a"] * 8 + ["b"] * 30, "v": np.arange(38.0) + 100})
    passing, _ = magnitude_table(records, ["g"], "v", SDCConfig(threshold=7))
    failing, _ = magnitude_table(records, ["g"], "v", SDCConfig(threshold=10))
    assert passing["n"].tolist() == [8, 30]
    assert failing["n"].tolist() == [SUPPRESSED, SUPPRESSED]


def test_writer_withholds_regression_with_too_few_dof(tmp_path):
    out = OutputWriter(tmp_path, data_kind="microdata")
    coefs = pd.DataFrame({"term": ["Intercept"], "estimate": [1.0]})
    assert out.table(coefs, "coefficients", disclosure=Disclosure(min_dof=5)) is None
    assert not (tmp_path / "tables" / "coefficients.csv").exists()
    log = out.manifest()
    assert log.loc[0, "status"] == "withheld" and "degrees of freedom 5" in log.loc[0, "note"]
    assert out.table(coefs, "coefficients", disclosure=Disclosure(min_dof=10)) is not None


def test_writer_suppresses_counts_and_logs_it(tmp_path):
    out = OutputWriter(tmp_path, data_kind="microdata")
    df = pd.DataFrame(
        {"therapy": ["x", "y", "z"], "packages": [2, 30, 40], "share_pct": [2.8, 41.7, 55.6]}
    )
    path = out.table(
        df,
        "therapy_shares",
        disclosure=Disclosure(counts=["packages"], derived={"share_pct": "packages"}),
    )
    text = path.read_text()
    assert "x,c,c" in text and "y,c,c" in text and "z,40,55.6" in text
    assert out.manifest().loc[0, "status"] == "suppressed"


def test_microdata_table_without_declaration_is_withheld(tmp_path):
    out = OutputWriter(tmp_path, data_kind="microdata")
    assert out.table(pd.DataFrame({"a": [1]}), "mystery") is None
    assert out.manifest().loc[0, "status"] == "withheld"


def test_undeclared_float_column_is_an_error(tmp_path):
    out = OutputWriter(tmp_path, data_kind="synthetic")
    df = pd.DataFrame({"g": ["a"], "n": [20], "mean_cost": [10.5]})
    with pytest.raises(ValueError, match="mean_cost"):
        out.table(df, "costs", disclosure=Disclosure(counts=["n"]))


def test_published_tables_pass_through_unsuppressed(tmp_path):
    out = OutputWriter(tmp_path, data_kind="published")
    out.table(
        pd.DataFrame({"group": ["a"], "count": [3]}),
        "published_counts",
        disclosure=Disclosure(counts=["count"]),
    )
    assert "a,3" in (tmp_path / "tables" / "published_counts.csv").read_text()
    assert out.manifest().loc[0, "status"] == "published"


def test_rounding_mode_rounds_instead_of_suppressing(tmp_path):
    out = OutputWriter(tmp_path, data_kind="microdata", sdc_params={"rounding_base": 5})
    df = pd.DataFrame({"g": ["a", "b"], "n": [3, 27]})
    out.table(df, "rounded", disclosure=Disclosure(counts=["n"]))
    assert (tmp_path / "tables" / "rounded.csv").read_text() == "g,n\na,5\nb,25\n"
    assert out.manifest().loc[0, "status"] == "rounded"


def test_rounding_cannot_be_reversed_from_derived_values(tmp_path):
    """A percentage of the unrounded count (3 of 30 = 10%) would give the 3 back: withheld."""
    out = OutputWriter(tmp_path, data_kind="microdata", sdc_params={"rounding_base": 5})
    df = pd.DataFrame({"g": ["a", "b"], "n": [3, 27], "pct": [10.0, 90.0]})
    out.table(df, "rounded", disclosure=Disclosure(counts=["n"], derived={"pct": "n"}))
    assert (tmp_path / "tables" / "rounded.csv").read_text() == "g,n,pct\na,5,c\nb,25,c\n"


def test_magnitude_counts_are_rounded_too():
    records = pd.DataFrame({"provider": ["A"] * 23 + ["B"] * 31, "amount": [100.0] * 54})
    table, _ = magnitude_table(records, ["provider"], "amount", SDCConfig(rounding_base=5))
    assert table["n"].tolist() == [25, 30] and table["mean"].tolist() == ["c", "c"]


def test_hidden_counts_are_checked_then_dropped(tmp_path):
    out = OutputWriter(tmp_path, data_kind="microdata")
    df = pd.DataFrame(
        {"skill": ["DDP", "NVR", "TLSW"], "trained_fte": [20.5, 3.2, 12.0], "staff": [25, 4, 15]}
    )
    out.table(
        df,
        "coverage",
        disclosure=Disclosure(hidden_counts=["staff"], derived={"trained_fte": "staff"}),
    )
    assert (
        tmp_path / "tables" / "coverage.csv"
    ).read_text() == "skill,trained_fte\nDDP,20.5\nNVR,c\nTLSW,c\n"
    assert out.manifest().loc[0, "status"] == "suppressed"


def test_explicit_dims_limit_secondary_suppression(tmp_path):
    # rows are independent tests (no margin): dims=[] declares "no totals", so only the primary
    # cell goes; inferred dims treat the table as one margin group and take a partner cell too
    out = OutputWriter(tmp_path, data_kind="synthetic")
    df = pd.DataFrame({"factor": ["a", "b", "c"], "n_min_group": [4, 40, 50]})
    out.table(df, "inferred", disclosure=Disclosure(counts=["n_min_group"]))
    assert out.released("inferred")["n_min_group"].tolist() == [SUPPRESSED, SUPPRESSED, 50]
    out.table(df, "screening", disclosure=Disclosure(counts=["n_min_group"], dims=[]))
    assert out.released("screening")["n_min_group"].tolist() == [SUPPRESSED, 40, 50]


def test_floats_beside_markers_keep_the_stable_format(tmp_path):
    out = OutputWriter(tmp_path, data_kind="microdata")
    df = pd.DataFrame(
        {"g": ["a", "b", "c"], "n": [3, 30, 40], "pct": [4.0, 41.0 + 1 / 3, 54.66666666666]}
    )
    out.table(df, "pcts", disclosure=Disclosure(counts=["n"], derived={"pct": "n"}))
    assert "c,40,54.66666667" in (tmp_path / "tables" / "pcts.csv").read_text()


def test_unsuppressed_view_needs_the_secure_switch_and_never_runs_in_the_pipeline(
    tmp_path, monkeypatch
):
    out = OutputWriter(tmp_path, data_kind="microdata")
    df = pd.DataFrame({"g": ["a", "b", "c"], "n": [3, 30, 40]})
    out.table(df, "counts", disclosure=Disclosure(counts=["n"]))
    monkeypatch.delenv("NPS_SECURE_ENVIRONMENT", raising=False)
    monkeypatch.delenv("NPS_PIPELINE_RUN", raising=False)
    with pytest.raises(PermissionError, match="secure environment"):
        out.unsuppressed("counts")
    monkeypatch.setenv("NPS_SECURE_ENVIRONMENT", "1")
    assert out.unsuppressed("counts")["n"].tolist() == [3, 30, 40]
    assert "3" not in (tmp_path / "tables" / "counts.csv").read_text().split("\n")[1]
    monkeypatch.setenv("NPS_PIPELINE_RUN", "1")
    with pytest.raises(PermissionError, match="pipeline"):
        out.unsuppressed("counts")


def test_magnitude_table_is_quiet(caplog):
    """ACRO's pandas warning (it names the absolute path of the installed package) and its
    progress notes must not reach the reports."""
    import logging
    import warnings

    rng = np.random.default_rng(1)
    records = pd.DataFrame(
        {
            "year": ["2022/23"] * 30 + ["2023/24"] * 30,
            "amount": np.r_[rng.uniform(100, 200, 29), 1_000_000, rng.uniform(100, 200, 30)],
        }
    )
    caplog.set_level(logging.INFO)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table, _ = magnitude_table(records, ["year"], "amount", CONFIG)
    assert (table["total"] == SUPPRESSED).all()
    assert not [r for r in caplog.records if r.name.startswith("acro")]


def test_nullable_counts_with_missing_values_are_protected(tmp_path):
    """Open-case counts come as nullable integers with gaps: no dtype error, gaps stay blank."""
    out = OutputWriter(tmp_path, data_kind="microdata")
    df = pd.DataFrame(
        {
            "group": ["a", "b", "c"],
            "n": pd.array([3, 40, pd.NA], dtype="Int64"),
            "pct": [7.0, 93.0, float("nan")],
        }
    )
    out.table(df, "gaps", disclosure=Disclosure(counts=["n"], derived={"pct": "n"}, dims=()))
    assert out.released("gaps")["n"].tolist()[:2] == ["c", 40]
    assert out.released("gaps")["pct"].tolist()[:2] == ["c", 93.0]


def test_dominance_flags_mark_groups_a_few_records_dominate() -> None:
    """Hand-worked: in A one package of £50,000 beside eleven of £100 is 97.8% of the total
    (n-k: the largest 2 exceed 90%); B's twelve equal amounts pass both rules."""
    from nps_analysis.sdc import dominance_flags

    records = pd.DataFrame(
        {"g": ["A"] * 12 + ["B"] * 12, "v": [50_000.0] + [100.0] * 11 + [400.0] * 12}
    )
    flags = dominance_flags(records, ["g"], "v", SDCConfig(nk_n=2, nk_k=0.9, p_ratio=0.1))
    assert flags.to_dict() == {"A": True, "B": False}


def test_a_dominated_amount_is_suppressed_whatever_its_count(tmp_path) -> None:
    """`Disclosure.magnitudes`: A's 12 packages pass the threshold, but its mean and total would
    give the dominant package's amount, so they are `c`; B's are released; the flag is never
    written."""
    table = pd.DataFrame(
        {
            "g": ["A", "B"],
            "n": [12, 12],
            "total": [51_100.0, 4_800.0],
            "mean": [51_100 / 12, 400.0],
            "dominated": [True, False],
        }
    )
    declaration = Disclosure(
        counts=["n"],
        derived={"total": "n", "mean": "n"},
        magnitudes={"total": "dominated", "mean": "dominated"},
        dims=(),
    )
    out = OutputWriter(tmp_path, data_kind="synthetic")
    out.table(table, "spend", disclosure=declaration)
    written = pd.read_csv(tmp_path / "tables" / "spend.csv", dtype=str)
    assert list(written.columns) == ["g", "n", "total", "mean"]
    assert written.loc[0, ["n", "total", "mean"]].tolist() == ["12", "c", "c"]
    assert written.loc[1, ["total", "mean"]].tolist() == ["4800", "400"]
    out.write_manifest()
    manifest = pd.read_csv(tmp_path / "manifest.csv", keep_default_na=False)
    assert "dominate" in manifest.loc[manifest["output"] == "tables/spend.csv", "note"].iloc[0]
    with pytest.raises(ValueError, match="must also be derived"):
        Disclosure(counts=["n"], magnitudes={"total": "dominated"})
