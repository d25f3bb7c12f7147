"""One atomic-write helper for every file the package writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nps_analysis.paths import atomic_write


def test_writes_the_bytes_and_makes_the_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "table.csv"
    assert atomic_write(target, b"x,y\n1,2\n") == target
    assert target.read_bytes() == b"x,y\n1,2\n"
    assert [p.name for p in target.parent.iterdir()] == ["table.csv"]  # no temporary file left


def test_a_failed_rename_keeps_the_old_file_and_leaves_no_partial_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "table.csv"
    target.write_bytes(b"old\n")

    def fail(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]
