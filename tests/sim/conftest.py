"""Fixtures of the simulator room: a fresh Blynk cloud on a real loopback socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from simkit import NOW, client_for

from blynkbook.sim.blynk import BlynkSim


@pytest.fixture
def sim() -> BlynkSim:
    return BlynkSim(seed=7, now=NOW)


@pytest.fixture
def base_url(sim: BlynkSim) -> Iterator[str]:
    with sim.serve() as server:
        yield server.url


@pytest.fixture
def api(sim: BlynkSim, base_url: str) -> Iterator[httpx.Client]:
    """An authenticated plain httpx client of the demo org (101), over loopback."""
    with client_for(base_url, sim.client_id, sim.client_secret) as client:
        yield client


@pytest.fixture(scope="module")
def shared_sim() -> BlynkSim:
    """One cloud for read-only tests of a module (never write through it)."""
    return BlynkSim(seed=7, now=NOW)


@pytest.fixture(scope="module")
def ro_api(shared_sim: BlynkSim) -> Iterator[httpx.Client]:
    with (
        shared_sim.serve() as server,
        client_for(server.url, shared_sim.client_id, shared_sim.client_secret) as client,
    ):
        yield client
