"""`nps_analysis.display.show_released`: the released table, or a note saying why there is none."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.disclosure import Disclosure
from nps_analysis.display import show_released
from nps_analysis.outputs import OutputWriter


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    import IPython.display

    seen: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: seen.extend(objs))
    return seen


def test_shows_the_released_table_not_the_raw_one(tmp_path: Path, shown: list[object]) -> None:
    """The table is shown as released (3 is below the threshold: [c]), titled from its spec."""
    out = OutputWriter(
        tmp_path, data_kind="synthetic", context={"analysis": "workforce_skills_gaps"}
    )
    table = pd.DataFrame({"skill": ["DDP", "TLSW"], "raas_stating_skill": [3, 12]})
    out.table(table, "skills_stated", disclosure=Disclosure(counts=["raas_stating_skill"], dims=[]))
    show_released(out, "skills_stated")
    page = " ".join(str(m.get("text/html", m)) if isinstance(m, dict) else str(m) for m in shown)
    assert "[c]" in page and ">12<" in page
    assert ">3<" not in page


def test_says_withheld_or_not_produced(tmp_path: Path, shown: list[object]) -> None:
    out = OutputWriter(tmp_path, data_kind="microdata")
    out.table(pd.DataFrame({"x": [1.0]}), "undeclared")  # no declaration: withheld for microdata
    show_released(out, "undeclared")
    show_released(out, "never_written")
    notes = [getattr(m, "data", "") for m in shown]
    assert "undeclared: withheld by disclosure control" in notes[0]
    assert "no disclosure-control declaration" in notes[0]
    assert notes[1] == "*never_written: not produced in this run.*"
