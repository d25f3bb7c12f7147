"""`load_processed`: the one reader of the processed Parquet files (data sets and public tables)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.datasets import processed
from nps_analysis.datasets.loading import load_dataset
from nps_analysis.datasets.processed import PUBLIC_PROCESSED_DIR, load_data_file, load_processed
from nps_analysis.datasets.spec import DATASET_NAMES, get_spec, get_vocabulary
from nps_analysis.errors import InputDataError
from nps_analysis.paths import PROCESSED_DIR

needs_processed = pytest.mark.skipif(
    not all((PROCESSED_DIR / f"{n}.parquet").is_file() for n in DATASET_NAMES),
    reason="data/processed not built (make data)",
)


@needs_processed
@pytest.mark.parametrize("name", DATASET_NAMES)
def test_record_level_frame_is_what_the_engine_gives(name: str) -> None:
    """Read once, the file equals the engine's validation of the same file (the former path):
    values, dtypes, column order, categories and their order."""
    path = PROCESSED_DIR / f"{name}.parquet"
    pd.testing.assert_frame_equal(load_processed(name), load_dataset(name, path), check_exact=True)


@needs_processed
@pytest.mark.parametrize("name", DATASET_NAMES)
def test_categories_keep_the_vocabulary_order(name: str) -> None:
    frame = load_processed(name)
    for col in get_spec(name).columns:
        if col.name in frame and col.vocab_name:
            want = list(get_vocabulary(col.vocab_name).values)
            want += [col.blank_label] if col.blank_label else []
            assert list(frame[col.name].cat.categories) == want, col.name


@pytest.mark.skipif(not PUBLIC_PROCESSED_DIR.is_dir(), reason="public tables not built")
def test_public_tables_are_returned_as_written() -> None:
    paths = sorted(PUBLIC_PROCESSED_DIR.glob("*.parquet"))
    assert paths
    for path in paths:
        pd.testing.assert_frame_equal(load_processed(path.stem), pd.read_parquet(path))


@pytest.mark.parametrize(("name", "command"), [("step", "nps process"), ("x", "nps public-data")])
def test_a_missing_file_names_the_command_that_builds_it(
    tmp_path: Path, name: str, command: str
) -> None:
    with pytest.raises(InputDataError) as caught:
        load_processed(name, tmp_path)
    (problem,) = caught.value.problems
    assert problem.rule == "processed_file_missing"
    assert problem.file.endswith(f"{name}.parquet")
    assert f"`{command}`" in problem.fix


@pytest.fixture
def step_frame() -> pd.DataFrame:
    if (PROCESSED_DIR / "step.parquet").is_file():
        return load_processed("step").head(20)
    pytest.skip("data/processed not built (make data)")


@pytest.mark.parametrize(
    ("change", "rule", "column"),
    [
        (lambda f: f.assign(region=f["region"].astype("string")), "processed_dtype", "region"),
        (
            lambda f: f.assign(raa=f["raa"].cat.reorder_categories(f["raa"].cat.categories[::-1])),
            "processed_dtype",
            "raa",
        ),
        (
            lambda f: f.assign(child_age=f["child_age"].astype("Int64")),
            "processed_dtype",
            "child_age",
        ),
        (lambda f: f.drop(columns="family_id"), "processed_column_missing", "family_id"),
        (lambda f: f.assign(extra=1), "processed_column_extra", "extra"),
        (lambda f: f[list(f.columns[::-1])], "processed_column_order", None),
    ],
)
def test_a_file_unlike_the_spec_asks_for_nps_process(
    tmp_path: Path, step_frame: pd.DataFrame, change, rule: str, column: str | None
) -> None:
    change(step_frame).to_parquet(tmp_path / "step.parquet", index=False)
    with pytest.raises(InputDataError) as caught:
        load_processed("step", tmp_path)
    problems = caught.value.problems
    assert [p.rule for p in problems] == [rule]
    if column is not None:
        assert problems[0].column == column
    assert problems[0].file.endswith("step.parquet")
    assert "rerun `nps process`" in problems[0].fix


@needs_processed
def test_the_processed_step_file_is_not_validated_again(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the engine re-read a processed file")

    monkeypatch.setattr(processed, "load_dataset", refuse)
    assert len(load_data_file("step", "data/processed/step.parquet")) > 0


def test_any_other_file_is_validated_by_the_engine(tmp_path: Path) -> None:
    """An analyst's own file (here a Parquet copy with a bad value) still meets every rule."""
    if not (PROCESSED_DIR / "step.parquet").is_file():
        pytest.skip("data/processed not built (make data)")
    frame = pd.read_parquet(PROCESSED_DIR / "step.parquet")
    frame.loc[0, "child_age"] = -5.0
    frame.to_parquet(tmp_path / "step.parquet", index=False)
    with pytest.raises(InputDataError) as caught:
        load_data_file("step", tmp_path / "step.parquet")
    assert any(p.column == "child_age" and p.row == 2 for p in caught.value.problems)
