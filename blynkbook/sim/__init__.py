"""The embedded clouds: faithful fakes of the Blynk Platform API and Haltian Thingsee.

Mount one in-process through httpx, or serve it on loopback::

    from blynkbook.sim import BlynkSim, serve
    sim = BlynkSim(now="2026-11-20T12:00:00Z")
    with serve(sim) as server:
        print(server.url, sim.client_id)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._clock import Clock
from ._faults import Faults, RateLimiter
from ._http import DropConnection, HTTPFailure, Request, Response, Router
from ._server import LoopbackServer, serve
from ._transport import InProcessTransport
from ._wsgi import WSGIApp

if TYPE_CHECKING:
    from .blynk import BlynkSim
    from .thingsee import ThingseeSim

__all__ = [
    "BlynkSim",
    "Clock",
    "DropConnection",
    "Faults",
    "HTTPFailure",
    "InProcessTransport",
    "LoopbackServer",
    "RateLimiter",
    "Request",
    "Response",
    "Router",
    "ThingseeSim",
    "WSGIApp",
    "serve",
]


def __getattr__(name: str) -> Any:
    # The clouds load on first use, so importing blynkbook.sim stays cheap.
    if name == "BlynkSim":
        from .blynk import BlynkSim

        return BlynkSim
    if name == "ThingseeSim":
        from .thingsee import ThingseeSim

        return ThingseeSim
    raise AttributeError(f"module 'blynkbook.sim' has no attribute {name!r}")
