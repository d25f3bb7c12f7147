"""``nps refresh --public``: bring a new DfE release into data/raw/public.

Each file is checked against the spec of its release (layout), by the pipeline's own loader
(suppression markers, levels, adoption rows) and against the versioned LA lookup of each year (no
abolished or not-yet-created code carries a count); only then is it copied, with its SOURCES.md
entry and a row in the run history. The released tables of the current build are kept first, so
the release diff can compare the new build with them.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from nps_analysis.errors import InputDataError, Problem
from nps_analysis.paths import PUBLIC_DIR, display_path
from nps_analysis.public.quirks import read_public_csv
from nps_analysis.refresh import history, releases, series

_RELEASE_FOLDER = re.compile(r"cla_(\d{4})_release")
LICENCE = "Licence: OGL v3.0 (GOV.UK Crown-copyright statistics)"


@dataclass
class PublicRefresh:
    """What a public refresh did: the release, the files copied (relative to the data folder),
    the history row, and the check tables before and after."""

    release: str
    copied: list[str]
    unchanged: list[str]
    entry: history.HistoryEntry
    before: dict[str, pd.DataFrame] = field(default_factory=dict)
    after: dict[str, pd.DataFrame] = field(default_factory=dict)
    renamed: dict[str, dict[str, str]] = field(default_factory=dict)


def data_files(paths: list[Path]) -> list[Path]:
    """The CSV files named, folders expanded (sorted); refuse when there are none."""
    files: list[Path] = []
    for p in paths:
        files += sorted(p.glob("*.csv")) if p.is_dir() else [p]
    if not files:
        raise history.RefreshRefused(f"no CSV files in {', '.join(map(str, paths))}")
    return files


def choose_release(
    files: list[Path], specs: dict[str, releases.ReleaseSpec], release: str | None = None
) -> releases.ReleaseSpec:
    """The spec of the release: ``release`` if given, else the ``cla_YYYY_release`` folder the
    files are in, else the latest ``time_period`` they hold."""
    if release is None:
        found = {m.group(0) for f in files if (m := _RELEASE_FOLDER.fullmatch(f.parent.name))}
        if len(found) == 1:
            release = found.pop()
    if release is None:
        years = set()
        for f in files:
            df = read_public_csv(f)
            if "time_period" in df.columns:
                years |= set(pd.to_numeric(df["time_period"], errors="coerce").dropna().astype(int))
        if years:
            release = f"cla_{max(years)}_release"
    if release is None or release not in specs:
        known = ", ".join(specs) or "none"
        raise InputDataError(
            [
                Problem(
                    display_path(files[0]),
                    "release-spec-missing",
                    f"no spec for release {release or '(not found)'} (specs: {known})",
                    f"copy the latest spec in {display_path(releases.SPEC_DIR)} to "
                    f"{release or 'cla_YYYY_release'}.yaml, set release/year/url and map any "
                    "renamed columns; or give --release",
                )
            ]
        )
    return specs[release]


def check_files(files: list[Path], spec: releases.ReleaseSpec) -> pd.DataFrame:
    """Check every file of the release (layout, content, codes per year); the routes of the LA
    adoption file. Raise InputDataError with every problem found."""
    problems: list[Problem] = []
    routes = None
    for f in files:
        try:
            frame = releases.read_release_file(f, spec)
            if spec.files[f.name].role == "adoptions_la":
                routes = releases.release_routes(f, spec)
                series.published_la(routes.assign(release=spec.release))
            del frame
        except InputDataError as error:
            problems += [_named(p, f) for p in error.problems]
    if problems:
        raise InputDataError(problems)
    if routes is None:
        expected = spec.file_for("adoptions_la")
        raise history.RefreshRefused(
            f"none of the files is the LA adoption file of {spec.release} "
            f"({expected.name if expected else 'none in spec'})"
        )
    return routes


def _named(problem: Problem, path: Path) -> Problem:
    """A problem found in a temporary copy, named by the file the user gave."""
    if problem.file in (path.name, "input"):
        return Problem(
            display_path(path),
            problem.rule,
            problem.message,
            problem.fix,
            problem.sheet,
            problem.row,
            problem.column,
            problem.value,
        )
    return problem


def source_line(dest: Path, public_dir: Path, spec: releases.ReleaseSpec, origin: str) -> str:
    """The SOURCES.md entry of one copied file, in the style of the existing entries."""
    df = read_public_csv(dest)
    rel = dest.relative_to(public_dir).as_posix()
    renamed = spec.files[dest.name].columns
    renames = (
        "; columns renamed in this release: "
        + ", ".join(f"{p} (read as {c})" for c, p in renamed.items())
        if renamed
        else ""
    )
    return (
        f"- **{rel}** | {dest.stat().st_size:,} bytes | {len(df)} rows x {len(df.columns)} cols | "
        f'{origin} | DfE "{spec.title}" ({spec.url}) | read with '
        f"{display_path(spec.path)}{renames}; sha256 {history.sha256(dest)} | {LICENCE}"
    )


def refresh_public(
    paths: list[Path],
    *,
    reason: str | None,
    who: str,
    release: str | None = None,
    public_dir: str | Path = PUBLIC_DIR,
    spec_dir: str | Path = releases.SPEC_DIR,
    today: date | None = None,
) -> PublicRefresh:
    """Check the files of a new DfE release, copy them into ``public_dir/<release>/``, add their
    SOURCES.md entries and a history row. Nothing is copied unless every check passes."""
    reason = history.require_reason(reason)
    public_dir = Path(public_dir)
    specs = releases.load_release_specs(spec_dir)
    files = data_files(paths)
    spec = choose_release(files, specs, release)
    check_files(files, spec)
    before = series.published_tables(releases.adoption_routes(public_dir, specs))
    target = public_dir / spec.release
    target.mkdir(parents=True, exist_ok=True)
    copied, unchanged, hashes = [], [], []
    for f in files:
        dest = target / f.name
        rel = dest.relative_to(public_dir).as_posix()
        digest = history.sha256(f)
        hashes.append(digest)
        if dest.exists() and history.sha256(dest) == digest:
            unchanged.append(rel)
            continue
        shutil.copyfile(f, dest)
        copied.append(rel)
        history.append_source(
            public_dir / "SOURCES.md", source_line(dest, public_dir, spec, f"given as {f.name}")
        )
    if not copied:
        raise history.RefreshRefused(
            f"every file is already in {display_path(target)} with the same content: nothing to refresh"
        )
    entry = history.HistoryEntry(
        date=(today or date.today()).isoformat(),
        who=who,
        kind="public",
        release=spec.release,
        reason=reason,
        files=";".join(copied + unchanged),
        sha256=";".join(hashes),
        spec=display_path(spec.path),
    )
    history.append_history(public_dir / history.HISTORY_NAME, entry)
    after = series.published_tables(releases.adoption_routes(public_dir, specs))
    renamed = {f.name: spec.files[f.name].columns for f in files if spec.files[f.name].columns}
    return PublicRefresh(spec.release, copied, unchanged, entry, before, after, renamed)
