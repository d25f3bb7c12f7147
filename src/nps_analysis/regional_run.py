"""`nps run --region NAME --data-dir PATH`: a region's needs assessment on its own files.

Validates every file (nothing is written if any problem is found), writes typed processed data
to the git-ignored `data/private/<region>/processed/`, then runs the regional notebook on it with
disclosure control for real microdata.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

from rich.console import Console

from nps_analysis.paths import PROJECT_ROOT, display_path

PRIVATE_DIR = PROJECT_ROOT / "data" / "private"


def run_region_with_own_data(
    region: str,
    data_dir: Path,
    *,
    console: Console,
    output_dir: Path | None = None,
    data_kind: str = "microdata",
) -> int:
    """Validate, process and report; returns the process exit code (0 = success)."""
    from nps_analysis.config import region_slug, region_slugs
    from nps_analysis.datasets import build_processed
    from nps_analysis.datasets.processed import dataset_files
    from nps_analysis.execute import execute_notebook
    from nps_analysis.validation import validate_paths

    try:
        slug = region_slug(region)
        region = {s: name for name, s in region_slugs().items()}[slug]
    except ValueError as error:
        console.print(str(error), style="red", markup=False)
        return 2
    if not data_dir.is_dir():
        console.print(
            f"{data_dir} is not a folder: give the folder holding your data files.",
            style="red",
            markup=False,
        )
        return 2
    files = dataset_files(data_dir)
    if not files:
        console.print(
            f"No CSV or Excel files in {data_dir}. Fill in the template (`nps template`).",
            style="red",
            markup=False,
        )
        return 2
    console.print(f"Validating {len(files)} file(s) for {region}...")
    problems = validate_paths(files)
    if problems:
        for problem in problems:
            console.print(
                "✗ " + problem.describe(show_value=True), style="red", markup=False, highlight=False
            )
        console.print(
            f"{len(problems)} problem(s) found; nothing was run or written.", style="bold red"
        )
        return 1
    processed = PRIVATE_DIR / slug / "processed"
    if processed.is_dir():
        shutil.rmtree(processed)  # no stale data set from an earlier run
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_processed(data_dir, processed)
    for warning in caught:
        console.print(f"note: {warning.message}", style="yellow", markup=False)
    rows = rows_per_region(processed)
    if not any(region in per_region for per_region in rows.values()):
        shutil.rmtree(processed)
        console.print(
            no_rows_message(region, rows, data_dir), style="red", markup=False, highlight=False
        )
        return 2
    target = output_dir or PROJECT_ROOT / "outputs" / "regions" / f"{slug}-own-data"
    executed = (
        PROJECT_ROOT / "outputs" / "notebooks" / f"regional_needs_assessment_{slug}-own-data.ipynb"
    )
    console.print(f"Running the needs assessment for {region} (disclosure control: {data_kind})...")
    execute_notebook(
        "notebooks/regional_needs_assessment.ipynb",
        executed,
        {
            "region": region,
            "data_dir": _as_parameter(processed),
            "output_dir": _as_parameter(target),
            "data_kind": data_kind,
        },
    )
    console.print(
        f"Done: tables and figures in {display_path(target)}, report "
        f"outputs/reports/{executed.stem}.html, output-checking log {display_path(target)}/manifest.csv"
    )
    return 0


def rows_per_region(processed: Path) -> dict[str, dict[str, int]]:
    """For each processed data set, its number of rows per pan-region."""
    from nps_analysis.regional.data import load_available

    return {
        name: df["region"].astype(str).value_counts().sort_index().to_dict()
        for name, df in load_available(processed).items()
    }


def no_rows_message(region: str, rows: dict[str, dict[str, int]], data_dir: Path) -> str:
    """Why a run stops when no file has a row for the region, and how to fix it."""
    found = sorted({r for per_region in rows.values() for r in per_region})
    listed = "; ".join(
        f"{name}: " + ", ".join(f"{n} row(s) for {r}" for r, n in per_region.items())
        for name, per_region in rows.items()
    )
    return (
        f"None of the files in {data_dir} has a row for {region} (column 'region'). "
        f"They hold: {listed or 'no rows'}. "
        f"Fix: run with --region {' or '.join(repr(r) for r in found) or 'NAME'} for these files, "
        f"or give the folder that holds {region}'s files. Nothing was run or written."
    )


def _as_parameter(path: Path) -> str:
    """A path for the notebook's parameters: relative to the project root when inside it (the
    executed notebook and its reports then carry no absolute path), else as given."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return str(path)
