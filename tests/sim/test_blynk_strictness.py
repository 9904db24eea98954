"""The embedded cloud is as strict as the vendor's contract, over a real socket.

Each probe of issue 13 (point 3) gets a JSON answer with a status, never a dropped
connection, and no write of a refused request lands: integers are the vendor's
int32/int64 (ASCII digits, optional minus, in range), a request is checked whole before
the world changes, an unexpected exception is a logged 500 in the vendor's error shape,
and a wrong or unknown method is a JSON 405 with ``Allow``.
"""

from __future__ import annotations

import logging

import httpx
import pytest

from blynkbook.sim.blynk import BlynkSim, datastreams

API = "/api/v1/organization"
PLUG, OTHER_PLUG, NOTE, SWITCH, RELAY = 43, 41, 25, 21, 26
BATCH = f"{API}/product/devices/batch-update"
WRITE_MANY = f"{API}/device/datastreams"
WRITE_ONE = f"{API}/device/datastream"


def footprint(sim: BlynkSim, *device_ids: int) -> list[object]:
    """Everything a write could change on these devices: values, history tails, logs."""
    out: list[object] = []
    for device_id in device_ids:
        device = sim.world.device(device_id)
        out.append(dict(device.values))
        out.append([(e.pin, e.value, e.created_at) for e in device.logs])
        out.append(
            [sim.world.current_value(device_id, ds.id) for ds in device.template.datastreams]
        )
    return out


def assert_json_error(reply: httpx.Response, status: int, *words: str) -> str:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/json"
    message = reply.json()["error"]["message"]
    assert isinstance(message, str)
    for word in words:
        assert word in message
    return message


# batch-update: documented partial success, and nothing of a refused row ------------------
@pytest.mark.parametrize("bad_id", ["²", "--41", "4_1", " 41", "٤١", 2**31, True, 41.5])
def test_batch_update__non_numeric_id_is_a_counted_skip_not_a_crash(
    api: httpx.Client, sim: BlynkSim, bad_id: object
) -> None:
    before = footprint(sim, OTHER_PLUG)
    reply = api.post(
        BATCH, json={"fields": ["deviceId", "Note"], "updates": [[PLUG, "kept"], [bad_id, "x"]]}
    )
    # The vendor's contract for a row with a non-numeric id: 200 with the skip counters.
    assert reply.status_code == 200 and reply.json()["nonNumericDeviceId"] == 1
    assert sim.world.current_value(PLUG, NOTE)[0] == "kept"
    assert footprint(sim, OTHER_PLUG) == before  # "4_1" did not become device 41


@pytest.mark.parametrize("bad_id", ["²", "--41", "4_1"])
def test_batch_update__no_valid_row_is_a_json_400_and_nothing_lands(
    api: httpx.Client, sim: BlynkSim, bad_id: str
) -> None:
    before = footprint(sim, PLUG, OTHER_PLUG)
    reply = api.post(BATCH, json={"fields": ["deviceId", "Note"], "updates": [[bad_id, "x"]]})
    assert_json_error(reply, 400, "No valid device")
    assert footprint(sim, PLUG, OTHER_PLUG) == before


def test_batch_update__an_exception_mid_request_is_a_500_and_nothing_lands(
    api: httpx.Client,
    sim: BlynkSim,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real = datastreams.coerce_value
    calls: list[object] = []

    def breaks_on_second_row(ds: object, raw: object) -> object:
        calls.append(raw)
        if len(calls) == 2:
            raise RuntimeError("a simulator bug")
        return real(ds, raw)  # type: ignore[arg-type]

    monkeypatch.setattr(datastreams, "coerce_value", breaks_on_second_row)
    before = footprint(sim, PLUG, OTHER_PLUG)
    with caplog.at_level(logging.ERROR, logger="blynkbook.sim"):
        reply = api.post(
            BATCH,
            json={"fields": ["deviceId", "Note"], "updates": [[PLUG, "kept"], [OTHER_PLUG, "x"]]},
        )
    assert_json_error(reply, 500, "Internal server error")
    assert footprint(sim, PLUG, OTHER_PLUG) == before  # row 0 was checked, never stored
    assert "a simulator bug" in caplog.text and "Traceback" in caplog.text
    assert api.get(f"{API}/device/online", params={"deviceId": PLUG}).status_code == 200


# write-many: a key that is no id refuses the whole body ---------------------------------------
@pytest.mark.parametrize("bad_key", ["²", "٢٥", "2_5", "-", " 25", "99999999999"])
def test_write_many__a_key_that_is_no_datastream_id_is_a_400_and_nothing_lands(
    api: httpx.Client, sim: BlynkSim, bad_key: str
) -> None:
    before = footprint(sim, PLUG)
    reply = api.post(WRITE_MANY, json={"deviceId": PLUG, "values": {str(SWITCH): 1, bad_key: "x"}})
    assert_json_error(reply, 400, repr(bad_key))
    assert footprint(sim, PLUG) == before


def test_write_many__unknown_ids_and_bad_values_are_skipped_as_documented(
    api: httpx.Client, sim: BlynkSim
) -> None:
    reply = api.post(
        WRITE_MANY,
        json={"deviceId": PLUG, "values": {str(NOTE): "kept", "999": 1, str(SWITCH): "on"}},
    )
    assert reply.status_code == 204
    assert sim.world.current_value(PLUG, NOTE)[0] == "kept"


def test_json_nested_50000_deep_is_a_400_and_nothing_lands(
    api: httpx.Client, sim: BlynkSim
) -> None:
    deep = "[" * 50_000 + "]" * 50_000
    body = f'{{"deviceId": {PLUG}, "values": {{"{NOTE}": "kept", "{SWITCH}": {deep}}}}}'
    before = footprint(sim, PLUG)
    for path in (WRITE_MANY, BATCH, WRITE_ONE):
        reply = api.post(path, content=body, headers={"Content-Type": "application/json"})
        assert_json_error(reply, 400, "Invalid request body")
    assert footprint(sim, PLUG) == before


# integers: the vendor's int32/int64, ASCII only ---------------------------------------------
@pytest.mark.parametrize("raw", ["1_0", " 1", "1 ", "%201", "١", "+1", "0x1", "1.0", "2147483648"])
def test_query_device_id__lenient_forms_are_a_400_naming_the_parameter(
    api: httpx.Client, raw: str
) -> None:
    reply = api.get(f"/api/v2/organization/device/datastreams?deviceId={raw}")
    assert_json_error(reply, 400, "deviceId")


def test_query_device_id__the_plain_form_still_reads(api: httpx.Client) -> None:
    reply = api.get("/api/v2/organization/device/datastreams", params={"deviceId": "1"})
    assert reply.status_code == 200


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        (f"{API}/device/datastreams/batch", {"deviceIds": "18446744073709551617"}, "deviceIds"),
        (f"{API}/device/datastreams/batch", {"deviceIds": ["1", "٢"]}, "deviceIds"),
        (
            f"{API}/device/datastreams/batch",
            {"deviceIds": "1", "dataStreamIds": "1_1"},
            "dataStreamIds",
        ),
        (
            f"{API}/device/datastreams/batch",
            {"deviceIds": "1", "dataStreamIds": ""},
            "dataStreamIds",
        ),
        (f"{API}/device/datastreams/batch", {"deviceIds": "1,,2"}, "deviceIds"),
        (f"{API}/devices", {"size": "1_0"}, "size"),
        (f"{API}/devices", {"orgId": "1e2"}, "orgId"),
        (
            f"{API}/device/datastream/history",
            {"deviceId": 1, "dataStreamId": 1, "from": "0", "to": str(2**63)},
            "to",
        ),
    ],
)
def test_query_integers__out_of_range_or_lenient_is_a_400_naming_it(
    api: httpx.Client, path: str, params: dict[str, object], name: str
) -> None:
    assert_json_error(api.get(path, params=params), 400, f"'{name}'")


def test_history_bounds_take_int64(api: httpx.Client) -> None:
    params = {"deviceId": 1, "dataStreamId": 1, "from": -(2**63), "to": 2**63 - 1, "size": 1}
    assert api.get(f"{API}/device/datastream/history", params=params).status_code == 200


@pytest.mark.parametrize("device_id", ["4_1", "41", 41.5, True, 2**31, None])
def test_body_device_id__anything_but_a_json_int32_is_a_400_and_nothing_lands(
    api: httpx.Client, sim: BlynkSim, device_id: object
) -> None:
    before = footprint(sim, OTHER_PLUG)
    reply = api.post(WRITE_ONE, json={"deviceId": device_id, "dataStreamId": NOTE, "value": "x"})
    assert_json_error(reply, 400, "'deviceId'")
    reply = api.post(WRITE_MANY, json={"deviceId": device_id, "values": {str(NOTE): "x"}})
    assert_json_error(reply, 400, "'deviceId'")
    assert footprint(sim, OTHER_PLUG) == before


def test_digital_input_pin_refuses_a_single_write(api: httpx.Client, sim: BlynkSim) -> None:
    before = footprint(sim, PLUG)
    reply = api.post(WRITE_ONE, json={"deviceId": PLUG, "dataStreamId": RELAY, "value": 1})
    assert_json_error(reply, 400, "Relay State", "read-only")
    assert footprint(sim, PLUG) == before


# methods ------------------------------------------------------------------------------------
def test_wrong_method_is_a_json_405_with_allow(api: httpx.Client) -> None:
    reply = api.delete(WRITE_MANY)
    assert_json_error(reply, 405, "DELETE")
    assert reply.headers["allow"] == "POST"
    reply = api.post(f"{API}/device", json={})
    assert_json_error(reply, 405)
    assert reply.headers["allow"] == "DELETE, GET, PUT"


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "PROPFIND", "BREW"])
def test_unknown_methods_get_the_same_json_405(api: httpx.Client, method: str) -> None:
    reply = api.request(method, f"{API}/devices")
    assert_json_error(reply, 405, method)
    assert reply.headers["allow"] == "GET"
    assert api.get(f"{API}/devices").status_code == 200  # the connection lives on


def test_unknown_method_on_an_unknown_path_is_a_json_404(api: httpx.Client) -> None:
    assert_json_error(api.request("TRACE", "/nowhere"), 404)
