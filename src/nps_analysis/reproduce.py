"""Run the DVC pipeline with independent stages in parallel (`nps run`, `make reproduce`).

`dvc repro` runs stages one at a time. The eight regional stages (and the topic notebooks) do not
depend on each other, so on a machine with several cores they can run side by side. DVC documents
this itself ("parallel stage execution": separate `dvc repro` processes for independent stages,
each releasing the repository lock while its command runs); this module is only the scheduler:

1. ask DVC which stages are out of date (`Repo.status`) and take them plus every stage downstream
   of them (their inputs may change when the upstream stage reruns);
2. start `dvc --wait-for-lock repro --single-item STAGE` for each, at most `jobs` at a time, a
   stage only once every stage it depends on has finished;
3. stop at the first failure (stages already running finish), print each stage's own output as one
   block when it ends, and exit non-zero if anything failed.

DVC still decides whether each stage really reruns, hashes its outputs, caches them and writes
`dvc.lock`, so afterwards `dvc repro` and `dvc status` agree that everything is up to date.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from nps_analysis.paths import PROJECT_ROOT

# Each stage is already one process; numerical libraries' own thread pools would only compete
# with the other stages for the same cores. Users' own settings win (setdefault).
_SINGLE_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# What `dvc repro` prints after every stage; `nps run` says it once at the end instead.
_DVC_GIT_HINT = "To track the changes with git, run:"
_DVC_LOCK_NOTES = ("Generating lock file", "Updating lock file", "Use `dvc push`")


def default_jobs() -> int:
    """Stages to run at once: the number of CPU cores, at most 4 (each stage holds a kernel)."""
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass(frozen=True)
class Plan:
    """Stages to run in priority order, each with the stages (inside the plan) it must wait for."""

    order: tuple[str, ...]
    upstream: dict[str, frozenset[str]]


@dataclass
class StageRun:
    """What happened to one stage."""

    stage: str
    returncode: int
    seconds: float
    output: str

    @property
    def log(self) -> str:
        """The stage's own output, without DVC's per-run reminders (`git add dvc.lock`, ...)."""
        text = self.output.split(_DVC_GIT_HINT, 1)[0]
        lines = [line for line in text.splitlines() if not line.startswith(_DVC_LOCK_NOTES)]
        return "\n".join(lines).strip()

    @property
    def ran(self) -> bool:
        """True when DVC ran the stage's command (False: up to date, or restored from its cache)."""
        return f"Running stage '{self.stage}'" in self.output

    @property
    def state(self) -> str:
        """What DVC did: `failed`, `ran`, `restored from run cache` or `up to date`."""
        if self.returncode:
            return "failed"
        if self.ran:
            return "ran"
        if f"Stage '{self.stage}' is cached" in self.output:
            return "restored from run cache"  # same inputs as an earlier run: outputs checked out
        return "up to date"


def plan_stages(root: Path = PROJECT_ROOT, targets: Iterable[str] = ()) -> Plan:
    """Out-of-date stages (for `targets` and their upstream, or the whole pipeline) plus everything
    downstream of them; upstream stages first, the longest chains of waiting stages first."""
    import networkx as nx
    from dvc.repo import Repo

    targets = list(targets)
    # DVC names stages and reads targets relative to the current directory: use the root's.
    with contextlib.chdir(root), Repo(str(root)) as repo:
        graph = repo.index.graph  # edges run from a stage to the stages it depends on
        if targets:
            wanted = {s for t in targets for s in repo.stage.collect(t, with_deps=True)}
            graph = graph.subgraph(wanted)
        stale = set(repo.status(targets=targets or None, with_deps=bool(targets)))
        chosen = {s for s in graph if s.addressing in stale}
        for stage in list(chosen):
            chosen |= nx.ancestors(graph, stage)  # ancestors = stages that depend on this one
        order = [s for s in nx.dfs_postorder_nodes(graph) if s in chosen]
        # Longest chain of stages waiting on each one: start those first (synth before the audit).
        chain: dict[object, int] = {}
        for s in reversed(order):
            chain[s] = 1 + max((chain[d] for d in graph.predecessors(s) if d in chosen), default=0)
        order.sort(key=lambda s: -chain[s])  # stable; still upstream-first
        upstream = {
            s.addressing: frozenset(u.addressing for u in graph.successors(s) if u in chosen)
            for s in order
        }
    return Plan(tuple(s.addressing for s in order), upstream)


def _stage_command(stage: str) -> list[str]:
    return [sys.executable, "-m", "dvc", "--wait-for-lock", "repro", "--single-item", stage]


def _run_stage(stage: str, root: Path, env: dict[str, str]) -> StageRun:
    start = time.perf_counter()
    done = subprocess.run(
        _stage_command(stage),
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        check=False,
    )
    return StageRun(stage, done.returncode, time.perf_counter() - start, done.stdout)


def run_plan(
    plan: Plan,
    *,
    jobs: int = 1,
    root: Path = PROJECT_ROOT,
    report: Callable[[StageRun], None] = lambda run: None,
) -> list[StageRun]:
    """Run the plan's stages, at most `jobs` at a time, each once its upstream stages succeeded.

    After a failure no new stage starts; the ones running finish. Returns every finished run.
    """
    env = dict(os.environ)
    if jobs > 1:
        for name in _SINGLE_THREAD_VARIABLES:
            env.setdefault(name, "1")
    waiting = list(plan.order)
    succeeded: set[str] = set()
    finished: list[StageRun] = []
    failed = False
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        running: dict[Future[StageRun], str] = {}
        while waiting or running:
            ready = [s for s in waiting if plan.upstream[s] <= succeeded]
            while not failed and ready and len(running) < jobs:
                stage = ready.pop(0)
                waiting.remove(stage)
                running[pool.submit(_run_stage, stage, root, env)] = stage
            if not running:
                break  # a failure left the rest waiting for stages that will not run
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: plan.order.index(running[f])):
                del running[future]
                result = future.result()
                finished.append(result)
                report(result)
                if result.returncode == 0:
                    succeeded.add(result.stage)
                else:
                    failed = True
    return finished
