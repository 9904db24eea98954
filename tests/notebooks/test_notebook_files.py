"""The committed notebooks: the set the README promises, clean and ready for nbval."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pandas as pd
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
CONFTEST = Path(__file__).with_name("conftest.py")
EXPECTED = [
    "01-quickstart.ipynb",
    "02-fleet-history.ipynb",
    "03-trackers-on-the-map.ipynb",
    "04-writing-and-importing.ipynb",
    "05-explore-dashboard.ipynb",
    "06-thingsee.ipynb",
    "07-cache-and-offline.ipynb",
    "08-series-store.ipynb",
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


def _notebook_conftest() -> ModuleType:
    """This folder's conftest, loaded by path (every test folder has a ``conftest``)."""
    spec = importlib.util.spec_from_file_location("notebook_conftest", CONFTEST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_kernels_environment_is_pinned_and_credential_free() -> None:
    """What nbval's kernels inherit: the fixed demo clock, and none of a developer's
    cloud credentials or offline switch (which would send the notebooks elsewhere)."""
    conftest = _notebook_conftest()
    environ = {
        "BLYNK_SERVER": "https://fra1.blynk.cloud",
        "BLYNK_CLIENT_SECRET": "s3cret",
        "THINGSEE_CLIENT_ID": "id",
        "BLYNKBOOK_OFFLINE": "1",
        "BLYNKBOOK_DEMO_NOW": "2030-01-01T00:00:00Z",
        "HOME": "/home/someone",
    }
    conftest.pin_notebook_environment(environ)
    assert environ == {"HOME": "/home/someone", "BLYNKBOOK_DEMO_NOW": conftest.DEMO_NOW}


def test_the_stored_outputs_were_recorded_at_the_pinned_clock() -> None:
    """The demo clock the kernels get is the one the committed tables show."""
    stamp = pd.Timestamp(_notebook_conftest().DEMO_NOW).strftime("%Y-%m-%d %H:%M:%S")
    quickstart = json.dumps([c.get("outputs", []) for c in _cells("01-quickstart.ipynb")])
    assert stamp in quickstart


def _cells(name: str) -> list[Any]:
    return list(nbformat.read(NOTEBOOKS / name, as_version=4).cells)
