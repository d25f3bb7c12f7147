"""dvc.yaml declares every module a stage runs, so a code change reruns every stage it affects."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "nps_analysis"
RENDERING = ("nps_analysis.execute", "nps_analysis.reports")
"""Modules `nps execute` runs for every notebook stage (papermill, then the two HTML reports)."""


def module_file(name: str) -> Path | None:
    """The source file of an `nps_analysis` module or package (None for other modules)."""
    if name != "nps_analysis" and not name.startswith("nps_analysis."):
        return None
    parts = name.split(".")[1:]
    base = PACKAGE.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(source: str, package: str) -> set[str]:
    """Every module named by an import statement in `source` (relative imports resolved)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def closure(start: set[str]) -> set[Path]:
    """The package's source files reachable by imports from `start` (parents' __init__ too)."""
    seen: set[Path] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__
            path = module_file(".".join(parts[:i]))
            if path is None or path in seen:
                continue
            seen.add(path)
            package = (
                ".".join(parts[:i]) if path.name == "__init__.py" else ".".join(parts[: i - 1])
            )
            todo.extend(imported_modules(path.read_text(encoding="utf-8"), package))
    return seen


def notebook_imports(notebook: Path) -> set[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return imported_modules(code, "")


def covered(path: Path, deps: list[str]) -> bool:
    rel = path.relative_to(REPO).as_posix()
    return any(rel == d or rel.startswith(d.rstrip("/") + "/") for d in deps)


def notebook_stages() -> list[tuple[str, Path, list[str]]]:
    stages = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    found = []
    for name, stage in stages.items():
        body = stage.get("do", stage)
        cmd = " ".join(str(body["cmd"]).split())
        if cmd.startswith("nps execute "):
            found.append((name, REPO / cmd.split()[2], list(body.get("deps", []))))
    return found


@pytest.mark.parametrize("stage", notebook_stages(), ids=lambda s: s[0])
def test_notebook_stage_depends_on_every_module_its_notebook_imports(stage):
    name, notebook, deps = stage
    needed = closure(notebook_imports(notebook) | set(RENDERING))
    missing = sorted(p.relative_to(REPO).as_posix() for p in needed if not covered(p, deps))
    assert not missing, f"dvc.yaml stage '{name}' misses code it runs: {missing}"


def test_the_closure_follows_imports_transitively():
    """Guard the checker itself: the regional notebook reaches stats.py only through
    regional.commissioning, and every notebook reaches config.py through outputs/sdc."""
    files = closure({"nps_analysis.regional.commissioning"})
    assert PACKAGE / "stats.py" in files
    assert PACKAGE / "regional" / "__init__.py" in files
    assert len(notebook_stages()) >= 7


COMMAND_MODULES = {
    "synth": "nps_analysis.synth",
    "process": "nps_analysis.datasets",
    "public_data": "nps_analysis.public.analysis",
    "disclosure_audit": "nps_analysis.disclosure.release",
}
"""The module each non-notebook stage's `nps` command runs (the CLI only dispatches to it)."""


@pytest.mark.parametrize("name", list(COMMAND_MODULES))
def test_command_stage_depends_on_every_module_its_command_imports(name):
    stage = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"][name]
    needed = closure({COMMAND_MODULES[name]})
    missing = sorted(
        p.relative_to(REPO).as_posix() for p in needed if not covered(p, stage["deps"])
    )
    assert not missing, f"dvc.yaml stage '{name}' misses code it runs: {missing}"
