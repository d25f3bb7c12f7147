"""A temporary data folder holding the current releases, and the fixture "next release"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nps_analysis.paths import PUBLIC_DIR
from nps_analysis.refresh import releases

FIXTURE = Path(__file__).parents[1] / "fixtures" / "refresh"
NEXT_RELEASE = FIXTURE / "cla_2025_release"
CURRENT = (
    "cla_2022_release/la_children_who_ceased_during_the_year_sgo_adoptions.csv",
    "cla_2024_release/la_children_who_ceased_during_the_year_sgo_adoption.csv",
)


@pytest.fixture
def data_dir(tmp_path: Path) -> tuple[Path, Path]:
    """(public folder with the 2022 and 2024 releases and a SOURCES.md, spec folder with the real
    specs and the fixture's 2025 spec)."""
    public, specs = tmp_path / "public", tmp_path / "specs"
    for rel in CURRENT:
        (public / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PUBLIC_DIR / rel, public / rel)
    (public / "SOURCES.md").write_text("# Sources\n", encoding="utf-8")
    specs.mkdir()
    for spec in [*releases.SPEC_DIR.glob("*.yaml"), *(FIXTURE / "specs").glob("*.yaml")]:
        shutil.copyfile(spec, specs / spec.name)
    return public, specs
