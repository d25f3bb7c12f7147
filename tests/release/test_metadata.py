"""Table metadata: every released table and column is described, unknown ones fail loudly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from nps_analysis.release.metadata import (
    SpecError,
    UnknownTableError,
    analysis_of,
    check_folder,
    load_specs,
    table_spec,
)

REPO = Path(__file__).resolve().parents[2]
_WRITES = re.compile(r'(?:out\.table|out\.magnitude_table|show)\(\s*[^"\n]*?,\s*"([a-z0-9_]+)"')


def test_every_spec_column_has_a_label_type_and_decimals():
    specs = load_specs()
    assert set(specs) == {
        "asgsf_therapy_trends",
        "national_picture",
        "public_adoption_statistics",
        "published_figures_audit",
        "regional_needs_assessment",
        "step_tayc_regression",
        "workforce_skills_gaps",
    }
    columns = [c for s in specs.values() for t in s.tables.values() for c in t.columns.values()]
    assert len(columns) > 500
    assert all(c.label and c.col_type in ("filter", "indicator") for c in columns)
    assert all(isinstance(c.indicator_dp, int) for c in columns if c.is_numeric)


def _literal_table_names(text: str) -> set[str]:
    return set(_WRITES.findall(text))


def test_every_table_the_code_writes_by_name_has_a_spec():
    """A new `out.table(df, "name")` in a notebook or module needs metadata before release."""
    known = {name for s in load_specs().values() for name in s.tables}
    written: dict[str, set[str]] = {}
    for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        written[nb.name] = _literal_table_names(source)
    for module in sorted((REPO / "src" / "nps_analysis").rglob("*.py")):
        written[module.name] = _literal_table_names(module.read_text(encoding="utf-8"))
    missing = {f: sorted(n - known) for f, n in written.items() if n - known}
    assert sum(len(n) for n in written.values()) > 25  # the scan finds the releases
    assert not missing, f"tables released without metadata: {missing}"


def test_unknown_table_and_folder_fail_loudly():
    with pytest.raises(UnknownTableError, match="add it to release/tables/asgsf"):
        table_spec("asgsf_therapy_trends", "a_table_nobody_described")
    with pytest.raises(UnknownTableError, match="no analysis spec"):
        analysis_of("/tmp/somewhere/unknown_folder")
    assert analysis_of("outputs/regions/south-west") == "regional_needs_assessment"
    assert analysis_of("/tmp/x/asgsf_therapy_trends") == "asgsf_therapy_trends"
    assert analysis_of("/tmp/elsewhere", "therapy_trends") == "asgsf_therapy_trends"
    with pytest.raises(UnknownTableError, match="released by"):
        analysis_of("/tmp/elsewhere", "skills_gaps")  # workforce and regional both release it


def test_a_released_column_without_metadata_fails():
    spec = table_spec("regional_needs_assessment", "packages_by_year")
    spec.check(pd.DataFrame({"financial_year": ["2018/19"], "packages": ["c"]}))
    with pytest.raises(SpecError, match=r"\['new_column'\] have no metadata"):
        spec.check(
            pd.DataFrame({"financial_year": ["2018/19"], "packages": [1], "new_column": [2]})
        )
    with pytest.raises(SpecError, match="declared numeric"):
        spec.check(pd.DataFrame({"financial_year": ["2018/19"], "packages": ["twelve"]}))


def test_spec_files_missing_decimals_or_labels_do_not_load(tmp_path: Path):
    columns = "packages: {label: Packages}\n"
    (tmp_path / "columns.yaml").write_text(columns, encoding="utf-8")
    (tmp_path / "demo.yaml").write_text(
        "analysis: demo\nsource: x\ntables:\n  t:\n    title: T\n    columns: {packages}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match="no indicator_dp"):
        load_specs.__wrapped__(tmp_path)
    (tmp_path / "columns.yaml").write_text("packages: {indicator_dp: 0}\n", encoding="utf-8")
    with pytest.raises(SpecError, match="no label"):
        load_specs.__wrapped__(tmp_path)


def test_titles_say_what_where_and_when():
    spec = table_spec("regional_needs_assessment", "packages_by_year")
    frame = pd.DataFrame({"financial_year": ["2018/19", "2022/23"], "packages": [527, 1650]})
    assert (
        spec.title_for({"region": "Eastern"}, frame)
        == "ASGSF funded packages by financial year, Eastern, 2018/19 to 2022/23"
    )
    with pytest.raises(SpecError, match="title needs"):
        spec.title_for({}, frame)
    assert "SYNTHETIC" in spec.source_for({"data_kind": "synthetic"})
    assert "region's own" in spec.source_for({"data_kind": "microdata"})


def test_duplicate_headings_are_refused():
    spec = table_spec("step_tayc_regression", "sample_profile")
    assert spec.columns["characteristic"].header != spec.columns["label"].header


@pytest.mark.skipif(not (REPO / "outputs" / "regions").is_dir(), reason="no pipeline outputs")
def test_every_table_in_outputs_matches_its_spec():
    folders = [m.parent for m in sorted((REPO / "outputs").glob("**/manifest.csv"))]
    problems = [p for folder in folders for p in check_folder(folder)]
    assert not problems, problems
