"""Executed notebook -> a report page that reads like a statistics release.

Each report comes in two versions: ``reader`` (no code; auditor-only material removed; headline
facts first) and ``auditor`` (all code, in an accessible highlighting style). nbconvert renders
the cells (template ``templates/nps``); this module builds the page around them from
``templates/page.html.j2``: a unique title, the data-kind badge and banner, headline facts, the
"About these statistics" box with the symbol key, a contents list, navigation (index, related
reports, the other regions) and a glossary of the abbreviations the page uses.

Cell tags the notebooks set (docs/reports.md):

- ``headline``: moved to the top, into "Headline facts", in the reader version;
- ``auditor-only``: removed from the reader version (diagnostics, manifests, object dumps);
- ``only-<region-key>`` (e.g. ``only-south-west``): kept only in that region's report.

Outputs shown by `nps_analysis.release.display` carry their table's audience: tables whose spec
says ``audience: auditor`` are left out of the reader version too.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nps_analysis.release.symbols import symbol_key

TEMPLATES = Path(__file__).resolve().parent / "templates"
CATALOGUE = Path(__file__).resolve().parent / "reports.yaml"
GLOSSARY = Path(__file__).resolve().parent / "glossary.yaml"
VERSIONS = ("reader", "auditor")
TAG_HEADLINE = "headline"
TAG_AUDITOR = "auditor-only"
TAG_ONLY = "only-"
CODE_STYLE = "a11y-high-contrast-light"
"""accessible-pygments style of the auditor version's code (WCAG AAA contrast)."""
METADATA_KEY = "nps_release"
SITE = "National Picture of Adoption Support Commissioning"
DATA_BADGES = {
    "synthetic": "Synthetic data",
    "microdata": "The region's own data",
    "published": "Published figures",
    "public": "Official statistics",
}
DATA_EXPLAINED = {
    "synthetic": (
        "Record-level figures are built on SYNTHETIC data generated from the report's published "
        "aggregates: they are not real families, children or staff. Published and public "
        "figures are real."
    ),
    "microdata": (
        "Built from the region's own record-level data; every table passed statistical "
        "disclosure control before release."
    ),
    "published": "Figures transcribed from the National Picture report (Nov 2024): real and public.",
    "public": "Real official statistics (DfE, ONS, Ofsted, Coram-i ASG data collection).",
}
_H1 = re.compile(r"^\s*#\s+(.+?)\s*$", re.M)
_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)
_TAGS = re.compile(r"<[^>]+>")
_HEADING = re.compile(r"<h([2-4])((?:\s[^>]*)?)>(.*?)</h\1>", re.S)
_RESERVED_IDS = {
    "main",
    "headline-facts",
    "about-these-statistics",
    "symbol-key",
    "contents-title",
    "glossary",
}
_RAW_TABLE = re.compile(r'<table[^>]*class="dataframe"')
_RAW_TABLE_OPEN = re.compile(r'(<table[^>]*class="dataframe"[^>]*>)')
RAW_CAPTION = "Raw output of the code above (for auditors; not a released table)"


class ReleaseError(RuntimeError):
    """A report cannot be released as it stands (unknown report, raw table in the reader page)."""


@dataclass(frozen=True)
class ReportEntry:
    """How one report is introduced (from ``release/reports.yaml``)."""

    stem: str
    key: str
    title: str
    description: str
    group: str
    data: str
    period: str
    geography: str
    sources: tuple[str, ...]
    related: tuple[str, ...]
    region: str | None = None


def region_key(name: str) -> str:
    """``"Yorkshire & Humber"`` -> ``"yorkshire-humber"`` (the keys of params.yaml's regions)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("&", " ")).strip("-")


@functools.cache
def catalogue() -> dict[str, dict[str, Any]]:
    import yaml

    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))


@functools.cache
def glossary() -> dict[str, str]:
    import yaml

    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))


def report_entry(stem: str, parameters: dict[str, Any] | None = None) -> ReportEntry:
    """The catalogue entry of a report (regional ones filled with their region)."""
    from nps_analysis.regions import PAN_REGIONS

    parameters = parameters or {}
    entries = catalogue()
    key = stem
    region = parameters.get("region")
    if stem not in entries:
        key = next((k for k in entries if stem.startswith(f"{k}_")), "")
        if not key:
            raise ReleaseError(
                f"report '{stem}' is not in release/reports.yaml: add its title, description, "
                "group, data, period, geography, sources and related reports"
            )
        suffix = stem[len(key) + 1 :]
        region = region or next((r for r in PAN_REGIONS if region_key(r) == suffix), suffix)
    raw = entries[key]
    fill = {"region": region or "England"}
    data = raw["data"]
    if data == "record":
        data = str(parameters.get("data_kind") or "synthetic")
    return ReportEntry(
        stem=stem,
        key=key,
        title=str(raw["title"]).format(**fill),
        description=str(raw["description"]).format(**fill),
        group=str(raw["group"]),
        data=data,
        period=str(raw["period"]),
        geography=str(raw["geography"]).format(**fill),
        sources=tuple(str(s) for s in raw.get("sources", [])),
        related=tuple(str(s) for s in raw.get("related", [])),
        region=region if raw["group"] == "regional" else parameters.get("region"),
    )


def parameters_of(nb: dict) -> dict[str, Any]:
    """The run's parameters: papermill's injected ones over the notebook's defaults."""
    papermill = nb.get("metadata", {}).get("papermill", {})
    return {**(papermill.get("default_parameters") or {}), **(papermill.get("parameters") or {})}


def first_heading(nb: dict) -> str:
    """The text of the notebook's first level-1 heading."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            match = _H1.search(_source(cell))
            if match:
                return match.group(1).strip()
    raise ReleaseError("the notebook has no level-1 heading ('# Title') to title its page")


def page_heading(nb: dict, region: str | None) -> str:
    """The notebook's first heading, with the region appended when the heading lacks it."""
    heading = first_heading(nb)
    if region and region not in heading:
        heading = f"{heading}: {region}"
    return heading


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


_FIGURE_HTML = re.compile(r'<figure class="nps-figure" id="([^"]+)"')


def _image_key(output: dict) -> str | None:
    """What identifies a chart among a page's outputs: the figure name that
    `OutputWriter.figure` writes into the output's metadata (or the id of its HTML), else the
    hash of a raw image; None for anything else."""
    figure = output.get("metadata", {}).get(METADATA_KEY, {}).get("figure")
    if figure:
        return f"figure:{figure}"
    data = output.get("data", {})
    markup = data.get("text/html", "")
    match = _FIGURE_HTML.search(markup if isinstance(markup, str) else "".join(markup))
    if match:
        return f"figure:{match.group(1).removeprefix('figure-')}"
    for mime in ("image/png", "image/svg+xml"):
        if mime in data:
            payload = data[mime]
            text = payload if isinstance(payload, str) else "".join(payload)
            return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return None


def prepare_cells(nb: dict, version: str, region: str | None) -> tuple[list[dict], list[dict]]:
    """(headline cells, other cells) of one version: tags applied, the first heading removed
    (the page shows it), auditor-only material left out of the reader version, each chart shown
    once, warnings (stderr) kept for auditors only."""
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {VERSIONS}")
    reader = version == "reader"
    key = region_key(region) if region else None
    headline: list[dict] = []
    body: list[dict] = []
    seen_images: set[str] = set()
    heading_removed = False
    for original in nb.get("cells", []):
        cell = copy.deepcopy(original)
        tags = _tags(cell)
        only = [t[len(TAG_ONLY) :] for t in tags if t.startswith(TAG_ONLY)]
        if only and key not in only:
            continue
        if reader and TAG_AUDITOR in tags:
            continue
        if cell.get("cell_type") == "markdown" and not heading_removed:
            source = _source(cell)
            if _H1.search(source):
                cell["source"] = _H1.sub("", source, count=1).strip("\n")
                heading_removed = True
                if not cell["source"].strip():
                    continue
        if cell.get("cell_type") == "code":
            outputs = []
            for output in cell.get("outputs", []):
                meta = output.get("metadata", {}).get(METADATA_KEY, {})
                if reader and meta.get("audience") == "auditor":
                    continue
                if (
                    reader
                    and output.get("output_type") == "stream"
                    and output.get("name") == "stderr"
                ):
                    continue
                image = _image_key(output)
                if image is not None:
                    if image in seen_images:
                        continue
                    seen_images.add(image)
                outputs.append(output)
            cell["outputs"] = outputs
            if reader and not outputs:
                continue
        (headline if reader and TAG_HEADLINE in tags else body).append(cell)
    return headline, body


@functools.cache
def _exporter(exclude_input: bool):
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="nps", extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = exclude_input
    exporter.exclude_input_prompt = exclude_input
    exporter.exclude_output_prompt = True
    exporter.exclude_anchor_links = True
    return exporter


def render_cells(nb: dict, cells: list[dict], version: str) -> str:
    """HTML of `cells` (nbconvert, template ``nps``); empty string for no cells."""
    import json

    import nbformat

    if not cells:
        return ""
    part = {**nb, "cells": cells}
    node = nbformat.reads(json.dumps(part), as_version=4)
    body, _ = _exporter(version == "reader").from_notebook_node(node)
    return "\n".join(line.rstrip() for line in body.strip().splitlines()) + "\n"


def _code_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style=CODE_STYLE).get_style_defs(".highlight")


def page_css(version: str) -> str:
    css = (TEMPLATES / "release.css").read_text(encoding="utf-8")
    return css + ("\n" + _code_css() if version == "auditor" else "")


def add_heading_ids(fragment: str, taken: set[str]) -> str:
    """Give every h2-h4 without an id a stable, page-unique one (nbconvert adds none when
    anchor links are excluded), so the contents list can link to it."""

    def name(match: re.Match[str]) -> str:
        level, attrs, inner = match.group(1), match.group(2), match.group(3)
        if "id=" in attrs:
            return match.group(0)
        base = re.sub(r"[^a-z0-9]+", "-", html.unescape(_TAGS.sub("", inner)).lower()).strip("-")
        slug, n = base or "section", 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        return f'<h{level} id="{slug}"{attrs}>{inner}</h{level}>'

    return _HEADING.sub(name, fragment)


def contents_of(body_html: str) -> list[tuple[str, str]]:
    """(id, text) of every level-2 heading in the page body."""
    return [(i, html.unescape(_TAGS.sub("", t)).strip()) for i, t in _H2.findall(body_html)]


def glossary_for(text: str) -> list[tuple[str, str]]:
    """The abbreviations (from ``release/glossary.yaml``) that `text` uses, alphabetically."""
    plain = html.unescape(_TAGS.sub(" ", text))
    return [
        (abbr, meaning)
        for abbr, meaning in sorted(glossary().items())
        if re.search(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])", plain)
    ]


def page_href(stem: str, version: str = "reader") -> str:
    return f"{stem}{'-with-code' if version == 'auditor' else ''}.html"


def navigation(entry: ReportEntry, version: str, stems: list[str] | None) -> list[dict[str, Any]]:
    """Navigation groups: this report's versions, related reports and the other regions."""
    from nps_analysis.regions import PAN_REGIONS

    available = set(stems) if stems is not None else None
    versions = {
        "title": "This report",
        "links": [
            {"href": page_href(entry.stem), "text": "For readers", "current": version == "reader"},
            {
                "href": page_href(entry.stem, "auditor"),
                "text": "With code (for auditors)",
                "current": version == "auditor",
            },
        ],
    }
    related = []
    for stem in entry.related:
        if stem == "regional_needs_assessment":
            related.append({"href": "index.html#regional", "text": "Regional needs assessments"})
        elif available is None or stem in available:
            related.append({"href": page_href(stem), "text": report_entry(stem).title})
    groups = [versions, {"title": "Related reports", "links": related}] if related else [versions]
    if entry.group == "regional":
        others = [
            {
                "href": page_href(f"{entry.key}_{region_key(r)}"),
                "text": r,
                "current": r == entry.region,
            }
            for r in PAN_REGIONS
            if available is None or f"{entry.key}_{region_key(r)}" in available
        ]
        groups.append({"title": "Other regions", "links": others})
    return groups


def about_items(entry: ReportEntry, downloads: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(term, HTML) rows of the "About these statistics" box."""
    rows = [
        ("Data", html.escape(DATA_EXPLAINED.get(entry.data, entry.data))),
        ("Period", html.escape(entry.period)),
        ("Geography", html.escape(entry.geography)),
        ("Sources", html.escape("; ".join(entry.sources))),
        (
            "Rounding",
            "Figures are rounded half up for display; the downloadable files keep full precision.",
        ),
    ]
    if downloads:
        links = ", ".join(f'<a href="{html.escape(h)}">{html.escape(t)}</a>' for t, h in downloads)
        rows.append(("Download", links))
    return rows


def build_page(
    nb: dict,
    stem: str,
    version: str,
    *,
    stems: list[str] | None = None,
    downloads: list[tuple[str, str]] | None = None,
    strict: bool = True,
) -> str:
    """The HTML page of one version of a report."""
    import jinja2

    from nps_analysis import __version__
    from nps_analysis.outputs import DataKind

    parameters = parameters_of(nb)
    entry = report_entry(stem, parameters)
    heading = page_heading(nb, entry.region)
    headline_cells, body_cells = prepare_cells(nb, version, entry.region)
    taken = set(_RESERVED_IDS)
    headline_html = add_heading_ids(render_cells(nb, headline_cells, version), taken)
    body_html = add_heading_ids(render_cells(nb, body_cells, version), taken)
    if strict and version == "reader" and _RAW_TABLE.search(headline_html + body_html):
        raise ReleaseError(
            f"report '{stem}': the reader version shows a raw pandas table; show released "
            "tables with nps_analysis.release.display(out, name) (or tag the cell auditor-only)"
        )
    if version == "auditor":  # raw frames are allowed for auditors, but every table is titled
        caption = f"<caption>{RAW_CAPTION}</caption>"
        body_html = _RAW_TABLE_OPEN.sub(lambda m: m.group(1) + caption, body_html)
    about = about_items(entry, downloads or [])
    text = " ".join([heading, entry.description, headline_html, body_html, *(v for _, v in about)])
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(default=True),
        keep_trailing_newline=True,
    )
    kind = entry.data
    banner = DataKind(kind).banner if kind in ("synthetic", "microdata") else ""
    page = env.get_template("page.html.j2").render(
        page_title=f"{heading}{' (with code)' if version == 'auditor' else ''} - {SITE}",
        version=version,
        css=jinja2.utils.markupsafe.Markup(page_css(version)),
        index_href="index.html",
        nav=navigation(entry, version, stems),
        data_badge={"kind": kind, "text": DATA_BADGES.get(kind, kind)},
        version_note="Auditor version: all code shown" if version == "auditor" else "",
        heading=heading,
        description=entry.description,
        banner=banner,
        headline_html=jinja2.utils.markupsafe.Markup(headline_html),
        about=[(t, jinja2.utils.markupsafe.Markup(v)) for t, v in about],
        symbols=symbol_key(),
        contents=contents_of(body_html),
        body_html=jinja2.utils.markupsafe.Markup(body_html),
        glossary=glossary_for(text),
        footer=f"Built by nps-analysis {__version__} from the executed notebook "
        f"notebooks/{entry.key}.ipynb. Run metadata: see run.html.",
    )
    return "\n".join(line.rstrip() for line in page.splitlines()) + "\n"
