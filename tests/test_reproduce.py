"""The parallel stage scheduler behind `nps run` (the DVC calls are replaced by a fake stage runner;
tests/pipeline/test_pipeline.py runs the real thing)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from nps_analysis import reproduce
from nps_analysis.reproduce import Plan, StageRun, run_plan

# synth -> process -> (step, asgsf, regional@a, regional@b) -> national -> index
UPSTREAM = {
    "synth": set(),
    "public": set(),
    "process": {"synth"},
    "step": {"process"},
    "asgsf": {"process"},
    "regional@a": {"process", "public"},
    "regional@b": {"process", "public"},
    "national": {"regional@a", "regional@b"},
    "index": {"national", "step", "asgsf"},
}
PLAN = Plan(tuple(UPSTREAM), {k: frozenset(v) for k, v in UPSTREAM.items()})


class FakeStages:
    """Records start/end order and concurrency; stages named in `failing` exit 1."""

    def __init__(self, failing: frozenset[str] = frozenset(), seconds: float = 0.02):
        self.failing, self.seconds = failing, seconds
        self.lock = threading.Lock()
        self.events: list[tuple[str, str]] = []
        self.running = 0
        self.most_at_once = 0

    def __call__(self, stage: str, root: Path, env: dict[str, str]) -> StageRun:
        with self.lock:
            self.events.append(("start", stage))
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
            self.events.append(("end", stage))
        code = 1 if stage in self.failing else 0
        return StageRun(stage, code, self.seconds, f"Running stage '{stage}':\n")


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_every_stage_starts_only_after_its_upstream_ended(monkeypatch, jobs):
    fake = FakeStages()
    monkeypatch.setattr(reproduce, "_run_stage", fake)
    runs = run_plan(PLAN, jobs=jobs)
    assert sorted(r.stage for r in runs) == sorted(UPSTREAM)
    position = {event: i for i, event in enumerate(fake.events)}
    for stage, upstream in UPSTREAM.items():
        for before in upstream:
            assert position[("end", before)] < position[("start", stage)], (before, stage)
    assert fake.most_at_once <= jobs


def test_independent_stages_do_run_side_by_side(monkeypatch):
    fake = FakeStages(seconds=0.1)
    monkeypatch.setattr(reproduce, "_run_stage", fake)
    run_plan(PLAN, jobs=2)
    assert fake.most_at_once == 2


def test_a_failure_stops_its_dependants_and_new_starts(monkeypatch):
    fake = FakeStages(failing=frozenset({"regional@a"}))
    monkeypatch.setattr(reproduce, "_run_stage", fake)
    runs = run_plan(PLAN, jobs=1)
    finished = [r.stage for r in runs]
    assert "regional@a" in finished
    assert "national" not in finished and "index" not in finished
    assert [r.returncode for r in runs if r.stage == "regional@a"] == [1]


def test_single_thread_variables_set_only_for_parallel_runs(monkeypatch):
    seen: dict[int, dict[str, str]] = {}

    def record(stage: str, root: Path, env: dict[str, str]) -> StageRun:
        seen[len(seen)] = env
        return StageRun(stage, 0, 0.0, "")

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(reproduce, "_run_stage", record)
    one = Plan(("synth",), {"synth": frozenset()})
    run_plan(one, jobs=1)
    run_plan(one, jobs=2)
    assert "OMP_NUM_THREADS" not in seen[0]
    assert seen[1]["OMP_NUM_THREADS"] == "1"


def test_stage_run_knows_what_dvc_did():
    def state(code: int, output: str) -> str:
        return StageRun("synth", code, 1.0, output).state

    assert state(0, "Running stage 'synth':\n> nps synth\n") == "ran"
    assert state(0, "Stage 'synth' didn't change, skipping\n") == "up to date"
    cached = "Stage 'synth' is cached - skipping run, checking out outputs\n"
    assert state(0, cached) == "restored from run cache"
    assert not StageRun("synth", 0, 1.0, cached).ran
    assert state(1, "Running stage 'synth':\nERROR: failed to reproduce 'synth'\n") == "failed"


def test_stage_log_drops_dvcs_per_stage_reminders():
    output = (
        "Running stage 'synth':\n> nps synth\n  wrote step.csv\nUpdating lock file 'dvc.lock'\n\n"
        "To track the changes with git, run:\n\n\tgit add dvc.lock\n"
        "Use `dvc push` to send your updates to remote storage.\n"
    )
    log = StageRun("synth", 0, 1.0, output).log
    assert log == "Running stage 'synth':\n> nps synth\n  wrote step.csv"
