"""The Binder set-up in binder/: its files, and a fresh environment built from them alone.

Binder (repo2docker) reads only binder/ when that folder exists: with the Python that
runtime.txt names (3.12) it pip-installs binder/requirements.txt (uv.lock's export, every
package pinned with hashes; tests/test_lock.py checks it is the export) from the
repository root, then runs binder/postBuild, which installs blynkbook itself. The slow
test repeats those steps in a new virtual environment made with this machine's Python
3.12 (pyenv has it here) and runs the quickstart notebook in it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
BINDER = REPO / "binder"
BINDER_PYTHON = (3, 12)
QUICKSTART = "01-quickstart.ipynb"
DEMO_NOW = "2026-11-20T12:00:00Z"
CLOUD_ENV_PREFIXES = ("BLYNK_", "THINGSEE_", "BLYNKBOOK_OFFLINE")

EXECUTE_NOTEBOOK = """
import sys, nbformat
from nbclient import NotebookClient
path, out = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, kernel_name="python3", timeout=600,
               resources={"metadata": {"path": sys.argv[3]}}).execute()
nbformat.write(nb, out)
"""


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


def python_candidates() -> list[str]:
    """``python3.12`` on PATH, then pyenv's 3.12 builds (pyenv's shim fails when 3.12 is
    not its selected version, so each candidate is asked for its version)."""
    version = "{}.{}".format(*BINDER_PYTHON)
    wanted = f"python{version}"
    found = [shutil.which(wanted) or ""]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        found += sorted(str(p) for p in Path(root).glob(f"versions/{version}*/bin/{wanted}"))
    return [path for path in found if path]


def binder_python() -> str:
    for candidate in python_candidates():
        asked = subprocess.run(
            [candidate, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True, text=True,
        )  # fmt: skip
        if asked.returncode == 0 and asked.stdout.split() == [str(n) for n in BINDER_PYTHON]:
            return candidate
    pytest.fail(
        "no Python {}.{} found (Binder's, from runtime.txt): install it, e.g. with pyenv".format(
            *BINDER_PYTHON
        )
    )


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
    run([binder_python(), "-m", "venv", venv], cwd=tmp_path, env=clean_environment(venv))
    env = clean_environment(venv)
    python = venv / "bin" / "python"
    asked = [python, "-c", "import sys; print(*sys.version_info[:2])"]
    version = subprocess.run(asked, capture_output=True, text=True, check=True).stdout.split()
    assert version == [str(n) for n in BINDER_PYTHON], f"the Binder venv runs Python {version}"
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    run([*pip, "-r", BINDER / "requirements.txt"], cwd=REPO, env=env)  # hashes: checked by pip

    run([BINDER / "postBuild"], cwd=REPO, env=env)  # installs blynkbook itself
    where = subprocess.run(
        [python, "-c", "import blynkbook; print(blynkbook.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(venv), "blynkbook must come from the venv"
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
