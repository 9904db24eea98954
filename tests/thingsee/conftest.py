"""Fixtures of the Thingsee room: a fresh simulated deployment served on a loopback socket.

- ``sim``: a :class:`ThingseeSim` frozen at :data:`NOW` (ground truth via ``sim.world``).
- ``base_url``: the sim on 127.0.0.1, API base with the ``/prod/v1`` stage path.
- ``api``: a plain httpx client carrying a fresh bearer token (endpoint contract tests).
- ``cloud``: the :class:`Thingsee` facade over loopback, retry back-off switched off.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from thingsee_kit import NOW, facade, token_for

from blynkbook.sim.thingsee import ThingseeSim
from blynkbook.thingsee import Thingsee


@pytest.fixture
def sim() -> ThingseeSim:
    return ThingseeSim(seed=7, now=NOW)


@pytest.fixture
def base_url(sim: ThingseeSim) -> Iterator[str]:
    with sim.serve() as server:
        yield server.url + "/prod/v1"


@pytest.fixture
def api(sim: ThingseeSim, base_url: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {token_for(base_url, sim)}"}
    with httpx.Client(base_url=base_url, headers=headers) as client:
        yield client


@pytest.fixture
def cloud(sim: ThingseeSim, base_url: str) -> Iterator[Thingsee]:
    client = facade(base_url, sim)
    yield client
    client.close()
