"""Fixtures for the Blynk facade tests.

- ``sim``: a fresh :class:`BlynkSim` frozen at :data:`NOW` (ground truth via ``sim.world``).
- ``server``: that sim served on a real loopback socket.
- ``cloud``: a :class:`blynkbook.Blynk` talking to ``server`` over the socket, no cache,
  with relative times on the sim's clock (use for every method and error path).
- ``demo``: ``bb.connect("demo")``: the in-process embedded cloud.
- ``sent``: a callable giving how many requests reached the sim so far (zero-request proofs).

The root conftest clears ``BLYNK_*`` variables for every test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from blynkkit import NOW, loopback_client

import blynkbook as bb
from blynkbook.blynk import Blynk
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim


@pytest.fixture
def sim() -> BlynkSim:
    return BlynkSim(now=NOW)


@pytest.fixture
def server(sim: BlynkSim) -> Iterator[LoopbackServer]:
    with sim.serve() as running:
        yield running


@pytest.fixture
def cloud(sim: BlynkSim, server: LoopbackServer) -> Iterator[Blynk]:
    with loopback_client(sim, server.url) as client:
        yield client


@pytest.fixture
def make_client(sim: BlynkSim, server: LoopbackServer) -> Callable[..., Blynk]:
    """``make_client(secret=None, retries=5)``: another loopback client of ``sim``."""
    return lambda **kw: loopback_client(sim, server.url, **kw)


@pytest.fixture
def sent(sim: BlynkSim) -> Callable[[], int]:
    return lambda: sim.request_count


@pytest.fixture
def demo() -> Iterator[Blynk]:
    with bb.connect("demo", now=NOW) as client:
        yield client
