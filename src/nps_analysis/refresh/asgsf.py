"""``nps refresh --asgsf``: a new financial year of ASGSF packages, checked by the data contract.

The files are checked exactly as ``nps validate`` checks them (the minimum data set spec); they are
record-level, so they go to the git-ignored ``data/private/`` folder, never into data/raw. The run
history records who, when, why and the files' hashes (never their contents).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from nps_analysis.errors import InputDataError
from nps_analysis.paths import PROJECT_ROOT, PUBLIC_DIR
from nps_analysis.refresh import history

PRIVATE_DIR = PROJECT_ROOT / "data" / "private" / "asgsf"
DATASET = "asgsf_packages"


def refresh_asgsf(
    paths: list[Path],
    *,
    reason: str | None,
    who: str,
    private_dir: str | Path = PRIVATE_DIR,
    history_file: str | Path = PUBLIC_DIR / history.HISTORY_NAME,
    today: date | None = None,
) -> tuple[list[Path], history.HistoryEntry]:
    """Validate ASGSF package files with the data contract, copy them into ``private_dir`` and
    record the refresh; raise InputDataError (every problem) and copy nothing if any is invalid."""
    from nps_analysis.validation import validate_report

    reason = history.require_reason(reason)
    result = validate_report(list(paths), DATASET)
    if result.errors:
        raise InputDataError(result.errors)
    files = [f for p in paths for f in (sorted(p.iterdir()) if p.is_dir() else [p]) if f.is_file()]
    target = Path(private_dir)
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for f in files:
        shutil.copyfile(f, target / f.name)
        copied.append(target / f.name)
    entry = history.HistoryEntry(
        date=(today or date.today()).isoformat(),
        who=who,
        kind="asgsf",
        release="",
        reason=reason,
        files=";".join(f.name for f in copied),
        sha256=";".join(history.sha256(f) for f in copied),
        spec=f"datasets/specs/{DATASET}.yaml",
    )
    history.append_history(history_file, entry)
    return copied, entry
