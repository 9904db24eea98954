"""Helpers shared by the series-store tests (imported by name, like tests/blynk/blynkkit.py)."""

from __future__ import annotations

from pathlib import Path

from blynkbook.blynk import Blynk
from blynkbook.sim.blynk import BlynkSim
from blynkbook.store import SeriesStore, open_store
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session

NOW = "2026-11-20T12:00:00Z"
NOW_MS = 1_795_176_000_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
HISTORY = "/api/v1/organization/device/datastream/history"
LATE_3H = 23  # weather stations that upload their readings late (see the sim's fleet)
LATE_30MIN = 24


def store_client(
    sim: BlynkSim,
    url: str,
    folder: Path | None,
    *,
    settle: str | None = None,
    offline: bool = False,
) -> Blynk:
    """A loopback client whose "now" is the sim's clock, with a store in ``folder``
    (None: no store)."""
    creds = Credentials(url, sim.client_id, sim.client_secret)
    session = Session(url, auth=OAuth2ClientCredentials(creds), sleep=lambda _s: None)
    store = (
        open_store(folder, server=url, client_id=sim.client_id, offline=offline, settle=settle)
        if folder is not None
        else None
    )
    return Blynk(session, server=url, client_id=sim.client_id, now=sim.clock.now_ms, store=store)


def history_requests(sim: BlynkSim) -> int:
    return int(sim.requests_by_path.get(HISTORY, 0))


def the_store(client: Blynk) -> SeriesStore:
    assert isinstance(client.store, SeriesStore)
    return client.store
