"""Smoke test of the benchmark harness (benchmarks/): the scale benchmark at its smallest sizes.

Keeps `make bench` from rotting silently; the real benchmarks run with `make bench`, not pytest.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.common import RESULT_COLUMNS  # noqa: E402
from benchmarks.pipeline import stage_commands  # noqa: E402
from benchmarks.report import TARGET_COLUMNS, write_all  # noqa: E402
from benchmarks.scale import growth_exponent, run_scale  # noqa: E402


def test_growth_exponent_recovers_a_power_law() -> None:
    assert growth_exponent([10, 100, 1000], [0.2, 2.0, 20.0]) == pytest.approx(1.0)
    assert growth_exponent([10], [1.0]) != growth_exponent([10], [1.0])  # NaN


@pytest.mark.skipif(
    not (REPO / "data" / "synthetic" / "asgsf_packages.csv").is_file()
    or not (REPO / "data" / "processed" / "workforce.parquet").is_file(),
    reason="needs the default data: nps synth && nps process",
)
def test_scale_smallest_size_writes_the_tidy_csv(tmp_path: Path) -> None:
    rows = run_scale(1, max_rows=1, log=lambda _: None)  # the smallest size of each analysis
    df, tg = write_all(rows, tmp_path)
    written = pd.read_csv(tmp_path / "results.csv")
    assert tuple(written.columns) == RESULT_COLUMNS
    assert set(written["case"]) >= {"asgsf_total", "step_fit", "workforce_total"}
    assert (written["median_s"] > 0).all() and (written["peak_mb"] > 0).all()
    assert (written["n_repeats"] == 1).all()
    assert tuple(tg.columns) == TARGET_COLUMNS
    assert (tmp_path / "results.png").stat().st_size > 0


def test_naive_baseline_runs_every_stage_command_resolved() -> None:
    """The naive run makes the same release: every dvc.yaml stage, parameters filled in."""
    import yaml

    commands = stage_commands(REPO)
    stages = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    regions = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["regions"]
    assert len(commands) == len(stages) - 1 + len(regions)  # `regional` once per region
    assert [name for name, _ in commands][-2:] == ["disclosure_audit", "index"]
    assert not [cmd for _, cmd in commands if "${" in cmd]
    protected = [cmd for name, cmd in commands if name.startswith("regional@")]
    assert all("--protect-with" in cmd for cmd in protected)
