"""Helpers shared by the Blynk facade tests (imported by name, like tests/sim/simkit.py)."""

from __future__ import annotations

from blynkbook.blynk import Blynk
from blynkbook.sim.blynk import BlynkSim
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session

NOW = "2026-11-20T12:00:00Z"


def loopback_client(
    sim: BlynkSim,
    url: str,
    *,
    secret: str | None = None,
    retries: int = 5,
    client_id: str | None = None,
) -> Blynk:
    """A client over the socket whose "now" is the sim's clock (its auth uses wall time).

    ``client_id`` / ``secret`` default to the sim's full demo client; pass
    ``sim.narrow_client_id`` and ``sim.narrow_client_secret`` for the least-privilege one.
    """
    client_id = client_id or sim.client_id
    creds = Credentials(url, client_id, secret or sim.client_secret)
    session = Session(
        url, auth=OAuth2ClientCredentials(creds), retries=retries, sleep=lambda _s: None
    )
    return Blynk(session, server=url, client_id=client_id, now=sim.clock.now_ms)


def narrow_client(sim: BlynkSim, url: str) -> Blynk:
    """The least-privilege demo client (no template access) over the socket."""
    return loopback_client(
        sim, url, client_id=sim.narrow_client_id, secret=sim.narrow_client_secret
    )
