"""The refresh's input log: the run history (who, when, why, which files and their hashes) and
the SOURCES.md entry of each file brought in. Both are appended to, never rewritten."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

HISTORY_NAME = "refresh_history.csv"
HISTORY_COLUMNS = ("date", "who", "kind", "release", "reason", "files", "sha256", "spec")
SOURCES_HEADING = "## Refreshes (added by `nps refresh`)"


class RefreshRefused(ValueError):
    """A refresh that may not go ahead (no reason given, nothing to bring in)."""


@dataclass(frozen=True)
class HistoryEntry:
    """One refresh: files are paths relative to the data folder, ``;``-separated."""

    date: str
    who: str
    kind: str
    release: str
    reason: str
    files: str
    sha256: str
    spec: str


def require_reason(reason: str | None) -> str:
    """The reason, stripped; refuse a refresh without one."""
    text = (reason or "").strip()
    if not text:
        raise RefreshRefused(
            "a refresh needs a reason, recorded in the run history: e.g. --reason "
            "'DfE 2025 release: 2021-2024 revised, 2025 added'"
        )
    return text


def sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def append_history(path: str | Path, entry: HistoryEntry) -> Path:
    """Append one row to the history CSV (header written when the file is new)."""
    path = Path(path)
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerow(asdict(entry))
    return path


def read_history(path: str | Path) -> list[HistoryEntry]:
    """Every refresh recorded so far, oldest first."""
    path = Path(path)
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [HistoryEntry(**row) for row in csv.DictReader(handle)]


def append_source(sources: str | Path, line: str) -> None:
    """Add one file's entry under the refresh heading of SOURCES.md (heading added once)."""
    sources = Path(sources)
    text = sources.read_text(encoding="utf-8") if sources.exists() else ""
    if SOURCES_HEADING not in text:
        text = text.rstrip("\n") + ("\n\n" if text else "") + SOURCES_HEADING + "\n\n"
    sources.write_text(text.rstrip("\n") + "\n" + line.rstrip("\n") + "\n", encoding="utf-8")
