"""Constants and helpers shared by the cache tests (plain functions, no fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from blynkbook.blynk import Blynk
from blynkbook.blynk._cache_policy import BLYNK_POLICY
from blynkbook.cache import ResponseCache
from blynkbook.sim.blynk import BlynkSim
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session

NOW = "2026-11-20T12:00:00Z"
NOW_MS = 1_795_176_000_000
DAY_MS = 86_400_000


def fetch_grant(base_url: str, client_id: str, secret: str) -> dict[str, Any]:
    """The client-credentials grant (HTTP Basic), sent outside any cache."""
    reply = httpx.post(
        f"{base_url}/oauth2/token",
        params={"grant_type": "client_credentials"},
        auth=(client_id, secret),
    )
    assert reply.status_code == 200, reply.text
    grant: dict[str, Any] = reply.json()
    return grant


def sim_clock(sim: BlynkSim) -> Callable[[], datetime]:
    return lambda: datetime.fromtimestamp(sim.clock.now_ms() / 1000, UTC)


def cached_client(cache: ResponseCache, base_url: str, access_token: str) -> httpx.Client:
    return httpx.Client(
        transport=cache.transport(),
        base_url=base_url,
        headers={"Authorization": f"Bearer {access_token}"},
    )


def cached_cloud(sim: BlynkSim, base_url: str, path: Path, **cache_options: Any) -> Blynk:
    """The Blynk facade over loopback with a ResponseCache on ``path`` (wired as
    ``connect()`` wires it: the cache transport and its fast path), "now" on the sim's clock."""
    cache = ResponseCache(
        path,
        server=base_url,
        client_id=sim.client_id,
        now=sim_clock(sim),
        **cache_options,
        policy=BLYNK_POLICY,
    )
    creds = Credentials(base_url, sim.client_id, sim.client_secret)
    session = Session(
        base_url,
        auth=OAuth2ClientCredentials(creds),
        transport=cache.transport(),
        lookup=cache.lookup,
        sleep=lambda _s: None,
    )
    return Blynk(
        session, server=base_url, client_id=sim.client_id, cache=cache, now=sim.clock.now_ms
    )
