"""End to end: a plain client authenticates, lists, pages a history, writes and reads back."""

from __future__ import annotations

import httpx
from simkit import DAY_MS, NOW_MS

from blynkbook.sim.blynk import BlynkSim


def test_plain_client_round_trip(sim: BlynkSim, api: httpx.Client) -> None:
    listed = api.get("/api/v1/organization/devices", params={"size": 1000}).json()
    assert listed["totalElements"] == len(sim.world.device_ids(org_id=101))
    device_id = listed["content"][0]["id"]

    history = api.get(
        "/api/v1/organization/device/datastream/history",
        params={
            "deviceId": device_id,
            "dataStreamId": 1,
            "from": NOW_MS - DAY_MS,
            "to": NOW_MS,
            "size": 100,
            "page": 2,
        },
    ).json()
    assert history["totalElements"] == 24 * 12 + 1
    assert len(history["content"]) == 89

    written = api.post(
        "/api/v1/organization/device/datastream",
        json={"deviceId": device_id, "dataStreamId": 1, "value": 21.5},
    )
    assert written.status_code == 204
    values = api.get(
        "/api/v2/organization/device/datastreams",
        params={"deviceId": device_id, "dataStreamIds": 1},
    ).json()["dataStreams"]
    assert values[0]["value"] == 21.5
    assert values[0]["updatedAt"] == NOW_MS
