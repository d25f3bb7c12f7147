"""Pipeline benchmarks (in throwaway copies): full `dvc repro` vs a naive nbconvert run, no-op, one region.

Full repro and the naive baseline run alternately (paired) in two separate copies, so that the
naive run never touches the files DVC tracks.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import Row, bench_env, clean_pipeline_state, run_timed

REGION_MARKER = "south-west: {name: South West, shortlist_size: "
NOTEBOOKS = (
    "public_adoption_statistics",
    "published_figures_audit",
    "step_tayc_regression",
    "asgsf_therapy_trends",
    "workforce_skills_gaps",
)
REGIONAL = "regional_needs_assessment"
N_REGIONS = 8
DATA_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("nps", "synth", "--out", "data/synthetic"),
    ("nps", "process", "--in-dir", "data/synthetic", "--out-dir", "data/processed"),
    ("nps", "public-data", "--out-dir", "data/processed/public"),
)
"""The non-notebook stages, run the same way by the naive baseline so both do the same work."""


def stages_run(dvc_stdout: str) -> list[str]:
    """Names of the stages `dvc repro` says it ran."""
    return re.findall(r"Running stage '([^']+)'", dvc_stdout)


def full_repro(root: Path) -> tuple[float, list[str]]:
    """`dvc repro` from nothing: no outputs, no cache, no dvc.lock."""
    clean_pipeline_state(root)
    out = run_timed(["dvc", "repro"], root, bench_env(root))
    return out.seconds, stages_run(out.stdout)


def naive_run(root: Path) -> float:
    """The naive way: data commands, then `jupyter nbconvert --to notebook --execute` per notebook.

    The regional notebook cannot take parameters, so it runs 8 times with its defaults to match
    the pipeline's 8 regional stages. No HTML is rendered (the pipeline renders two per notebook).
    """
    clean_pipeline_state(root)
    env = bench_env(root)
    executed = root / "outputs" / "naive"
    seconds = sum(run_timed(cmd, root, env).seconds for cmd in DATA_COMMANDS)
    jobs = [*NOTEBOOKS, *[REGIONAL] * N_REGIONS]
    for i, name in enumerate(jobs):
        cmd = [
            "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            f"notebooks/{name}.ipynb",
            "--output-dir",
            str(executed),
            "--output",
            f"{i:02d}_{name}",
        ]
        seconds += run_timed(cmd, root, env).seconds
    return seconds


def run_pipeline(
    root: Path,
    naive_root: Path | None,
    repeats: int,
    *,
    full_repeats: int,
    log: Callable[[str], None] = print,
) -> list[Row]:
    """Full repro (paired with naive when `naive_root`), then no-op reruns and one-region reruns."""
    full, naive = Row("pipeline", "full_repro"), Row("naive", "nbconvert_execute_all")
    ran: list[str] = []
    for r in range(full_repeats):
        seconds, ran = full_repro(root)
        full.times.append(seconds)
        log(f"  full dvc repro #{r + 1}: {seconds:.1f} s ({len(ran)} stages)")
        if naive_root is not None:
            naive.times.append(naive_run(naive_root))
            log(f"  naive nbconvert #{r + 1}: {naive.times[-1]:.1f} s")
    full.note = f"{len(ran)} stages from an empty cache"
    rows = [full]
    if naive_root is not None:
        naive.ratio = naive.median_s / full.median_s
        naive.ratio_of = "naive / full_repro (speed-up of the pipeline; >1 = pipeline faster)"
        naive.note = (
            f"data commands + {len(NOTEBOOKS) + N_REGIONS} nbconvert --execute runs, no HTML"
        )
        rows.append(naive)
        shutil.rmtree(naive_root / "outputs" / "naive", ignore_errors=True)

    noop = Row("pipeline", "noop_repro")
    for _ in range(repeats):
        out = run_timed(["dvc", "repro"], root, bench_env(root))
        noop.times.append(out.seconds)
        if stages_run(out.stdout):
            noop.note = "UNEXPECTED reruns: " + " ".join(stages_run(out.stdout))
    noop.note = noop.note or "no stage reran"
    log(f"  no-op dvc repro: {noop.median_s:.2f} s ({noop.note})")
    rows.append(noop)

    params = root / "params.yaml"
    original = params.read_text(encoding="utf-8")
    region = Row("pipeline", "one_region_change")
    reran: set[str] = set()
    try:
        for r in range(repeats):
            size = 7 if r % 2 == 0 else 5
            text = re.sub(re.escape(REGION_MARKER) + r"\d+", REGION_MARKER + str(size), original)
            params.write_text(text, encoding="utf-8")
            out = run_timed(["dvc", "repro"], root, bench_env(root))
            region.times.append(out.seconds)
            reran.update(stages_run(out.stdout))
    finally:
        params.write_text(original, encoding="utf-8")
        run_timed(["dvc", "repro"], root, bench_env(root))
    region.note = "stages rerun: " + " ".join(sorted(reran))
    log(f"  one-region change (south-west shortlist_size): {region.median_s:.2f} s; {region.note}")
    rows.append(region)
    return rows
