"""Constants and helpers shared by the simulator tests (plain functions, no fixtures)."""

from __future__ import annotations

import httpx

NOW = "2026-11-20T12:00:00Z"
NOW_MS = 1_795_176_000_000
DAY_MS = 86_400_000


def token_for(base_url: str, client_id: str, secret: str) -> dict[str, object]:
    """Run the client-credentials grant with HTTP Basic and return the token JSON."""
    reply = httpx.post(
        f"{base_url}/oauth2/token",
        params={"grant_type": "client_credentials"},
        auth=(client_id, secret),
    )
    assert reply.status_code == 200, reply.text
    data: dict[str, object] = reply.json()
    return data


def client_for(base_url: str, client_id: str, secret: str) -> httpx.Client:
    token = token_for(base_url, client_id, secret)["access_token"]
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"})
