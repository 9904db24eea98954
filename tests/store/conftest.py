"""Fixtures of the series-store room: the Blynk simulator on a real loopback socket (its
clock frozen at ``NOW``, advanced by the tests) and clients with a store under ``tmp_path``.

* ``sim`` / ``server``: a fresh cloud per test;
* ``folder``: the store root (one sub-folder per server and client id inside);
* ``connect``: ``connect(folder=..., settle=..., offline=...)`` → a new loopback client
  with a store, as a new kernel would open it (close it, or let the fixture do it);
* ``plain``: a client of the same cloud without a store (today's path: the reference).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from storekit import NOW, store_client

from blynkbook.blynk import Blynk
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim


@pytest.fixture
def sim() -> BlynkSim:
    return BlynkSim(seed=7, now=NOW)


@pytest.fixture
def server(sim: BlynkSim) -> Iterator[LoopbackServer]:
    with sim.serve() as running:
        yield running


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def connect(sim: BlynkSim, server: LoopbackServer, folder: Path) -> Iterator[Callable[..., Blynk]]:
    opened: list[Blynk] = []

    def make(**options: Any) -> Blynk:
        client = store_client(sim, server.url, options.pop("folder", folder), **options)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


@pytest.fixture
def plain(sim: BlynkSim, server: LoopbackServer) -> Iterator[Blynk]:
    with store_client(sim, server.url, None) as client:
        yield client
