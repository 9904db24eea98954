"""Reads through the cached transport against the simulator on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cachekit import DAY_MS, NOW_MS

from blynkbook.cache import DO_NOT_CACHE, ResponseCache
from blynkbook.errors import InputError
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim

API = "/api/v1/organization"
VALUES = "/api/v2/organization/device/datastreams"
HISTORY = f"{API}/device/datastream/history"


def history_params(device: int, end_ms: int) -> dict[str, Any]:
    return {"deviceId": device, "dataStreamId": 1, "from": end_ms - DAY_MS, "to": end_ms}


def lifetime(response: httpx.Response) -> timedelta | None:
    """How long the entry behind a cached answer stays fresh (None: forever)."""
    expires: datetime | None = response.extensions["expires"]
    cached_at: datetime = response.extensions["cached_at"]
    if expires is None:
        return None
    return expires - cached_at.replace(tzinfo=expires.tzinfo or UTC)


def test_second_read_is_a_hit_and_never_reaches_the_cloud(
    client: httpx.Client, sim: BlynkSim
) -> None:
    first = client.get(VALUES, params={"deviceId": 1})
    sent = sim.request_count
    second = client.get(VALUES, params={"deviceId": 1})
    assert first.extensions["from_cache"] is False
    assert second.extensions["from_cache"] is True
    assert second.extensions["stale"] is False
    assert second.json() == first.json()
    assert sim.request_count == sent


def test_query_order_does_not_matter(client: httpx.Client, sim: BlynkSim) -> None:
    client.get(f"{API}/devices?page=0&size=5")
    sent = sim.request_count
    assert client.get(f"{API}/devices?size=5&page=0").extensions["from_cache"]
    assert sim.request_count == sent


def test_closed_history_window__never_expires(client: httpx.Client) -> None:
    params = history_params(1, NOW_MS - DAY_MS)
    client.get(HISTORY, params=params)
    hit = client.get(HISTORY, params=params)
    assert hit.extensions["from_cache"]
    assert hit.extensions["expires"] is None


def test_history_touching_now__expires_within_a_minute(client: httpx.Client) -> None:
    params = history_params(1, NOW_MS)
    client.get(HISTORY, params=params)
    life = lifetime(client.get(HISTORY, params=params))
    assert life is not None and timedelta(0) < life <= timedelta(seconds=60)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (VALUES, {"deviceId": 1}),
        (f"{API}/device/datastreams/batch", {"deviceIds": [1, 2]}),
        (f"{API}/device/online", {"deviceId": 1}),
    ],
)
def test_current_values__expire_within_a_minute(
    client: httpx.Client, path: str, params: dict[str, Any]
) -> None:
    client.get(path, params=params)
    hit = client.get(path, params=params)
    assert hit.extensions["from_cache"]
    life = lifetime(hit)
    assert life is not None and life <= timedelta(seconds=60)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (f"{API}/devices", {"size": 10}),
        (f"{API}/search/devices", {"query": "Weather"}),
        (f"{API}/templates", {}),
        (f"{API}/device/metafield", {"deviceId": 1}),
        (f"{API}/device/tags", {"deviceId": 1}),
    ],
)
def test_lists_and_metadata__last_a_few_minutes(
    client: httpx.Client, path: str, params: dict[str, Any]
) -> None:
    client.get(path, params=params)
    life = lifetime(client.get(path, params=params))
    assert life is not None and timedelta(minutes=1) < life <= timedelta(minutes=15)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (f"{API}/devices", {"size": 5}),
        ("/api/v2/organization/devices", {"size": 5}),
        (f"{API}/search/devices", {"query": "Weather"}),
        (f"{API}/device", {"deviceId": 1}),
        (f"{API}/device/baseInfo", {"deviceId": 1}),
        (f"{API}/device/by-owner", {"ownerEmail": "ana.ortiz@acme-field.example"}),
        (f"{API}/device/by-user-org", {"userEmail": "ana.ortiz@acme-field.example"}),
    ],
)
def test_device_bodies__cached_without_their_token(
    client: httpx.Client, sim: BlynkSim, path: str, params: dict[str, Any]
) -> None:
    cold = client.get(path, params=params)
    warm = client.get(path, params=params)
    assert warm.extensions["from_cache"]
    assert cold.json() == warm.json()
    assert '"token"' not in warm.text
    assert not any(token in warm.text for token in sim.world.device_tokens())
    assert '"name"' in warm.text  # the rest of the device survives


def test_force_refresh__goes_to_the_cloud(client: httpx.Client, sim: BlynkSim) -> None:
    client.get(VALUES, params={"deviceId": 1})
    sent = sim.request_count
    fresh = client.get(
        VALUES, params={"deviceId": 1}, extensions={"cache": {"force_refresh": True}}
    )
    assert fresh.extensions["from_cache"] is False
    assert sim.request_count == sent + 1


def test_expire_after_option__overrides_the_policy(client: httpx.Client) -> None:
    options = {"cache": {"expire_after": 3600}}
    client.get(VALUES, params={"deviceId": 2}, extensions=options)
    life = lifetime(client.get(VALUES, params={"deviceId": 2}))
    assert life is not None and life > timedelta(minutes=59)


def test_do_not_cache_reads__go_straight_to_the_cloud__requests_cache_never_sees_them(
    client: httpx.Client, cache: ResponseCache, sim: BlynkSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """History pages a series store keeps are sent with ``expire_after=DO_NOT_CACHE``:
    nothing would be served or stored, so they skip the requests-cache session (and its
    per-request cost) and take the plain httpx transport."""
    options = {"cache": {"expire_after": DO_NOT_CACHE}}
    client.get(VALUES, params={"deviceId": 2})  # an ordinary read: through the session

    def no_session(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a DO_NOT_CACHE read reached the requests-cache session")

    monkeypatch.setattr(cache.session, "request", no_session)
    params = history_params(1, NOW_MS - DAY_MS)
    sent = sim.request_count
    answers = [client.get(HISTORY, params=params, extensions=options) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json() and answers[0].json()["content"]
    assert not any(a.extensions["from_cache"] for a in answers)
    assert sim.request_count == sent + 2
    assert cache.info().entries == 1  # only the ordinary read is kept
    with pytest.raises(AssertionError, match="reached the requests-cache"):
        client.get(VALUES, params={"deviceId": 3})  # the spy does catch the session path


def test_unknown_cache_option__is_an_input_error(client: httpx.Client) -> None:
    with pytest.raises(InputError, match="only_if_cached"):
        client.get(VALUES, params={"deviceId": 1}, extensions={"cache": {"ttl": 5}})


def test_error_answers__are_not_cached(client: httpx.Client, sim: BlynkSim) -> None:
    assert client.get(f"{API}/device", params={"deviceId": 99999}).status_code == 404
    sent = sim.request_count
    again = client.get(f"{API}/device", params={"deviceId": 99999})
    assert again.status_code == 404 and not again.extensions["from_cache"]
    assert sim.request_count == sent + 1


def test_oauth_posts__are_never_cached(
    cache: ResponseCache, server: LoopbackServer, sim: BlynkSim
) -> None:
    with httpx.Client(transport=cache.transport(), base_url=server.url) as plain:
        grants = [
            plain.post(
                "/oauth2/token",
                params={"grant_type": "client_credentials"},
                auth=(sim.client_id, sim.client_secret),
            )
            for _ in range(2)
        ]
    assert sim.requests_by_path["/oauth2/token"] == 2
    assert grants[0].json()["access_token"] != grants[1].json()["access_token"]
    assert "from_cache" not in grants[1].extensions
    assert cache.info().entries == 0


def test_writes__go_to_the_writes_transport(
    cache: ResponseCache, server: LoopbackServer, sim: BlynkSim
) -> None:
    seen: list[str] = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return httpx.Response(204)

    with httpx.Client(
        transport=cache.transport(httpx.MockTransport(spy)), base_url=server.url
    ) as client:
        client.post(f"{API}/device/datastream", json={"deviceId": 1})
    assert seen == ["POST"]
