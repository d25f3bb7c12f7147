"""The disclosure audit of a whole release: every count cell every analysis of one run released,
attacked at once (`nps audit`).

Each `OutputWriter` leaves its count cells in the output checker's folder
(`<checker root>/<analysis>/checks.json`, see `OutputWriter.write_manifest`). Here they become
one intruder model: tables of all analyses, one population per kind of record, regions as the
groups of their RAAs (the intruder knows which RAA is in which region), complete category lists
(`vocabulary`), and the interval attack of `nps_analysis.disclosure.intervals` judges every `c`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from nps_analysis.disclosure.intervals import AuditReport, ProtectionRule, audit
from nps_analysis.disclosure.model import Cell, Dimension
from nps_analysis.disclosure.vocabulary import NOT_PREFIX, categories

CHECKS_FILE = "checks.json"


@dataclass(frozen=True)
class ReleaseAudit:
    """The audit of one release: the judged intervals, the model's size and its run time."""

    report: AuditReport
    tables: int
    cells: int
    suppressed: int
    seconds: float
    blocking: bool = False

    @property
    def passed(self) -> bool:
        """True when every suppressed cell is proven protected."""
        return self.report.passed


def read_cells(checker_root: str | Path) -> list[dict[str, Any]]:
    """Every released count cell of the run, table names prefixed by their analysis folder."""
    root = Path(checker_root)
    records: list[dict[str, Any]] = []
    for path in sorted(root.glob(f"**/{CHECKS_FILE}")):
        prefix = f"{path.parent.relative_to(root).as_posix()}/"
        records += analysis_cells(path.parent, prefix)
    return records


def analysis_cells(folder: str | Path, prefix: str = "") -> list[dict[str, Any]]:
    """The count cells one analysis left in its checker folder, table names prefixed."""
    path = Path(folder) / CHECKS_FILE
    if not path.is_file():
        return []
    tables = json.loads(path.read_text(encoding="utf-8"))["tables"]
    return [
        {**cell, "table": f"{prefix}{name}", "data_kind": table.get("data_kind", "microdata")}
        for name, table in tables.items()
        for cell in table.get("cells", [])
    ]


def blocks_release(violations: pd.DataFrame, records: Iterable[Mapping[str, Any]]) -> bool:
    """True when a violation concerns real record-level data (`microdata`): an analysis' plan
    then stops at once. (The release audit, `nps audit`, refuses any violation, synthetic too;
    this only says whose records it would expose.)"""
    kinds = {r["table"]: r.get("data_kind", "microdata") for r in records}
    return any(kinds.get(t, "microdata") == "microdata" for t in violations["table"])


def _region_raas() -> dict[str, tuple[str, ...]]:
    from nps_analysis.regions import pan_regions_raas

    reference = pan_regions_raas()
    return {r: tuple(g["raa"]) for r, g in reference.groupby("region", sort=False)}


def _as_set(value: Any) -> set[str]:
    return {value} if isinstance(value, str) else set(value)


def _regions_as_raas(members: Mapping[str, Any], raas: Mapping[str, tuple[str, ...]]) -> dict:
    """A region member becomes the group of its RAAs (intersected with an RAA member)."""
    out = dict(members)
    if "region" not in out:
        return out
    region = out.pop("region")
    group = set().union(*(raas.get(r, ()) for r in _as_set(region)))
    if "raa" in out:
        group &= _as_set(out["raa"])
    order = [r for rs in raas.values() for r in rs]
    out["raa"] = tuple(r for r in order if r in group)
    return out


def build_model(
    records: Iterable[Mapping[str, Any]],
    known: Mapping[str, tuple[str, ...]] | None = None,
    raas: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[list[Dimension], list[Cell]]:
    """The intruder's dimensions (complete category lists) and cells for `audit`."""
    raas = _region_raas() if raas is None else raas
    translated = [{**r, "members": _regions_as_raas(r["members"], raas)} for r in records]
    seen: dict[str, set[str]] = {}
    for record in translated:
        for dimension, value in record["members"].items():
            values = _as_set(value)
            seen.setdefault(dimension, set()).update(
                v[len(NOT_PREFIX) :] if v.startswith(NOT_PREFIX) else v for v in values
            )
    if "raa" in seen:
        seen["raa"] |= {r for rs in raas.values() for r in rs}
    full = categories(seen, known)
    cells = []
    for record in translated:
        members: dict[str, str | tuple[str, ...]] = {}
        for dimension, value in record["members"].items():
            if isinstance(value, str) and value.startswith(NOT_PREFIX):
                excluded = value[len(NOT_PREFIX) :]
                members[dimension] = tuple(c for c in full[dimension] if c != excluded)
            else:
                members[dimension] = value if isinstance(value, str) else tuple(value)
        cells.append(
            Cell(
                table=record["table"],
                row=int(record["row"]),
                column=record["column"],
                members=members,
                value=record["value"],
                population=record["population"],
            )
        )
    dimensions = [Dimension(name, values) for name, values in sorted(full.items())]
    return dimensions, cells


def audit_release(
    checker_root: str | Path,
    *,
    min_width: float,
    node_budget: int,
    zeros_released: bool = False,
) -> ReleaseAudit:
    """Attack every `c` of the release in `checker_root` with all its other cells."""
    started = time.monotonic()
    records = read_cells(checker_root)
    dimensions, cells = build_model(records)
    bounds = (1, math.inf) if zeros_released else (0, math.inf)
    report = audit(
        dimensions,
        cells,
        rule=ProtectionRule(min_width=min_width),
        suppressed_bounds=bounds,
        node_budget=node_budget,
    )
    return ReleaseAudit(
        report=report,
        tables=len({c.table for c in cells}),
        cells=len(cells),
        suppressed=sum(c.suppressed for c in cells),
        seconds=time.monotonic() - started,
        blocking=blocks_release(report.violations, records),
    )


def checker_summary(result: ReleaseAudit) -> pd.DataFrame:
    """Per table: suppressed cells checked, violations, the narrowest interval (checker's log)."""
    return result.report.summary.loc[lambda d: d["suppressed"] > 0].reset_index(drop=True)


def public_summary(result: ReleaseAudit) -> pd.DataFrame:
    """What the release says about its audit: per analysis, tables and suppressed cells checked
    and whether every one kept its protection interval (no cell positions or widths)."""
    summary = result.report.summary.assign(
        analysis=lambda d: d["table"].str.rsplit("/", n=1).str[0]
    )
    rows = []
    for analysis, group in summary.groupby("analysis", sort=True):
        rows.append(
            {
                "analysis": analysis,
                "tables_checked": len(group),
                "suppressed_cells_checked": int(group["suppressed"].sum()),
                "all_protected": bool(group["violations"].sum() == 0),
            }
        )
    return pd.DataFrame(rows)


AUDIT_DIR = "release_audit"
"""Folder of the audit's results inside the output checker's root."""


def write_audit(result: ReleaseAudit, checker_root: str | Path) -> Path:
    """Write the audit into `<checker root>/release_audit/`: every suppressed cell's interval
    and verdict (`intervals.csv`) and per-table summary (`summary.csv`), both for the output
    checker only, and `public_summary.csv`, what the release may say about its audit."""
    from nps_analysis.outputs import to_csv_text

    folder = Path(checker_root) / AUDIT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    run = pd.DataFrame(
        [
            {
                "tables": result.tables,
                "count_cells": result.cells,
                "suppressed_cells": result.suppressed,
                "violations": len(result.report.violations),
                "passed": result.passed,
            }
        ]
    )
    frames = {
        "intervals.csv": result.report.intervals,
        "summary.csv": checker_summary(result),
        "run.csv": run,
        "public_summary.csv": public_summary(result),
    }
    for name, frame in frames.items():
        (folder / name).write_text(to_csv_text(frame), encoding="utf-8")
    return folder
