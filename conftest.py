"""Test-run configuration of the whole suite (tests/ and the notebooks nbval runs): it lives at
the repository root so that its collection hooks reach notebooks/ too.

`make test` runs the suite on both cores (pytest-xdist, `-n 2`) with the scheduler below: tests
of one group run in one worker, one after another, in collection order; every other test goes to
whichever worker is free.
- "pipeline": the full pipeline run (which itself uses both cores) and the tests that time
  themselves against a budget, so that no budget is measured while the pipeline runs beside it.
  It is scheduled first: the pipeline is the longest single piece of work.
- "repo": tests that write into, or read what others write into, the repository's own outputs/
  and data/ (nbval runs the notebooks with their default output folders, one cell after another
  in one kernel).
"""

from __future__ import annotations

from typing import Any

import pytest

PIPELINE_GROUP = (
    "tests/pipeline/test_pipeline.py::",
    "tests/asgsf/test_spend.py::test_million_rows_under_budget",
    "tests/datasets/test_perf.py::",
    "tests/workforce/test_analysis.py::test_scales_to_100k_staff_rows",
    "tests/disclosure/test_attack.py::test_release_size_attack_within_budget",
    "tests/disclosure/test_protect.py::test_protect_release_size",
    "tests/step/test_model.py::test_fit_is_fast_at_100k_families",
)
REPO_GROUP = (
    "tests/notebooks/test_national_notebooks.py::",
    "tests/test_regional_run.py::",
    "tests/datasets/test_own_data_cli.py::",
)


def _is_notebook_cell(nodeid: str) -> bool:
    return nodeid.endswith(".ipynb") or ".ipynb::" in nodeid


def run_group(nodeid: str) -> str | None:
    """The group a test runs in (None: any worker, any order)."""
    if nodeid.startswith(PIPELINE_GROUP):
        return "pipeline"
    if nodeid.startswith(REPO_GROUP) or _is_notebook_cell(nodeid):
        return "repo"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Notebook cells executed by nbval are slow (`make test-fast` skips them); the pipeline
    group goes first."""
    for item in items:
        if _is_notebook_cell(item.nodeid):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: run_group(item.nodeid) != "pipeline")  # stable otherwise


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under pytest-xdist: one work unit per group, every other test its own unit, in order."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return run_group(nodeid) or nodeid

    config.option.loadscopereorder = False  # keep the collection order: the pipeline first
    return GroupScheduling(config, log)
