"""Run one notebook with papermill, then strip volatile metadata and render its HTML reports."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nps_analysis.disclosure.plan import PLAN_FILE
from nps_analysis.disclosure.release import CHECKS_FILE
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


class DisclosureError(RuntimeError):
    """The release cannot be protected: nothing of it may be published."""


def execute_notebook(
    notebook: str | Path,
    executed: str | Path,
    parameters: dict[str, Any],
    *,
    kernel_name: str = KERNEL_NAME,
    reports_dir: str | Path | None = "outputs/reports",
    progress: bool = False,
    protect_with: Sequence[str | Path] = (),
) -> Path:
    """Execute `notebook` into `executed` (folders created), working directory = project root.

    A notebook releasing record-level counts is protected jointly with the analyses in
    `protect_with` (their output-checking folders): if its suppressed cells need more
    protection, the extra cells are planned (`nps_analysis.disclosure.plan`) and the notebook
    runs again with them suppressed, before anything is rendered."""
    import os

    from nps_analysis.outputs import PIPELINE_RUN_VARIABLE

    executed = resolve(executed)
    executed.parent.mkdir(parents=True, exist_ok=True)
    os.environ[PIPELINE_RUN_VARIABLE] = "1"  # the kernel inherits it: no unsuppressed display
    checker = _checker_dir(parameters)
    if checker is not None:
        (checker / PLAN_FILE).unlink(missing_ok=True)  # never an earlier run's plan
    _papermill(notebook, executed, parameters, kernel_name, progress)
    released_counts = checker is not None and (checker / CHECKS_FILE).is_file()
    if (
        released_counts
        and checker is not None
        and _protect(checker, [resolve(p) for p in protect_with])
    ):
        _papermill(notebook, executed, parameters, kernel_name, progress)
    if reports_dir is not None:
        render_notebook(executed, reports_dir)
    return executed


def _checker_dir(parameters: dict[str, Any]) -> Path | None:
    from nps_analysis.paths import checker_dir_for

    folder = parameters.get("output_dir")
    return checker_dir_for(folder) if folder else None


def _protect(checker: Path, upstream: list[Path]) -> bool:
    """Plan the extra suppression the analysis in `checker` needs; True if there is any."""
    from nps_analysis.disclosure.plan import plan_protection
    from nps_analysis.sdc import SDCConfig

    config = SDCConfig.from_params()
    result = plan_protection(
        checker,
        upstream,
        min_width=config.protection_width,
        node_budget=config.audit_node_budget,
        zeros_released=not config.zeros_are_disclosive,
    )
    if result.blocking:
        raise DisclosureError(
            f"{result.violations} suppressed cell(s) of {checker.name} cannot be protected "
            f"after {result.rounds} round(s) of extra suppression; nothing is published. The "
            f"output checker's detail is in {checker}."
        )
    if not result.passed:  # synthetic data: the release audit (`nps audit`) has the last word
        print(
            f"  disclosure: {result.violations} suppressed cell(s) of {checker.name} not proven "
            "protected by this analysis' plan; the release audit refuses the release if any remain"
        )
    return bool(result.extra)


def _papermill(
    notebook: str | Path, executed: Path, parameters: dict[str, Any], kernel: str, progress: bool
) -> None:
    import papermill

    papermill.execute_notebook(
        str(resolve(notebook)),
        str(executed),
        parameters=parameters,
        kernel_name=kernel,
        cwd=str(PROJECT_ROOT),
        progress_bar=progress,
        report_mode=False,
        # the kernel's "running over TCP without encryption" notice is about a local socket
        # between two processes of this run: it is not for the analyst's terminal
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
