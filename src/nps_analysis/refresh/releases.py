"""DfE releases as data: one YAML spec per release year (files, their role, renamed columns).

The loader's own column names stay where they are (``cla.EES_COLUMNS``); a release spec only
maps them to the names that release published, as liia-tools keeps one spec per year. A file whose
layout no spec describes is refused with the file, the column and the line to add to the spec.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from nps_analysis.datasets.engine import check_frame
from nps_analysis.errors import InputDataError, Problem
from nps_analysis.paths import PUBLIC_DIR, display_path
from nps_analysis.public import cla
from nps_analysis.public.quirks import read_public_csv

SPEC_DIR = Path(__file__).with_name("specs")
ROLE_COLUMNS: dict[str, tuple[str, ...]] = {"adoptions_la": cla.EES_COLUMNS}
"""What each file role must hold, under the loader's names."""
SFR_RANK = 0
"""Old SFR files (2010-2017) rank below every EES release."""


@dataclass(frozen=True)
class ReleaseFile:
    """One file of a release: its role and the columns it renamed (loader name -> published)."""

    name: str
    role: str
    columns: dict[str, str]


@dataclass(frozen=True)
class ReleaseSpec:
    """One DfE release: its folder under data/raw/public, reporting year, files and source."""

    release: str
    year: int
    title: str
    url: str
    files: dict[str, ReleaseFile]
    path: Path

    def file_for(self, role: str) -> ReleaseFile | None:
        """The release's file with this role, if it has one."""
        return next((f for f in self.files.values() if f.role == role), None)


def load_release_specs(spec_dir: str | Path = SPEC_DIR) -> dict[str, ReleaseSpec]:
    """Every ``cla_*_release.yaml`` spec in ``spec_dir``, oldest release first."""
    specs = []
    for path in sorted(Path(spec_dir).glob("cla_*_release.yaml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        files = {}
        for name, f in (entry.get("files") or {}).items():
            role = f.get("role")
            if role not in ROLE_COLUMNS:
                raise ValueError(
                    f"{display_path(path)}: file {name}: role {role!r} not in {list(ROLE_COLUMNS)}"
                )
            columns = dict(f.get("columns") or {})
            unknown = sorted(set(columns) - set(ROLE_COLUMNS[role]))
            if unknown:
                raise ValueError(
                    f"{display_path(path)}: file {name}: {unknown} are not columns the loader "
                    f"reads ({', '.join(ROLE_COLUMNS[role])})"
                )
            files[name] = ReleaseFile(name, role, columns)
        specs.append(
            ReleaseSpec(
                release=str(entry["release"]),
                year=int(entry["year"]),
                title=str(entry.get("title", "")),
                url=str(entry.get("url", "")),
                files=files,
                path=path,
            )
        )
    return {s.release: s for s in sorted(specs, key=lambda s: s.year)}


def read_release_file(path: str | Path, spec: ReleaseSpec) -> pd.DataFrame:
    """A release file as published (strings), its columns renamed to the loader's names.

    Raise InputDataError naming the file and each column the spec expects but the file lacks,
    with the columns it has instead and the line to add to the spec.
    """
    path = Path(path)
    entry = spec.files.get(path.name)
    if entry is None:
        raise InputDataError(
            [
                Problem(
                    display_path(path),
                    "release-file-unknown",
                    f"not a file of the {spec.release} spec (it lists {', '.join(spec.files)})",
                    f"add it under files: in {display_path(spec.path)} with its role, or leave "
                    "it out of the refresh",
                )
            ]
        )
    df = read_public_csv(path)
    wanted = {c: entry.columns.get(c, c) for c in ROLE_COLUMNS[entry.role]}
    missing = {c: p for c, p in wanted.items() if p not in df.columns}
    if missing:
        extra = [c for c in df.columns if c not in wanted.values()]
        problems = [
            Problem(
                display_path(path),
                "release-layout",
                f"column '{published}' (read as '{canonical}') is not in the file; columns the "
                f"{spec.release} spec does not know: {', '.join(extra) or 'none'}",
                f"if DfE renamed it, map it in {display_path(spec.path)} under files: "
                f"{path.name}: columns: {{{canonical}: <name in the file>}}; if this file is "
                "from another release, give that release (--release) or add its spec",
                column=published,
            )
            for canonical, published in missing.items()
        ]
        raise InputDataError(problems)
    out = df.rename(columns={p: c for c, p in wanted.items() if p != c})
    out.attrs = dict(df.attrs)
    return out


def release_routes(path: str | Path, spec: ReleaseSpec) -> pd.DataFrame:
    """Adoptions in route form (``cla.ROUTES``) from one release's LA adoption file, read
    through its spec and checked by the pipeline's own loader."""
    frame = read_release_file(path, spec)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / spec.release
        folder.mkdir()
        canonical = folder / Path(path).name
        frame.to_csv(canonical, index=False)
        return cla.load_ees_routes(canonical)


def adoption_routes(
    public_dir: str | Path = PUBLIC_DIR,
    specs: dict[str, ReleaseSpec] | None = None,
    *,
    include_sfr: bool = True,
) -> pd.DataFrame:
    """Adoptions per route at every level, each year from its latest release among the releases
    present in ``public_dir`` (the SFR files 2010-2017 below every EES release)."""
    specs = load_release_specs() if specs is None else specs
    public_dir = Path(public_dir)
    frames, ranks = [], {}
    sfr_dir = public_dir / cla.SFR_DIR.name
    if include_sfr and sfr_dir.is_dir():
        for s in cla.SFR_FILES:
            frames.append(cla.load_sfr_routes(s, sfr_dir))
            ranks[f"sfr_{s.year}"] = SFR_RANK
    for spec in specs.values():
        entry = spec.file_for("adoptions_la")
        path = public_dir / spec.release / entry.name if entry else None
        if path is not None and path.is_file():
            frames.append(release_routes(path, spec))
            ranks[spec.release] = spec.year
    if not frames:
        raise InputDataError(
            [
                Problem(
                    display_path(public_dir),
                    "no-release",
                    "no LA adoption file of any release spec is in this folder",
                    f"run nps refresh --public, or add a spec to {display_path(SPEC_DIR)}",
                )
            ]
        )
    rows = pd.concat(frames, ignore_index=True)
    rank = rows["release"].map(ranks)
    latest = rank.groupby(rows["year"]).transform("max")
    latest_rows = rows[rank == latest].reset_index(drop=True)
    return check_frame(latest_rows, cla.ROUTES, file=display_path(public_dir))
