"""A successful write drops the cached reads it makes stale, and only those."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from cachekit import DAY_MS, NOW_MS

from blynkbook.blynk._cache_policy import BLYNK_POLICY
from blynkbook.cache import ResponseCache
from blynkbook.errors import OfflineError
from blynkbook.sim.blynk import BlynkSim

API = "/api/v1/organization"
VALUES = "/api/v2/organization/device/datastreams"
HISTORY = f"{API}/device/datastream/history"
DEVICES = f"{API}/devices"


def temperature(client: httpx.Client, device: int) -> Any:
    reply = client.get(VALUES, params={"deviceId": device})
    return next(d["value"] for d in reply.json()["dataStreams"] if d["dataStreamId"] == 1)


def is_cached(client: httpx.Client, path: str, params: dict[str, Any]) -> bool:
    reply = client.get(path, params=params, extensions={"cache": {"only_if_cached": True}})
    return bool(reply.extensions["from_cache"])


def only_if_cached_hit(client: httpx.Client, path: str, params: dict[str, Any]) -> bool:
    try:
        return is_cached(client, path, params)
    except OfflineError:
        return False


def warm(client: httpx.Client, *reads: tuple[str, dict[str, Any]]) -> None:
    for path, params in reads:
        assert client.get(path, params=params).status_code == 200


def test_write_then_read__shows_the_new_value(client: httpx.Client) -> None:
    before = temperature(client, 1)
    reply = client.post(
        f"{API}/device/datastream", json={"deviceId": 1, "dataStreamId": 1, "value": 42.5}
    )
    assert reply.status_code == 204
    assert before != 42.5
    assert temperature(client, 1) == 42.5


def test_write_many__invalidates_only_that_device(client: httpx.Client) -> None:
    warm(client, (VALUES, {"deviceId": 1}), (VALUES, {"deviceId": 2}))
    client.post(f"{API}/device/datastreams", json={"deviceId": 1, "values": {"1": 30}})
    assert not only_if_cached_hit(client, VALUES, {"deviceId": 1})
    assert only_if_cached_hit(client, VALUES, {"deviceId": 2})


def test_batch_update__invalidates_every_device_in_the_body(client: httpx.Client) -> None:
    batch = f"{API}/device/datastreams/batch"
    warm(
        client,
        (VALUES, {"deviceId": 1}),
        (VALUES, {"deviceId": 3}),
        (VALUES, {"deviceId": 5}),
        (batch, {"deviceIds": [3, 4]}),
    )
    payload = {"fields": ["deviceId", "Temperature"], "updates": [[1, 20.0], [3, 21.0]]}
    reply = client.post(f"{API}/product/devices/batch-update", json=payload)
    assert reply.status_code in (200, 204)
    assert not only_if_cached_hit(client, VALUES, {"deviceId": 1})
    assert not only_if_cached_hit(client, VALUES, {"deviceId": 3})
    assert not only_if_cached_hit(client, batch, {"deviceIds": [3, 4]})
    assert only_if_cached_hit(client, VALUES, {"deviceId": 5})
    assert temperature(client, 3) == 21.0


def test_import__invalidates_closed_history(client: httpx.Client) -> None:
    params = {"deviceId": 2, "dataStreamId": 1, "from": NOW_MS - 2 * DAY_MS, "to": NOW_MS - DAY_MS}
    before = client.get(HISTORY, params=params).json()["totalElements"]
    ts = NOW_MS - DAY_MS - 1000
    reply = client.post(
        f"{API}/device/import/batch",
        json={"deviceId": 2, "dataStreamId": 1, "values": [{"value": 1.0, "ts": ts}]},
    )
    assert reply.status_code == 204
    after = client.get(HISTORY, params=params)
    assert after.extensions["from_cache"] is False
    assert after.json()["totalElements"] == before + 1


def test_clear_data__invalidates_history_and_values(client: httpx.Client) -> None:
    params = {"deviceId": 4, "dataStreamId": 1, "from": NOW_MS - DAY_MS, "to": NOW_MS - 3600_000}
    warm(client, (HISTORY, params), (VALUES, {"deviceId": 4}), (VALUES, {"deviceId": 6}))
    assert client.delete(f"{API}/device/clear", params={"deviceId": 4}).status_code == 204
    assert not only_if_cached_hit(client, HISTORY, params)
    assert not only_if_cached_hit(client, VALUES, {"deviceId": 4})
    assert only_if_cached_hit(client, VALUES, {"deviceId": 6})


def test_metafield_and_events__invalidate_the_device(client: httpx.Client) -> None:
    meta = client.get(f"{API}/device/metafield", params={"deviceId": 1}).json()
    field_id = meta[0]["id"]
    warm(client, (f"{API}/device/timeline", {"deviceId": 1}))
    client.post(
        f"{API}/device/metafield",
        json={"deviceId": 1, "metaFieldId": field_id, "newValue": "Aisle 3"},
    )
    client.post(
        f"{API}/device/trigger-event",
        json={"deviceId": 1, "eventCode": "maintenance", "eventDescription": "checked"},
    )
    assert not only_if_cached_hit(client, f"{API}/device/metafield", {"deviceId": 1})
    assert not only_if_cached_hit(client, f"{API}/device/timeline", {"deviceId": 1})


def rename(client: httpx.Client) -> httpx.Response:
    return client.put(f"{API}/device", params={"deviceId": 2}, json={"name": "Renamed 02"})


def delete(client: httpx.Client) -> httpx.Response:
    return client.delete(f"{API}/device", params={"deviceId": 2})


def create(client: httpx.Client) -> httpx.Response:
    return client.post(f"{API}/device/create", json={"templateId": "TMPL4wthrSt1", "name": "New"})


def transfer(client: httpx.Client) -> httpx.Response:
    return client.post(
        f"{API}/device/transfer/to-organization", json={"deviceId": 2, "newOrgId": 102}
    )


def to_owner(client: httpx.Client) -> httpx.Response:
    return client.post(f"{API}/device/transfer/to-owner", json={"deviceId": 2, "newUserId": 3})


def remove_owner(client: httpx.Client) -> httpx.Response:
    return client.delete(f"{API}/device/owner", params={"deviceId": 2})


@pytest.mark.parametrize("write", [rename, delete, create, transfer, to_owner, remove_owner])
def test_fleet_writes__invalidate_device_lists_and_search(client: httpx.Client, write: Any) -> None:
    lists = [(DEVICES, {"size": 100}), (f"{API}/search/devices", {"query": "Weather"})]
    warm(client, *lists, (f"{API}/templates", {}))
    assert write(client).status_code in (200, 201, 204)
    for path, params in lists:
        assert not only_if_cached_hit(client, path, params)
    assert only_if_cached_hit(client, f"{API}/templates", {})


def test_rename__new_name_in_the_list(client: httpx.Client) -> None:
    names = {
        d["id"]: d["name"] for d in client.get(DEVICES, params={"size": 100}).json()["content"]
    }
    assert names[2] != "Renamed 02"
    assert rename(client).status_code == 200
    fresh = client.get(DEVICES, params={"size": 100}).json()["content"]
    assert {d["id"]: d["name"] for d in fresh}[2] == "Renamed 02"


def test_failed_write__invalidates_nothing(client: httpx.Client) -> None:
    warm(client, (VALUES, {"deviceId": 1}))
    reply = client.post(
        f"{API}/device/datastream", json={"deviceId": 1, "dataStreamId": 999, "value": 1}
    )
    assert reply.status_code >= 400
    assert only_if_cached_hit(client, VALUES, {"deviceId": 1})


@pytest.mark.parametrize("fault", ["error_rate", "drop_rate"])
def test_write_that_may_have_landed__invalidates(
    client: httpx.Client, sim: BlynkSim, fault: str
) -> None:
    warm(client, (VALUES, {"deviceId": 1}))
    sim.faults.set(**{fault: 1.0})  # a 500, or the connection dropped with no answer
    body = {"deviceId": 1, "dataStreamId": 1, "value": 21.5}
    try:
        reply = client.post(f"{API}/device/datastream", json=body)
        assert reply.status_code >= 500
    except httpx.TransportError:
        assert fault == "drop_rate"
    sim.faults.reset()
    assert not only_if_cached_hit(client, VALUES, {"deviceId": 1})


def test_invalidate_device__public_helper(client: httpx.Client, cache: ResponseCache) -> None:
    warm(client, (VALUES, {"deviceId": 1}), (f"{API}/device/online", {"deviceId": 1}))
    assert cache.invalidate_device(1) == 2
    assert not only_if_cached_hit(client, VALUES, {"deviceId": 1})


def test_writes_by_one_account__invalidate_another_accounts_reads(
    client: httpx.Client, cache: ResponseCache
) -> None:
    warm(client, (VALUES, {"deviceId": 1}))
    other = ResponseCache(
        cache.path, server=cache.server, client_id="someone-else", policy=BLYNK_POLICY
    )
    with other:
        other.after_write("POST", f"{cache.server}{API}/device/datastream", b'{"deviceId": 1}')
    assert not only_if_cached_hit(client, VALUES, {"deviceId": 1})
