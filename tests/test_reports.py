"""HTML report helpers."""

from __future__ import annotations

from nps_analysis.reports import strip_volatile_metadata


def test_strip_volatile_metadata_removes_times_and_paths():
    nb = {
        "metadata": {
            "papermill": {
                "start_time": "t",
                "end_time": "t",
                "duration": 1.0,
                "input_path": "/abs/in.ipynb",
                "output_path": "/abs/out.ipynb",
                "parameters": {"region": "Eastern"},
            }
        },
        "cells": [
            {
                "metadata": {
                    "execution": {"iopub.status.busy": "t"},
                    "papermill": {"start_time": "t", "duration": 2, "status": "completed"},
                }
            }
        ],
    }
    cleaned = strip_volatile_metadata(nb)
    assert cleaned["metadata"]["papermill"] == {"parameters": {"region": "Eastern"}}
    assert cleaned["cells"][0]["metadata"] == {"papermill": {"status": "completed"}}


def test_injected_parameters_cell_gets_a_fixed_id():
    """papermill gives the cell it injects a random id: reruns would differ without this."""
    nb = {
        "metadata": {},
        "cells": [
            {"id": "a770a13e", "metadata": {"tags": ["injected-parameters"]}},
            {"id": "cell-01", "metadata": {"tags": ["parameters"]}},
        ],
    }
    cleaned = strip_volatile_metadata(nb)
    assert [c["id"] for c in cleaned["cells"]] == ["injected-parameters", "cell-01"]


def test_printed_text_split_across_messages_is_joined():
    """The kernel may send one print in several chunks depending on timing."""
    split = [
        {"output_type": "stream", "name": "stdout", "text": ["-"]},
        {"output_type": "stream", "name": "stdout", "text": [" Open cases\n"]},
        {"output_type": "stream", "name": "stderr", "text": ["warn\n"]},
        {"output_type": "display_data", "data": {}, "metadata": {}},
        {"output_type": "stream", "name": "stdout", "text": "after\n"},
    ]
    nb = {"metadata": {}, "cells": [{"id": "c", "metadata": {}, "outputs": split}]}
    outputs = strip_volatile_metadata(nb)["cells"][0]["outputs"]
    assert [o.get("text") for o in outputs] == ["- Open cases\n", "warn\n", None, "after\n"]


def test_render_notebook_writes_pages_workbook_and_open_data_deterministically(tmp_path):
    """One executed notebook -> reader and auditor pages, the report's workbook and its EES
    open data, byte-identical when rendered again."""
    import hashlib
    import json

    from nps_analysis.reports import build_index, render_notebook

    folder = tmp_path / "regions" / "eastern"
    (folder / "tables").mkdir(parents=True)
    (folder / "tables" / "packages_by_year.csv").write_text(
        "financial_year,packages\n2018/19,527\n2019/20,c\n", encoding="utf-8"
    )
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "papermill": {"parameters": {"region": "Eastern", "output_dir": str(folder)}},
        },
        "cells": [
            {
                "id": "a",
                "cell_type": "markdown",
                "metadata": {},
                "source": "# Regional needs assessment",
            }
        ],
    }
    executed = tmp_path / "notebooks" / "regional_needs_assessment_eastern.ipynb"
    executed.parent.mkdir()
    executed.write_text(json.dumps(nb), encoding="utf-8")
    reports = tmp_path / "reports"

    def digest() -> dict[str, str]:
        render_notebook(executed, reports)
        files = [*reports.glob("*.html"), *folder.glob("release/*"), *folder.glob("open_data/*")]
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}

    first = digest()
    assert set(first) == {
        "regional_needs_assessment_eastern.html",
        "regional_needs_assessment_eastern-with-code.html",
        "regional_needs_assessment_eastern.xlsx",
        "packages_by_year.csv",
        "packages_by_year.meta.csv",
    }
    assert digest() == first
    page = (reports / "regional_needs_assessment_eastern.html").read_text(encoding="utf-8")
    assert "<title>Regional needs assessment: Eastern - " in page
    assert 'href="../regions/eastern/release/regional_needs_assessment_eastern.xlsx"' in page
    index = build_index(reports).read_text(encoding="utf-8")
    assert (
        'href="regional_needs_assessment_eastern.html">Regional needs assessment: Eastern</a>'
        in index
    )
    assert "dvc.lock" not in index and (reports / "run.html").is_file()
