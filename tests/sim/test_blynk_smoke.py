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


def test_current_value_is_the_last_history_point_over_http(
    sim: BlynkSim, api: httpx.Client
) -> None:
    """Two endpoints (current values, history) and the ground-truth helper agree."""
    current = api.get(
        "/api/v2/organization/device/datastreams", params={"deviceId": 1, "dataStreamIds": 1}
    ).json()["dataStreams"][0]
    history = api.get(
        "/api/v1/organization/device/datastream/history",
        params={"deviceId": 1, "dataStreamId": 1, "from": NOW_MS - DAY_MS, "to": NOW_MS,
                "size": 1000},
    ).json()["content"]  # fmt: skip
    last = history[-1]
    assert (last["createdAt"], last["value"]) == (current["updatedAt"], current["value"])
    assert sim.world.current_value(1, 1) == (current["value"], current["updatedAt"])
    assert len(history) == 24 * 12 + 1  # the 5-minute grid, both ends included


def test_introspection_and_no_secrets_in_reprs(sim: BlynkSim) -> None:
    world = sim.world
    assert world.device_ids() == sorted(world.devices)
    assert set(world.device_ids(org_id=102)) < set(world.device_ids())
    tokens = world.device_tokens()
    assert len(tokens) == len(world.devices) and len(set(tokens)) == len(tokens)
    texts = [repr(sim), repr(world.device(1)), repr(sim.tokens.clients[sim.client_id])]
    assert not any(t in text for t in tokens for text in texts)
    assert sim.client_secret not in " ".join(texts)
