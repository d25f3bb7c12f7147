"""Run the benchmark suite: `make bench` or `.venv/bin/python benchmarks/run.py [--quick] [--only ...]`.

Writes outputs/benchmarks/results.csv (tidy), targets.csv and results.png, and prints a summary.
Pipeline, notebook and naive benchmarks run in throwaway copies of the repository (never in the
checkout itself); the scale benchmark reads data/synthetic and writes only temporary CSVs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REPO, Row, bench_env, make_copy  # noqa: E402
from benchmarks.notebooks import run_notebooks  # noqa: E402
from benchmarks.pipeline import run_pipeline  # noqa: E402
from benchmarks.report import summary, write_all  # noqa: E402
from benchmarks.scale import run_scale  # noqa: E402

BENCHMARKS = ("pipeline", "notebooks", "naive", "scale")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--quick",
        action="store_true",
        help="small run: ASGSF up to 10^6 rows (not 10^7), 2 repeats, 1 full repro",
    )
    p.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        help="run only this benchmark (repeatable); default: all",
    )
    p.add_argument(
        "--repeats", type=int, default=None, help="repeats per figure (default 3, quick 2)"
    )
    p.add_argument(
        "--full-repeats",
        type=int,
        default=None,
        help="full `dvc repro` / naive pairs (default 2, quick 1)",
    )
    p.add_argument("--max-rows", type=int, default=None, help="cap every scale size at this")
    p.add_argument("--out-dir", type=Path, default=REPO / "outputs" / "benchmarks")
    p.add_argument("--keep-copies", action="store_true", help="keep the throwaway copies")
    return p.parse_args(argv)


def ensure_data() -> None:
    """Run `nps synth && nps process` when the default data are absent (scale needs them)."""
    if (
        not (REPO / "data" / "synthetic" / "asgsf_packages.csv").is_file()
        or not (REPO / "data" / "processed" / "workforce.parquet").is_file()
    ):
        env = bench_env()
        subprocess.run(["nps", "synth"], cwd=REPO, env=env, check=True)
        subprocess.run(["nps", "process"], cwd=REPO, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks, write the outputs and print the summary."""
    args = parse_args(argv)
    only = set(args.only or BENCHMARKS)
    repeats = args.repeats or (2 if args.quick else 3)
    full_repeats = args.full_repeats or (1 if args.quick else 2)
    os.environ.update({"MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"})
    rows: list[Row] = []
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="nps-bench-copies-"))
    try:
        if only & {"pipeline", "notebooks", "naive"}:
            root = make_copy(tmp / "pipeline" / "repo")
            naive_root = make_copy(tmp / "naive" / "repo") if "naive" in only else None
            print(f"Pipeline copies under {tmp}")
            if "pipeline" in only or "naive" in only:
                print("Pipeline: full repro (paired with naive), no-op, one-region change")
                pipe = run_pipeline(
                    root,
                    naive_root,
                    repeats,
                    full_repeats=full_repeats,
                    incremental="pipeline" in only,
                )
                rows += [r for r in pipe if r.benchmark != "pipeline" or "pipeline" in only]
            if "notebooks" in only:
                if not (root / "data" / "processed" / "workforce.parquet").is_file():
                    subprocess.run(
                        ["dvc", "repro", "process", "public_data"],
                        cwd=root,
                        env=bench_env(root),
                        check=True,
                        capture_output=True,
                    )
                print("Notebooks: papermill vs floor")
                rows += run_notebooks(root, repeats)
            write_all(rows, args.out_dir)  # partial results survive a later failure
        if "scale" in only:
            ensure_data()
            rows += run_scale(repeats, max_rows=args.max_rows, quick=args.quick)
    finally:
        if not args.keep_copies:
            shutil.rmtree(tmp, ignore_errors=True)
    df, tg = write_all(rows, args.out_dir)
    print(summary(df, tg))
    print(
        f"\nWrote {args.out_dir / 'results.csv'}, targets.csv, results.png "
        f"in {time.perf_counter() - start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
