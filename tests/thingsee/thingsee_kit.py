"""Helpers shared by the Thingsee tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from blynkbook.sim.thingsee import ThingseeSim
from blynkbook.store import open_store
from blynkbook.thingsee import Thingsee
from blynkbook.transport import Credentials, Session, ThingseeClientToken

NOW = "2026-11-20T12:00:00Z"


def token_for(base_url: str, sim: ThingseeSim) -> str:
    body = {"client_id": sim.client_id, "client_secret": sim.client_secret}
    reply = httpx.post(base_url + "/auth/client-token", json=body)
    assert reply.status_code == 200, reply.text
    token: str = reply.json()["data"]["token"]
    return token


def facade(base_url: str, sim: ThingseeSim, *, retries: int = 5) -> Thingsee:
    """The facade on loopback; its token clock is the wall clock, so expiry shows as a 401."""
    auth = ThingseeClientToken(Credentials(base_url, sim.client_id, sim.client_secret))
    session = Session(base_url, auth=auth, retries=retries, sleep=lambda _: None)
    return Thingsee(session, client_id=sim.client_id, now=sim.clock.now_ms)


def tuid_of(sim: ThingseeSim, family: str, *, live: bool = True) -> str:
    """The first thing of a product family (still reporting, unless ``live=False``)."""
    return next(
        t.tuid
        for t in sim.world.things.values()
        if t.family == family and (t.stopped_at is None) == live
    )


def stored_facade(base_url: str, sim: ThingseeSim, folder: Path, **store: Any) -> Thingsee:
    """The facade on loopback with a series store under ``folder`` (one per server and
    client id, as ``connect`` opens it); "now" is the sim's clock, so tests can advance it."""
    client = facade(base_url, sim)
    client.store = open_store(folder, server=base_url, client_id=sim.client_id, **store)
    return client


class PageSpy:
    """Records the ``(tuid, from, to)`` of every message page a client asks for."""

    def __init__(self, client: Thingsee, monkeypatch: Any) -> None:
        self.pages: list[tuple[str, int, int]] = []
        real = client._message_page

        def spy(tuid: str, base: Any, lo: int, hi: int, cache: Any = None) -> Any:
            self.pages.append((tuid, lo, hi))
            return real(tuid, base, lo, hi, cache)

        monkeypatch.setattr(client, "_message_page", spy)

    def take(self) -> list[tuple[str, int, int]]:
        """The pages asked for since the last call."""
        pages, self.pages = self.pages, []
        return pages
