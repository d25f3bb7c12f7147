"""One measurement in a fresh process; prints a JSON line (seconds, peak RSS) and exits.

Usage: python -m benchmarks.worker KIND ARGS...  (run by benchmarks/run.py, one size per process)

Peak memory is this process's peak resident set size: `VmHWM` from /proc/self/status on Linux
(falling back to `resource.getrusage(RUSAGE_SELF).ru_maxrss` elsewhere). Not ru_maxrss on Linux:
the kernel carries the spawning parent's high-water mark across exec into ru_maxrss, so a large
parent would inflate every child's figure. It includes the interpreter and imported libraries,
reported as `base_mb` (peak RSS after imports, before any data is read).
"""

from __future__ import annotations

import json
import resource
import sys
import time
import warnings
from pathlib import Path
from typing import Any


def _rss_mb() -> float:
    """Peak resident set size of this process so far, MB."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def asgsf(csv: str) -> dict[str, Any]:
    """Validate an ASGSF packages CSV, then run every ASGSF analysis (England)."""
    from nps_analysis.asgsf.analysis import run_analysis
    from nps_analysis.datasets import load_dataset

    base = _rss_mb()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        packages = load_dataset("asgsf_packages", csv)
    t1 = time.perf_counter()
    run_analysis(packages)
    t2 = time.perf_counter()
    return {
        "rows": len(packages),
        "validate_s": t1 - t0,
        "analysis_s": t2 - t1,
        "total_s": t2 - t0,
        "base_mb": base,
    }


def workforce(csv: str, processed: str) -> dict[str, Any]:
    """Validate a workforce CSV, then run the workforce analysis with the default other inputs."""
    from nps_analysis.datasets import load_dataset
    from nps_analysis.workforce import run_analysis

    d = Path(processed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gaps = load_dataset("skills_gaps", d / "skills_gaps.parquet")
        packages = load_dataset("asgsf_packages", d / "asgsf_packages.parquet")
        cases = load_dataset("open_cases", d / "open_cases.parquet")
        base = _rss_mb()
        t0 = time.perf_counter()
        staff = load_dataset("workforce", csv)
        t1 = time.perf_counter()
        run_analysis(staff, gaps, packages, cases)
        t2 = time.perf_counter()
    return {
        "rows": len(staff),
        "validate_s": t1 - t0,
        "analysis_s": t2 - t1,
        "total_s": t2 - t0,
        "base_mb": base,
    }


def step(n: str) -> dict[str, Any]:
    """Fit the final TAYC-R OLS model (with its HC3 coefficient table) on `n` simulated families."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the simulators
    from nps_analysis.step import model
    from simulation.step import simulate_step

    df = simulate_step(int(n), seed=1, missing_rate=0.03)
    base = _rss_mb()
    t0 = time.perf_counter()
    fitted = model.fit_model(df)
    model.coefficient_table(fitted)
    t1 = time.perf_counter()
    return {"rows": int(n), "fit_s": t1 - t0, "total_s": t1 - t0, "base_mb": base}


def kernel(name: str) -> dict[str, Any]:
    """Start the project kernel, wait until it answers, shut it down (jupyter_client)."""
    from jupyter_client.manager import KernelManager

    t0 = time.perf_counter()
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    kc.stop_channels()
    km.shutdown_kernel()
    return {"total_s": time.perf_counter() - t0}


def papermill(notebook: str, executed: str, params_json: str) -> dict[str, Any]:
    """Execute a notebook with papermill through nps_analysis.execute, without HTML rendering."""
    from nps_analysis.execute import execute_notebook

    t0 = time.perf_counter()
    execute_notebook(notebook, executed, json.loads(params_json), reports_dir=None)
    return {"total_s": time.perf_counter() - t0}


def render(executed: str, reports_dir: str) -> dict[str, Any]:
    """Render one executed notebook to its two HTML reports (nbconvert)."""
    from nps_analysis.reports import render_notebook

    t0 = time.perf_counter()
    render_notebook(executed, reports_dir)
    return {"total_s": time.perf_counter() - t0}


KINDS = {
    "asgsf": asgsf,
    "workforce": workforce,
    "step": step,
    "kernel": kernel,
    "papermill": papermill,
    "render": render,
}


def main(argv: list[str]) -> None:
    """Dispatch `KIND ARGS...`; print the result with this process's peak RSS as JSON."""
    kind, *args = argv
    result = KINDS[kind](*args)
    result["peak_mb"] = _rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
