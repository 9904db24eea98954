"""The lock is the one source of versions: the test environment, Binder's file and pyproject.

``uv.lock`` is generated from pyproject.toml (``bash tools/lock``); ``.ci/run`` installs it
with ``uv sync --locked`` and Binder installs ``binder/requirements.txt``, its export. These
tests name every package where the three part ways.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
BINDER_EXPORT = ("--extra", "lab", "--no-emit-project", "--no-dev")
TEST_EXPORT = ("--extra", "test", "--no-emit-project", "--no-dev")


def uv() -> str:
    """The uv that .ci/run installs (tools/uv-requirements.txt), on PATH or in .tools/."""
    found = shutil.which("uv") or shutil.which("uv", path=str(REPO / ".tools" / "bin"))
    if found is None:
        pytest.fail("uv is not on PATH: install it with tools/uv-requirements.txt (see .ci/run)")
    return found


def uv_export(*options: str) -> str:
    done = subprocess.run(
        [uv(), "export", "--locked", "--quiet", "--no-header", *options],
        cwd=REPO, capture_output=True, text=True, env={**os.environ, "UV_NO_SYNC": "1"},
    )  # fmt: skip
    assert done.returncode == 0, f"uv export failed (is uv.lock stale?):\n{done.stderr}"
    return done.stdout


def requirement_lines(text: str) -> list[str]:
    """The requirement and hash lines of a requirements file, without comments."""
    lines = (line for line in text.splitlines() if line.strip())
    return [line for line in lines if not line.lstrip().startswith("#")]


def locked_for_this_python(text: str) -> dict[str, str]:
    """name → version of every exported package whose marker holds for this interpreter."""
    pins = {}
    for line in requirement_lines(text):
        requirement = Requirement(line.rstrip(" \\"))
        if requirement.marker is None or requirement.marker.evaluate():
            (spec,) = requirement.specifier
            pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def installed() -> dict[str, str]:
    found = {canonicalize_name(d.metadata["Name"]): d.version for d in distributions()}
    found.pop("blynkbook", None)  # the project itself, installed editable from this checkout
    return found


def test_the_lock_matches_pyproject() -> None:
    done = subprocess.run([uv(), "lock", "--check"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, (
        f"uv.lock is out of date with pyproject.toml; run bash tools/lock:\n{done.stderr}"
    )


def test_this_environment_is_exactly_the_lock() -> None:
    locked = locked_for_this_python(uv_export("--no-hashes", "--no-annotate", *TEST_EXPORT))
    present = installed()
    differences = [
        f"{name}: locked {locked.get(name, '(not locked)')}, installed "
        f"{present.get(name, '(not installed)')}"
        for name in sorted(locked.keys() | present.keys())
        if locked.get(name) != present.get(name)
    ]
    assert not differences, f"{sys.prefix} is not uv.lock's test environment:\n" + "\n".join(
        differences
    )


def test_binder_requirements_are_the_locks_export() -> None:
    committed = (REPO / "binder" / "requirements.txt").read_text()
    assert requirement_lines(committed) == requirement_lines(uv_export(*BINDER_EXPORT)), (
        "binder/requirements.txt is not the export of uv.lock; regenerate it with bash tools/lock"
    )


def test_binder_requirements_pin_every_package_with_hashes() -> None:
    pins = [line for line in requirement_lines((REPO / "binder" / "requirements.txt").read_text())
            if not line.lstrip().startswith("--hash")]  # fmt: skip
    assert pins, "binder/requirements.txt lists no package"
    for line in pins:
        requirement = Requirement(line.rstrip(" \\"))
        assert [s.operator for s in requirement.specifier] == ["=="], f"not pinned: {line!r}"
        assert line.endswith("\\"), f"no hash follows {line!r}"
