"""Helpers shared by the Thingsee tests (fixtures live in conftest.py)."""

from __future__ import annotations

import httpx

from blynkbook.sim.thingsee import ThingseeSim
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
    return Thingsee(session, client_id=sim.client_id, now=sim.clock.now)


def tuid_of(sim: ThingseeSim, family: str, *, live: bool = True) -> str:
    """The first thing of a product family (still reporting, unless ``live=False``)."""
    return next(
        t.tuid
        for t in sim.world.things.values()
        if t.family == family and (t.stopped_at is None) == live
    )
