"""Headless Chromium for report checks: installed on demand (Debian's `chromium` package)."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=15000",
]

CHECK_PAGE = """<!DOCTYPE html><html><body><pre id="result">pending</pre>
<iframe id="frame" src="{target}" style="width:1200px;height:900px"></iframe>
<script>
document.getElementById('frame').addEventListener('load', () => {{
  const doc = document.getElementById('frame').contentDocument;
  const images = Array.from(doc.images).map(img => ({{
    ok: img.complete && img.naturalWidth > 0,
    visible: img.getBoundingClientRect().width > 0 && img.getBoundingClientRect().height > 0,
  }}));
  document.getElementById('result').textContent = JSON.stringify({{
    title: doc.title, images: images.length,
    broken: images.filter(i => !i.ok).length, invisible: images.filter(i => !i.visible).length,
  }});
}});
</script></body></html>"""


def ensure_chromium() -> str:
    """Path of a Chromium binary, installing Debian's package when missing (needs root + apt)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError("Chromium is not installed; install Debian's 'chromium' package")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env, capture_output=True
    )
    return shutil.which("chromium") or "/usr/bin/chromium"


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on a free loopback port; yields the base URL."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def check_images(chromium: str, reports: Path, page: str) -> dict:
    """Load `page` (served from `reports`) in headless Chromium; count broken/invisible images."""
    check = reports / "_browser_check.html"
    check.write_text(CHECK_PAGE.format(target=page), encoding="utf-8")
    with serve(reports) as base, tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--dump-dom",
                f"{base}/{check.name}",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    check.unlink()
    match = re.search(r'<pre id="result">(.*?)</pre>', result.stdout, re.S)
    assert match, f"Chromium printed no result: {result.stderr[-2000:]}"
    return json.loads(match.group(1).replace("&quot;", '"'))


def screenshot(chromium: str, reports: Path, page: str, png: Path) -> None:
    """A PNG of `page` as a reader sees it."""
    with serve(reports) as base, tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--window-size=1200,2400",
                f"--screenshot={png}",
                f"{base}/{page}",
            ],
            capture_output=True,
            timeout=120,
            check=True,
        )


def local_links(html: str) -> list[str]:
    """Relative link and image targets in a page (external URLs, anchors and data URIs left out)."""
    targets = re.findall(r'(?:href|src)="([^"#]+)"', html)
    return [t for t in targets if not re.match(r"^(https?:|mailto:|data:|javascript:)", t)]


# --------------------------------------------------------------------------- release checks
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
"""axe-core rule tags for WCAG 2.2 levels A and AA (2.0, 2.1 and 2.2 success criteria)."""
SITE_PAGES = ("index.html", "run.html")
"""Pages that are not reports (no released tables; their conventions are still checked)."""

PAGE_FACTS_JS = """() => {
  const text = el => (el ? el.textContent.replace(/\\s+/g, ' ').trim() : '');
  const tables = Array.from(document.querySelectorAll('table')).map(t => {
    const wrap = t.closest('.nps-table');
    const named = t.getAttribute('aria-labelledby');
    const title = t.caption ? text(t.caption) : (named ? text(document.getElementById(named)) : '');
    const heads = Array.from(t.querySelectorAll('thead tr.gt_col_headings th, thead tr:last-child th')).map(text);
    const rows = Array.from(t.tBodies).flatMap(b => Array.from(b.rows)).map(r =>
      Array.from(r.cells).map(c => ({text: text(c), numeric: c.classList.contains('gt_right')})));
    return {title, heads, rows, table: wrap ? wrap.dataset.table || '' : '', csv: wrap ? wrap.dataset.csv || '' : ''};
  });
  const images = Array.from(document.images).map(i => ({alt: i.getAttribute('alt'), ok: i.complete && i.naturalWidth > 0}));
  return {title: document.title, tables, images};
}"""


def release_checks(chromium: str, folder: Path, pages: list[str]) -> dict[str, dict]:
    """Load each page (served from `folder`) in Chromium through Playwright: axe-core's WCAG 2.2
    A/AA violations and the facts the convention checks need (title, tables, images)."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results: dict[str, dict] = {}
    with serve(folder) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for name in pages:
                page.goto(f"{base}/{name}", wait_until="load")
                violations = axe.run(page, options=options).response["violations"]
                facts = page.evaluate(PAGE_FACTS_JS)
                facts["violations"] = [
                    {
                        "id": v["id"],
                        "impact": v["impact"],
                        "nodes": len(v["nodes"]),
                        "target": v["nodes"][0]["target"] if v["nodes"] else [],
                    }
                    for v in violations
                ]
                facts["html"] = page.content()
                results[name] = facts
        finally:
            browser.close()
    return results


def axe_problems(results: dict[str, dict]) -> list[str]:
    """axe-core's WCAG 2.2 A/AA violations of every page, one line per rule and page."""
    return [
        f"{name}: axe {v['id']} ({v['impact']}) on {v['nodes']} node(s) {v['target']}"
        for name, facts in results.items()
        for v in facts["violations"]
    ]


def convention_problems(results: dict[str, dict], folder: Path) -> list[str]:
    """Everything the pages loaded in Chromium get wrong: axe violations, broken images, and
    the checks of `nps_analysis.release.checks` on each page's DOM (conventions; on report
    pages, every table a released one equal to the CSV its download link names)."""
    from nps_analysis.release import checks

    problems = axe_problems(results)
    problems += [
        f"{name}: broken image"
        for name, facts in results.items()
        for i in facts["images"]
        if not i["ok"]
    ]
    pages = {name: facts["html"] for name, facts in results.items()}
    problems += [str(p) for p in checks.convention_problems(pages)]
    for name, html in pages.items():
        if name not in SITE_PAGES:
            problems += [
                str(p)
                for p in checks.table_problems(name, html, checks.folder_of_page(html, folder))
            ]
    return problems
