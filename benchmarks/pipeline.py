"""Pipeline benchmarks (in throwaway copies): full runs vs a naive nbconvert run, no-op, one region.

Full runs alternate (paired): serial `dvc repro`, `nps run` (what `make reproduce` runs: DVC
stages, independent ones in parallel), the naive baseline and the unprotected nbconvert run; the
last two have their own copy so that they never touch the files DVC tracks.

The naive baseline makes the same release the naive way: every stage's command, in dvc.yaml
order, one after another in one shell, as a `run_all.sh` would (no DVC, no caching, no
parallelism). Since issue #16 the notebooks alone do not make the release: `nps execute` runs each
notebook, plans the extra suppression its tables need against the analyses before it, runs it
again with that plan and renders its reports; the release-wide audit follows. A bare
`jupyter nbconvert --execute` of every notebook (issue #11's first baseline) skips all of that and
publishes nothing protected; it is still timed (`nbconvert_unprotected`) to show what disclosure
control costs, but it is not the same work, so the speed-up target is measured against the naive
run of the same commands.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from benchmarks.common import Row, bench_env, clean_pipeline_state, run_timed

REGION_MARKER = "south-west: {name: South West, shortlist_size: "
DATA_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("nps", "synth", "--out", "data/synthetic"),
    ("nps", "process", "--in-dir", "data/synthetic", "--out-dir", "data/processed"),
    ("nps", "public-data", "--out-dir", "data/processed/public"),
)
"""The non-notebook stages, run the same way by the naive baseline so both do the same work."""


def notebook_runs(root: Path) -> list[str]:
    """Notebook paths in dvc.yaml stage order, once per run (a `foreach` stage once per item)."""
    dvc = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    runs: list[str] = []
    for stage in dvc.values():
        cmd = stage["do"]["cmd"] if "foreach" in stage else stage["cmd"]
        match = re.search(r"nps execute (\S+\.ipynb)", cmd)
        if not match:
            continue
        items = stage.get("foreach", [None])
        if isinstance(items, str):  # ${name} -> the params.yaml mapping or list it names
            items = params[items.strip("${}")]
        runs += [match[1]] * len(items)
    return runs


def region_and_dependants(root: Path, key: str = "south-west") -> set[str]:
    """The region's own stage plus every stage that declares one of its outputs as a dependency."""
    dvc = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    own = {f"regional@{key}"}
    for name, stage in dvc.items():
        deps = [d if isinstance(d, str) else next(iter(d)) for d in stage.get("deps", [])]
        if any(f"/regions/{key}" in d or f"_{key}." in d for d in deps):
            own.add(name)
    return own


def stages_run(dvc_stdout: str) -> list[str]:
    """Names of the stages `dvc repro` says it ran."""
    return re.findall(r"Running stage '([^']+)'", dvc_stdout)


SERIAL = ("dvc", "repro")
PARALLEL = ("nps", "run")
"""The two ways to run the pipeline: DVC one stage at a time, and `make reproduce`'s parallel run."""


def repro(root: Path, cmd: tuple[str, ...]) -> tuple[float, list[str]]:
    """Run the pipeline with `cmd`; seconds and the stages DVC ran (it logs each one)."""
    out = run_timed(cmd, root, bench_env(root))
    return out.seconds, stages_run(out.stdout + out.stderr)


def full_repro(root: Path, cmd: tuple[str, ...] = SERIAL) -> tuple[float, list[str]]:
    """The whole pipeline from nothing: no outputs, no cache, no dvc.lock."""
    clean_pipeline_state(root)
    return repro(root, cmd)


def stage_commands(root: Path) -> list[tuple[str, str]]:
    """(stage, command) of every stage in dvc.yaml order, parameters filled in by DVC."""
    from dvc.repo import Repo  # only the benchmark needs DVC's API

    with Repo(str(root)) as repo:
        return [(stage.addressing, stage.cmd) for stage in repo.index.stages]


def naive_run(root: Path) -> tuple[float, list[str]]:
    """The same release the naive way: every stage's command, one after another, no DVC.

    Returns seconds and the stages whose command failed (the run goes on, as a script would).
    """
    clean_pipeline_state(root)
    env = bench_env(root)
    seconds = 0.0
    failed: list[str] = []
    for stage, cmd in stage_commands(root):
        run = run_timed(tuple(shlex.split(cmd)), root, env, check=False)
        seconds += run.seconds
        if run.returncode != 0:
            failed.append(stage)
    return seconds, failed


def nbconvert_run(root: Path) -> tuple[float, list[str]]:
    """Unprotected: data commands, then `jupyter nbconvert --to notebook --execute` per notebook.

    Notebooks run in dvc.yaml order; nbconvert cannot pass parameters, so a `foreach` notebook
    (regional) runs once per item with its defaults. No protection plan, no second run, no HTML,
    no audit. Returns seconds and the notebooks that failed.
    """
    clean_pipeline_state(root)
    env = bench_env(root)
    executed = root / "outputs" / "naive"
    seconds = sum(run_timed(cmd, root, env).seconds for cmd in DATA_COMMANDS)
    failed: list[str] = []
    for i, path in enumerate(notebook_runs(root)):
        name = Path(path).stem
        cmd = [
            "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            path,
            "--output-dir",
            str(executed),
            "--output",
            f"{i:02d}_{name}",
        ]
        run = run_timed(cmd, root, env, check=False)
        seconds += run.seconds
        if run.returncode != 0:
            failed.append(name)
    return seconds, failed


def run_pipeline(
    root: Path,
    naive_root: Path | None,
    repeats: int,
    *,
    full_repeats: int,
    incremental: bool = True,
    log: Callable[[str], None] = print,
) -> list[Row]:
    """Full repro (paired with the naive and nbconvert runs when `naive_root`), then no-op and
    one-region reruns."""
    full = Row("pipeline", "full_repro")
    parallel = Row("pipeline", "full_run_parallel")
    naive = Row("naive", "run_all_stage_commands")
    nbconvert = Row("naive", "nbconvert_unprotected")
    ran: list[str] = []
    failed: dict[str, list[str]] = {}
    for r in range(full_repeats):
        for row, cmd in ((full, SERIAL), (parallel, PARALLEL)):
            seconds, ran = full_repro(root, cmd)
            row.times.append(seconds)
            log(f"  full {' '.join(cmd)} #{r + 1}: {seconds:.1f} s ({len(ran)} stages)")
        if naive_root is not None:
            for row, run in ((naive, naive_run), (nbconvert, nbconvert_run)):
                seconds, failed[row.case] = run(naive_root)
                row.times.append(seconds)
                log(f"  {row.case} #{r + 1}: {seconds:.1f} s; failed: {failed[row.case] or 'none'}")
    full.note = f"dvc repro, one stage at a time: {len(ran)} stages from an empty cache"
    parallel.note = "nps run (make reproduce): independent stages 2 at a time on this machine"
    parallel.ratio = full.median_s / parallel.median_s
    parallel.ratio_of = "full_repro / full_run_parallel (gain from running stages in parallel)"
    rows = [full, parallel]
    if naive_root is not None:
        for row in (naive, nbconvert):
            row.ratio = row.median_s / parallel.median_s
            row.ratio_of = f"{row.case} / full_run_parallel (>1 = make reproduce is faster)"
        naive.note = (
            f"the {len(stage_commands(naive_root))} stage commands one after another, no DVC: "
            "the same release; the speed-up target"
        )
        nbconvert.note = (
            f"data commands + {len(notebook_runs(naive_root))} nbconvert --execute runs: "
            "no protection, second run, HTML or audit (not the same release; for reference)"
        )
        for row in (naive, nbconvert):
            row.note += f"; FAILED: {' '.join(failed[row.case])}" if failed[row.case] else ""
        rows += [naive, nbconvert]
        shutil.rmtree(naive_root / "outputs" / "naive", ignore_errors=True)
    if not incremental:
        return rows

    for case, cmd in (("noop_repro", SERIAL), ("noop_run", PARALLEL)):
        noop = Row("pipeline", case)
        for _ in range(repeats):
            seconds, reran = repro(root, cmd)
            noop.times.append(seconds)
            if reran:
                noop.note = "UNEXPECTED reruns: " + " ".join(reran)
        noop.note = noop.note or f"{' '.join(cmd)}: no stage reran"
        log(f"  no-op {' '.join(cmd)}: {noop.median_s:.2f} s ({noop.note})")
        rows.append(noop)

    params = root / "params.yaml"
    original = params.read_text(encoding="utf-8")
    region = Row("pipeline", "one_region_change")
    reran: set[str] = set()
    try:
        for r in range(repeats):
            size = 6 + r  # a value never run before: DVC's run cache cannot restore the outputs
            text = re.sub(re.escape(REGION_MARKER) + r"\d+", REGION_MARKER + str(size), original)
            params.write_text(text, encoding="utf-8")
            seconds, stages = repro(root, PARALLEL)
            region.times.append(seconds)
            reran.update(stages)
    finally:
        params.write_text(original, encoding="utf-8")
        repro(root, PARALLEL)
    outside = sorted(reran - region_and_dependants(root))
    region.note = "stages rerun: " + " ".join(sorted(reran))
    region.note += "; outside the region and its dependants: " + (" ".join(outside) or "none")
    log(f"  one-region change (south-west shortlist_size): {region.median_s:.2f} s; {region.note}")
    rows.append(region)
    return rows
