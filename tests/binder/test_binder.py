"""The Binder set-up in binder/: its files, and a fresh environment built from them alone.

Binder (repo2docker) reads only binder/ when that folder exists: it pip-installs
binder/requirements.txt from the repository root with Python 3.12 (runtime.txt), then
runs binder/postBuild. The slow test repeats those steps in a new virtual environment
made with this machine's ``python3`` (3.12 is not installed here, so the interpreter
differs from Binder's; the pins are the same) and runs the quickstart notebook in it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
BINDER = REPO / "binder"
QUICKSTART = "01-quickstart.ipynb"
DEMO_NOW = "2026-11-20T12:00:00Z"
CLOUD_ENV_PREFIXES = ("BLYNK_", "THINGSEE_", "BLYNKBOOK_OFFLINE")
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)$")

EXECUTE_NOTEBOOK = """
import sys, nbformat
from nbclient import NotebookClient
path, out = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, kernel_name="python3", timeout=600,
               resources={"metadata": {"path": sys.argv[3]}}).execute()
nbformat.write(nb, out)
"""


def requirement_lines() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def pinned_versions() -> dict[str, str]:
    pins = {}
    for line in requirement_lines():
        match = PIN.match(line)
        if match:
            pins[canonical(match[1])] = match[2]
    return pins


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project_dependencies() -> list[str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    return [
        canonical(re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0])
        for d in pyproject["project"]["dependencies"]
    ]


def test_every_requirement_is_pinned_or_the_project_itself() -> None:
    for line in requirement_lines():
        assert line == "." or PIN.match(line), f"not pinned with ==: {line!r}"
    assert "." in requirement_lines(), "binder/requirements.txt must install blynkbook itself ('.')"


def test_every_project_dependency_is_pinned_to_the_tested_version() -> None:
    pins = pinned_versions()
    for name in [*project_dependencies(), "jupyterlab"]:
        assert name in pins, f"{name} is a dependency but binder/requirements.txt does not pin it"
        assert pins[name] == version(name), (
            f"{name}: Binder pins {pins[name]}, tests run {version(name)}"
        )


def test_runtime_asks_for_python_3_12() -> None:
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.12"


def test_post_build_is_an_executable_bash_script_that_stops_on_errors() -> None:
    script = BINDER / "postBuild"
    lines = script.read_text().splitlines()
    assert lines[0] == "#!/bin/bash"
    assert "set -e" in lines
    assert os.access(script, os.X_OK), "postBuild must be executable (git mode 100755)"


def clean_environment(venv: Path) -> dict[str, str]:
    """This process's environment minus credentials and virtualenv traces; venv/bin first."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(CLOUD_ENV_PREFIXES) and k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["BLYNKBOOK_DEMO_NOW"] = DEMO_NOW
    return env


def run(command: list[str | Path], *, cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(
            f"{command} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )


def host_python() -> str:
    python3 = shutil.which("python3")
    if python3 is None:
        pytest.fail("python3 is not on PATH: the Binder test builds its venv with it")
    return python3


def comparable_outputs(notebook: nbformat.NotebookNode) -> list[list[str]]:
    """The text of every output nbval compares (cells not marked NBVAL_IGNORE_OUTPUT)."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or "NBVAL_IGNORE_OUTPUT" in cell.source:
            continue
        texts.append(
            [out.get("text") or out.get("data", {}).get("text/plain", "") for out in cell.outputs]
        )
    return texts


@pytest.mark.slow
def test_a_fresh_binder_environment_runs_the_quickstart(tmp_path: Path) -> None:
    venv = tmp_path / "binder-env"
    run([host_python(), "-m", "venv", venv], cwd=tmp_path, env=clean_environment(venv))
    env = clean_environment(venv)
    python = venv / "bin" / "python"
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    run([*pip, "-r", BINDER / "requirements.txt"], cwd=REPO, env=env)  # '.' is the repo root

    where = subprocess.run(
        [python, "-c", "import blynkbook; print(blynkbook.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(venv), "blynkbook must come from the venv"

    run([BINDER / "postBuild"], cwd=REPO, env=env)
    overrides = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    notification = json.loads(overrides.read_text())["@jupyterlab/apputils-extension:notification"]
    assert notification["fetchNews"] == "false"

    workdir = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", workdir)
    executed = tmp_path / "executed.ipynb"
    run(
        [python, "-c", EXECUTE_NOTEBOOK, workdir / QUICKSTART, executed, workdir],
        cwd=tmp_path,
        env=env,
    )

    result = nbformat.read(executed, as_version=4)
    errors = [o for c in result.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"the quickstart raised in the Binder environment: {errors[0]}"
    committed = nbformat.read(REPO / "notebooks" / QUICKSTART, as_version=4)
    assert comparable_outputs(result) == comparable_outputs(committed)
