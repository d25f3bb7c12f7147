"""The landing page (``index.html``) and the run metadata page (``run.html``).

The index groups the reports (National, the eight regions, Methods and audit) with their human
titles, one-line descriptions, period and data-kind badge, and opens with key national figures
read from the released tables (formatted by their metadata). Parameters and data hashes are on
their own page.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from nps_analysis.release.formatting import format_value
from nps_analysis.release.metadata import table_spec
from nps_analysis.release.pages import (
    DATA_BADGES,
    SITE,
    ReportEntry,
    page_css,
    page_href,
    parameters_of,
    report_entry,
)
from nps_analysis.release.symbols import symbol_key

GROUPS = (
    ("national", "National", "national"),
    ("regional", "The eight pan-regions", "regional"),
    ("methods", "Methods and audit", "methods"),
)


def _entries(reports_dir: Path) -> list[ReportEntry]:
    notebooks = reports_dir.parent / "notebooks"
    entries = []
    for page in sorted(reports_dir.glob("*.html")):
        stem = page.stem
        if stem in ("index", "run") or stem.endswith("-with-code") or stem.startswith("_"):
            continue
        executed = notebooks / f"{stem}.ipynb"
        params = (
            parameters_of(json.loads(executed.read_text(encoding="utf-8")))
            if executed.is_file()
            else {}
        )
        entries.append(report_entry(stem, params))
    return entries


def _figure(outputs: Path, analysis: str, folder: str, table: str, pick) -> dict[str, str] | None:
    """One key figure: ``pick(frame)`` returns (column, value, label, when)."""
    path = outputs / folder / "tables" / f"{table}.csv"
    if not path.is_file():
        return None
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    column, value, label, when = pick(frame)
    spec = table_spec(analysis, table)
    shown = format_value(value, spec.columns[column])
    unit = spec.columns[column].indicator_unit
    if unit == "%":
        shown += "%"
    elif unit == "£":
        shown = "£" + shown
    return {
        "value": shown,
        "label": label,
        "when": when,
        "href": f"../{folder}/tables/{table}.csv",
        "source": spec.title_for({}, frame),
    }


def key_figures(outputs_dir: str | Path) -> list[dict[str, str]]:
    """The national headline figures shown on the landing page (those whose tables exist)."""
    outputs = Path(outputs_dir)

    def latest(column: str, time: str, label: str):
        def pick(frame: pd.DataFrame):
            row = frame.iloc[-1]
            return (
                column,
                row[column],
                label,
                f"{time} {row.get('financial_year', row.get('year', ''))}".strip(),
            )

        return pick

    def growth(frame: pd.DataFrame):
        row = frame.iloc[0]
        return (
            "total_growth_pct",
            row["total_growth_pct"],
            "growth in ASGSF funded packages",
            (f"{row['first_year']} to {row['last_year']}"),
        )

    def fte(frame: pd.DataFrame):
        total = pd.to_numeric(frame["fte"], errors="coerce").sum()
        return (
            "fte",
            repr(float(total)),
            "adoption support staff (FTE) in RAAs",
            "2024 skills audit",
        )

    wanted = [
        (
            "asgsf_therapy_trends",
            "asgsf_therapy_trends",
            "annual_totals",
            latest("packages", "financial year", "ASGSF funded therapeutic packages"),
        ),
        ("asgsf_therapy_trends", "asgsf_therapy_trends", "growth_summary", growth),
        (
            "public_adoption_statistics",
            "public_adoption_statistics",
            "england_totals_check",
            latest(
                "national_release", "year ending 31 March", "children adopted from care in England"
            ),
        ),
        ("workforce_skills_gaps", "workforce_skills_gaps", "fte_by_role", fte),
    ]
    figures = [_figure(outputs, a, f, t, pick) for a, f, t, pick in wanted]
    return [f for f in figures if f is not None]


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{page_css('reader')}\n</style>\n</head>\n"
        '<body class="nps-page nps-index">\n<a class="nps-skip" href="#main">Skip to main content</a>\n'
        f'<header class="nps-header">\n<p class="nps-service"><a href="index.html">{html.escape(SITE)}: '
        "reports</a></p>\n</header>\n"
        f'<main id="main">\n{body}</main>\n<footer class="nps-footer">\n<p>Run metadata (package '
        'version, parameters, data versions): <a href="run.html">run.html</a>.</p>\n</footer>\n'
        "</body>\n</html>\n"
    )


def build_index(
    reports_dir: str | Path, outputs_dir: str | Path, *, data_kind: str = "synthetic"
) -> Path:
    """Write ``index.html``: key national figures, then every report in its group."""
    from nps_analysis.provenance import DataKind

    reports_dir, outputs_dir = Path(reports_dir), Path(outputs_dir)
    entries = _entries(reports_dir)
    parts = [
        f"<h1>{html.escape(SITE)}</h1>\n",
        '<p class="nps-lede">Reproducible analyses of England\'s adoption support: national '
        "statistics, the eight pan-regions' needs assessments, and the methods behind them.</p>\n",
        f'<p class="nps-banner"><strong>{html.escape(DataKind(data_kind).banner)}</strong></p>\n',
    ]
    figures = key_figures(outputs_dir)
    if figures:
        items = "".join(
            f'<li><span class="nps-figure-value">{html.escape(f["value"])}</span> '
            f"{html.escape(f['label'])}, {html.escape(f['when'])} "
            f'(<a href="{html.escape(f["href"])}">data</a>)</li>\n'
            for f in figures
        )
        parts.append(
            '<section class="nps-headline" aria-labelledby="key-figures">\n'
            '<h2 id="key-figures">Key national figures</h2>\n'
            f'<ul class="nps-key-figures">\n{items}</ul>\n'
            "<p>ASGSF totals match the report's published figures (s4.2); the record-level data "
            "behind them is synthetic by default. Figures are rounded half up: the report "
            "truncates its growth figure to 209.9%.</p>\n</section>\n"
        )
    for group, heading, anchor in GROUPS:
        members = [e for e in entries if e.group == group]
        if not members:
            continue
        cards = "".join(_card(e) for e in members)
        parts.append(
            f'<section aria-labelledby="{anchor}">\n<h2 id="{anchor}">{html.escape(heading)}</h2>\n'
            f'<ul class="nps-reports">\n{cards}</ul>\n</section>\n'
        )
    parts.append(
        '<section aria-labelledby="checking">\n<h2 id="checking">Output checking</h2>\n'
        '<p>Disclosure control log: <a href="../disclosure/report.html">every output and its '
        'status</a> (<a href="../disclosure/summary.csv">summary.csv</a>).</p>\n'
        "<p>Symbols used in tables: "
        + "; ".join(f"{html.escape(s)} {html.escape(m)}" for s, m in symbol_key())
        + ".</p>\n</section>\n"
    )
    path = reports_dir / "index.html"
    path.write_text(_page(f"Reports - {SITE}", "".join(parts)), encoding="utf-8")
    return path


def _card(entry: ReportEntry) -> str:
    badge = DATA_BADGES.get(entry.data, entry.data)
    return (
        f'<li class="nps-report-card">\n<h3><a href="{page_href(entry.stem)}">'
        f"{html.escape(entry.title)}</a></h3>\n"
        f'<p><span class="nps-badge nps-badge-{html.escape(entry.data)}">{html.escape(badge)}</span> '
        f"{html.escape(entry.period)}</p>\n<p>{html.escape(entry.description)}</p>\n"
        f'<p><a href="{page_href(entry.stem, "auditor")}">{html.escape(entry.title)}: version '
        "with code</a></p>\n</li>\n"
    )


def build_run_page(
    reports_dir: str | Path,
    params: dict[str, Any],
    hashes: list[tuple[str, str, str]],
    version: str,
) -> Path:
    """Write ``run.html``: package version, parameters and the data versions from dvc.lock."""
    import yaml

    rows = "".join(
        f"<tr><td>{html.escape(s)}</td><td>{html.escape(p)}</td><td><code>{html.escape(h)}</code></td></tr>\n"
        for s, p, h in hashes
    )
    body = (
        "<h1>Run metadata</h1>\n"
        f"<p>nps-analysis version {html.escape(version)}. Parameters from <code>params.yaml</code>:</p>\n"
        f"<pre>{html.escape(yaml.safe_dump(params, sort_keys=True))}</pre>\n"
        '<h2 id="data-versions">Data versions (from dvc.lock)</h2>\n'
        '<table class="gt_table" aria-labelledby="data-versions">\n<thead><tr><th scope="col">Stage</th>'
        '<th scope="col">Input</th><th scope="col">MD5</th></tr></thead>\n'
        f"<tbody>\n{rows}</tbody>\n</table>\n"
    )
    path = Path(reports_dir) / "run.html"
    path.write_text(_page(f"Run metadata - {SITE}", body), encoding="utf-8")
    return path
