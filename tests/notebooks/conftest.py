"""Set-up for the notebooks that nbval runs (``--nbval`` on ``notebooks/``).

The notebooks' kernels inherit this process's environment when nbval starts them, which
is after collection. So, as soon as pytest loads this file (while collecting ``tests/``,
before any kernel starts), it pins the demo cloud's clock and drops cloud credentials:
the notebooks then talk to the seeded demo cloud at a fixed "now", and their stored
tables match. ``pytest_configure`` is a historic hook, so it runs even though this
conftest is loaded late; run the notebooks together with ``tests/`` (see README).
"""

from __future__ import annotations

import os

import pytest

DEMO_NOW = "2026-11-20T12:00:00Z"
CLOUD_ENV_PREFIXES = ("BLYNK_", "THINGSEE_", "BLYNKBOOK_OFFLINE")


def pin_notebook_environment(environ: os._Environ[str] | dict[str, str]) -> None:
    """The demo cloud at a fixed "now", and no credentials for a real cloud."""
    for name in [n for n in environ if n.startswith(CLOUD_ENV_PREFIXES)]:
        del environ[name]
    environ["BLYNKBOOK_DEMO_NOW"] = DEMO_NOW


def pytest_configure(config: pytest.Config) -> None:
    pin_notebook_environment(os.environ)
