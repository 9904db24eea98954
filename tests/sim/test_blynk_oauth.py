"""OAuth lifecycle of the Blynk simulator, over loopback."""

from __future__ import annotations

import httpx
import pytest
from simkit import client_for, token_for

from blynkbook.sim.blynk import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, BlynkSim

DEVICES = "/api/v1/organization/devices"


def _token(base_url: str, **params: str) -> httpx.Response:
    return httpx.post(f"{base_url}/oauth2/token", params=params)


def test_client_credentials_with_basic_auth(sim: BlynkSim, base_url: str) -> None:
    token = token_for(base_url, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 86_400
    assert isinstance(token["access_token"], str) and len(token["access_token"]) >= 32
    assert token["refresh_token"] != token["access_token"]


def test_client_credentials_in_query(base_url: str) -> None:
    reply = _token(
        base_url,
        grant_type="client_credentials",
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
    )
    assert reply.status_code == 200
    assert reply.json()["expires_in"] == 86_400


@pytest.mark.parametrize(
    ("params", "auth", "code"),
    [
        ({"grant_type": "client_credentials"}, (DEMO_CLIENT_ID, "wrong"), "invalid_client"),
        ({"grant_type": "client_credentials"}, ("nobody", "x"), "invalid_client"),
        ({"grant_type": "client_credentials"}, None, "invalid_client"),
        ({}, (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), "invalid_request"),
        (
            {"grant_type": "password"},
            (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            "unsupported_grant_type",
        ),
        ({"grant_type": "refresh_token"}, (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), "invalid_request"),
        (
            {"grant_type": "refresh_token", "refresh_token": "nope"},
            (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            "invalid_grant",
        ),
    ],
)
def test_oauth_errors_are_flat_400s(
    base_url: str, params: dict[str, str], auth: tuple[str, str] | None, code: str
) -> None:
    reply = httpx.post(f"{base_url}/oauth2/token", params=params, auth=auth)
    assert reply.status_code == 400
    body = reply.json()
    assert body["error"] == code and body["error_description"]
    assert DEMO_CLIENT_SECRET not in reply.text


def test_bearer_expires_against_the_clock(sim: BlynkSim, base_url: str) -> None:
    with client_for(base_url, sim.client_id, sim.client_secret) as api:
        assert api.get(DEVICES).status_code == 200
        sim.clock.advance(86_400 - 1)
        assert api.get(DEVICES).status_code == 200
        sim.clock.advance(1)
        expired = api.get(DEVICES)
    assert expired.status_code == 401
    assert expired.json() == {"error": {"message": "Invalid or expired access token."}}


@pytest.mark.parametrize("header", [None, "Bearer unknown-token", "Basic abc"])
def test_missing_or_unknown_bearer_is_401(base_url: str, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    reply = httpx.get(f"{base_url}{DEVICES}", headers=headers)
    assert reply.status_code == 401
    assert reply.json()["error"]["message"] == "Invalid or expired access token."


def test_refresh_token_is_single_use(sim: BlynkSim, base_url: str) -> None:
    first = token_for(base_url, sim.client_id, sim.client_secret)
    auth = (sim.client_id, sim.client_secret)
    params = {"grant_type": "refresh_token", "refresh_token": str(first["refresh_token"])}
    refreshed = httpx.post(f"{base_url}/oauth2/token", params=params, auth=auth)
    assert refreshed.status_code == 200
    new_access = refreshed.json()["access_token"]
    assert new_access != first["access_token"]
    reply = httpx.get(f"{base_url}{DEVICES}", headers={"Authorization": f"Bearer {new_access}"})
    assert reply.status_code == 200
    reused = httpx.post(f"{base_url}/oauth2/token", params=params, auth=auth)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_refresh_token_expires(sim: BlynkSim, base_url: str) -> None:
    first = token_for(base_url, sim.client_id, sim.client_secret)
    sim.clock.advance(86_401)
    reply = httpx.post(
        f"{base_url}/oauth2/token",
        params={"grant_type": "refresh_token", "refresh_token": str(first["refresh_token"])},
        auth=(sim.client_id, sim.client_secret),
    )
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_token_lifetime_is_configurable() -> None:
    sim = BlynkSim(now="2026-11-20T12:00:00Z", token_lifetime=300)
    with sim.serve() as server:
        assert token_for(server.url, sim.client_id, sim.client_secret)["expires_in"] == 300


def test_client_without_platform_scope_gets_403(sim: BlynkSim, base_url: str) -> None:
    client_id, secret = sim.add_client(101, platform_scope=False)
    with client_for(base_url, client_id, secret) as api:
        reply = api.get(DEVICES)
    assert reply.status_code == 403
    assert reply.json() == {
        "error": {"message": "Platform API scope is not enabled for this oauth client."}
    }


def test_clients_only_see_their_own_org(sim: BlynkSim, base_url: str) -> None:
    north_id, north_secret = sim.add_client(102)
    globex_id, globex_secret = sim.add_client(201)
    with client_for(base_url, north_id, north_secret) as north:
        listed = north.get(DEVICES, params={"size": 1000}).json()
        assert {d["orgId"] for d in listed["content"]} == {102}
        assert north.get(DEVICES, params={"orgId": 101}).status_code == 404
        assert north.get("/api/v1/organization/device", params={"deviceId": 1}).status_code == 404
    with client_for(base_url, globex_id, globex_secret) as globex:
        assert globex.get(DEVICES).json() == {"content": [], "totalElements": 0}


def test_add_client_rejects_unknown_org(sim: BlynkSim) -> None:
    with pytest.raises(ValueError, match="999"):
        sim.add_client(999)


def test_tokens_are_random_per_sim() -> None:
    a, b = BlynkSim(now="2026-11-20T12:00:00Z"), BlynkSim(now="2026-11-20T12:00:00Z")
    with a.serve() as sa, b.serve() as sb:
        ta = token_for(sa.url, a.client_id, a.client_secret)["access_token"]
        tb = token_for(sb.url, b.client_id, b.client_secret)["access_token"]
    assert ta != tb
    assert repr(a).count(DEMO_CLIENT_SECRET) == 0
