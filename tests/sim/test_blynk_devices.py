"""The 23 Devices endpoints of the Blynk simulator: happy paths, documented errors, limits."""

from __future__ import annotations

import httpx
import pytest
from simkit import NOW_MS

from blynkbook.sim.blynk import BlynkSim

API = "/api/v1/organization"
DEVICE_FIELDS = {
    "id",
    "name",
    "templateId",
    "originalTemplateId",
    "orgId",
    "token",
    "activatedAt",
    "ownerUserId",
    "hardwareInfo",
}


def not_found(device_id: int) -> dict[str, object]:
    text = f"Device with identifier {device_id} is not found or belong to another organization."
    return {"error": {"message": text}}


# lists ---------------------------------------------------------------------------------------
def test_list_devices_own_org_and_sub_orgs(shared_sim: BlynkSim, ro_api: httpx.Client) -> None:
    own = ro_api.get(f"{API}/devices", params={"size": 1000}).json()
    assert own["totalElements"] == len(shared_sim.world.device_ids(org_id=101))
    assert {d["orgId"] for d in own["content"]} == {101}
    assert set(own["content"][0]) == DEVICE_FIELDS
    both = ro_api.get(f"{API}/devices", params={"size": 1000, "includeSubOrgDevices": "true"})
    assert both.json()["totalElements"] == len(shared_sim.world.device_ids())
    north = ro_api.get(f"{API}/devices", params={"orgId": 102}).json()
    assert {d["orgId"] for d in north["content"]} == {102}


def test_fleet_shape(shared_sim: BlynkSim) -> None:
    world = shared_sim.world
    devices = list(world.iter_devices())
    by_template = {
        t.name: sum(d.template.id == t.id for d in devices) for t in world.templates.values()
    }
    assert by_template == {"Weather Station": 24, "GPS Asset Tracker": 16, "Smart Plug": 20}
    weather_101 = [d for d in devices if d.template.name == "Weather Station" and d.org_id == 101]
    assert len(weather_101) >= 20
    assert all(d.connected for d in weather_101)
    assert {d.connected for d in devices} == {True, False}
    assert all(1 <= len(d.tags) <= 5 for d in devices)
    assert all(
        [m.name for m in d.metafields] == ["Serial Number", "Site", "Installed On"] for d in devices
    )
    assert len(world.users) >= 6 and all("@" in u.email for u in world.users.values())
    assert world.orgs[101].name == "Acme Field Ops" and world.orgs[102].parent_id == 101


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"size": 1001}, "requested page size is too big"),
        ({"size": 0}, "Page size must be between 1 and 1000, got 0."),
        ({"page": -1}, "Page number must be 0 or more, got -1."),
        ({"page": "x"}, "Invalid value 'x' for parameter 'page': a 32-bit integer expected."),
    ],
)
def test_page_limits(ro_api: httpx.Client, params: dict[str, object], message: str) -> None:
    reply = ro_api.get(f"{API}/devices", params=params)
    assert reply.status_code == 400
    assert reply.json() == {"error": {"message": message}}


def test_pages_are_exact(ro_api: httpx.Client) -> None:
    everything = ro_api.get(
        f"{API}/devices", params={"size": 1000, "includeSubOrgDevices": "true"}
    ).json()
    pages = [
        ro_api.get(
            f"{API}/devices", params={"size": 7, "page": p, "includeSubOrgDevices": "true"}
        ).json()
        for p in range(10)
    ]
    ids = [d["id"] for page in pages for d in page["content"]]
    assert ids == [d["id"] for d in everything["content"]]
    assert len(set(ids)) == len(ids)
    assert all(p["totalElements"] == everything["totalElements"] for p in pages)


def test_v2_list_carries_values(ro_api: httpx.Client) -> None:
    reply = ro_api.get("/api/v2/organization/devices", params={"size": 2}).json()
    assert reply["totalElements"] > 2
    assert reply["content"][0]["dataStreamValues"][0]["dataStreamLabel"] == "Temperature"


def test_search_sorts_and_filters(ro_api: httpx.Client) -> None:
    reply = ro_api.get(
        f"{API}/search/devices", params={"query": "weather", "sortBy": "Name", "sortOrder": "DESC"}
    )
    names = [d["name"] for d in reply.json()["content"]]
    assert names and all("Weather" in n for n in names)
    assert names == sorted(names, key=str.lower, reverse=True)
    assert reply.json()["totalElements"] == 24


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "'query' is missing"),
        ({"query": "x" * 256}, "at most 255"),
        ({"query": "a", "sortBy": "name"}, "Invalid sortBy 'name'"),
        ({"query": "a", "sortOrder": "UP"}, "Invalid sortOrder 'UP'"),
    ],
)
def test_search_errors(ro_api: httpx.Client, params: dict[str, str], fragment: str) -> None:
    reply = ro_api.get(f"{API}/search/devices", params=params)
    assert reply.status_code == 400 and fragment in reply.json()["error"]["message"]


def test_by_owner_and_by_user_org(shared_sim: BlynkSim, ro_api: httpx.Client) -> None:
    user = shared_sim.world.users[2]
    owned = ro_api.get(f"{API}/device/by-owner", params={"ownerEmail": user.email}).json()
    expected = [
        d.id for d in shared_sim.world.iter_devices() if d.owner_user_id == 2 and d.org_id == 101
    ]
    assert [d["id"] for d in owned["content"]] == expected
    missing = ro_api.get(f"{API}/device/by-owner", params={"ownerEmail": "no@one.example"})
    assert missing.status_code == 404
    north_user = shared_sim.world.users[6]
    same_org = ro_api.get(f"{API}/device/by-user-org", params={"userEmail": north_user.email})
    assert {d["orgId"] for d in same_org.json()["content"]} == {102}
    assert ro_api.get(f"{API}/device/by-user-org").status_code == 400
    foreign = shared_sim.world.users[8].email
    assert ro_api.get(f"{API}/device/by-user-org", params={"userEmail": foreign}).status_code == 400


def test_last_activated(ro_api: httpx.Client) -> None:
    recent = ro_api.get(f"{API}/device/last-activated", params={"minutes": 5}).json()
    assert len(recent) == 1
    assert set(recent[0]) == {"id", "orgId", "templateId", "ownerUserId", "activationTime"}
    assert recent[0]["activationTime"] >= NOW_MS - 5 * 60_000
    assert len(ro_api.get(f"{API}/device/last-activated", params={"minutes": 60}).json()) == 2
    for bad in (0, 61):
        reply = ro_api.get(f"{API}/device/last-activated", params={"minutes": bad})
        assert reply.status_code == 400 and str(bad) in reply.json()["error"]["message"]


# one device ------------------------------------------------------------------------------------
def test_get_device_and_base_info(ro_api: httpx.Client) -> None:
    full = ro_api.get(f"{API}/device", params={"deviceId": 1}).json()
    assert full["id"] == 1 and len(full["dataStreamValues"]) == 5
    assert full["metaFieldValues"][0]["value"]["type"] == "Text"
    base = ro_api.get(f"{API}/device/baseInfo", params={"deviceId": 1}).json()
    assert "dataStreamValues" not in base and base["name"] == full["name"]
    assert {"lifecycleStatus", "connectTime", "disconnectTime", "ip", "isLocked"} <= set(base)


@pytest.mark.parametrize(
    "path",
    [
        "device",
        "device/baseInfo",
        "device/online",
        "device/tags",
        "device/timeline",
        "device/logs",
        "device/metafield",
    ],
)
def test_unknown_device_is_404_and_bad_id_400(ro_api: httpx.Client, path: str) -> None:
    reply = ro_api.get(f"{API}/{path}", params={"deviceId": 9999})
    assert reply.status_code == 404 and reply.json() == not_found(9999)
    assert ro_api.get(f"{API}/{path}", params={"deviceId": "abc"}).status_code == 400
    assert ro_api.get(f"{API}/{path}").status_code == 400


def test_online_tags_timeline_logs_metafields(shared_sim: BlynkSim, ro_api: httpx.Client) -> None:
    device = shared_sim.world.device(1)
    online = ro_api.get(f"{API}/device/online", params={"deviceId": 1}).json()
    assert online == {"connected": device.connected}
    tags = ro_api.get(f"{API}/device/tags", params={"deviceId": 1}).json()
    assert tags and set(tags[0]) == {"id", "name", "tagOwnerOrgId"}
    timeline = ro_api.get(f"{API}/device/timeline", params={"deviceId": 1}).json()
    assert timeline["totalElements"] == len(device.timeline)
    stamps = [e["ts"] for e in timeline["content"]]
    assert stamps == sorted(stamps, reverse=True)
    logs = ro_api.get(f"{API}/device/logs", params={"deviceId": 45}).json()
    assert logs["totalElements"] == len(shared_sim.world.device(45).logs)
    meta = ro_api.get(f"{API}/device/metafield", params={"deviceId": 1}).json()
    assert set(meta[0]) == {"id", "name", "isRequired", "includeInProvisioning", "value"}


def test_timeline_event_type_filter(shared_sim: BlynkSim, ro_api: httpx.Client) -> None:
    device = next(
        d
        for d in shared_sim.world.iter_devices()
        if any(e.event_type == "WARNING" for e in d.timeline)
    )
    reply = ro_api.get(
        f"{API}/device/timeline", params={"deviceId": device.id, "eventType": "WARNING"}
    ).json()
    assert reply["totalElements"] == sum(e.event_type == "WARNING" for e in device.timeline)
    assert {e["eventType"] for e in reply["content"]} == {"WARNING"}
    bad = ro_api.get(f"{API}/device/timeline", params={"deviceId": 1, "eventType": "LOUD"})
    assert bad.status_code == 400 and "LOUD" in bad.json()["error"]["message"]


# writes ----------------------------------------------------------------------------------------
def test_rename(api: httpx.Client) -> None:
    reply = api.put(f"{API}/device", params={"deviceId": 3}, json={"name": "Roof O'Hara_2-b"})
    assert reply.status_code == 200 and reply.json()["name"] == "Roof O'Hara_2-b"
    assert api.get(f"{API}/device", params={"deviceId": 3}).json()["name"] == "Roof O'Hara_2-b"
    for bad in ("", "x" * 51, "bad/name", "semi;colon", 5):
        rejected = api.put(f"{API}/device", params={"deviceId": 3}, json={"name": bad})
        assert rejected.status_code == 400


def test_delete(sim: BlynkSim, api: httpx.Client) -> None:
    assert api.delete(f"{API}/device", params={"deviceId": 4}).status_code == 204
    assert 4 not in sim.world.device_ids()
    assert api.get(f"{API}/device", params={"deviceId": 4}).status_code == 404
    assert api.delete(f"{API}/device", params={"deviceId": 4}).json() == not_found(4)


def test_create_device(sim: BlynkSim, api: httpx.Client) -> None:
    body = {"templateId": "TMPL2smtPlg3", "name": "New Plug", "orgId": 102, "ownerId": 6}
    reply = api.post(f"{API}/device/create", json=body)
    assert reply.status_code == 201
    created = reply.json()
    assert created["orgId"] == 102 and created["ownerUserId"] == 6
    assert created["templateId"] == 1003 and len(created["token"]) == 32
    assert created["id"] in sim.world.device_ids(org_id=102)
    recent = api.get(f"{API}/device/last-activated", params={"orgId": 102}).json()
    assert created["id"] in [d["id"] for d in recent]
    base = api.post(
        f"{API}/device/create",
        json={"templateId": "TMPL2smtPlg3", "name": "B", "baseInfoOnly": True},
    )
    assert base.status_code == 201 and "dataStreamValues" not in base.json()


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"templateId": "TMPLnope", "name": "X"}, 404, "Template is not found."),
        (
            {"templateId": "TMPL2smtPlg3", "name": "X", "orgId": 201},
            404,
            "Organization is not found or you don't have access to it.",
        ),
        (
            {"templateId": "TMPL2smtPlg3", "name": "X", "ownerId": 8},
            404,
            "User is not found or you don't have access to him.",
        ),
        ({"templateId": "TMPL2smtPlg3", "name": "no/slash"}, 400, None),
        ({"name": "X"}, 400, None),
    ],
)
def test_create_device_errors(
    api: httpx.Client, body: dict[str, object], status: int, message: str | None
) -> None:
    reply = api.post(f"{API}/device/create", json=body)
    assert reply.status_code == status
    if message:
        assert reply.json()["error"]["message"] == message


def test_transfers_and_owner_removal(sim: BlynkSim, api: httpx.Client) -> None:
    reply = api.post(f"{API}/device/transfer/to-owner", json={"deviceId": 1, "newUserId": 5})
    assert reply.status_code == 204 and sim.world.device(1).owner_user_id == 5
    same = api.post(f"{API}/device/transfer/to-owner", json={"deviceId": 1, "newUserId": 5})
    assert same.status_code == 400 and same.json()["error"]["message"] == (
        "Can't transfer to the same owner"
    )
    foreign = api.post(f"{API}/device/transfer/to-owner", json={"deviceId": 1, "newUserId": 8})
    assert foreign.status_code == 404
    assert api.post(f"{API}/device/transfer/to-owner", json={"deviceId": 1}).status_code == 400
    moved = api.post(
        f"{API}/device/transfer/to-organization", json={"deviceId": 1, "newOrgId": 102}
    )
    assert moved.status_code == 204
    assert api.get(f"{API}/device", params={"deviceId": 1}).json()["orgId"] == 102
    away = api.post(f"{API}/device/transfer/to-organization", json={"deviceId": 1, "newOrgId": 201})
    assert away.status_code == 404
    assert api.delete(f"{API}/device/owner", params={"deviceId": 1}).status_code == 204
    assert api.get(f"{API}/device", params={"deviceId": 1}).json()["ownerUserId"] is None


def test_clear_hides_history_and_values(sim: BlynkSim, api: httpx.Client) -> None:
    api.post(f"{API}/device/datastream", json={"deviceId": 45, "dataStreamId": 25, "value": "x"})
    assert api.delete(f"{API}/device/clear", params={"deviceId": 45}).status_code == 204
    history = api.get(
        f"{API}/device/datastream/history",
        params={"deviceId": 45, "dataStreamId": 23, "from": 0, "to": NOW_MS},
    )
    assert history.json() == {"content": [], "totalElements": 0}
    values = api.get("/api/v2/organization/device/datastreams", params={"deviceId": 45}).json()
    assert all("value" not in v for v in values["dataStreams"])
    sim.clock.advance(600)  # the device keeps reporting after the clear
    later = api.get(
        f"{API}/device/datastream/history",
        params={"deviceId": 45, "dataStreamId": 23, "from": 0, "to": NOW_MS + 600_000},
    )
    assert later.json()["totalElements"] == 2


def test_trigger_and_resolve_event(sim: BlynkSim, api: httpx.Client) -> None:
    body = {"deviceId": 2, "eventCode": "high_temperature", "eventDescription": "31.5 C"}
    assert api.post(f"{API}/device/trigger-event", json=body).status_code == 204
    newest = api.get(f"{API}/device/timeline", params={"deviceId": 2}).json()["content"][0]
    assert newest["eventCode"] == "high_temperature" and newest["eventType"] == "WARNING"
    assert newest["description"] == "31.5 C" and newest["ts"] == NOW_MS
    unknown = api.post(f"{API}/device/trigger-event", json={"deviceId": 2, "eventCode": "boom"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "Event with provided code is not found."
    long = {"deviceId": 2, "eventCode": "maintenance", "eventDescription": "x" * 301}
    assert api.post(f"{API}/device/trigger-event", json=long).status_code == 400
    resolve = {"deviceId": 2, "logEventId": newest["id"], "comment": "fan fixed"}
    assert api.post(f"{API}/device/resolve-event", json=resolve).status_code == 204
    resolved = api.get(f"{API}/device/timeline", params={"deviceId": 2}).json()["content"][0]
    assert resolved["isResolved"] and resolved["resolvedComment"] == "fan fixed"
    missing = api.post(f"{API}/device/resolve-event", json={"deviceId": 2, "logEventId": 10**9})
    assert missing.status_code == 404


def test_update_metafield(api: httpx.Client) -> None:
    body = {"deviceId": 1, "metaFieldId": 2, "newValue": "Warehouse Aisle 3"}
    assert api.post(f"{API}/device/metafield", json=body).status_code == 204
    fields = api.get(f"{API}/device/metafield", params={"deviceId": 1}).json()
    assert fields[1]["value"]["value"] == "Warehouse Aisle 3"
    missing = api.post(
        f"{API}/device/metafield", json={"deviceId": 1, "metaFieldId": 99, "newValue": "x"}
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Meta field is not found."
    invalid = api.post(
        f"{API}/device/metafield", json={"deviceId": 1, "metaFieldId": 2, "newValue": {"a": 1}}
    )
    assert invalid.status_code == 400
    assert invalid.json()["error"]["message"] == "The provided value for metafield is invalid."


def test_unknown_path_and_method(api: httpx.Client) -> None:
    assert api.get(f"{API}/nope").status_code == 404
    assert api.patch(f"{API}/device", params={"deviceId": 1}).status_code == 405
