"""Shared helpers: timed subprocesses, throwaway repository copies, result rows."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PYTHON = sys.executable

RESULT_COLUMNS: tuple[str, ...] = (
    "benchmark",
    "case",
    "size",
    "median_s",
    "min_s",
    "max_s",
    "peak_mb",
    "n_repeats",
    "ratio",
    "ratio_of",
    "growth_exponent",
    "note",
)
"""The columns of outputs/benchmarks/results.csv, in order (tests assert these)."""


@dataclass
class Row:
    """One tidy result row: the median (and range) of `times` for one benchmark case and size."""

    benchmark: str
    case: str
    size: int | None = None
    times: list[float] = field(default_factory=list)
    peak_mb: float | None = None
    ratio: float | None = None
    ratio_of: str = ""
    growth_exponent: float | None = None
    note: str = ""

    @property
    def median_s(self) -> float:
        """Median of the repeats (NaN when there are none)."""
        return statistics.median(self.times) if self.times else float("nan")

    def record(self) -> dict[str, object]:
        """The row as a dict keyed by RESULT_COLUMNS."""
        d = asdict(self)
        times = d.pop("times")
        d.update(
            median_s=self.median_s,
            min_s=min(times) if times else float("nan"),
            max_s=max(times) if times else float("nan"),
            n_repeats=len(times),
        )
        return {c: d.get(c) for c in RESULT_COLUMNS}


def bench_env(project_root: Path | None = None) -> dict[str, str]:
    """Environment for child processes: venv first on PATH, Agg backend, fixed hash seed."""
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    if project_root is not None:
        env["NPS_PROJECT_ROOT"] = str(project_root)
    else:
        env.pop("NPS_PROJECT_ROOT", None)
    return env


@dataclass
class Timed:
    """A finished child process: wall seconds and captured output."""

    seconds: float
    stdout: str
    stderr: str
    returncode: int = 0


def run_timed(
    args: Sequence[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True
) -> Timed:
    """Run `args` and return its wall-clock time; raise with the output tail if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(
        list(args), cwd=cwd, env=env or bench_env(), capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        )
    return Timed(seconds, proc.stdout, proc.stderr, proc.returncode)


def run_worker(args: Sequence[str], env: dict[str, str] | None = None) -> dict[str, object]:
    """Run `python -m benchmarks.worker ARGS` and parse the JSON it prints on its last line."""
    out = run_timed([PYTHON, "-m", "benchmarks.worker", *args], REPO, env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_s"] = out.seconds
    return result


def make_copy(dest: Path) -> Path:
    """A throwaway copy of the repository (tracked + untracked-not-ignored files), git-initialised.

    dvc.lock is dropped so the copy starts from an empty cache; /work/shared (the sibling `shared`
    folder) is symlinked beside it so `../shared` resolves as in the real checkout.
    """
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, files):
        src = REPO / name
        if src.is_file() and name != "dvc.lock":
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    shared = REPO.parent / "shared"
    if shared.is_dir() and not (dest.parent / "shared").exists():
        (dest.parent / "shared").symlink_to(shared)
    run_timed(["git", "init", "-q"], dest)
    return dest


def clean_pipeline_state(root: Path) -> None:
    """Delete everything `dvc repro` produces or caches, so the next repro starts from nothing."""
    for rel in ("outputs", "data/processed", "data/synthetic", ".dvc/cache", ".dvc/tmp"):
        shutil.rmtree(root / rel, ignore_errors=True)
    (root / "dvc.lock").unlink(missing_ok=True)
    (root / "outputs").mkdir(exist_ok=True)
    (root / "data" / "processed").mkdir(exist_ok=True)
