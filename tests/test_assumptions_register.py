"""docs/assumptions.md registers every ASSUMPTION in params.yaml, read when the test runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params.yaml"
REGISTER = ROOT / "docs" / "assumptions.md"
QUALITY = {"GREEN", "AMBER", "RED", "unrated"}
IMPACT = {"HIGH", "MEDIUM", "LOW", "unrated"}
_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_\-]+):(?P<rest>.*)$")


def assumption_ids(text: str) -> dict[str, str]:
    """params key path -> its ASSUMPTION comment: on the key's line, or in the comment lines
    directly above it (a block comment registers the block's key)."""
    found: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    pending: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("# "))
            continue
        match = _KEY.match(line)
        if not match:
            if not stripped:
                pending = []
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match["key"]))
        comment = match["rest"].split("#", 1)[1] if "#" in match["rest"] else ""
        for note in (comment, " ".join(pending)):
            if "ASSUMPTION" in note:
                found[".".join(k for _, k in stack)] = note.strip()
                break
        pending = []
    return found


def register_rows(text: str) -> dict[str, list[str]]:
    """ID -> the cells of its row in the register's table."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 6:
            fid = cells[0].strip("`")
            assert fid not in rows, f"{fid} registered twice"
            rows[fid] = cells
    return rows


def _has_key(params: dict, path: str) -> bool:
    node: object = params
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


def test_parser_finds_inline_and_block_assumptions() -> None:
    text = (
        "a:\n  b: 1   # ASSUMPTION: one\n  c: 2  # a fact\n"
        "  # ASSUMPTIONS below\n  d:\n    e: 3 # ASSUMPTION\n\n# ASSUMPTION loose\n\nf: 1\n"
    )
    assert assumption_ids(text) == {
        "a.b": "ASSUMPTION: one",
        "a.d": "ASSUMPTIONS below",
        "a.d.e": "ASSUMPTION",
    }


def test_every_assumption_in_params_is_registered_and_every_entry_is_a_param() -> None:
    params_text = PARAMS.read_text(encoding="utf-8")
    found = assumption_ids(params_text)
    rows = register_rows(REGISTER.read_text(encoding="utf-8"))
    assert len(found) >= 50
    missing = [fid for fid in found if fid not in rows]
    skeleton = "\n".join(
        f"| `{f}` | {found[f]} | unrated | unrated | `path` | reason |" for f in missing
    )
    assert not missing, f"ASSUMPTIONs in params.yaml without a row in {REGISTER.name}:\n{skeleton}"
    params = yaml.safe_load(params_text)
    not_params = [fid for fid in rows if not _has_key(params, fid)]
    assert not not_params, f"register rows naming no params.yaml key: {not_params}"
    stale = [fid for fid in rows if fid not in found]
    assert not stale, f"register rows whose params.yaml key is no longer an ASSUMPTION: {stale}"


@pytest.mark.parametrize("column", ["quality", "impact", "used"])
def test_register_rows_are_rated_and_point_at_real_files(column: str) -> None:
    rows = register_rows(REGISTER.read_text(encoding="utf-8"))
    for fid, (_, text, quality, impact, used, source) in rows.items():
        assert text and source, fid
        if column == "quality":
            assert quality in QUALITY, (fid, quality)
        elif column == "impact":
            assert impact in IMPACT, (fid, impact)
        else:
            paths = re.findall(r"`([^`]+)`", used)
            assert paths, f"{fid}: no module or notebook in 'Used in'"
            for path in paths:
                assert (ROOT / path).exists(), f"{fid}: {path} does not exist"
