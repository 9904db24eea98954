"""Rate limiting, fault injection and the in-process transport of the Blynk simulator."""

from __future__ import annotations

import httpx
import pytest
from simkit import client_for

from blynkbook.sim.blynk import BlynkSim

DEVICES = "/api/v1/organization/devices"


def test_rate_limit_answers_429_with_retry_after(sim: BlynkSim, api: httpx.Client) -> None:
    sim.rate_limit.configure(rate=0.5, burst=3)
    statuses = [api.get(DEVICES).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]
    limited = api.get(DEVICES)
    assert limited.content == b"" and int(limited.headers["Retry-After"]) >= 1


def test_rate_limit_is_per_client(sim: BlynkSim, base_url: str, api: httpx.Client) -> None:
    other_id, other_secret = sim.add_client(101)
    with client_for(base_url, other_id, other_secret) as other:
        sim.rate_limit.configure(rate=0.01, burst=1)
        assert api.get(DEVICES).status_code == 200
        assert api.get(DEVICES).status_code == 429
        assert other.get(DEVICES).status_code == 200


def test_rejected_requests_do_not_reach_handlers(sim: BlynkSim, api: httpx.Client) -> None:
    before = sim.request_count
    sim.rate_limit.configure(rate=0.01, burst=1)
    api.get(DEVICES)
    api.get(DEVICES)
    assert sim.request_count == before + 1
    assert sim.requests_by_path[DEVICES] == 1


def test_error_rate_answers_5xx_with_error_body(sim: BlynkSim, api: httpx.Client) -> None:
    sim.faults.set(error_rate=1.0)
    reply = api.get(DEVICES)
    assert reply.status_code in (500, 503)
    assert "injected" in reply.json()["error"]["message"]
    sim.faults.reset()
    assert api.get(DEVICES).status_code == 200


def test_throttle_rate_answers_429(sim: BlynkSim, api: httpx.Client) -> None:
    sim.faults.set(throttle_rate=1.0, retry_after=7)
    reply = api.get(DEVICES)
    assert reply.status_code == 429 and reply.headers["Retry-After"] == "7"


def test_drop_rate_closes_the_connection(sim: BlynkSim, api: httpx.Client) -> None:
    sim.faults.set(drop_rate=1.0)
    with pytest.raises(httpx.TransportError):
        api.get(DEVICES)
    assert sim.faults.injected["drop"] == 1
    sim.faults.reset()
    assert api.get(DEVICES).status_code == 200


def test_revoke_rate_revokes_every_token_before_the_request(
    sim: BlynkSim, api: httpx.Client
) -> None:
    assert api.get(DEVICES).status_code == 200
    sim.faults.set(revoke_rate=1.0)
    reply = api.get(DEVICES)
    assert reply.status_code == 401 and sim.faults.injected["revoke"] == 1
    sim.faults.reset()
    assert api.get(DEVICES).status_code == 401  # the token stays revoked


def test_throttle_without_retry_after(sim: BlynkSim, api: httpx.Client) -> None:
    sim.faults.set(throttle_rate=1.0, retry_after=None)
    reply = api.get(DEVICES)
    assert reply.status_code == 429 and "Retry-After" not in reply.headers


def test_unknown_fault_knob_is_refused(sim: BlynkSim) -> None:
    with pytest.raises(ValueError, match="revoke_rate"):
        sim.faults.set(revoke=0.5)


def test_latency_is_applied(
    sim: BlynkSim, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr("blynkbook.sim._faults.time.sleep", slept.append)
    sim.faults.set(latency=0.25)
    assert api.get(DEVICES).status_code == 200
    assert slept == [0.25]


def test_partial_error_rate_is_seeded() -> None:
    def run() -> list[int]:
        sim = BlynkSim(seed=11, now="2026-11-20T12:00:00Z")
        sim.faults.set(error_rate=0.5)
        client = httpx.Client(transport=sim.transport(), base_url="http://sim")
        return [client.post("/oauth2/token").status_code for _ in range(20)]

    first = run()
    assert first == run()
    assert {400} < set(first) and set(first) - {400} <= {500, 503}


def test_in_process_transport_round_trip(sim: BlynkSim) -> None:
    with httpx.Client(transport=sim.transport(), base_url="http://demo.blynk.local") as client:
        token = client.post(
            "/oauth2/token",
            params={"grant_type": "client_credentials"},
            auth=(sim.client_id, sim.client_secret),
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        device = client.get("/api/v1/organization/device", params={"deviceId": 1}).json()
        assert device["id"] == 1
        sim.faults.set(drop_rate=1.0)
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(DEVICES)
