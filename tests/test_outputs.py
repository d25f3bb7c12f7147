"""The single output helper: names, determinism, atomic writes, labelling."""

from __future__ import annotations

import hashlib

import matplotlib
import numpy as np
import pandas as pd
import pytest

from nps_analysis.outputs import DataKind, OutputError, OutputWriter, to_csv_text
from nps_analysis.plotting import new_figure

matplotlib.use("Agg")


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _example() -> pd.DataFrame:
    return pd.DataFrame({"therapy": ["a", "b"], "packages": [10, 20], "share": [1 / 3, 2 / 3]})


def test_table_is_tidy_lf_csv_with_stable_floats(tmp_path):
    out = OutputWriter(tmp_path, data_kind="published")
    path = out.table(_example(), "shares")
    assert path == tmp_path / "tables" / "shares.csv"
    raw = path.read_bytes()
    assert b"\r\n" not in raw
    assert raw.decode() == "therapy,packages,share\na,10,0.3333333333\nb,20,0.6666666667\n"


def test_table_bytes_identical_on_rerun(tmp_path):
    first = OutputWriter(tmp_path / "one").table(_example(), "t")
    second = OutputWriter(tmp_path / "two").table(_example(), "t")
    assert first.read_bytes() == second.read_bytes()


def test_missing_values_written_as_empty_not_zero():
    text = to_csv_text(pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "x": [np.nan, 2.5]}))
    assert text == "n,x\n1,\n,2.5\n"


@pytest.mark.parametrize("bad", ["Annual Totals", "totals.csv", "../escape", ""])
def test_bad_output_names_rejected(tmp_path, bad):
    with pytest.raises(OutputError, match="not allowed"):
        OutputWriter(tmp_path).table(_example(), bad)
    assert not (tmp_path / "tables").exists()


def test_duplicated_columns_rejected(tmp_path):
    df = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(OutputError, match="duplicated column"):
        OutputWriter(tmp_path).table(df, "dup")


def test_no_temporary_files_left_behind(tmp_path):
    OutputWriter(tmp_path).table(_example(), "t")
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == ["t.csv"]


def _plot(tmp_path, sub, kind):
    fig, ax = new_figure()
    ax.bar(["a", "b"], [1, 2])
    ax.set_title("Packages")
    return OutputWriter(tmp_path / sub, data_kind=kind).figure(fig, "bars")


def test_figures_byte_identical_on_rerun(tmp_path):
    assert _sha(_plot(tmp_path, "one", "published")) == _sha(_plot(tmp_path, "two", "published"))


def test_synthetic_figures_are_labelled(tmp_path):
    assert _sha(_plot(tmp_path, "pub", "published")) != _sha(_plot(tmp_path, "syn", "synthetic"))


def test_manifest_lists_every_output(tmp_path):
    out = OutputWriter(tmp_path, data_kind="synthetic")
    out.table(_example(), "t1")
    out.table(_example(), "t1")  # rewriting replaces, does not duplicate
    out.table(_example(), "t2", data_kind="published")
    manifest = pd.read_csv(out.write_manifest())
    assert manifest["output"].tolist() == ["tables/t1.csv", "tables/t2.csv"]
    assert manifest["data_kind"].tolist() == ["synthetic", "published"]


def test_repr_has_no_absolute_path(tmp_path):
    assert str(tmp_path) not in repr(OutputWriter(tmp_path))


def test_data_kind_banner_says_synthetic():
    assert "SYNTHETIC" in DataKind.SYNTHETIC.banner
    assert DataKind.SYNTHETIC.is_record_level and not DataKind.PUBLISHED.is_record_level
