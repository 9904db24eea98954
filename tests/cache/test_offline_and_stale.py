"""Offline replay, OfflineError on a miss, and stale answers when the network fails."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from cachekit import cached_client, sim_clock

import blynkbook
from blynkbook.blynk._cache_policy import BLYNK_POLICY
from blynkbook.cache import ResponseCache
from blynkbook.errors import OfflineError
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim

API = "/api/v1/organization"
VALUES = "/api/v2/organization/device/datastreams"
LONG_AGO = {"cache": {"expire_after": datetime(2000, 1, 1, tzinfo=UTC)}}  # stored already expired


def network_down(server: LoopbackServer, cache: ResponseCache) -> None:
    """Stop the cloud and drop the kept-alive sockets (the loopback server's handler
    threads would otherwise go on answering them)."""
    server.close()
    for adapter in cache.session.adapters.values():
        adapter.close()


def offline_cache(path: Path, server: LoopbackServer, sim: BlynkSim) -> ResponseCache:
    return ResponseCache(
        path,
        server=server.url,
        client_id=sim.client_id,
        offline=True,
        now=sim_clock(sim),
        policy=BLYNK_POLICY,
    )


def test_offline__replays_without_the_network(
    client: httpx.Client, cache_path: Path, server: LoopbackServer, sim: BlynkSim, grant: Any
) -> None:
    online = client.get(f"{API}/devices", params={"size": 10}).json()
    server.close()
    with (
        offline_cache(cache_path, server, sim) as cache,
        cached_client(cache, server.url, grant["access_token"]) as offline,
    ):
        replay = offline.get(f"{API}/devices", params={"size": 10})
        assert replay.json() == online
        assert replay.extensions["from_cache"] is True


def test_offline__a_miss_raises_offline_error_naming_the_request(
    cache_path: Path, server: LoopbackServer, sim: BlynkSim
) -> None:
    sent = sim.request_count
    with (
        offline_cache(cache_path, server, sim) as cache,
        httpx.Client(transport=cache.transport(), base_url=server.url) as offline,
        pytest.raises(OfflineError) as caught,
    ):
        offline.get("/external/api/get", params={"token": "DEVICE-SECRET", "v1": ""})
    assert "GET" in str(caught.value) and "/external/api/get" in str(caught.value)
    assert "DEVICE-SECRET" not in str(caught.value) + caught.value.url
    assert sim.request_count == sent


def test_offline__switched_on_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, cache_path: Path, server: LoopbackServer, sim: BlynkSim
) -> None:
    monkeypatch.setenv("BLYNKBOOK_OFFLINE", "1")
    with (
        ResponseCache(
            cache_path, server=server.url, client_id=sim.client_id, policy=BLYNK_POLICY
        ) as cache,
        httpx.Client(transport=cache.transport(), base_url=server.url) as offline,
    ):
        assert cache.offline
        with pytest.raises(OfflineError):
            offline.get(VALUES, params={"deviceId": 1})


def test_offline__writes_are_refused(
    cache_path: Path, server: LoopbackServer, sim: BlynkSim
) -> None:
    sent = sim.request_count
    with (
        offline_cache(cache_path, server, sim) as cache,
        httpx.Client(transport=cache.transport(), base_url=server.url) as offline,
        pytest.raises(OfflineError, match="POST"),
    ):
        offline.post(f"{API}/device/datastream", json={"deviceId": 1})
    assert sim.request_count == sent


def test_offline__serves_expired_entries_marked_stale(
    client: httpx.Client, cache_path: Path, server: LoopbackServer, sim: BlynkSim, grant: Any
) -> None:
    client.get(VALUES, params={"deviceId": 1}, extensions=LONG_AGO)
    with (
        offline_cache(cache_path, server, sim) as cache,
        cached_client(cache, server.url, grant["access_token"]) as offline,
    ):
        replay = offline.get(VALUES, params={"deviceId": 1})
    assert replay.status_code == 200
    assert replay.extensions["stale"] is True


def test_offline__never_writes_to_the_file(
    client: httpx.Client, cache_path: Path, server: LoopbackServer, sim: BlynkSim, grant: Any
) -> None:
    client.get(VALUES, params={"deviceId": 1})
    with offline_cache(cache_path, server, sim) as cache:
        before = cache.info().entries
        with (
            cached_client(cache, server.url, grant["access_token"]) as offline,
            pytest.raises(OfflineError),
        ):
            offline.get(VALUES, params={"deviceId": 2})
        assert cache.info().entries == before == 1


def test_network_down__serves_the_stale_entry_marked_stale(
    client: httpx.Client,
    cache: ResponseCache,
    server: LoopbackServer,
    capfd: pytest.CaptureFixture[str],
) -> None:
    fresh = client.get(VALUES, params={"deviceId": 1}, extensions=LONG_AGO)
    network_down(server, cache)
    stale = client.get(VALUES, params={"deviceId": 1})
    assert stale.json() == fresh.json()
    assert stale.extensions["from_cache"] is True
    assert stale.extensions["stale"] is True
    out, err = capfd.readouterr()
    assert out == err == ""  # requests-cache's warning and traceback stay silent


def test_server_errors__serve_the_stale_entry(client: httpx.Client, sim: BlynkSim) -> None:
    fresh = client.get(VALUES, params={"deviceId": 1}, extensions=LONG_AGO)
    sim.faults.error_rate = 1.0
    stale = client.get(VALUES, params={"deviceId": 1})
    assert stale.status_code == 200 and stale.json() == fresh.json()
    assert stale.extensions["stale"] is True


def test_server_errors__without_an_entry_pass_through(client: httpx.Client, sim: BlynkSim) -> None:
    sim.faults.error_rate = 1.0
    reply = client.get(VALUES, params={"deviceId": 1})
    assert reply.status_code >= 500
    assert reply.extensions["from_cache"] is False


def test_network_down__fresh_entry_is_simply_a_hit(
    client: httpx.Client, cache: ResponseCache, server: LoopbackServer
) -> None:
    client.get(f"{API}/templates")
    network_down(server, cache)
    hit = client.get(f"{API}/templates")
    assert hit.extensions["from_cache"] is True and hit.extensions["stale"] is False


def test_network_down__no_entry_is_an_httpx_connect_error_without_secrets(
    client: httpx.Client, cache: ResponseCache, server: LoopbackServer
) -> None:
    client.get(f"{API}/templates")  # a kept-alive socket exists
    network_down(server, cache)
    with pytest.raises(httpx.ConnectError) as caught:
        client.get(f"{API}/devices", params={"token": "DEVICE-SECRET"})
    assert "DEVICE-SECRET" not in str(caught.value)
    assert "/api/v1/organization/devices" in str(caught.value)


def test_read_timeout__maps_to_httpx(
    cache: ResponseCache, server: LoopbackServer, sim: BlynkSim, grant: Any
) -> None:
    sim.faults.latency = 0.5
    with (
        cached_client(cache, server.url, grant["access_token"]) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.get(VALUES, params={"deviceId": 1}, timeout=httpx.Timeout(5.0, read=0.05))


def test_dropped_connection__maps_to_remote_protocol_error(
    client: httpx.Client, sim: BlynkSim
) -> None:
    sim.faults.drop_rate = 1.0
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(VALUES, params={"deviceId": 1})


@pytest.mark.parametrize("switch", ["argument", "environment"])
def test_connect_offline__replays_and_a_miss_names_the_read_not_a_token_call(
    switch: str,
    monkeypatch: pytest.MonkeyPatch,
    cache_path: Path,
    server: LoopbackServer,
    sim: BlynkSim,
) -> None:
    login = {"server": server.url, "client_id": sim.client_id, "client_secret": sim.client_secret}
    end = pd.Timestamp(sim.clock.now_ms(), unit="ms", tz="UTC").floor("D")
    window = (end - pd.Timedelta("2D"), end - pd.Timedelta("1ms"))
    with blynkbook.connect(**login, cache=cache_path) as online:
        expected = online.history(1, "Temperature", *window, progress=False)
    server.close()
    if switch == "environment":
        monkeypatch.setenv("BLYNKBOOK_OFFLINE", "1")
    offline_arg = switch == "argument"
    with blynkbook.connect(**login, cache=cache_path, offline=offline_arg) as offline:
        replay = offline.history(1, "Temperature", *window, progress=False)
        with pytest.raises(OfflineError) as caught:
            offline.history(1, "Humidity", *window, progress=False)
    pd.testing.assert_frame_equal(replay, expected, check_flags=False)
    assert replay.attrs["from_cache"] is True
    message = str(caught.value)
    assert "GET" in message and "/datastream/history" in message and "oauth" not in message
