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
