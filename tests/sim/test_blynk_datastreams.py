"""The DataStreams endpoints and the template schema, validated against the vendor OpenAPI."""

from __future__ import annotations

import httpx
import pytest
from simkit import DAY_MS, NOW_MS, openapi_validator

from blynkbook.sim.blynk import BlynkSim

API = "/api/v1/organization"
V2_VALUES = "/api/v2/organization/device/datastreams"
BATCH = f"{API}/device/datastreams/batch"
HISTORY = f"{API}/device/datastream/history"
WRITE = f"{API}/device/datastream"
WRITE_MANY = f"{API}/device/datastreams"
BATCH_UPDATE = f"{API}/product/devices/batch-update"
IMPORT = f"{API}/device/import/batch"
PROPERTY = f"{API}/device/datastream/property"


def error_text(reply: httpx.Response) -> str:
    openapi_validator(HISTORY, "get", "400").validate(reply.json())
    return str(reply.json()["error"]["message"])


# reads ---------------------------------------------------------------------------------------
def test_current_values_match_schema(ro_api: httpx.Client) -> None:
    for device_id in (1, 30, 45):
        reply = ro_api.get(V2_VALUES, params={"deviceId": device_id})
        openapi_validator(V2_VALUES, "get", "200").validate(reply.json())
    filtered = ro_api.get(
        V2_VALUES, params=[("deviceId", 1), ("dataStreamIds", 2), ("dataStreamIds", 5)]
    ).json()
    assert [v["dataStreamId"] for v in filtered["dataStreams"]] == [2, 5]


def test_tracker_location_is_lon_lat_of_the_trail(ro_api: httpx.Client) -> None:
    tracker = next(
        d
        for d in ro_api.get(f"{API}/devices", params={"size": 1000}).json()["content"]
        if d["templateId"] == 1002
    )
    values = {
        v["dataStreamLabel"]: v
        for v in ro_api.get(V2_VALUES, params={"deviceId": tracker["id"]}).json()["dataStreams"]
    }
    assert values["Location"]["value"] == [
        values["Longitude"]["value"],
        values["Latitude"]["value"],
    ]
    assert 35 < values["Latitude"]["value"] < 60 and -10 < values["Longitude"]["value"] < 20


def test_batch_values(ro_api: httpx.Client) -> None:
    reply = ro_api.get(BATCH, params={"deviceIds": "1,2,9999", "dataStreamIds": "1"})
    openapi_validator(BATCH, "get", "200").validate(reply.json())
    assert [d["deviceId"] for d in reply.json()] == [1, 2]  # unknown ids are ignored
    assert all(len(d["dataStreams"]) == 1 for d in reply.json())
    too_many = ro_api.get(BATCH, params=[("deviceIds", i) for i in range(1, 12)])
    assert too_many.status_code == 400 and "11" in error_text(too_many)
    assert ro_api.get(BATCH).status_code == 400


def test_unknown_device_on_reads(ro_api: httpx.Client) -> None:
    reply = ro_api.get(V2_VALUES, params={"deviceId": 77777})
    assert reply.status_code == 404
    assert error_text(reply) == (
        "Device with identifier 77777 is not found or belong to another organization."
    )


# history -------------------------------------------------------------------------------------
def history(api: httpx.Client, **params: object) -> httpx.Response:
    return api.get(HISTORY, params={"deviceId": 1, "dataStreamId": 1, **params})


def test_history_schema_order_and_cadence(ro_api: httpx.Client) -> None:
    reply = history(ro_api, **{"from": NOW_MS - DAY_MS, "to": NOW_MS, "size": 1000})
    openapi_validator(HISTORY, "get", "200").validate(reply.json())
    stamps = [p["createdAt"] for p in reply.json()["content"]]
    assert stamps[0] == NOW_MS - DAY_MS and stamps[-1] == NOW_MS  # both ends inclusive
    assert {b - a for a, b in zip(stamps, stamps[1:], strict=False)} == {300_000}


def test_history_covers_45_days_for_20_weather_stations(shared_sim: BlynkSim) -> None:
    stations = [
        d
        for d in shared_sim.world.iter_devices()
        if d.template.name == "Weather Station" and d.org_id == 101
    ][:20]
    start = NOW_MS - 45 * DAY_MS
    for device in stations:
        for ds in device.template.datastreams:
            count = shared_sim.world.history.count(device, ds, start, NOW_MS, NOW_MS)
            assert count == 45 * 288 + 1


def test_history_pages_concatenate_exactly(ro_api: httpx.Client) -> None:
    window = {"from": NOW_MS - 3 * DAY_MS + 7, "to": NOW_MS - 5}
    whole = history(ro_api, **window, size=1000).json()
    pages = [history(ro_api, **window, size=97, page=p).json() for p in range(10)]
    points = [(p["createdAt"], p["value"]) for page in pages for p in page["content"]]
    assert points == [(p["createdAt"], p["value"]) for p in whole["content"]]
    assert len({t for t, _ in points}) == len(points) == whole["totalElements"] == 863


@pytest.mark.parametrize(
    ("params", "status", "fragment"),
    [
        ({"from": 10, "to": 5}, 400, "after"),
        ({"from": 0}, 400, "'to' is missing"),
        ({"to": 0}, 400, "'from' is missing"),
        ({"from": 0, "to": 1, "size": 1001}, 400, "requested page size is too big"),
        ({"from": 0, "to": 1, "dataStreamId": 99}, 404, "99"),
        ({"from": 0, "to": 1, "deviceId": 45, "dataStreamId": 25}, 400, "STRING"),
        ({"from": 0, "to": 1, "deviceId": 30, "dataStreamId": 11}, 400, "LOCATION"),
    ],
)
def test_history_errors(
    ro_api: httpx.Client, params: dict[str, object], status: int, fragment: str
) -> None:
    reply = history(ro_api, **params)
    assert reply.status_code == status
    assert fragment in error_text(reply)


def test_history_is_deterministic_for_a_seed() -> None:
    def sample(seed: int, now: str) -> list[tuple[int, float]]:
        sim = BlynkSim(seed=seed, now=now)
        return sim.world.history_points(1, 1, NOW_MS - DAY_MS, NOW_MS - DAY_MS + 3_600_000)

    assert sample(7, "2026-11-20T12:00:00Z") == sample(7, "2026-11-21T09:30:00Z")
    assert sample(7, "2026-11-20T12:00:00Z") != sample(8, "2026-11-20T12:00:00Z")
    a, b = (
        BlynkSim(seed=3, now="2026-11-20T12:00:00Z"),
        BlynkSim(seed=3, now="2026-11-20T12:00:00Z"),
    )
    assert [d.name for d in a.world.iter_devices()] == [d.name for d in b.world.iter_devices()]
    assert a.world.device_tokens() == b.world.device_tokens()


# writes -------------------------------------------------------------------------------------
def test_write_one_is_read_back_everywhere(sim: BlynkSim, api: httpx.Client) -> None:
    assert (
        api.post(WRITE, json={"deviceId": 45, "dataStreamId": 22, "value": "boost"}).status_code
        == 204
    )
    assert (
        api.post(WRITE, json={"deviceId": 45, "dataStreamId": 25, "value": "hello"}).status_code
        == 204
    )
    values = {
        v["dataStreamId"]: v
        for v in api.get(V2_VALUES, params={"deviceId": 45}).json()["dataStreams"]
    }
    assert values[22]["value"] == 2 and values[22]["updatedAt"] == NOW_MS
    assert values[25]["value"] == "hello"
    assert sim.world.history_points(45, 22, NOW_MS, NOW_MS) == [(NOW_MS, 2.0)]
    logs = api.get(f"{API}/device/logs", params={"deviceId": 45}).json()["content"]
    assert logs[0]["pin"] == 4 and logs[0]["value"] == "hello" and logs[1]["value"] == 2


def test_write_between_grid_points_adds_a_history_point(sim: BlynkSim, api: httpx.Client) -> None:
    before = sim.world.history_points(1, 1, NOW_MS - DAY_MS, NOW_MS + DAY_MS)
    sim.clock.advance(61)
    api.post(WRITE, json={"deviceId": 1, "dataStreamId": 1, "value": -3.25})
    after = history(api, **{"from": NOW_MS - DAY_MS, "to": NOW_MS + DAY_MS, "size": 1000}).json()
    assert after["totalElements"] == len(before) + 1
    assert after["content"][-1] == {"value": -3.25, "createdAt": NOW_MS + 61_000}


@pytest.mark.parametrize(
    ("ds", "value", "fragment"),
    [
        (1, 61, "range"),
        (1, "warm", "not a number"),
        (5, 50.5, "not an integer"),
        (5, True, "not a number"),
    ],
)
def test_write_one_rejects_bad_values(
    api: httpx.Client, ds: int, value: object, fragment: str
) -> None:
    reply = api.post(WRITE, json={"deviceId": 1, "dataStreamId": ds, "value": value})
    assert reply.status_code == 400 and fragment in error_text(reply)


def test_write_one_other_errors(api: httpx.Client) -> None:
    assert api.post(WRITE, json={"deviceId": 1, "dataStreamId": 99, "value": 1}).status_code == 404
    assert api.post(WRITE, json={"deviceId": 1, "dataStreamId": 1}).status_code == 400
    assert (
        api.post(
            WRITE, content=b"{not json", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    bad_mode = api.post(WRITE, json={"deviceId": 45, "dataStreamId": 22, "value": "turbo"})
    assert bad_mode.status_code == 400 and "eco" in error_text(bad_mode)
    bad_loc = api.post(WRITE, json={"deviceId": 30, "dataStreamId": 11, "value": [200, 10]})
    assert bad_loc.status_code == 400


def test_write_many_skips_bad_entries_silently(sim: BlynkSim, api: httpx.Client) -> None:
    body = {"deviceId": 45, "values": {"21": 0, "22": "eco", "23": "bad", "999": 1, "25": "n"}}
    assert api.post(WRITE_MANY, json=body).status_code == 204
    assert sim.world.current_value(45, 21) == (0, NOW_MS)
    assert sim.world.current_value(45, 22) == (0, NOW_MS)
    assert sim.world.current_value(45, 25) == ("n", NOW_MS)
    assert sim.world.current_value(45, 23)[0] != "bad"  # type: ignore[index]
    assert api.post(WRITE_MANY, json={"deviceId": 45}).status_code == 400


def test_location_write_wins_over_the_trail(sim: BlynkSim, api: httpx.Client) -> None:
    api.post(WRITE, json={"deviceId": 30, "dataStreamId": 11, "value": [2.35, 48.85]})
    assert sim.world.current_value(30, 11) == ([2.35, 48.85], NOW_MS)


# batch update ------------------------------------------------------------------------------------
def test_batch_update_all_rows_land(sim: BlynkSim, api: httpx.Client) -> None:
    body = {
        "fields": ["deviceId", "Temperature", "Battery"],
        "updates": [[1, 20.5, None], [2, 19.0, 80]],
    }
    assert api.post(BATCH_UPDATE, json=body).status_code == 204
    assert sim.world.current_value(1, 1) == (20.5, NOW_MS)
    assert sim.world.current_value(2, 5) == (80, NOW_MS)


def test_batch_update_counter_and_debug_modes(api: httpx.Client) -> None:
    rows = [[1, 20.5], [None, 1], ["x", 1], [9999, 1], [45, 1], [1], [2, 21.0]]
    body = {"fields": ["deviceId", "Temperature"], "updates": rows}
    counters = api.post(BATCH_UPDATE, json=body)
    assert counters.status_code == 200
    openapi_validator(BATCH_UPDATE, "post", "200").validate(counters.json())
    assert counters.json() == {
        "invalidRowSize": 1,
        "nullDeviceId": 1,
        "nonNumericDeviceId": 1,
        "deviceNotFound": 1,
        "noAccessToDevice": 0,
        "wrongProduct": 1,
    }
    debug = api.post(BATCH_UPDATE, json={**body, "debug": True}).json()
    assert len(debug["skippedRows"]) == 5 and "9999" in " ".join(debug["skippedRows"])
    many = api.post(
        BATCH_UPDATE, json={**body, "updates": [[1, 2.0]] + [[9999, 1]] * 150, "debug": True}
    )
    assert len(many.json()["skippedRows"]) == 100


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"fields": ["id", "Temperature"], "updates": [[1, 2]]}, "deviceId"),
        ({"fields": ["deviceId", "Temperature"], "updates": []}, "at least one"),
        ({"fields": ["deviceId", "Temperature"], "updates": [[1, 2]] * 10_001}, "10001"),
        ({"fields": ["deviceId", "Nope"], "updates": [[1, 2]]}, "Nope"),
        ({"fields": ["deviceId", "Temperature"], "updates": [[9999, 2]]}, "No valid device"),
    ],
)
def test_batch_update_errors(api: httpx.Client, body: dict[str, object], fragment: str) -> None:
    reply = api.post(BATCH_UPDATE, json=body)
    assert reply.status_code == 400 and fragment in error_text(reply)


# import ----------------------------------------------------------------------------------------
def test_import_lands_in_history(sim: BlynkSim, api: httpx.Client) -> None:
    points = [{"ts": NOW_MS - 3_600_000 + 17 + i * 1000, "value": 40 + i} for i in range(5)]
    body = {"deviceId": 45, "dataStreamId": 23, "values": points}
    assert api.post(IMPORT, json=body).status_code == 204
    got = sim.world.history_points(45, 23, NOW_MS - 3_600_000, NOW_MS - 3_500_000)
    assert [(p["ts"], float(p["value"])) for p in points] == [g for g in got if g[0] % 1000 == 17]


def test_import_rules(sim: BlynkSim, api: httpx.Client) -> None:
    old = {"deviceId": 1, "dataStreamId": 1, "values": [{"ts": NOW_MS - 31 * DAY_MS, "value": 1}]}
    reply = api.post(IMPORT, json=old)
    assert reply.status_code == 400 and str(NOW_MS - 31 * DAY_MS) in error_text(reply)
    future_ts = NOW_MS + 31 * DAY_MS
    ahead = {"deviceId": 1, "dataStreamId": 1, "values": [{"ts": future_ts, "value": 1}]}
    assert api.post(IMPORT, json=ahead).status_code == 204
    assert sim.world.history_points(1, 1, future_ts, future_ts) == []
    big = {
        "deviceId": 1,
        "dataStreamId": 1,
        "values": [{"ts": NOW_MS - i, "value": 1} for i in range(10_001)],
    }
    too_big = api.post(IMPORT, json=big)
    assert too_big.status_code == 400 and "10001" in error_text(too_big)
    string_ds = {"deviceId": 45, "dataStreamId": 25, "values": [{"ts": NOW_MS, "value": "x"}]}
    assert api.post(IMPORT, json=string_ds).status_code == 400


def test_import_daily_quota_is_429(api: httpx.Client) -> None:
    chunk = [{"ts": NOW_MS - 1 - i, "value": 1} for i in range(10_000)]
    body = {"deviceId": 2, "dataStreamId": 1, "values": chunk}
    assert api.post(IMPORT, json=body).status_code == 204
    over = api.post(IMPORT, json={**body, "values": chunk[:1]})
    assert over.status_code == 429 and int(over.headers["Retry-After"]) > 0
    assert api.post(IMPORT, json={**body, "deviceId": 3}).status_code == 204  # per device


# property --------------------------------------------------------------------------------------
def test_set_property(sim: BlynkSim, api: httpx.Client) -> None:
    for name, value in (("color", "#FF0000"), ("min", "-5"), ("label", "Outside")):
        body = {"deviceId": 1, "dataStreamId": 1, "property": name, "value": value}
        assert api.post(PROPERTY, json=body).status_code == 204
    assert sim.world.device(1).properties[1] == {
        "color": "#FF0000",
        "min": "-5",
        "label": "Outside",
    }


@pytest.mark.parametrize(
    ("prop", "value", "fragment"),
    [
        ("colour", "#FF0000", "colour"),
        ("color", "red", "#RRGGBB"),
        ("max", "lots", "lots"),
        ("label", "x" * 201, "200"),
    ],
)
def test_set_property_errors(api: httpx.Client, prop: str, value: str, fragment: str) -> None:
    body = {"deviceId": 1, "dataStreamId": 1, "property": prop, "value": value}
    reply = api.post(PROPERTY, json=body)
    assert reply.status_code == 400 and fragment in error_text(reply)


# templates ---------------------------------------------------------------------------------------
def test_templates_and_their_datastreams(ro_api: httpx.Client) -> None:
    templates = ro_api.get(f"{API}/templates").json()
    names = {t["name"]: t for t in templates["content"]}
    assert set(names) == {"Weather Station", "GPS Asset Tracker", "Smart Plug"}
    plug = names["Smart Plug"]
    schema = ro_api.get(f"{API}/template/datastreams", params={"templateId": plug["id"]}).json()
    by_label = {d["label"]: d for d in schema}
    assert by_label["Mode"]["enumValues"] == [
        {"key": 0, "value": "eco"},
        {"key": 1, "value": "comfort"},
        {"key": 2, "value": "boost"},
    ]
    assert by_label["Power Switch"]["min"] == 0 and by_label["Power Switch"]["max"] == 1
    same = ro_api.get(
        f"{API}/template/datastreams", params={"templateId": plug["templateIds"][0]}
    ).json()
    assert same == schema
    missing = ro_api.get(f"{API}/template/datastreams", params={"templateId": "TMPLx"})
    assert missing.status_code == 404


def test_template_pins_look_like_the_real_ones(ro_api: httpx.Client) -> None:
    """Virtual pins carry ``pinType: VIRTUAL`` and no ``pinMode`` (pin modes belong to
    digital/analog pins); the plug's relay contact is a digital pin in input mode."""
    templates = ro_api.get(f"{API}/templates").json()["content"]
    items = [
        item
        for t in templates
        for item in ro_api.get(f"{API}/template/datastreams", params={"templateId": t["id"]}).json()
    ]
    virtual = [i for i in items if i["pinType"] == "VIRTUAL"]
    assert len(virtual) == len(items) - 1
    assert all("pinMode" not in i and i["pin"].startswith("v") for i in virtual)
    (relay,) = [i for i in items if i["pinType"] != "VIRTUAL"]
    assert (relay["label"], relay["pin"], relay["pinType"], relay["pinMode"]) == (
        "Relay State", "d5", "DIGITAL", "INPUT",
    )  # fmt: skip


def test_sub_org_sees_parent_templates(sim: BlynkSim, base_url: str) -> None:
    from simkit import client_for

    client_id, secret = sim.add_client(102)
    with client_for(base_url, client_id, secret) as north:
        assert north.get(f"{API}/templates").json()["totalElements"] == 3
