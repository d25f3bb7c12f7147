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
