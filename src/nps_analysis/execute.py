"""Run one notebook with papermill, then strip volatile metadata and render its HTML reports."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from nps_analysis.paths import PROJECT_ROOT, resolve
from nps_analysis.reports import render_notebook

# jsonschema builds an RFC 3987 (IRI) grammar with lark at import time when the optional
# rfc3987-syntax package is installed (it comes with JupyterLab): ~1.3 s for every notebook stage.
# Notebook validation never uses the IRI format, so that optional import is switched off here.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

KERNEL_NAME = "nps-analysis"


def parse_parameters(typed: list[str], raw: list[str]) -> dict[str, Any]:
    """`key=value` pairs: `typed` values are parsed as YAML (numbers, null, lists), `raw` stay strings."""
    import yaml

    params: dict[str, Any] = {}
    for pairs, parse in ((typed, True), (raw, False)):
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or not key.isidentifier():
                raise ValueError(
                    f"parameter {pair!r} must look like name=value (e.g. region=Eastern)"
                )
            params[key] = yaml.safe_load(value) if parse else value
    return params


def execute_notebook(
    notebook: str | Path,
    executed: str | Path,
    parameters: dict[str, Any],
    *,
    kernel_name: str = KERNEL_NAME,
    reports_dir: str | Path | None = "outputs/reports",
    progress: bool = False,
) -> Path:
    """Execute `notebook` into `executed` (folders created), working directory = project root."""
    import os

    import papermill

    from nps_analysis.outputs import PIPELINE_RUN_VARIABLE

    executed = resolve(executed)
    executed.parent.mkdir(parents=True, exist_ok=True)
    os.environ[PIPELINE_RUN_VARIABLE] = "1"  # the kernel inherits it: no unsuppressed display
    papermill.execute_notebook(
        str(resolve(notebook)),
        str(executed),
        parameters=parameters,
        kernel_name=kernel_name,
        cwd=str(PROJECT_ROOT),
        progress_bar=progress,
        report_mode=False,
        # the kernel's "running over TCP without encryption" notice is about a local socket
        # between two processes of this run: it is not for the analyst's terminal
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    if reports_dir is not None:
        render_notebook(executed, reports_dir)
    return executed
