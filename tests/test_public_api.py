"""The curated public surface: every exported name resolves, and the lists stay sorted."""

from __future__ import annotations

import importlib

import pytest

import blynkbook

PUBLIC_MODULES = [
    "blynkbook",
    "blynkbook.errors",
    "blynkbook.transport",
    "blynkbook.cache",
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


def test_demo_clients_satisfy_the_panel_protocol() -> None:
    from blynkbook.panels import FleetClient

    with blynkbook.connect("demo") as cloud, blynkbook.thingsee.connect("demo") as things:
        assert isinstance(cloud, FleetClient)
        assert isinstance(things, FleetClient)
