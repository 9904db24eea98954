"""Every facade method against the simulator over a real loopback socket."""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
import pandas as pd
import pytest
from blynkkit import NOW, loopback_client

from blynkbook import contract
from blynkbook.blynk import Blynk, writes
from blynkbook.errors import (
    AuthError,
    BadRequestError,
    DatastreamNameError,
    ForbiddenError,
    InputError,
    NotFoundError,
    PartialWriteError,
    RateLimitError,
    ServerError,
    WriteValueError,
)
from blynkbook.sim.blynk import BlynkSim

START, END = "2026-11-15T00:00:00Z", "2026-11-20T00:00:00Z"  # 1441 points a series
DAY = 86_400_000


def ms(text: str) -> int:
    return int(pd.Timestamp(text).value // 1_000_000)


def truth(sim, device_id: int, datastream_id: int, start: str = START, end: str = END):
    return sim.world.history_points(device_id, datastream_id, ms(start), ms(end))


# reads ---------------------------------------------------------------------------------------
def test_cloud_frames_follow_the_contract_over_the_socket(cloud: Blynk) -> None:
    """tests/test_contract.py holds the in-process demo to the contract; this is the socket."""
    frames = [
        (contract.DEVICES, cloud.devices()),
        (contract.SCHEMA, cloud.schema(1)),
        (contract.HISTORY, cloud.history(1, ["Temperature"], START, END)),
        (contract.LOCATIONS, cloud.locations()),
    ]
    for spec, frame in frames:
        assert len(frame) and contract.differences(frame, spec, id_dtype="int64") == []


def test_devices__whole_fleet_with_template_names(cloud: Blynk, sim) -> None:
    frame = cloud.devices()
    assert frame["device_id"].tolist() == sim.world.device_ids()
    assert set(frame["template"]) == {"Weather Station", "GPS Asset Tracker", "Smart Plug"}
    assert frame["activated_at"].dtype == "datetime64[ms, UTC]"
    assert frame.attrs["from_cache"] is False and frame.attrs["stale"] is False


def test_search_devices__sorted_desc(cloud: Blynk) -> None:
    frame = cloud.search_devices("Tracker", sort_by="name", order="DESC")
    assert len(frame) > 0 and frame["name"].str.contains("Tracker").all()
    assert frame["name"].tolist() == sorted(frame["name"], key=str.lower, reverse=True)


def test_device_online_tags_timeline_logs_metadata(cloud: Blynk, sim) -> None:
    details = cloud.device(1)
    assert details["device_id"].tolist() == [1] and details["template"].iloc[0] == "Weather Station"
    assert cloud.online([1, 27])["online"].tolist() == [True, False]
    assert cloud.tags(1)["device_id"].eq(1).all()
    timeline = cloud.timeline(1)
    assert timeline["time"].dtype == "datetime64[ms, UTC]"
    warnings_only = cloud.timeline(1, event_type="warning")
    assert warnings_only["event_type"].eq("WARNING").all()
    logs = cloud.logs(47).sort_values("time", ignore_index=True)
    truth = sorted(sim.world.device(47).logs, key=lambda entry: entry.created_at)
    assert len(truth) > 1  # a device with logs: every row is checked, not only the columns
    assert logs["user_email"].tolist() == [entry.trigger_user_email for entry in truth]
    assert logs["time"].tolist() == [pd.Timestamp(e.created_at, unit="ms", tz="UTC") for e in truth]
    assert logs["pin"].tolist() == [f"v{entry.pin}" for entry in truth]
    assert logs["device_id"].eq(47).all() and logs["time"].dtype == "datetime64[ms, UTC]"
    meta = cloud.metadata(1)
    assert len(meta) == len(sim.world.device(1).metafields)


def test_activated_and_by_owner(cloud: Blynk, sim) -> None:
    assert list(cloud.activated(minutes=60).columns)[0] == "device_id"
    owned = cloud.devices_by_owner("ana.ortiz@acme-field.example")
    expected = [
        d.id for d in sim.world.iter_devices() if d.owner_user_id == 1 and d.org_id in (101, 102)
    ]
    assert set(owned["device_id"]) <= set(expected) and len(owned) > 0
    assert len(cloud.devices_by_user_org("ana.ortiz@acme-field.example")) > 0


def test_schema_values_and_datastreams(cloud: Blynk, sim) -> None:
    schema = cloud.schema(41)
    assert dict(zip(schema["label"], schema["type"], strict=True))["Mode"] == "enum"
    current = cloud.datastreams(1)
    value, updated = sim.world.current_value(1, 1)
    assert current.set_index("label").loc["Temperature", "value"] == value
    many = cloud.values(list(range(1, 25)))
    assert sorted(set(many["device_id"])) == list(range(1, 25))


def test_locations_and_trail(cloud: Blynk, sim) -> None:
    where = cloud.locations()
    trackers = [d.id for d in sim.world.iter_devices() if d.template.name == "GPS Asset Tracker"]
    assert set(where["device_id"]) <= set(trackers) and len(where) > 0
    assert where["lat"].between(-90, 90).all()
    trail = cloud.trail(25, "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z")
    assert list(trail.columns) == ["lon", "lat"] and len(trail) == 31  # every 2 min, inclusive
    assert trail.index.dtype == "datetime64[ms, UTC]"
    weather = cloud.trail(1, START, END)
    assert weather.empty and list(weather.columns) == ["lon", "lat"]


# history -------------------------------------------------------------------------------------
def test_history__exact_against_ground_truth(cloud: Blynk, sim) -> None:
    frame = cloud.history([2, 1], ["Temperature", "v4"], START, END)
    assert frame.index.name == "time" and frame.index.dtype == "datetime64[ms, UTC]"
    assert frame.dtypes.astype(str).to_dict() == {
        "device_id": "int64", "datastream": "str", "value": "float64"}  # fmt: skip
    keys = list(zip(frame["device_id"], frame["datastream"], strict=True))
    assert keys == sorted(keys)
    for (device_id, label), part in frame.groupby(["device_id", "datastream"]):
        ds_id = 1 if label == "Temperature" else 5
        points = truth(sim, int(device_id), ds_id)
        assert len(points) > 1000  # several pages
        assert part.index.as_unit("ms").asi8.tolist() == [t for t, _ in points]
        np.testing.assert_allclose(part["value"].to_numpy(), [v for _, v in points])


def test_history__empty_window_and_relative_times(cloud: Blynk) -> None:
    empty = cloud.history(1, "Temperature", "2020-01-01", "2020-01-02")
    assert empty.empty and list(empty.columns) == ["device_id", "datastream", "value"]
    assert empty.dtypes.astype(str).tolist() == ["int64", "str", "float64"]
    recent = cloud.history(1, "Temperature", "-1h")  # against the sim's clock
    assert len(recent) == 13


def test_history__faults_over_ten_percent_still_exact(cloud: Blynk, sim) -> None:
    clean = cloud.history([1, 2, 3], ["Temperature", "Humidity"], START, END)
    sim.faults.set(error_rate=0.08, throttle_rate=0.04, drop_rate=0.03)
    faulty = cloud.history([1, 2, 3], ["Temperature", "Humidity"], START, END)
    assert sum(sim.faults.injected.values()) > 0
    pd.testing.assert_frame_equal(faulty, clean)


def test_history__token_expires_mid_pull() -> None:
    sim = BlynkSim(now=NOW, token_lifetime=600)
    checks = {"n": 0}
    limiter_check = sim.rate_limit.check

    def check_and_age(key: str) -> None:  # twice mid-pull, the clock jumps past the lifetime
        checks["n"] += 1
        if checks["n"] in (10, 45):
            sim.clock.advance(700)
        limiter_check(key)

    sim.rate_limit.check = check_and_age  # type: ignore[method-assign]
    with sim.serve() as server, loopback_client(sim, server.url) as client:
        pulled = client.history([1, 2, 3], ["Temperature", "Humidity"], START, END)
        tokens_issued = sim.requests_by_path["/oauth2/token"]
    assert tokens_issued >= 3  # the token really expired and was renewed, twice
    for (device_id, label), part in pulled.groupby(["device_id", "datastream"]):
        points = truth(sim, int(device_id), 1 if label == "Temperature" else 2)
        assert part.index.as_unit("ms").asi8.tolist() == [t for t, _ in points]


def test_history__unknown_datastream_lists_names(cloud: Blynk) -> None:
    with pytest.raises(DatastreamNameError, match="Wind Speed"):
        cloud.history(1, "Wind", START, END)
    with pytest.raises(InputError, match="keeps no history"):
        cloud.history(41, "Note", START, END)


# writes --------------------------------------------------------------------------------------
def test_write__one_and_many(cloud: Blynk, sim) -> None:
    report = cloud.write(41, "Power Switch", 0)
    assert report[["datastream", "status"]].values.tolist() == [["Power Switch", "written"]]
    assert sim.world.current_value(41, 21)[0] == 0
    report = cloud.write(41, {"Mode": "boost", "v4": "hello"})
    assert report["value"].tolist() == ["boost", "hello"]  # the label asked for, not its key
    assert sim.world.current_value(41, 22)[0] == 2
    assert sim.world.current_value(41, 25)[0] == "hello"
    assert cloud.write(41, "Mode", 1)["value"].tolist() == ["comfort"]  # a key, shown labelled


def test_enum_values__labels_not_keys(cloud: Blynk, sim) -> None:
    cloud.write(41, "Mode", "boost")
    cloud.write(42, "Mode", "eco")
    assert cloud.datastreams(41).set_index("label").loc["Mode", "value"] == "boost"
    many = cloud.values([41, 42, 1]).set_index(["device_id", "label"])["value"]
    assert (many[(41, "Mode")], many[(42, "Mode")]) == ("boost", "eco")
    assert many[(1, "Temperature")] == sim.world.current_value(1, 1)[0]  # numbers stay numbers
    raw = cloud.values([41, 42], labels=False).set_index(["device_id", "label"])["value"]
    assert (raw[(41, "Mode")], raw[(42, "Mode")]) == (2, 0)  # the keys the cloud stores
    assert cloud.datastreams(41, labels=False).set_index("label").loc["Mode", "value"] == 2


def test_write__every_bad_value_named_before_sending(cloud: Blynk, sim) -> None:
    cloud.schema(41), cloud.schema(42)  # the schema reads are not what is counted
    before = sim.request_count
    with pytest.raises(WriteValueError, match="2 values are not valid") as caught:
        cloud.write(41, {"Mode": "turbo", "Power Switch": 1, "Power": -5})
    assert "'turbo'" in str(caught.value) and "-5" in str(caught.value)
    assert sorted(caught.value.refused) == ["Mode", "Power"]  # Power Switch is fine
    frame = pd.DataFrame({"device_id": [41, 42], "Mode": ["turbo", "warp"]})
    with pytest.raises(InputError, match="'turbo'.*'warp'"):
        cloud.batch_update(frame)
    points = pd.Series(["a", 1.0, "b"], index=pd.date_range("2026-11-19", periods=3, freq="h"))
    with pytest.raises(InputError, match="2 values are not valid.*'a'.*'b'"):
        cloud.import_history(41, "Energy", points)
    assert sim.request_count == before


def test_write__validated_before_sending(cloud: Blynk, sim) -> None:
    cloud.schema(41)
    before = sim.request_count
    for bad in ({"Mode": "turbo"}, {"Power Switch": 3}, {"Note": "x" * 1025},
                {"Nope": 1}, {"Mode": "eco", "Power": -5}):  # fmt: skip
        with pytest.raises(InputError):
            cloud.write(41, bad)
    assert sim.request_count == before


def test_batch_update__report_per_chunk(cloud: Blynk, sim) -> None:
    frame = pd.DataFrame({"device_id": [41, 42, 43], "Mode": ["eco", None, "comfort"],
                          "Power Switch": [1, 0, np.nan]})  # fmt: skip
    report = cloud.batch_update(frame, debug=True)
    assert report["chunk"].tolist() == [0] and report["rows"].tolist() == [3]
    assert report["status"].iloc[0] in {"updated", "partial"}
    assert sim.world.current_value(43, 22)[0] == 1
    before = sim.request_count
    with pytest.raises(InputError, match="maximum"):
        cloud.batch_update(frame.assign(**{"Power Switch": [1, 0, 7]}))
    assert sim.request_count == before


def test_import_history__chunks_and_window(cloud: Blynk, sim, monkeypatch) -> None:
    monkeypatch.setattr(writes, "IMPORT_CHUNK", 500)  # the daily quota is 10,000 points
    times = pd.date_range("2026-11-10", periods=1_200, freq="s", tz="UTC")
    series = pd.Series(np.linspace(0, 50, 1_200), index=times)
    before = sim.requests_by_path["/api/v1/organization/device/import/batch"]
    report = cloud.import_history(1, "Temperature", series)
    assert report["points"].tolist() == [500, 500, 200]
    assert sim.requests_by_path["/api/v1/organization/device/import/batch"] - before == 3
    points = sim.world.history_points(1, 1, ms("2026-11-10"), ms("2026-11-10T00:01:00Z"))
    assert len(points) >= 61
    before = sim.request_count
    old = pd.Series([1.0], index=pd.DatetimeIndex(["2026-10-01"], tz="UTC"))
    with pytest.raises(InputError, match="30-day"):
        cloud.import_history(1, "Temperature", old)
    assert sim.request_count == before


def test_set_property(cloud: Blynk, sim) -> None:
    cloud.set_property(41, "Mode", "color", "#FF0000")
    assert "#FF0000" in str(sim.world.device(41).properties)
    with pytest.raises(InputError):
        cloud.set_property(41, "Mode", "colour", "#FF0000")


# admin ---------------------------------------------------------------------------------------
def test_admin_round_trip(cloud: Blynk, sim) -> None:
    created = cloud.create_device("Field Pump 1", "Smart Plug")
    new_id = int(created["device_id"].iloc[0])
    assert new_id in sim.world.device_ids()
    assert cloud.rename_device(new_id, "Field Pump 2")["name"].tolist() == ["Field Pump 2"]
    cloud.trigger_event(new_id, "overload", "too much")
    cloud.set_metadata(1, cloud.metadata(1)["name"].iloc[0], "Value 1")
    cloud.transfer_device(new_id, to_org=102)
    assert sim.world.device(new_id).org_id == 102
    cloud.remove_owner(new_id)
    cloud.clear_device_data(new_id)
    cloud.delete_device(new_id)
    assert new_id not in sim.world.device_ids()


def test_admin__bad_input_sends_nothing(cloud: Blynk, sim) -> None:
    before = sim.request_count
    calls = [
        lambda: cloud.rename_device(1, "bad/name"),
        lambda: cloud.rename_device(1, "x" * 51),
        lambda: cloud.transfer_device(1),
        lambda: cloud.transfer_device(1, to_user=2, to_org=3),
        lambda: cloud.trigger_event(1, "overload", "x" * 301),
        lambda: cloud.activated(minutes=61),
        lambda: cloud.search_devices("x", sort_by="colour"),
        lambda: cloud.search_devices("x", order="UP"),
        lambda: cloud.device(0),
        lambda: cloud.history(1, "Temperature", "now", "-1d"),
        lambda: cloud.timeline(1, event_type="loud"),
    ]
    for call in calls:
        with pytest.raises(InputError):
            call()
    assert sim.request_count == before
    assert cloud.session.request_count == 0


# error mapping -------------------------------------------------------------------------------
def test_errors__404_and_400(cloud: Blynk) -> None:
    with pytest.raises(NotFoundError) as info:
        cloud.device(999_999)
    assert info.value.status == 404
    with pytest.raises(NotFoundError, match="Event with provided code is not found"):
        cloud.trigger_event(1, "no_such_event")
    with pytest.raises(BadRequestError, match="page size is too big"):
        cloud.session.get("/api/v1/organization/devices", {"size": 5000})


def test_errors__401_bad_secret(sim, make_client) -> None:
    with make_client(secret="wrong") as client, pytest.raises(AuthError):
        client.devices()


def test_errors__403_without_platform_scope(sim, server) -> None:
    client_id, secret = sim.add_client(101, platform_scope=False)
    from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session

    auth = OAuth2ClientCredentials(Credentials(server.url, client_id, secret))
    client = Blynk(Session(server.url, auth=auth), server=server.url)
    with client, pytest.raises(ForbiddenError):
        client.devices()


def test_errors__429_and_5xx_after_retries(sim, make_client) -> None:
    with make_client(retries=1) as client:
        client.templates()
        sim.faults.set(throttle_rate=1.0)
        with pytest.raises(RateLimitError):
            client.devices()
        sim.faults.set(throttle_rate=0.0, error_rate=1.0)
        with pytest.raises(ServerError):
            client.devices()


# secrets -------------------------------------------------------------------------------------
def test_secrets_never_leak(sim, make_client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    texts = []
    with make_client() as client:
        texts.append(repr(client))
        frames = [client.devices(), client.device(1), client.search_devices("Tracker"),
                  client.history(1, "Temperature", START, END)]  # fmt: skip
        texts += [f.to_csv() for f in frames]
        sim.clock.advance(2 * 86_400)  # expire the token: a refresh happens under DEBUG logs
        client.devices()
        with pytest.raises(NotFoundError) as info:
            client.device(999_999)
        texts.append(str(info.value))
    issued = [*sim.tokens._access, *sim.tokens._refresh]  # the sim's own record of tokens
    assert len(issued) >= 2
    secrets = [sim.client_secret, *sim.world.device_tokens(), *issued]
    blob = "\n".join(texts) + caplog.text
    for secret in secrets:
        assert secret not in blob


def test_history__a_fresh_client_looks_templates_up_concurrently(
    cloud: Blynk, sim: BlynkSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    stations = sorted(
        d.id for d in sim.world.iter_devices() if d.template.name == "Weather Station"
    )
    fanned: list[list[int]] = []
    real_map = cloud.session.map

    def spy(fn: Any, items: Any, **kwargs: Any) -> Any:
        items = list(items)
        fanned.append(items)
        return real_map(fn, items, **kwargs)

    monkeypatch.setattr(cloud.session, "map", spy)
    frame = cloud.history(stations[:4] + stations[:1], "Temperature", "-2h", progress=False)
    assert fanned[0] == stations[:4]  # one baseInfo each, side by side, each device once
    assert sorted(set(frame["device_id"])) == stations[:4]
    fanned.clear()
    cloud.history(stations[:4], "Temperature", "-2h", progress=False)
    assert all(batch != stations[:4] for batch in fanned)  # known now: no lookups


def test_history__a_template_schema_is_read_once_inside_the_look_up_fan_out(
    cloud: Blynk, sim: BlynkSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first device of a template reads that template's schema on its look-up thread
    (not after every baseInfo is in); the other devices of the template do not read it."""
    stations = sorted(
        d.id for d in sim.world.iter_devices() if d.template.name == "Weather Station"
    )[:6]
    on_threads: list[str] = []
    real = cloud._template_schema

    def spy(template_id: int) -> Any:
        on_threads.append(threading.current_thread().name)
        return real(template_id)

    monkeypatch.setattr(cloud, "_template_schema", spy)
    before = sim.requests_by_path["/api/v1/organization/template/datastreams"]
    cloud.history(stations, "Temperature", "-2h", progress=False)
    assert sim.requests_by_path["/api/v1/organization/template/datastreams"] - before == 1
    assert on_threads[0].startswith("blynkbook")  # a fan-out thread, not the caller's


def _fail_after_first_send(cloud: Blynk, sim: BlynkSim, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cloud answers 500 to every request after the first write has landed."""
    real_send = cloud.session.send

    def send(*args: Any, **kwargs: Any) -> Any:
        reply = real_send(*args, **kwargs)
        sim.faults.set(error_rate=1.0)
        return reply

    monkeypatch.setattr(cloud.session, "send", send)


def test_import_history__stopped_part_way_says_which_chunks_landed(
    cloud: Blynk, sim: BlynkSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writes, "IMPORT_CHUNK", 500)
    times = pd.date_range("2026-11-10", periods=1_200, freq="s", tz="UTC")
    series = pd.Series(np.linspace(0, 50, 1_200), index=times)
    cloud.schema(1)  # resolved before the cloud starts failing
    _fail_after_first_send(cloud, sim, monkeypatch)
    with pytest.raises(PartialWriteError, match="chunk 1 failed") as caught:
        cloud.import_history(1, "Temperature", series)
    report = caught.value.report
    assert report["status"].tolist() == ["accepted", "failed", "not sent"]
    assert report["points"].tolist() == [500, 500, 200]
    assert report["first"].iloc[2] == times[1000] and report["last"].iloc[2] == times[-1]
    assert isinstance(caught.value.__cause__, ServerError)
    sim.faults.reset()
    landed = sim.world.history_points(1, 1, ms("2026-11-10"), ms("2026-11-10T00:20:00Z"))
    assert {t for t, _ in landed} >= {t.value // 10**6 for t in times[:500]}  # chunk 0 is there


def test_batch_update__stopped_part_way_says_which_chunks_landed(
    cloud: Blynk, sim: BlynkSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writes, "BATCH_UPDATE_CHUNK", 2)
    frame = pd.DataFrame({"device_id": [41, 42, 43, 44, 45], "Mode": ["eco"] * 5})
    cloud.batch_update(frame.iloc[:1])  # schemas known before the cloud starts failing
    _fail_after_first_send(cloud, sim, monkeypatch)
    sim.faults.reset()
    with pytest.raises(PartialWriteError) as caught:
        cloud.batch_update(frame)
    report = caught.value.report
    assert report["rows"].tolist() == [2, 2, 1]
    assert report["status"].tolist()[1:] == ["failed", "not sent"]
    assert "chunks 0-0 (2 of 5) landed" in str(caught.value)


def test_a_failing_first_chunk_raises_its_own_error(
    cloud: Blynk, sim: BlynkSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writes, "BATCH_UPDATE_CHUNK", 2)
    frame = pd.DataFrame({"device_id": [41, 42, 43], "Mode": ["eco"] * 3})
    cloud.schema(41)
    sim.faults.set(error_rate=1.0)
    with pytest.raises(ServerError):  # nothing landed: no partial report to give
        cloud.batch_update(frame)
