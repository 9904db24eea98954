"""Fixtures for the headless panel tests.

- ``fleet``: a :class:`FakeFleet` (``tests/fakefleet.py``), a small in-memory FleetClient
  that records every call. Six devices: three weather stations, two trackers, one smart
  plug (integer ids).
- ``string_fleet``: the same fleet with Thingsee-style string ids.
- ``demo_cloud``: the embedded demo cloud.

Widgets need no kernel: ipywidgets falls back to a dummy comm, observers fire
synchronously on ``.value = ...`` and ``Button.click()`` calls its handlers at once.
"""

from __future__ import annotations

from typing import Any

import pytest
from fakefleet import TEMPLATES, BareFleet, FakeFleet


@pytest.fixture
def fleet() -> FakeFleet:
    return FakeFleet()


@pytest.fixture
def string_fleet() -> FakeFleet:
    return FakeFleet(id_kind=str)


@pytest.fixture
def bare_fleet() -> BareFleet:
    return BareFleet()


@pytest.fixture
def demo_cloud() -> Any:
    import blynkbook as bb

    return bb.connect("demo", now="2026-11-20T12:00:00Z")


@pytest.fixture
def templates() -> dict[str, Any]:
    """The fake fleet's template table, for tests that patch a template's schema."""
    return TEMPLATES
