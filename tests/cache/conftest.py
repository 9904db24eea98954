"""Fixtures of the cache room: the Blynk simulator on a real loopback socket, a cache file
under ``tmp_path`` and an httpx client whose transport is the cache.

* ``sim`` / ``server``: a fresh cloud per test (writes are safe);
* ``cache``: a :class:`ResponseCache` on ``tmp_path``, judging history windows by the
  sim's clock (fixed at ``NOW``);
* ``client``: ``httpx.Client(transport=cache.transport(), base_url=server.url)`` with the
  demo org's bearer token;
* ``grant``: that token response (access and refresh token), for the secret grep.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cachekit import NOW, cached_client, fetch_grant, sim_clock

from blynkbook.blynk._cache_policy import BLYNK_POLICY
from blynkbook.cache import ResponseCache
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim


@pytest.fixture
def sim() -> BlynkSim:
    return BlynkSim(seed=7, now=NOW, fleet_size=30)


@pytest.fixture
def server(sim: BlynkSim) -> Iterator[LoopbackServer]:
    with sim.serve() as running:
        yield running


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "responses.sqlite"


@pytest.fixture
def cache(sim: BlynkSim, server: LoopbackServer, cache_path: Path) -> Iterator[ResponseCache]:
    with ResponseCache(
        cache_path,
        server=server.url,
        client_id=sim.client_id,
        now=sim_clock(sim),
        policy=BLYNK_POLICY,
    ) as opened:
        yield opened


@pytest.fixture
def grant(sim: BlynkSim, server: LoopbackServer) -> dict[str, Any]:
    return fetch_grant(server.url, sim.client_id, sim.client_secret)


@pytest.fixture
def client(
    cache: ResponseCache, server: LoopbackServer, grant: dict[str, Any]
) -> Iterator[httpx.Client]:
    with cached_client(cache, server.url, grant["access_token"]) as opened:
        yield opened
