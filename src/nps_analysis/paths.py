"""Project paths, resolved from the repository root so notebooks work from any working directory."""

from __future__ import annotations

import os
from pathlib import Path


def _find_project_root() -> Path:
    """Walk up from this file (or NPS_PROJECT_ROOT) to the folder holding params.yaml."""
    override = os.environ.get("NPS_PROJECT_ROOT")
    if override:
        return Path(override).resolve()
    for candidate in [Path.cwd(), *Path.cwd().parents, *Path(__file__).resolve().parents]:
        if (candidate / "params.yaml").is_file() and (candidate / "src" / "nps_analysis").is_dir():
            return candidate
    return Path.cwd()


PROJECT_ROOT: Path = _find_project_root()
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PUBLISHED_DIR = RAW_DIR / "published"
REFERENCE_DIR = PUBLISHED_DIR / "reference"
PUBLIC_DIR = RAW_DIR / "public"
SYNTHETIC_DIR = DATA_DIR / "synthetic"
PROCESSED_DIR = DATA_DIR / "processed"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
CHECKER_DIR = PROJECT_ROOT / "output-checking"
"""The output checker's material (full disclosure-control detail): never part of a release."""
RELEASE_ROOT_VARIABLE = "NPS_RELEASE_ROOT"
CHECKER_ROOT_VARIABLE = "NPS_CHECKER_ROOT"


def checker_dir_for(output_dir: str | os.PathLike[str]) -> Path:
    """Where the output checker's detail for the analysis folder `output_dir` goes.

    A folder of the release (`outputs/`, or `$NPS_RELEASE_ROOT` in an own-data run) maps to the
    same place under the checker's root (`output-checking/`, or `$NPS_CHECKER_ROOT`); any other
    folder to a sibling `<name>.output-checking`, never inside what is released."""
    folder = resolve(output_dir)
    release = Path(os.environ.get(RELEASE_ROOT_VARIABLE) or OUTPUTS_DIR).resolve()
    checker = Path(os.environ.get(CHECKER_ROOT_VARIABLE) or CHECKER_DIR).resolve()
    try:
        return checker / folder.resolve().relative_to(release)
    except ValueError:
        return folder.parent / f"{folder.name}.output-checking"


def resolve(path: str | os.PathLike[str]) -> Path:
    """Resolve a path given relative to the project root (absolute paths pass through)."""
    p = Path(path)
    return p if p.is_absolute() else PROJECT_ROOT / p


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as written into outputs: relative to the project root, forward slashes, never absolute."""
    p = Path(path).resolve()
    try:
        return p.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return p.name


def atomic_write(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to a temporary file beside `path`, then rename it into place: a reader
    never sees a partial file, and an error leaves the old file (or none). Folders are made."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
