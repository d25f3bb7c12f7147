"""`nps run --region NAME --data-dir PATH`: a region's needs assessment on its own files.

1. The files are checked exactly as `nps validate` checks them (nps_analysis.validation); nothing
   is run or written if any problem is found.
2. The typed record-level data go to a private working folder (git-ignored
   `data/private/<region>/working/`), named at the terminal and deleted at the end unless
   `--keep-intermediate`.
3. The regional notebook runs on them with disclosure control for real microdata.
4. Everything it produces (tables, figures, workbook, HTML reports with their own index page,
   executed notebook, output-checking log) is staged and then moved, complete, into one output
   folder, which is never the default release (`outputs/`).
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

from rich.console import Console

from nps_analysis.paths import OUTPUTS_DIR, PROJECT_ROOT

PRIVATE_DIR = PROJECT_ROOT / "data" / "private"
NOTEBOOK = "notebooks/regional_needs_assessment.ipynb"
#: Written into an output folder this command made, so a later run may replace its contents.
MARKER = ".nps-own-data-run"
#: The parts of an output folder a run writes (replaced as a whole on the next run).
PARTS = ("reports", "notebooks", "regions", "disclosure", MARKER)


def default_output_dir(slug: str) -> Path:
    """Where results go without --output-dir: `<slug>-own-data/` in the current folder, or, when
    that folder is inside the project, the git-ignored `data/private/<slug>/output/`."""
    cwd = Path.cwd().absolute()
    if cwd == PROJECT_ROOT or PROJECT_ROOT in cwd.parents:
        return PRIVATE_DIR / slug / "output"
    return cwd / f"nps-{slug}-own-data"


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.absolute(), folder.absolute()
    return path == folder or folder in path.parents


def _output_dir_problem(out: Path) -> str | None:
    """Why `out` cannot take this run's results, or None."""
    if _inside(out, OUTPUTS_DIR):
        return (
            f"{out} is inside the default release folder {OUTPUTS_DIR}; own-data results must "
            "not mix with it. Fix: give another --output-dir (e.g. a folder beside your data)."
        )
    if out.exists() and not out.is_dir():
        return f"{out} is a file. Fix: give a folder as --output-dir."
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        return (
            f"{out} already holds other files. Fix: give a new or empty folder as --output-dir "
            "(a folder an earlier `nps run` made is replaced, never another)."
        )
    return None


def run_region_with_own_data(
    region: str,
    data_dir: Path,
    *,
    console: Console,
    output_dir: Path | None = None,
    data_kind: str = "microdata",
    sheet_map: dict[str, str] | None = None,
    keep_intermediate: bool = False,
    report_path: Path | None = None,
) -> int:
    """Check, prepare, run and collect; returns the process exit code (0 = success, 1 = problems
    in the files or the run, 2 = nothing to run: wrong region, folder or output folder)."""
    from nps_analysis.regions import region_slug, region_slugs
    from nps_analysis.validation import show_report, validate_report, write_problem_report

    try:
        slug = region_slug(region)
        region = {s: name for name, s in region_slugs().items()}[slug]
    except ValueError as error:
        console.print(str(error), style="red", markup=False)
        return 2
    data_dir = Path(data_dir).absolute()
    if not data_dir.is_dir():
        console.print(
            f"{data_dir} is not a folder. Fix: give the folder holding your data files (paths "
            f"are relative to the folder you run nps from, {Path.cwd()}).",
            style="red",
            markup=False,
        )
        return 2
    out = Path(output_dir).absolute() if output_dir is not None else default_output_dir(slug)
    if (problem := _output_dir_problem(out)) is not None:
        console.print(problem, style="red", markup=False)
        return 2
    console.print(f"[bold]1/4[/bold] Checking the files in {data_dir} for {region}...")
    report = validate_report([data_dir], region=region, sheet_map=sheet_map)
    show_report(report, console)
    if report_path is not None:
        console.print(f"Problem list written: {write_problem_report(report, report_path)}")
    if report.errors:
        only_region = {p.rule for p in report.errors} == {"region_not_in_files"}
        console.print(
            f"{len(report.errors)} problem(s) found; nothing was run or written.",
            style="bold red",
        )
        return 2 if only_region else 1
    return _run(region, slug, report.frames, out, console, data_kind, keep_intermediate)


def _run(
    region: str,
    slug: str,
    frames: dict,
    out: Path,
    console: Console,
    data_kind: str,
    keep_intermediate: bool,
) -> int:
    from nps_analysis.datasets.processed import write_processed

    made = [p for p in (PRIVATE_DIR, PRIVATE_DIR / slug) if not p.exists()]
    work = PRIVATE_DIR / slug / "working"
    if work.exists():
        shutil.rmtree(work)  # an earlier run's leftovers: never mixed into this one
    stage = work / "release"
    checker = work / "output-checking"
    analysis = stage / "regions" / f"{slug}-own-data"
    executed = stage / "notebooks" / f"regional_needs_assessment_{slug}-own-data.ipynb"
    ok = False
    try:
        console.print(
            f"[bold]2/4[/bold] Typed record-level data written to the private working folder "
            f"{work} ({'kept: --keep-intermediate' if keep_intermediate else 'deleted at the end'})"
        )
        write_processed(frames, work / "processed")
        console.print(
            f"[bold]3/4[/bold] Running the needs assessment for {region} "
            f"(disclosure control: {data_kind})..."
        )
        _execute(work, analysis, executed, stage, checker, region, data_kind)
        console.print(
            "[bold]4/4[/bold] Auditing every suppressed cell against all the run's tables, "
            "then writing the index page and the output-checking log..."
        )
        _audit(checker, console)
        _collect(stage, checker, data_kind)
        _publish(stage, out)
        _publish_checker(checker, checker_dir_of(out))
        ok = True
    except Exception as exc:  # noqa: BLE001 - the analyst gets one line and where to look
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
        console.print(f"The run failed: {type(exc).__name__}: {detail}", style="red", markup=False)
        if executed.is_file():
            console.print(
                f"The notebook with the failing cell: {executed} (private working folder, kept).",
                markup=False,
            )
            keep_intermediate = True
        console.print(f"Nothing was written to {out}.", markup=False)
    finally:
        if not keep_intermediate:
            shutil.rmtree(work, ignore_errors=True)
            for folder in reversed(made):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
    if not ok:
        return 1
    _done(out, slug, work, keep_intermediate, console)
    return 0


def checker_dir_of(out: Path) -> Path:
    """Where the output checker's detail of a run goes: beside its output folder, never in it."""
    return out.parent / f"{out.name}-output-checking"


def _execute(
    work: Path,
    analysis: Path,
    executed: Path,
    stage: Path,
    checker: Path,
    region: str,
    data_kind: str,
) -> None:
    import os

    from nps_analysis.paths import CHECKER_ROOT_VARIABLE, RELEASE_ROOT_VARIABLE

    saved = {k: os.environ.get(k) for k in (RELEASE_ROOT_VARIABLE, CHECKER_ROOT_VARIABLE)}
    os.environ[RELEASE_ROOT_VARIABLE] = str(stage)  # the kernel inherits both
    os.environ[CHECKER_ROOT_VARIABLE] = str(checker)
    try:
        _run_notebook(work, analysis, executed, stage, region, data_kind)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run_notebook(
    work: Path, analysis: Path, executed: Path, stage: Path, region: str, data_kind: str
) -> None:
    from nps_analysis.execute import execute_notebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # third-party and resource warnings: not the analyst's
        execute_notebook(
            NOTEBOOK,
            executed,
            {
                "region": region,
                "data_dir": _as_parameter(work / "processed"),
                "output_dir": _as_parameter(analysis),
                "data_kind": data_kind,
            },
            reports_dir=stage / "reports",
        )


def _audit(checker: Path, console: Console) -> None:
    """The release-wide disclosure audit of this run: raises (nothing is published) unless
    every suppressed cell keeps its protection interval."""
    from nps_analysis.disclosure.release import audit_release, write_audit
    from nps_analysis.sdc import SDCConfig

    config = SDCConfig.from_params()
    result = audit_release(
        checker,
        min_width=config.protection_width,
        node_budget=config.audit_node_budget,
        zeros_released=not config.zeros_are_disclosive,
    )
    write_audit(result, checker)
    console.print(
        f"  disclosure audit: {result.suppressed} suppressed of {result.cells} count cells, "
        f"{len(result.report.violations)} not protected ({result.seconds:.1f} s)"
    )
    if not result.passed:
        raise RuntimeError(
            f"{len(result.report.violations)} suppressed cell(s) could be worked out from the "
            "run's other tables; nothing is published"
        )


def _publish_checker(checker: Path, target: Path) -> None:
    """Move the output checker's detail beside the output folder (replacing an earlier run's)."""
    if target.is_dir():
        shutil.rmtree(target)
    if checker.is_dir():
        shutil.move(str(checker), str(target))


def _collect(stage: Path, checker: Path, data_kind: str) -> None:
    """The run's own index page and output-checking log, inside the staged output folder."""
    from nps_analysis.reports import build_disclosure_log, build_index

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_disclosure_log(stage, checker)
        build_index(stage / "reports", data_kind=data_kind)
    (stage / MARKER).write_text(
        "Made by `nps run --region ... --data-dir ...`; a later run replaces this folder's "
        "reports/, notebooks/, regions/ and disclosure/.\n",
        encoding="utf-8",
    )


def _publish(stage: Path, out: Path) -> None:
    """Move the complete staged results into `out`, replacing an earlier run's parts."""
    out.mkdir(parents=True, exist_ok=True)
    for name in PARTS:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        if (stage / name).exists():
            shutil.move(str(stage / name), str(target))


def _done(out: Path, slug: str, work: Path, kept: bool, console: Console) -> None:
    stem = f"regional_needs_assessment_{slug}-own-data"
    analysis = out / "regions" / f"{slug}-own-data"
    lines = [
        f"[green]Done.[/green] Everything this run produced is in {out}:",
        f"  report:               {out / 'reports' / f'{stem}.html'}",
        f"  index of reports:     {out / 'reports' / 'index.html'}",
        f"  tables and figures:   {analysis}",
    ]
    workbook = analysis / "release" / f"{stem}.xlsx"
    if workbook.is_file():
        lines.append(f"  workbook:             {workbook}")
    lines += [
        f"  executed notebook:    {out / 'notebooks' / f'{stem}.ipynb'}",
        f"  output-checking log:  {out / 'disclosure' / 'report.html'}",
        f"  checker's detail:     {checker_dir_of(out)} (for the output checker only: "
        "never share it with the outputs)",
        f"  private working data: {work} " + ("(kept)" if kept else "(deleted)"),
    ]
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)


def _as_parameter(path: Path) -> str:
    """A path for the notebook's parameters: relative to the project root when inside it (the
    executed notebook and its reports then carry no absolute path), else as given."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return str(path)
