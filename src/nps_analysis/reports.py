"""Executed notebooks → HTML reports (reader and auditor versions) and the report index."""

from __future__ import annotations

import html
import json
from pathlib import Path

from nps_analysis import __version__
from nps_analysis.paths import PROJECT_ROOT, display_path, resolve

# Papermill and nbclient record wall-clock times and paths; strip them so executed notebooks and
# reports do not change when nothing but the clock has.
_VOLATILE_NOTEBOOK_KEYS = ("start_time", "end_time", "duration", "input_path", "output_path")


def strip_volatile_metadata(nb: dict) -> dict:
    """Remove timestamps, durations, absolute paths and random ids that papermill/nbclient write
    into a notebook."""
    papermill = nb.get("metadata", {}).get("papermill", {})
    for key in _VOLATILE_NOTEBOOK_KEYS:
        papermill.pop(key, None)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("execution", None)
        if "injected-parameters" in meta.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives this cell a random id each run
        if cell.get("outputs"):
            cell["outputs"] = _merge_streams(cell["outputs"])
        cell_pm = meta.get("papermill", {})
        for key in _VOLATILE_NOTEBOOK_KEYS:
            cell_pm.pop(key, None)
    return nb


def _merge_streams(outputs: list[dict]) -> list[dict]:
    """Join consecutive stdout (or stderr) chunks: how the kernel splits printed text between
    messages depends on timing, so the same text must not make a different notebook."""
    merged: list[dict] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.get("output_type") == "stream"
            and previous.get("output_type") == "stream"
            and output.get("name") == previous.get("name")
        ):
            previous["text"] = _text(previous["text"]) + _text(output["text"])
        else:
            if output.get("output_type") == "stream":  # one form (a string), joined or not
                output = {**output, "text": _text(output["text"])}
            merged.append(output)
    return merged


def _text(text: str | list[str]) -> str:
    return text if isinstance(text, str) else "".join(text)


def render_notebook(
    executed: str | Path, reports_dir: str | Path = "outputs/reports", *, strict: bool = True
) -> list[Path]:
    """Write `<stem>.html` (for readers, no code) and `<stem>-with-code.html` (for auditors),
    and the report's spreadsheet and open data files beside its tables.

    Pages are built by `nps_analysis.release.pages` (titles, headline facts first, About box,
    contents, navigation, glossary). With `strict`, a raw pandas table in the reader version
    is an error: released tables are shown with `nps_analysis.release.display`.
    """
    from nps_analysis.release.pages import build_page, parameters_of

    executed = resolve(executed)
    reports_dir = resolve(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    raw = json.loads(executed.read_text(encoding="utf-8"))
    cleaned = strip_volatile_metadata(raw)
    executed.write_text(json.dumps(cleaned, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    downloads = write_release_files(executed.stem, parameters_of(cleaned))
    written = []
    for suffix, version in (("", "reader"), ("-with-code", "auditor")):
        page = build_page(cleaned, executed.stem, version, downloads=downloads, strict=strict)
        path = reports_dir / f"{executed.stem}{suffix}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written


def write_release_files(stem: str, parameters: dict) -> list[tuple[str, str]]:
    """The report's workbook (``release/<stem>.xlsx``) and EES open data (``open_data/``) in
    its analysis folder; returns (label, link from the reports folder) for the About box."""
    from nps_analysis.release.notebook import data_href
    from nps_analysis.release.open_data import write_open_data
    from nps_analysis.release.pages import about_items, report_entry
    from nps_analysis.release.workbook import build_workbook

    output_dir = parameters.get("output_dir")
    if not output_dir or not (resolve(output_dir) / "tables").is_dir():
        return []
    folder = resolve(output_dir)
    entry = report_entry(stem, parameters)
    context = {"region": entry.region} if entry.region else {}
    about = [
        f"{term}: {html.unescape(_strip_tags(value))}" for term, value in about_items(entry, [])
    ]
    build_workbook(
        folder,
        folder / "release" / f"{stem}.xlsx",
        title=entry.title,
        description=entry.description,
        about=about,
        context=context,
        analysis=entry.key,
    )
    region = entry.region if entry.group == "regional" else None
    files = write_open_data(folder, region=region, analysis=entry.key)
    downloads = [("Spreadsheet (XLSX, every table)", data_href(folder, f"release/{stem}.xlsx"))]
    if files:
        downloads.append(
            ("Open data (EES CSV files with .meta.csv)", data_href(folder, "open_data/"))
        )
    return downloads


def _captioned(table_html: str, caption: str) -> str:
    """A pandas HTML table with a caption (every table on a page is titled)."""
    head, sep, rest = table_html.partition(">")
    return f"{head}{sep}<caption>{html.escape(caption)}</caption>{rest}"


def _strip_tags(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", text)


def _dvc_lock_hashes(lock_path: Path) -> list[tuple[str, str, str]]:
    """(stage, path, md5) for every dependency recorded in dvc.lock that lives under data/."""
    import yaml

    if not lock_path.is_file():
        return []
    lock = yaml.safe_load(lock_path.read_text(encoding="utf-8")) or {}
    rows: set[tuple[str, str, str]] = set()
    for stage, spec in (lock.get("stages") or {}).items():
        for dep in spec.get("deps", []) or []:
            if str(dep.get("path", "")).startswith("data/") and dep.get("md5"):
                rows.add((stage, dep["path"], dep["md5"]))
    return sorted(rows)


def build_disclosure_log(
    outputs_dir: str | Path = "outputs", checker_root: str | Path = "output-checking"
) -> Path:
    """Collate every analysis' manifest into `outputs/disclosure/summary.csv` and a readable
    `report.html`: each output, its checks' status (published / safe / suppressed / rounded /
    withheld / unchecked) and the reason, with the release-wide audit's public summary
    (`audit.csv`, from `nps audit`; cell-level detail stays with the output checker)."""
    import pandas as pd

    from nps_analysis.disclosure.release import AUDIT_DIR
    from nps_analysis.outputs import to_csv_text

    outputs_dir = resolve(outputs_dir)
    audit_file = resolve(checker_root) / AUDIT_DIR / "public_summary.csv"
    audit = pd.read_csv(audit_file) if audit_file.is_file() else None
    frames = []
    for manifest in sorted(outputs_dir.glob("**/manifest.csv")):
        frame = pd.read_csv(manifest, dtype=str, keep_default_na=False)
        if "count_columns" not in frame.columns:
            frame["count_columns"] = ""
        frame.insert(0, "analysis", manifest.parent.relative_to(outputs_dir).as_posix())
        frames.append(frame)
    columns = ["analysis", "output", "kind", "data_kind", "rows", "status", "note", "count_columns"]
    log = pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    log = log.sort_values(["analysis", "output"], kind="mergesort").reset_index(drop=True)
    folder = outputs_dir / "disclosure"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.csv").write_text(to_csv_text(log), encoding="utf-8")
    if audit is not None:
        (folder / "audit.csv").write_text(to_csv_text(audit), encoding="utf-8")
        audit_html = (
            "<h2>Release-wide disclosure audit</h2><p>Every suppressed count was attacked with "
            "every table of the run at once (integer programmes): each one keeps a range of "
            "possible values at least as wide as the rule in <code>params.yaml</code>.</p>"
            + _captioned(audit.to_html(index=False, border=0), "Disclosure audit by analysis")
        )
    else:
        audit_html = "<h2>Release-wide disclosure audit</h2><p>Not run for these outputs.</p>"
    counts = log.groupby(["data_kind", "status"]).size().rename("outputs").reset_index()
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Output-checking log</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:.85em}}
td,th{{border:1px solid #ccc;padding:.2em .5em}}</style></head><body>
<h1>Output-checking log (statistical disclosure control)</h1>
<p>Every table and figure the pipeline wrote, with the checks applied. Published and public figures
pass through unchanged; outputs from record-level data are checked against the thresholds in
<code>params.yaml</code> (<code>sdc:</code>). Suppressed cells show <code>c</code>.</p>
<h2>Summary</h2>{_captioned(counts.to_html(index=False, border=0), "Outputs by data kind and status")}
{audit_html}
<h2>Every output</h2>{_captioned(log.to_html(index=False, border=0), "Every output with its disclosure-control status")}
</body></html>
"""
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def build_index(
    reports_dir: str | Path = "outputs/reports", *, data_kind: str = "synthetic"
) -> Path:
    """Write the landing page `index.html` (reports grouped, key national figures) and the run
    metadata page `run.html` (version, parameters, data hashes from dvc.lock)."""
    import yaml

    from nps_analysis.release.landing import build_index as landing_page
    from nps_analysis.release.landing import build_run_page

    reports_dir = resolve(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    params = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text(encoding="utf-8"))
    build_run_page(reports_dir, params, _dvc_lock_hashes(PROJECT_ROOT / "dvc.lock"), __version__)
    return landing_page(reports_dir, reports_dir.parent, data_kind=data_kind)


__all__ = [
    "build_disclosure_log",
    "build_index",
    "display_path",
    "render_notebook",
    "strip_volatile_metadata",
]
