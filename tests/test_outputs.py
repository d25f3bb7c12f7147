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


def _plot(tmp_path, sub, kind, packages=(527, 943)):
    fig, ax = new_figure()
    ax.bar(["2018/19", "2019/20"], list(packages))
    ax.set_title("ASGSF funded packages by year")
    ax.set_ylabel("Packages")
    return OutputWriter(tmp_path / sub, data_kind=kind).figure(fig, "bars")


@pytest.fixture
def shown(monkeypatch):
    """What `OutputWriter.figure` displays in a notebook, captured."""
    from nps_analysis import outputs

    captured: list[tuple[str, str]] = []
    monkeypatch.setattr(
        outputs, "_show_in_notebook", lambda markup, name, *a: captured.append((name, markup))
    )
    return captured


def test_figures_are_svg_and_byte_identical_on_rerun(tmp_path):
    first, second = _plot(tmp_path, "one", "published"), _plot(tmp_path, "two", "published")
    assert first.name == "bars.svg" and first.read_bytes().startswith(b"<?xml")
    assert _sha(first) == _sha(second)
    assert not (tmp_path / "one" / "figures" / "bars.png").exists()


def test_synthetic_figures_are_labelled(tmp_path):
    synthetic = _plot(tmp_path, "syn", "synthetic").read_text()
    assert "SYNTHETIC DATA" in synthetic
    assert "SYNTHETIC DATA" not in _plot(tmp_path, "pub", "published").read_text()


def test_figure_is_shown_once_with_alt_text_from_its_data_and_a_data_link(tmp_path, shown):
    out = OutputWriter(tmp_path / "regions" / "eastern", data_kind="synthetic")
    out.table(pd.DataFrame({"year": ["2023", "2024"], "packages": [527, 943]}), "packages_by_year")
    fig, ax = new_figure()
    ax.bar(["2023", "2024"], [527, 943])
    ax.set_title("ASGSF funded packages by year, Eastern")
    path = out.figure(fig, "packages_by_year", source_tables=["packages_by_year"])
    assert [name for name, _ in shown] == ["packages_by_year"]
    markup = shown[0][1]
    assert markup.count("<img ") == 1 and "527 at 2023 to 943 at 2024" in markup
    assert 'href="../regions/eastern/tables/packages_by_year.csv">Download the data' in markup
    assert "No description" not in markup
    assert out.manifest()["output"].tolist()[-1] == "figures/packages_by_year.svg"
    assert path == tmp_path / "regions" / "eastern" / "figures" / "packages_by_year.svg"


def test_alt_text_changes_with_the_data(tmp_path, shown):
    _plot(tmp_path, "a", "published")
    _plot(tmp_path, "b", "published", packages=(527, 1001))
    assert "943" in shown[0][1] and "1,001" in shown[1][1] and "943" not in shown[1][1]


@pytest.mark.parametrize("chart", ["heatmap", "scatter", "untitled"])
def test_figure_without_a_description_from_its_data_is_an_error(tmp_path, chart, shown):
    from nps_analysis.plotting import ChartError

    fig, ax = new_figure()
    if chart == "heatmap":
        ax.imshow(np.arange(4.0).reshape(2, 2))
        ax.set_title("Colour-coded grid")
    elif chart == "scatter":
        ax.scatter([1, 2, 3], [3, 1, 2])
        ax.set_title("Points")
    else:
        ax.bar(["a", "b"], [1, 2])
    out = OutputWriter(tmp_path, data_kind="published")
    with pytest.raises(ChartError):
        out.figure(fig, "undescribed")
    assert not (tmp_path / "figures").exists() and shown == [] and out.manifest().empty


def test_unknown_source_table_is_an_error_for_every_data_kind(tmp_path):
    fig, ax = new_figure()
    ax.bar(["a", "b"], [1, 2])
    ax.set_title("Packages")
    with pytest.raises(OutputError, match="not written by this writer"):
        OutputWriter(tmp_path, data_kind="public").figure(fig, "x", source_tables=["nowhere"])


@pytest.mark.parametrize(
    ("kind", "declaration", "status"),
    [
        ("microdata", {"shows_records": True}, "withheld"),
        ("microdata", {}, "withheld"),
        ("synthetic", {"shows_records": True}, "safe"),
        ("synthetic", {}, "unchecked"),
    ],
)
def test_record_level_figures_keep_their_release_rules(tmp_path, shown, kind, declaration, status):
    from nps_analysis.plotting import describe

    fig, ax = new_figure()
    ax.scatter([1, 2, 3], [3, 1, 2])
    describe(fig, title="Residuals", subtitle="s", alt="3 residuals from -1 to 1", caption="c")
    out = OutputWriter(tmp_path, data_kind=kind)
    path = out.figure(fig, "residuals", **declaration)
    row = out.manifest().iloc[-1]
    assert (row["output"], row["status"]) == ("figures/residuals.svg", status)
    assert (path is None) == (status == "withheld")
    assert (tmp_path / "figures" / "residuals.svg").exists() == (status != "withheld")
    if status == "withheld":  # the notebook says so, and shows no chart
        assert "withheld by disclosure control" in shown[0][1] and "<img" not in shown[0][1]


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
