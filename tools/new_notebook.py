"""Write a notebook from a list of (kind, source) cells: keeps committed notebooks clean and uniform.

Usage from Python: `write_notebook(path, cells)` where the first code cell is tagged `parameters`.
Notebooks are committed without outputs; this helper sets the project kernel metadata.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

KERNELSPEC = {"name": "nps-analysis", "display_name": "Python 3 (nps-analysis)", "language": "python"}


def write_notebook(path: str | Path, cells: list[tuple[str, str]]) -> None:
    """Write cells ("md" | "params" | "code", source) as an output-free notebook."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python"}
    for number, (kind, source) in enumerate(cells):
        if kind == "md":
            cell = new_markdown_cell(source.strip("\n"))
        else:
            cell = new_code_cell(source.strip("\n"))
            if kind == "params":
                cell.metadata["tags"] = ["parameters"]
        cell["id"] = f"cell-{number:02d}"  # stable ids: no diff noise between regenerations
        nb.cells.append(cell)
    nbformat.validate(nb)
    Path(path).write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
