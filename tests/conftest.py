"""Shared test set-up.

Tests are organised like the package: tests/sim (the embedded clouds, over a real loopback
socket), tests/transport, tests/cache, tests/blynk (the facade), tests/thingsee,
tests/panels (headless widgets), tests/cli, tests/notebooks, tests/binder and
tests/browser; the package's shared modules are tested at the top (test_errors,
test_frames, test_public_api), as are every docstring example (test_docstrings) and the
environment against uv.lock (test_lock). Each folder's conftest.py holds the fixtures of
its room.

Credentials in the environment would point tests at a real cloud, so they are removed
for every test; a test that wants them sets them with monkeypatch. The user cache folder
(where a real server's cache goes by default) is a temporary one for every test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CLOUD_ENV_PREFIXES = ("BLYNK_", "THINGSEE_", "BLYNKBOOK_OFFLINE")


@pytest.fixture(autouse=True)
def clean_cloud_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees real credentials or an offline switch from the developer's shell."""
    for name in list(os.environ):
        if name.startswith(CLOUD_ENV_PREFIXES):
            monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture(autouse=True)
def private_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Default cache files land under ``tmp_path``, never in the developer's own cache."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder
