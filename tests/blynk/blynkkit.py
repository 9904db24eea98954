"""Helpers shared by the Blynk facade tests (imported by name, like tests/sim/simkit.py)."""

from __future__ import annotations

from blynkbook.blynk import Blynk
from blynkbook.sim.blynk import BlynkSim
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session

NOW = "2026-11-20T12:00:00Z"


def loopback_client(
    sim: BlynkSim, url: str, *, secret: str | None = None, retries: int = 5
) -> Blynk:
    """A client over the socket whose "now" is the sim's clock (its auth uses wall time)."""
    creds = Credentials(url, sim.client_id, secret or sim.client_secret)
    session = Session(
        url, auth=OAuth2ClientCredentials(creds), retries=retries, sleep=lambda _s: None
    )
    return Blynk(session, server=url, client_id=sim.client_id, now=sim.clock.now_ms)
