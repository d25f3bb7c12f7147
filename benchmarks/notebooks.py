"""Notebook overhead: papermill run time vs a floor (plain Python of the same code + a bare kernel).

Floor = wall time of `python -c "<parameters cell, injected parameters, every other code cell>"`
in a fresh process (IPython display calls stubbed, Agg backend) + the time to start a bare project
kernel, wait until it is ready and shut it down. Papermill = wall time of a fresh process calling
`nps_analysis.execute.execute_notebook(..., reports_dir=None)`. Both run in the same project copy
(after the pipeline ran, so every input exists), alternately, with the notebook's default
parameters and `output_dir` pointed at a temporary folder. HTML rendering is timed separately.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import PYTHON, Row, bench_env, run_timed, run_worker
from benchmarks.pipeline import notebook_runs

KERNEL = "nps-analysis"
_IPY_IMPORT = re.compile(r"^from IPython\.display import (?P<names>.+)$", re.MULTILINE)
STUB = "def _stub(*args, **kwargs):\n    return None\n"


def _stub_ipython(source: str) -> str:
    """Replace `from IPython.display import a, b` with `a = b = _stub`."""
    return _IPY_IMPORT.sub(
        lambda m: " = ".join(n.strip() for n in m["names"].split(",")) + " = _stub", source
    )


def plain_script(notebook: Path, parameters: dict[str, Any]) -> str:
    """The notebook as one script: parameters cell, injected parameters, then the other cells."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    params = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    others = [c for c in cells if c not in params]
    injected = "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    parts = [
        STUB,
        *("".join(c["source"]) for c in params),
        injected,
        *(_stub_ipython("".join(c["source"])) for c in others),
    ]
    return "\n\n".join(parts) + "\n"


def run_notebooks(root: Path, repeats: int, *, log: Callable[[str], None] = print) -> list[Row]:
    """Per notebook: papermill, plain Python, bare kernel, floor and render rows; ratio on papermill."""
    env = bench_env(root)
    rows: list[Row] = []
    kernel = Row("notebooks", "bare_kernel_start")
    for _ in range(repeats):
        kernel.times.append(float(run_worker(["kernel", KERNEL], env)["total_s"]))
    kernel.note = "KernelManager start + wait_for_ready + shutdown (in-process time)"
    log(f"  bare kernel start/ready/shutdown: {kernel.median_s:.2f} s")
    rows.append(kernel)
    with tempfile.TemporaryDirectory(prefix="nps-bench-nb-") as tmp:
        tmpdir = Path(tmp)
        for path in dict.fromkeys(notebook_runs(root)):  # each notebook once, dvc.yaml order
            nb = root / path
            name = nb.stem
            params = {"output_dir": str(tmpdir / "out" / name)}
            script = tmpdir / f"{name}.py"
            script.write_text(plain_script(nb, params), encoding="utf-8")
            executed = tmpdir / f"{name}.ipynb"
            pm, plain, render = (
                Row("notebooks", f"{name}:{c}")
                for c in ("papermill", "plain_python", "render_html")
            )
            for _ in range(repeats):  # paired: papermill then plain, alternately
                pm.times.append(
                    run_timed(
                        [
                            PYTHON,
                            "-m",
                            "benchmarks.worker",
                            "papermill",
                            str(nb),
                            str(executed),
                            json.dumps(params),
                        ],
                        _repo(),
                        env,
                    ).seconds
                )
                plain.times.append(run_timed([PYTHON, str(script)], root, env).seconds)
            for _ in range(repeats):
                render.times.append(
                    float(
                        run_worker(["render", str(executed), str(tmpdir / "reports")], env)[
                            "total_s"
                        ]
                    )
                )
            floor = Row(
                "notebooks", f"{name}:floor", times=[p + kernel.median_s for p in plain.times]
            )
            floor.note = "plain_python + median bare_kernel_start"
            pm.ratio, pm.ratio_of = pm.median_s / floor.median_s, "papermill / floor"
            pm.note = "fresh process: import papermill + execute_notebook(reports_dir=None)"
            plain.note = "python script of the code cells, display stubbed, fresh process"
            render.note = "render_notebook: reader + with-code HTML (nbconvert lab template)"
            log(
                f"  {name}: papermill {pm.median_s:.2f} s, floor {floor.median_s:.2f} s "
                f"(x{pm.ratio:.2f}), render {render.median_s:.2f} s"
            )
            rows += [pm, plain, floor, render]
    return rows


def _repo() -> Path:
    """The directory holding the `benchmarks` package (the worker runs from there)."""
    return Path(__file__).resolve().parents[1]
