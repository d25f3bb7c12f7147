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
    executed: str | Path, reports_dir: str | Path = "outputs/reports"
) -> list[Path]:
    """Write `<stem>.html` (for readers, no code) and `<stem>-with-code.html` (for auditors)."""
    import nbformat
    from nbconvert import HTMLExporter

    executed = resolve(executed)
    reports_dir = resolve(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    raw = json.loads(executed.read_text(encoding="utf-8"))
    cleaned = strip_volatile_metadata(raw)
    executed.write_text(json.dumps(cleaned, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    nb = nbformat.reads(json.dumps(cleaned), as_version=4)
    written = []
    exporter = HTMLExporter(template_name="lab")  # one exporter: the template is loaded once
    for suffix, exclude_input in (("", True), ("-with-code", False)):
        exporter.exclude_input = exclude_input
        exporter.exclude_input_prompt = exclude_input
        exporter.exclude_output_prompt = exclude_input
        body, _ = exporter.from_notebook_node(nb)
        path = reports_dir / f"{executed.stem}{suffix}.html"
        path.write_text(body, encoding="utf-8")
        written.append(path)
    return written


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


def build_disclosure_log(outputs_dir: str | Path = "outputs") -> Path:
    """Collate every analysis' manifest into `outputs/disclosure/summary.csv` and a readable
    `report.html`: each output, its checks' status (published / safe / suppressed / rounded /
    withheld / unchecked) and the reason — what an output checker needs to sign off."""
    import pandas as pd

    from nps_analysis.outputs import to_csv_text

    outputs_dir = resolve(outputs_dir)
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
    counts = log.groupby(["data_kind", "status"]).size().rename("outputs").reset_index()
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Output-checking log</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:.85em}}
td,th{{border:1px solid #ccc;padding:.2em .5em}}</style></head><body>
<h1>Output-checking log (statistical disclosure control)</h1>
<p>Every table and figure the pipeline wrote, with the checks applied. Published and public figures
pass through unchanged; outputs from record-level data are checked against the thresholds in
<code>params.yaml</code> (<code>sdc:</code>). Suppressed cells show <code>c</code>.</p>
<h2>Summary</h2>{counts.to_html(index=False, border=0)}
<h2>Every output</h2>{log.to_html(index=False, border=0)}
</body></html>
"""
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def build_index(
    reports_dir: str | Path = "outputs/reports", *, data_kind: str = "synthetic"
) -> Path:
    """Write `outputs/reports/index.html` linking every report, with run metadata and a data banner."""
    import yaml

    reports_dir = resolve(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    reader_reports = sorted(
        p
        for p in reports_dir.glob("*.html")
        if p.name != "index.html" and not p.stem.endswith("-with-code")
    )
    params = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text(encoding="utf-8"))
    banner = (
        "SYNTHETIC DATA: record-level results in these reports are built on synthetic data generated "
        "from the report's published aggregates. They are not real children, families or staff."
        if data_kind == "synthetic"
        else "Built from regional record-level data; outputs passed statistical disclosure control."
    )
    items = "\n".join(
        f'<li><a href="{html.escape(p.name)}">{html.escape(p.stem.replace("_", " "))}</a>'
        f' (<a href="{html.escape(p.stem)}-with-code.html">with code</a>)</li>'
        for p in reader_reports
    )
    hashes = "\n".join(
        f"<tr><td>{html.escape(s)}</td><td>{html.escape(p)}</td><td><code>{h}</code></td></tr>"
        for s, p, h in _dvc_lock_hashes(PROJECT_ROOT / "dvc.lock")
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>nps-analysis reports</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}
.banner{{background:#fdecea;border:2px solid #b00020;padding:.8em;font-weight:bold}}
table{{border-collapse:collapse;font-size:.85em}}td,th{{border:1px solid #ccc;padding:.2em .5em}}</style>
</head><body>
<h1>National Picture of Adoption Support Commissioning: reports</h1>
<p class="banner">{html.escape(banner)}</p>
<h2>Reports</h2>
<ul>
{items}
</ul>
<p>Output-checking log (disclosure control): <a href="../disclosure/report.html">report</a>,
<a href="../disclosure/summary.csv">summary.csv</a>.</p>
<h2>Run metadata</h2>
<p>nps-analysis version {html.escape(__version__)}; parameters from <code>params.yaml</code>:</p>
<pre>{html.escape(yaml.safe_dump(params, sort_keys=True))}</pre>
<h2>Data versions (from dvc.lock)</h2>
<table><tr><th>stage</th><th>input</th><th>md5</th></tr>
{hashes}
</table>
</body></html>
"""
    path = reports_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


__all__ = [
    "build_disclosure_log",
    "build_index",
    "display_path",
    "render_notebook",
    "strip_volatile_metadata",
]
