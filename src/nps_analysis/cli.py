"""The `nps` command: one entry point for running, validating, generating and reporting."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from nps_analysis.paths import PROJECT_ROOT, SYNTHETIC_DIR, display_path, resolve

app = typer.Typer(
    help="nps-analysis: the National Picture of Adoption Support Commissioning as reproducible code.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True, soft_wrap=True)  # long paths and messages stay whole lines


def _user_path(path: Path) -> Path:
    """A path typed by the user: relative to the current folder (not the project), '~' expanded."""
    return Path(os.path.expanduser(path)).absolute()


def _sheet_map(pairs: list[str]) -> dict[str, str]:
    from nps_analysis.datasets.reading import parse_sheet_map

    try:
        return parse_sheet_map(pairs)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--sheet") from exc


SHEET_HELP = (
    "Read a workbook sheet as a data set, e.g. --sheet 'open cases 22-23=open_cases' "
    "('NAME=skip' leaves a sheet out). Repeatable."
)
REPORT_HELP = "Also write every problem, row by row, to this .xlsx or .csv file."


def _tool(name: str) -> str:
    """Path of a console script installed beside this Python (the project's .venv)."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)


@app.command()
def run(
    region: Annotated[
        str | None, typer.Option(help="Run one pan-region's stages only, e.g. 'South West'.")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="A region's own data folder (with --region), relative to this folder."),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            help="With --data-dir: the one folder every result goes to (default: "
            "nps-<region>-own-data here; never the default release outputs/)."
        ),
    ] = None,
    sheet: Annotated[list[str], typer.Option(help=SHEET_HELP)] = [],  # noqa: B006
    keep_intermediate: Annotated[
        bool,
        typer.Option(help="With --data-dir: keep the private working folder of typed data."),
    ] = False,
    report: Annotated[Path | None, typer.Option(help=REPORT_HELP)] = None,
    force: Annotated[
        bool, typer.Option(help="Rerun stages even if nothing changed (one at a time).")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, help="Stages to run at once (default: CPU cores, max 4)."
        ),
    ] = None,
) -> None:
    """Run the pipeline (DVC): everything, or one region's needs assessment.

    Out-of-date stages that do not depend on each other run in parallel; DVC records every result
    in dvc.lock, so `dvc repro` afterwards finds nothing to do.
    """
    if data_dir is not None:
        if region is None:
            raise typer.BadParameter("--data-dir needs --region (which region's files are these?)")
        from nps_analysis.regional_run import run_region_with_own_data

        code = run_region_with_own_data(
            region,
            _user_path(data_dir),
            console=console,
            output_dir=None if output_dir is None else _user_path(output_dir),
            sheet_map=_sheet_map(sheet),
            keep_intermediate=keep_intermediate,
            report_path=None if report is None else _user_path(report),
        )
        raise typer.Exit(code)
    if output_dir is not None or sheet or keep_intermediate or report is not None:
        raise typer.BadParameter(
            "--output-dir, --sheet, --keep-intermediate and --report go with --data-dir "
            "(a region's own files)"
        )
    if force:
        cmd = [_tool("dvc"), "repro", "--force"]
        if region is not None:
            cmd.append(_region_stage(region))
        console.print(f"[bold]Running:[/bold] dvc {' '.join(cmd[1:])}")
        raise typer.Exit(subprocess.call(cmd, cwd=PROJECT_ROOT))
    raise typer.Exit(_reproduce([_region_stage(region)] if region else [], jobs))


def _region_stage(region: str) -> str:
    from nps_analysis.regions import region_slug

    try:
        return f"regional@{region_slug(region)}"
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def _reproduce(targets: list[str], jobs: int | None) -> int:
    """Run the out-of-date stages (independent ones in parallel); 0 when all succeeded."""
    import time

    from dvc.exceptions import DvcException

    from nps_analysis.reproduce import StageRun, default_jobs, plan_stages, run_plan

    start = time.perf_counter()
    try:
        plan = plan_stages(PROJECT_ROOT, targets)
    except DvcException as exc:
        console.print(f"[red]DVC could not read the pipeline:[/red] {exc}")
        return 1
    if not plan.order:
        console.print("Data and pipelines are up to date.")
        return 0
    jobs = jobs or default_jobs()
    console.print(f"[bold]{len(plan.order)} stage(s) to check[/bold], up to {jobs} at a time")

    def report(run: StageRun) -> None:
        state = "[red]FAILED[/red]" if run.returncode else run.state
        console.rule(f"{run.stage}: {state} ({run.seconds:.1f} s)", align="left")
        if run.returncode or run.ran:
            console.print(run.log, markup=False, highlight=False)

    runs = run_plan(plan, jobs=jobs, root=PROJECT_ROOT, report=report)
    failed = [r.stage for r in runs if r.returncode]
    not_run = [s for s in plan.order if s not in {r.stage for r in runs}]
    seconds = time.perf_counter() - start
    if failed:
        console.print(
            f"[red]Failed: {', '.join(failed)}.[/red] Its output is above."
            + (f" Not run because of it: {', '.join(not_run)}." if not_run else "")
            + " Fix the problem and run the same command again: finished stages are not rerun."
        )
        return 1
    ran = sum(r.ran for r in runs)
    console.print(
        f"[green]Done in {seconds:.0f} s:[/green] {ran} stage(s) ran, "
        f"{len(runs) - ran} up to date or restored from DVC's cache. DVC recorded the results in dvc.lock "
        "(commit it with git to version this run)."
    )
    return 0


@app.command()
def validate(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files or folders to check (CSV, text, .xlsx, .xls, .ods, Parquet), relative "
            "to this folder; a folder's data files are all checked, together."
        ),
    ],
    dataset: Annotated[
        str | None, typer.Option(help="Dataset name if it can't be inferred from the file name.")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(help="The region `nps run --region` will run: its rows are counted."),
    ] = None,
    sheet: Annotated[list[str], typer.Option(help=SHEET_HELP)] = [],  # noqa: B006
    report: Annotated[Path | None, typer.Option(help=REPORT_HELP)] = None,
) -> None:
    """Check data files exactly as `nps run` will; lists every problem and writes nothing
    (except the --report file)."""
    from nps_analysis.validation import show_report, validate_report, write_problem_report

    sheet_map = _sheet_map(sheet)
    if region is not None:
        from nps_analysis.regions import region_slug, region_slugs

        try:
            region = {s: n for n, s in region_slugs().items()}[region_slug(region)]
        except ValueError as exc:
            console.print(str(exc), style="red", markup=False)
            raise typer.Exit(2) from exc
    result = validate_report(
        [_user_path(p) for p in paths], dataset, region=region, sheet_map=sheet_map
    )
    show_report(result, console)
    if report is not None:
        written = write_problem_report(result, _user_path(report))
        console.print(
            f"Every problem, row by row: {written} (it shows cell values: keep it with the data)",
            markup=False,
            highlight=False,
        )
    if result.errors:
        console.print(
            f"[bold red]{len(result.errors)} problem(s) found; nothing was written.[/bold red]"
        )
        raise typer.Exit(1)
    console.print(
        f"[green]✓ Valid: {len(result.frames)} data set(s) read, ready for nps run:[/green]"
    )
    for line in result.summary():
        console.print(f"  {line}", markup=False, highlight=False)


@app.command()
def template(
    out: Annotated[
        Path,
        typer.Argument(help="Where to write the Excel data request template (this folder)."),
    ] = Path("nps_data_request_template.xlsx"),
) -> None:
    """Write the blank Excel data request template (one sheet per data set, with drop-downs)."""
    from nps_analysis.datasets.template import write_template

    path = _user_path(out)
    if path.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the template is an Excel workbook: give a name ending .xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_template(path)
    console.print(f"Template written: {path}", markup=False, highlight=False)


@app.command()
def synth(
    out: Annotated[Path, typer.Option(help="Output folder.")] = SYNTHETIC_DIR,
    seed: Annotated[int | None, typer.Option(help="Override params.yaml synth.seed.")] = None,
) -> None:
    """Generate the SYNTHETIC default data set from the published aggregates (seeded)."""
    from nps_analysis.config import load_params
    from nps_analysis.synth import generate_all

    params = dict(load_params()["synth"])
    if seed is not None:
        params["seed"] = seed
    with console.status("Generating synthetic data..."):
        written = generate_all(resolve(out), params)
    for path in written:
        console.print(f"  wrote {path.name}")


@app.command()
def process(
    in_dir: Annotated[Path, typer.Option(help="Folder of data set files.")] = SYNTHETIC_DIR,
    out_dir: Annotated[Path, typer.Option(help="Where validated Parquet files go.")] = Path(
        "data/processed"
    ),
) -> None:
    """Validate every data set file in IN_DIR and write typed Parquet files to OUT_DIR."""
    from nps_analysis.datasets import build_processed
    from nps_analysis.errors import InputDataError

    try:
        written = build_processed(resolve(in_dir), resolve(out_dir))
    except InputDataError as exc:
        for problem in exc.problems:
            console.print(
                "✗ " + problem.describe(show_value=True), style="red", markup=False, highlight=False
            )
        raise typer.Exit(1) from exc
    for path in written:
        console.print(f"  wrote {path.name}")


@app.command("public-data")
def public_data(
    out_dir: Annotated[Path, typer.Option(help="Where the tidy public tables go.")] = Path(
        "data/processed/public"
    ),
) -> None:
    """Build the tidy public statistics tables (DfE, ONS, Ofsted, ASGLB) once, as Parquet."""
    from nps_analysis.public.analysis import build_public_processed

    with console.status("Reading public statistics..."):
        written = build_public_processed(resolve(out_dir))
    for path in written.values():
        console.print(f"  wrote {Path(path).name}")


# ---- refresh / diff (issue 22): rerunning with new data -------------------------------------
REFRESH_DIR = Path("outputs/refresh")


def _refresh_problem(exc: Exception) -> None:
    from nps_analysis.errors import InputDataError

    if isinstance(exc, InputDataError):
        for problem in exc.problems:
            console.print("✗ " + problem.describe(), style="red", markup=False, highlight=False)
    else:
        console.print(f"✗ {exc}", style="red", markup=False, highlight=False)


@app.command()
def refresh(
    public: Annotated[
        list[Path],
        typer.Option(help="A new DfE release: its folder (cla_YYYY_release) or CSV files."),
    ] = [],  # noqa: B006
    asgsf: Annotated[
        list[Path], typer.Option(help="A new year of ASGSF packages: files or a folder.")
    ] = [],  # noqa: B006
    reason: Annotated[
        str | None, typer.Option(help="Why (required): recorded in the run history.")
    ] = None,
    who: Annotated[str | None, typer.Option(help="Who runs it (default: your login).")] = None,
    release: Annotated[
        str | None, typer.Option(help="Release spec to read the files with, e.g. cla_2025_release.")
    ] = None,
    report_dir: Annotated[
        Path, typer.Option(help="Where the refresh reports go (inside the project).")
    ] = REFRESH_DIR,
) -> None:
    """Bring in new data: check it against the spec of its release (or the data contract), copy
    it into data/raw (or data/private), record why in the run history and report what changed in
    the published inputs. Then run `nps run` and `nps diff` (printed at the end)."""
    import getpass

    from nps_analysis.errors import InputDataError
    from nps_analysis.refresh import asgsf as asgsf_refresh
    from nps_analysis.refresh import diff, history, report, series
    from nps_analysis.refresh.public import refresh_public

    who = who or getpass.getuser()
    if not public and not asgsf:
        raise typer.BadParameter("give --public PATH or --asgsf PATH", param_hint="--public")
    try:
        history.require_reason(reason)
        if public:
            done = refresh_public(
                [_user_path(p) for p in public], reason=reason, who=who, release=release
            )
            folder = resolve(report_dir) / done.release
            kept = diff.snapshot_tables(resolve("outputs"), folder / "previous")
            changes = diff.diff_tables(done.before, done.after, series.CHECK_KEYS, ("release",))
            md = report.write_report(
                changes,
                folder / "inputs",
                f"Published inputs: {done.release} against the previous data",
                [
                    f"reason: {done.entry.reason} ({done.entry.who}, {done.entry.date})",
                    f"files: {done.entry.files}",
                    *[f"{f}: columns read through the spec: {m}" for f, m in done.renamed.items()],
                ],
            )
            for rel in done.copied:
                console.print(f"  copied data/raw/public/{rel}", markup=False, highlight=False)
            console.print(f"  input changes: {display_path(md)}", markup=False, highlight=False)
            console.print(
                f"Next: nps run   then   nps diff {display_path(folder / 'previous')} outputs "
                f"--out {display_path(folder)}   ({kept} released tables kept for the diff)",
                markup=False,
                highlight=False,
            )
        if asgsf:
            copied, entry = asgsf_refresh.refresh_asgsf(
                [_user_path(p) for p in asgsf], reason=reason, who=who
            )
            for path in copied:
                console.print(f"  copied {display_path(path)}", markup=False, highlight=False)
            console.print(
                f"Next: nps run --region REGION --data-dir {display_path(copied[0].parent)}",
                markup=False,
                highlight=False,
            )
    except (InputDataError, history.RefreshRefused) as exc:
        _refresh_problem(exc)
        console.print("[bold red]Refresh refused; nothing was copied.[/bold red]")
        raise typer.Exit(1) from exc


@app.command("diff")
def diff_builds(
    old: Annotated[Path, typer.Argument(help="The previous build's outputs folder.")],
    new: Annotated[Path, typer.Argument(help="The new build's outputs folder.")],
    out: Annotated[Path, typer.Option(help="Where release_diff.md / .csv go.")] = REFRESH_DIR,
) -> None:
    """The release diff: per released table, revised values, new years, rows added or removed,
    rankings and bands that moved and headline sentences that changed."""
    from nps_analysis.refresh import diff, report

    changes = diff.diff_folders(_user_path(old), _user_path(new))
    md = report.write_report(
        changes, _user_path(out), "Release diff", [f"previous: {old}", f"new: {new}"]
    )
    console.print(f"{len(changes)} change(s); report: {md}", markup=False, highlight=False)


@app.command()
def audit(
    checker_root: Annotated[
        Path, typer.Option(help="The output checker's folder of the run.")
    ] = Path("output-checking"),
) -> None:
    """Attack every suppressed cell of the run with all its released tables (integer
    programmes); exit 1, so that nothing is published, if any cell is not protected."""
    from nps_analysis.disclosure.release import audit_release, checker_summary, write_audit
    from nps_analysis.sdc import SDCConfig

    config = SDCConfig.from_params()
    with console.status("Auditing the release..."):
        result = audit_release(
            resolve(checker_root),
            min_width=config.protection_width,
            node_budget=config.audit_node_budget,
            zeros_released=not config.zeros_are_disclosive,
        )
    folder = write_audit(result, resolve(checker_root))
    summary = checker_summary(result)
    narrowest = summary["narrowest_width"].min() if len(summary) else float("nan")
    console.print(
        f"Disclosure audit: {result.suppressed} suppressed of {result.cells} count cells in "
        f"{result.tables} tables; narrowest protection interval {narrowest:g} "
        f"(rule: at least {config.protection_width:g}); {result.seconds:.1f} s. "
        f"Detail for the output checker: {display_path(folder)}",
        markup=False,
    )
    if not result.passed:
        for row in result.report.violations.head(20).itertuples():
            console.print(
                f"  {row.table} row {row.row} {row.column}: [{row.lower:g}, {row.upper:g}] "
                f"{row.reason}",
                markup=False,
            )
        count = len(result.report.violations)
        what = "real record-level data" if result.blocking else "the synthetic default"
        console.print(
            f"{count} suppressed cell(s) of {what} are not protected: nothing is published (the "
            "release's index page is not built). The output checker's detail says which cells "
            "and from which tables; docs/disclosure-audit.md says how the run protects them.",
            style="bold red",
        )
        raise typer.Exit(1)


@app.command()
def execute(
    notebook: Annotated[
        Path, typer.Argument(help="Notebook to run, e.g. notebooks/asgsf_therapy_trends.ipynb.")
    ],
    executed: Annotated[
        Path, typer.Argument(help="Where the executed copy goes (outputs/notebooks/...).")
    ],
    param: Annotated[
        list[str], typer.Option("-p", "--param", help="name=value, value parsed as YAML.")
    ] = [],  # noqa: B006
    raw: Annotated[
        list[str], typer.Option("-r", "--raw", help="name=value, value kept as a string.")
    ] = [],  # noqa: B006
    kernel: Annotated[
        str, typer.Option("-k", "--kernel", help="Jupyter kernel name.")
    ] = "nps-analysis",
    reports_dir: Annotated[
        Path, typer.Option(help="Where the HTML reports go (a scratch folder for a trial run).")
    ] = Path("outputs/reports"),
    protect_with: Annotated[
        list[Path],
        typer.Option(
            help="Output-checking folder of an analysis released with this one (repeatable): "
            "suppressed cells are protected against its tables too."
        ),
    ] = [],  # noqa: B006
) -> None:
    """Run a notebook with papermill (parameters injected), then render its HTML reports."""
    from nps_analysis.execute import execute_notebook, parse_parameters

    try:
        parameters = parse_parameters(param, raw)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"[bold]Executing[/bold] {notebook.as_posix()} with {parameters}")
    try:
        execute_notebook(
            notebook,
            executed,
            parameters,
            kernel_name=kernel,
            reports_dir=reports_dir,
            protect_with=protect_with,
        )
    except Exception as exc:  # papermill's error names the failing cell; keep the message short
        console.print(
            f"[red]{type(exc).__name__}: {str(exc).splitlines()[-1] if str(exc) else ''}[/red]"
        )
        console.print(f"See the failing cell in {executed.as_posix()}")
        raise typer.Exit(1) from exc
    console.print(f"  wrote {executed.as_posix()} and its HTML reports")


@app.command()
def render(
    notebooks: Annotated[list[Path], typer.Argument(help="Executed notebooks to render.")],
    reports_dir: Annotated[Path, typer.Option(help="Where HTML reports go.")] = Path(
        "outputs/reports"
    ),
) -> None:
    """Render executed notebooks to HTML: a reader version (no code) and an auditor version."""
    from nps_analysis.reports import render_notebook

    for nb in notebooks:
        for path in render_notebook(nb, reports_dir):
            console.print(f"  wrote {path.name}")


@app.command()
def index(
    reports_dir: Annotated[Path, typer.Option(help="Folder of HTML reports.")] = Path(
        "outputs/reports"
    ),
) -> None:
    """Write the output-checking log and outputs/reports/index.html linking every report."""
    from nps_analysis.reports import build_disclosure_log, build_index

    console.print(f"  wrote {display_path(build_disclosure_log())}")
    console.print(f"  wrote {build_index(reports_dir).name}")


if __name__ == "__main__":  # pragma: no cover
    app()
