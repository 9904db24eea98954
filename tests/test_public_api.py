"""The curated public surface: every exported name resolves, and the lists stay sorted."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import blynkbook

PUBLIC_MODULES = [
    "blynkbook",
    "blynkbook.errors",
    "blynkbook.transport",
    "blynkbook.cache",
    "blynkbook.contract",
    "blynkbook.blynk",
    "blynkbook.thingsee",
    "blynkbook.panels",
    "blynkbook.sim",
]


def _isort_style(name: str) -> tuple[int, str]:
    """CONSTANTS, then Classes, then functions (ruff's RUF022 order)."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported in (sorted(exported), sorted(exported, key=_isort_style)), name
    for attribute in exported:
        assert getattr(module, attribute) is not None, f"{name}.{attribute}"


def test_architecture_names_are_reachable_from_the_top() -> None:
    assert callable(blynkbook.connect)
    assert callable(blynkbook.explore)
    assert callable(blynkbook.thingsee.connect)


def test_the_demo_does_not_load_requests_cache() -> None:
    # blynkbook.cache loads its names on first use, so a client with no cache stays light
    code = (
        "import sys, blynkbook as bb\n"
        "with bb.connect('demo') as c, bb.thingsee.connect('demo') as t:\n"
        "    assert not c.cache and not t.cache\n"
        "assert 'requests_cache' not in sys.modules, 'requests_cache was imported'\n"
        "from blynkbook.cache import ResponseCache\n"
        "assert 'requests_cache' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
