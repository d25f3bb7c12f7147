"""Scale benchmark: ASGSF, STEP and workforce analyses at growing input sizes, one process per run."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from benchmarks.common import REPO, Row, bench_env, run_worker

SYNTHETIC = REPO / "data" / "synthetic"
PROCESSED = REPO / "data" / "processed"

ASGSF_SIZES = (10**4, 10**5, 10**6, 10**7)
STEP_SIZES = (10**3, 10**4, 10**5)
WORKFORCE_SIZES = (10**3, 10**4, 10**5)
CHUNK_ROWS = 500_000


def resample_csv(source: Path, dest: Path, n: int, id_prefix: str, seed: int = 1) -> Path:
    """Write `n` rows drawn with replacement from `source`, first column replaced by fresh unique ids.

    Works on the raw CSV lines (the id is the first field), in chunks, so 10^7 rows stay cheap.
    """
    lines = source.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], [line.split(",", 1)[1] for line in lines[1:] if line]
    rng = np.random.default_rng(seed)
    with dest.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(header + "\n")
        for start in range(0, n, CHUNK_ROWS):
            stop = min(n, start + CHUNK_ROWS)
            picks = rng.integers(0, len(body), stop - start)
            fh.write(
                "".join(
                    f"{id_prefix}{i:08d},{body[j]}\n"
                    for i, j in zip(range(start, stop), picks.tolist(), strict=True)
                )
            )
    return dest


def growth_exponent(sizes: Sequence[float], seconds: Sequence[float]) -> float:
    """Slope of log(time) on log(size) (least squares); NaN with fewer than two points."""
    pts = [(s, t) for s, t in zip(sizes, seconds, strict=True) if t > 0 and math.isfinite(t)]
    if len(pts) < 2:
        return float("nan")
    x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(x, y, 1)[0])


def _measure(
    benchmark: str,
    cases: dict[str, str],
    sizes: Sequence[int],
    repeats: int,
    args_for: Callable[[int], list[str]],
    log: Callable[[str], None],
) -> list[Row]:
    """Run the worker `repeats` times per size; one row per (case, size), exponents filled in."""
    rows: list[Row] = []
    for size in sizes:
        args = args_for(size)
        runs = []
        for _ in range(repeats):
            try:
                runs.append(run_worker(args, bench_env()))
            except RuntimeError as exc:  # e.g. out of memory at the largest size: record, go on
                log(f"  {args[0]} {size:,}: FAILED {str(exc).splitlines()[0]}")
                break
        peak = max((float(r["peak_mb"]) for r in runs), default=None)
        base = max((float(r["base_mb"]) for r in runs), default=float("nan"))
        for case, key in cases.items():
            times = [float(r[key]) for r in runs]
            note = f"peak RSS (VmHWM) of the worker process; {base:.0f} MB after imports"
            rows.append(
                Row(benchmark, case, size, times, peak_mb=peak, note=note if runs else "failed")
            )
        if runs:
            log(f"  {args[0]} {size:>10,}: {rows[-1].median_s:7.2f} s, peak {peak:,.0f} MB")
    for case in cases:
        mine = [r for r in rows if r.case == case and r.times]
        k = growth_exponent([r.size or 0 for r in mine], [r.median_s for r in mine])
        for r in mine:
            r.growth_exponent = k
    return rows


def run_scale(
    repeats: int,
    *,
    max_rows: int | None = None,
    quick: bool = False,
    log: Callable[[str], None] = print,
) -> list[Row]:
    """ASGSF (validation + analyses), STEP (model fit) and workforce (validation + analyses)."""
    if (
        not (SYNTHETIC / "asgsf_packages.csv").is_file()
        or not (PROCESSED / "workforce.parquet").is_file()
    ):
        raise FileNotFoundError(
            "run `nps synth && nps process` first (data/synthetic, data/processed)"
        )

    def cap(sizes: Sequence[int]) -> list[int]:
        kept = [s for s in sizes if max_rows is None or s <= max_rows]
        return kept or [min(sizes)]

    asgsf_sizes = cap(ASGSF_SIZES[:-1] if quick else ASGSF_SIZES)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="nps-bench-") as tmp:
        tmpdir = Path(tmp)

        def asgsf_args(n: int) -> list[str]:
            csv = resample_csv(SYNTHETIC / "asgsf_packages.csv", tmpdir / "asgsf.csv", n, "BEN-A")
            return ["asgsf", str(csv)]

        def workforce_args(n: int) -> list[str]:
            csv = resample_csv(SYNTHETIC / "workforce.csv", tmpdir / "workforce.csv", n, "BEN-P")
            return ["workforce", str(csv), str(PROCESSED)]

        log("Scale: ASGSF validation + analyses")
        rows += _measure(
            "scale",
            {
                "asgsf_validate": "validate_s",
                "asgsf_analysis": "analysis_s",
                "asgsf_total": "total_s",
            },
            asgsf_sizes,
            repeats,
            asgsf_args,
            log,
        )
        log("Scale: STEP model (fit_model + coefficient_table)")
        rows += _measure(
            "scale",
            {"step_fit": "fit_s"},
            cap(STEP_SIZES),
            repeats,
            lambda n: ["step", str(n)],
            log,
        )
        log("Scale: workforce validation + analyses")
        rows += _measure(
            "scale",
            {
                "workforce_validate": "validate_s",
                "workforce_analysis": "analysis_s",
                "workforce_total": "total_s",
            },
            cap(WORKFORCE_SIZES),
            repeats,
            workforce_args,
            log,
        )
    return rows
