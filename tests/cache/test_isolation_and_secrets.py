"""Accounts never share entries, and no secret ever reaches the SQLite file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
from cachekit import DAY_MS, NOW_MS, cached_client, fetch_grant, sim_clock

from blynkbook.blynk._cache_policy import BLYNK_POLICY, BLYNK_READS
from blynkbook.cache import ResponseCache
from blynkbook.cache.policy import Policy, ReadRule
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim

API = "/api/v1/organization"
OWNER = "ana.ortiz@acme-field.example"


def test_two_accounts__never_share_an_entry(
    client: httpx.Client, cache: ResponseCache, server: LoopbackServer, sim: BlynkSim
) -> None:
    north_id, north_secret = sim.add_client(102)
    north_grant = fetch_grant(server.url, north_id, north_secret)
    mine = client.get(f"{API}/devices", params={"size": 100}).json()
    with (
        ResponseCache(
            cache.path, server=server.url, client_id=north_id, policy=BLYNK_POLICY
        ) as north_cache,
        cached_client(north_cache, server.url, north_grant["access_token"]) as north,
    ):
        sent = sim.request_count
        theirs = north.get(f"{API}/devices", params={"size": 100})
        assert theirs.extensions["from_cache"] is False
        assert sim.request_count == sent + 1
        assert {d["orgId"] for d in theirs.json()["content"]} == {102}
        assert north.get(f"{API}/devices", params={"size": 100}).extensions["from_cache"]
    assert {d["orgId"] for d in mine["content"]} == {101}
    assert client.get(f"{API}/devices", params={"size": 100}).json() == mine


def test_two_servers__never_share_an_entry(
    client: httpx.Client, cache: ResponseCache, sim: BlynkSim, grant: dict[str, Any]
) -> None:
    client.get(f"{API}/templates")
    with (
        sim.serve() as second,
        ResponseCache(
            cache.path, server=second.url, client_id=sim.client_id, policy=BLYNK_POLICY
        ) as other,
        cached_client(other, second.url, grant["access_token"]) as client_two,
    ):
        assert client_two.get(f"{API}/templates").extensions["from_cache"] is False


def test_device_token_params__kept_apart_and_never_stored(
    cache_path: Path, server: LoopbackServer, sim: BlynkSim, grant: dict[str, Any]
) -> None:
    # A read keyed by a ?token= query, like Blynk's device HTTPS API.
    device_api = ReadRule("device_api", f"{API}/templates", 600)
    policy = Policy(reads=((device_api,), BLYNK_READS))
    tokens = sim.world.device_tokens()[:2]
    with (
        ResponseCache(cache_path, server=server.url, client_id=sim.client_id, policy=policy) as c,
        cached_client(c, server.url, grant["access_token"]) as client,
    ):
        sent = sim.request_count
        first = [client.get(f"{API}/templates", params={"token": t}) for t in tokens]
        again = [client.get(f"{API}/templates", params={"token": t}) for t in tokens]
        assert [r.extensions["from_cache"] for r in first] == [False, False]
        assert [r.extensions["from_cache"] for r in again] == [True, True]
        assert sim.request_count == sent + 2
    raw = raw_bytes(cache_path)
    assert not [t for t in tokens if t.encode() in raw]


def raw_bytes(path: Path) -> bytes:
    """Every byte of the SQLite file and its journals."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def read_everything(client: httpx.Client, sim: BlynkSim) -> None:
    devices = client.get(f"{API}/devices", params={"size": 1000}).json()["content"]
    ids = [d["id"] for d in devices][:6]
    reads: list[tuple[str, dict[str, Any]]] = [
        ("/api/v2/organization/devices", {"size": 1000}),
        (f"{API}/search/devices", {"query": "Tracker"}),
        (f"{API}/device/by-owner", {"ownerEmail": OWNER}),
        (f"{API}/device/by-user-org", {"userEmail": OWNER}),
        (f"{API}/device/datastreams/batch", {"deviceIds": ids}),
        (f"{API}/templates", {}),
    ]
    for device in ids:
        reads += [
            (f"{API}/device", {"deviceId": device}),
            (f"{API}/device/baseInfo", {"deviceId": device}),
            ("/api/v2/organization/device/datastreams", {"deviceId": device}),
            (f"{API}/device/metafield", {"deviceId": device}),
            (
                f"{API}/device/datastream/history",
                {"deviceId": device, "dataStreamId": 1, "from": NOW_MS - DAY_MS, "to": NOW_MS},
            ),
        ]
    for path, params in reads:
        assert client.get(path, params=params).status_code == 200, path


def test_secret_grep__no_credential_in_the_file(
    client: httpx.Client, cache: ResponseCache, sim: BlynkSim, grant: dict[str, Any]
) -> None:
    read_everything(client, sim)
    assert cache.info().entries > 30
    cache.close()  # checkpoint the WAL into the file
    raw = raw_bytes(cache.path)
    assert b"Harbor Weather 01" in raw  # the grep can see bodies at all
    secrets = [sim.client_secret, grant["access_token"], grant["refresh_token"]]
    secrets += sim.world.device_tokens()
    leaked = [s for s in secrets if s.encode() in raw]
    assert leaked == []
    assert b"Bearer" not in raw


def test_storage__is_json_not_pickle(client: httpx.Client, cache: ResponseCache) -> None:
    client.get(f"{API}/devices", params={"size": 5})
    client.get(f"{API}/templates")
    cache.close()
    with sqlite3.connect(cache.path) as db:
        values = [row[0] for row in db.execute("SELECT value FROM responses")]
    db.close()
    assert len(values) == 2
    for value in values:
        assert isinstance(value, bytes) and value.startswith(b"{")  # a pickle starts 0x80
        meta, newline, body = value.partition(b"\n")
        assert newline
        assert json.loads(meta)["status_code"] == 200  # the metadata: one line of JSON
        assert json.loads(body)  # then the body, readable JSON text as the server sent it


def test_secret_grep__after_a_write_and_an_oauth_post(
    cache: ResponseCache, server: LoopbackServer, sim: BlynkSim, grant: dict[str, Any]
) -> None:
    with cached_client(cache, server.url, grant["access_token"]) as client:
        refreshed = client.post(
            "/oauth2/token",
            params={"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]},
            auth=(sim.client_id, sim.client_secret),
        )
        client.get(f"{API}/devices", params={"size": 5})
        client.put(f"{API}/device", params={"deviceId": 1}, json={"name": "Renamed"})
    cache.close()
    raw = raw_bytes(cache.path)
    for secret in (refreshed.json()["access_token"], refreshed.json()["refresh_token"]):
        assert secret.encode() not in raw


def test_reprs_and_info__name_no_secret(
    client: httpx.Client, cache: ResponseCache, sim: BlynkSim, grant: dict[str, Any]
) -> None:
    client.get(f"{API}/devices", params={"size": 5})
    shown = repr(cache) + repr(cache.info()) + repr(cache.transport())
    for secret in [sim.client_secret, grant["access_token"], *sim.world.device_tokens()]:
        assert secret not in shown


def test_history_window__judged_by_the_injected_clock(
    cache_path: Path, server: LoopbackServer, sim: BlynkSim, grant: dict[str, Any]
) -> None:
    params = {"deviceId": 1, "dataStreamId": 1, "from": NOW_MS - DAY_MS, "to": NOW_MS}
    with (
        ResponseCache(
            cache_path,
            server=server.url,
            client_id=sim.client_id,
            now=sim_clock(sim),
            policy=BLYNK_POLICY,
        ) as cache,
        cached_client(cache, server.url, grant["access_token"]) as client,
    ):
        client.get(f"{API}/device/datastream/history", params=params)
        sim.clock.advance(3600)
        later = {**params, "deviceId": 2}
        client.get(f"{API}/device/datastream/history", params=later)
        answers = [
            client.get(f"{API}/device/datastream/history", params=p) for p in (params, later)
        ]
    assert answers[0].extensions["expires"] is not None  # touched "now" when it was read
    assert answers[1].extensions["expires"] is None  # closed an hour later: final
