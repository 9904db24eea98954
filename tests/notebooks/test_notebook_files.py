"""The committed notebooks: the set the README promises, clean and ready for nbval."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
EXPECTED = [
    "01-quickstart.ipynb",
    "02-fleet-history.ipynb",
    "03-trackers-on-the-map.ipynb",
    "04-writing-and-importing.ipynb",
    "05-explore-dashboard.ipynb",
    "06-thingsee.ipynb",
    "07-cache-and-offline.ipynb",
]


def test_the_front_door_notebooks_are_all_there() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED
    assert (NOTEBOOKS / "data" / "energy-log.csv").is_file()


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_is_valid_and_runs_in_python3(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert "widgets" not in notebook.metadata, "widget state is volatile: strip it"


@pytest.mark.parametrize("name", EXPECTED)
def test_code_cells_ran_in_order_with_no_volatile_leftovers(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    for cell in code:
        assert "execution" not in cell.metadata
        if "NBVAL_IGNORE_OUTPUT" in cell.source:
            assert cell.outputs == [], "ignored cells keep no (plot/widget) output"
        assert all(output.output_type != "error" for output in cell.outputs)


@pytest.mark.parametrize("name", EXPECTED)
def test_outputs_hold_no_local_paths_or_credentials(name: str) -> None:
    outputs = json.dumps([c.get("outputs", []) for c in nbformat.read(NOTEBOOKS / name, 4).cells])
    for leak in ("/work/", "/tmp/", "/root/", "client_secret", "Bearer "):
        assert leak not in outputs


def test_the_nbval_kernels_see_the_pinned_demo_clock() -> None:
    # Set by this folder's conftest before any notebook kernel starts.
    assert os.environ["BLYNKBOOK_DEMO_NOW"] == "2026-11-20T12:00:00Z"
