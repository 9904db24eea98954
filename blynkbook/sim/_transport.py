"""Mount a simulated cloud in-process behind httpx, dropped connections included."""

from __future__ import annotations

import httpx

from ._http import DropConnection

__all__ = ["InProcessTransport"]


class InProcessTransport(httpx.WSGITransport):
    """``httpx.WSGITransport`` that turns the sim's dropped connection into httpx's own error,
    exactly as a real socket would surface it.

    >>> from blynkbook.sim import BlynkSim
    >>> sim = BlynkSim()
    >>> client = httpx.Client(transport=InProcessTransport(sim), base_url="http://demo.blynk.local")
    """

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except DropConnection as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from exc
