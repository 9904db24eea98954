"""The Thingsee facade over loopback: frames, writes, checks, token renewal, faults, secrets."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import pytest
from thingsee_kit import NOW, facade, tuid_of

import blynkbook.thingsee as ts
from blynkbook.errors import (
    APIError,
    AuthError,
    BadRequestError,
    InputError,
    NotFoundError,
    WriteValueError,
)
from blynkbook.sim.thingsee import ThingseeSim
from blynkbook.thingsee import Thingsee

UTC_MS = "datetime64[ms, UTC]"


# -- connect ----------------------------------------------------------------------------


def test_connect__no_credentials_means_demo() -> None:
    with ts.connect(now=NOW) as cloud:
        assert cloud.demo is not None and cloud.base_url == "http://demo.thingsee.local"
        assert cloud.now() == pd.Timestamp(NOW)
        assert len(cloud.groups()) == 4


def test_connect__environment_variables(
    sim: ThingseeSim, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THINGSEE_BASE_URL", base_url)
    monkeypatch.setenv("THINGSEE_CLIENT_ID", sim.client_id)
    monkeypatch.setenv("THINGSEE_CLIENT_SECRET", sim.client_secret)
    with ts.connect(now=NOW) as cloud:
        assert cloud.demo is None and cloud.base_url == base_url
        assert len(cloud.groups()) == 4
    assert sim.request_count == 2  # token + groups: it really went to the loopback sim


def test_connect__base_url_without_secret_is_refused(base_url: str) -> None:
    with pytest.raises(InputError, match="THINGSEE_CLIENT_SECRET"):
        ts.connect(base_url, "someone")


def test_repr_names_server_and_client_only(sim: ThingseeSim, cloud: Thingsee) -> None:
    text = repr(cloud)
    assert cloud.base_url in text and sim.client_id in text and "cloud" in text
    assert sim.client_secret not in text
    with ts.connect("demo", now=NOW) as demo:
        assert "(demo)" in repr(demo)


# -- reads ------------------------------------------------------------------------------


def test_groups_frame(cloud: Thingsee) -> None:
    groups = cloud.groups()
    assert list(groups.columns) == ["group_id", "description"]
    assert "prfi00haltianhq" in set(groups["group_id"])
    assert list(cloud.groups(q="london")["group_id"]) == ["prgb00londonlab"]
    empty = cloud.groups(q="no such text")
    assert empty.empty and list(empty.columns) == list(groups.columns)


def test_things_frame_all_groups(sim: ThingseeSim, cloud: Thingsee) -> None:
    things = cloud.things()
    assert len(things) == len(sim.world.things) == 44
    assert things["last_seen"].dtype == UTC_MS
    assert things["lat"].dtype == "float64" and things["lat"].notna().all()
    row = things.set_index("tuid").loc[tuid_of(sim, "air")]
    assert row["product"] == "air" and 0 < row["battery_level"] <= 100
    one = cloud.thing(tuid_of(sim, "air"))
    assert list(one.columns) == list(things.columns) and len(one) == 1


def test_messages__decoded_long_frame(sim: ThingseeSim, cloud: Thingsee) -> None:
    tuid = tuid_of(sim, "air")
    frame = cloud.messages(tuid, start="-2h")
    assert list(frame.columns) == ["tuid", "tsm_id", "tsm_ev", "group_id", "field", "value", "unit"]
    assert frame.index.name == "time" and frame.index.dtype == UTC_MS
    assert frame.index.is_monotonic_increasing  # one thing: sorted by time
    units = dict(zip(frame["field"], frame["unit"], strict=False))
    assert units["co2"] == "ppm" and units["temperature"] == "°C" and units["pressure"] == "hPa"
    pressure = frame.loc[frame["field"] == "pressure", "value"]
    assert pressure.between(900, 1100).all()  # the sim sends Pa; frames say hPa
    truth = sim.world.messages(tuid, sim.world.now() - 7200, sim.world.now())
    assert frame.groupby([frame.index, "tsm_id"]).ngroups == len(truth)


def test_messages__filters_and_empty_shape(sim: ThingseeSim, cloud: Thingsee) -> None:
    tuid = tuid_of(sim, "air")
    co2 = cloud.messages(tuid, [24100], start="-1d")
    assert set(co2["field"]) == {"co2", "co2_status"}
    retired = tuid_of(sim, "environment", live=False)
    empty = cloud.messages(retired, start="-1d")
    assert empty.empty and list(empty.columns) == list(co2.columns)
    assert empty.dtypes.equals(co2.dtypes) and empty.index.dtype == co2.index.dtype


def test_relative_times_follow_the_sim_clock(sim: ThingseeSim, cloud: Thingsee) -> None:
    tuid = tuid_of(sim, "distance")
    sim.clock.advance(3 * 86_400)
    frame = cloud.messages(tuid, [17100], start="-1h")
    assert frame.index.max() > pd.Timestamp(NOW) + pd.Timedelta(days=2)


def test_long_pull_is_windowed(sim: ThingseeSim, cloud: Thingsee) -> None:
    tuid = tuid_of(sim, "environment")
    cloud.message_limit, cloud.message_window = 200, 7 * 86_400
    raw = cloud.raw_messages(tuid, start="-30d", end="now")
    now = sim.world.now()
    assert raw == sim.world.messages(tuid, now - 30 * 86_400, now)
    assert sim.request_count > len(raw) / 200  # every answer stayed below the limit


def test_alerts_and_count(sim: ThingseeSim, cloud: Thingsee) -> None:
    assert cloud.alert_count() == 2
    alerts = cloud.alerts()
    assert set(alerts["tuid"]) == set(sim.world.active_alert_tuids())
    assert alerts["active"].all() and alerts["end"].isna().all()
    assert alerts["start"].dtype == UTC_MS
    closed = next(a for a in sim.world.alerts if a.end is not None)
    history = cloud.alerts([closed.tuid], start=0)
    assert (~history["active"]).any()
    assert cloud.alerts([]).empty


def test_commands_and_installations(sim: ThingseeSim, cloud: Thingsee) -> None:
    tuid = next(t for t, cs in sim.world.commands.items() if cs)
    commands = cloud.commands(tuid)
    assert list(commands["tsm_id"]) == [1500]
    assert commands["params"].iloc[0]["reportInterval"] == 600
    history = cloud.installations(tuid)
    assert list(history["status"]) == ["installed", "new"]
    assert history["time"].is_monotonic_decreasing


# -- writes -----------------------------------------------------------------------------


def test_writes_are_visible_to_later_reads(sim: ThingseeSim, cloud: Thingsee) -> None:
    tuid = tuid_of(sim, "presence")
    sent = cloud.send_command(tuid, 13200, threshold=400, mode=1)
    assert sent["tsmId"] == 13200 and sent["tsmDstTuid"] == tuid
    assert cloud.commands(tuid, [13200])["params"].iloc[-1]["threshold"] == 400
    assert cloud.set_installation_status(tuid, "uninstalled") == "uninstalled"
    assert cloud.installations(tuid, limit=1)["status"].iloc[0] == "uninstalled"
    cloud.create_group("rdfi00lab", "Lab")
    assert cloud.move_thing(tuid, "rdfi00lab") == "rdfi00lab"
    assert cloud.group_things("rdfi00lab") == [tuid]
    assert cloud.rename_group("rdfi00lab", "rdfi00lab2") == "rdfi00lab2"
    assert cloud.thing_group(tuid) == "rdfi00lab2"
    cloud.move_thing(tuid, "prfi00haltianhq")
    assert cloud.delete_group("rdfi00lab2") is True
    assert "rdfi00lab2" not in set(cloud.groups()["group_id"])


def test_send_command_snake_case_fields(sim: ThingseeSim, cloud: Thingsee) -> None:
    tuid = tuid_of(sim, "count")
    cloud.send_command(tuid, 1500, report_interval=900, measurement_interval=60)
    command = sim.world.commands[tuid][-1]["command"]
    assert command["reportInterval"] == 900 and command["measurementInterval"] == 60


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda c, t: c.send_command(t, 17110), "17110"),
        (lambda c, t: c.send_command(t, 13200, threshold=5000), "60..1100"),
        (lambda c, t: c.send_command(t, 1500, tsm_ev="x"), "tsm_ev"),
        (lambda c, t: c.set_installation_status(t, "lost"), "retired"),
        (lambda c, t: c.create_group("has space"), "whitespace"),
        (lambda c, t: c.create_group("unassigned"), "unassigned"),
        (lambda c, t: c.rename_group("prfi00haltianhq", "a b"), "whitespace"),
        (lambda c, t: c.move_thing(t, ""), "group_id"),
        (lambda c, t: c.messages("bad tuid"), "TUID"),
        (lambda c, t: c.messages(t, ["x"]), "message_ids"),
        (lambda c, t: c.installations(t, limit=0), "limit"),
        (lambda c, t: c.messages(t, start="now", end="-1d"), "before"),
    ],
)
def test_bad_input_raises_before_any_request(
    sim: ThingseeSim, cloud: Thingsee, call: object, words: str
) -> None:
    tuid = tuid_of(sim, "presence")
    before = sim.request_count
    with pytest.raises(InputError, match=words):
        call(cloud, tuid)  # type: ignore[operator]
    assert sim.request_count == before


def test_cloud_errors_carry_vendor_words(sim: ThingseeSim, cloud: Thingsee) -> None:
    with pytest.raises(NotFoundError, match="Thing TSPD04X0X00000000 not found"):
        cloud.thing("TSPD04X0X00000000")
    with pytest.raises(APIError, match="already exists") as conflict:
        cloud.create_group("prfi00haltianhq")
    assert conflict.value.status == 409
    with pytest.raises(APIError, match="move them first"):
        cloud.delete_group("prfi00haltianhq")


# -- token renewal, faults, secrets ------------------------------------------------------


def test_expired_token_is_renewed_transparently(sim: ThingseeSim, base_url: str) -> None:
    cloud = facade(base_url, sim)
    tuid = tuid_of(sim, "environment")
    first = cloud.raw_messages(tuid, [12100], start="-1h")
    sim.clock.advance(16 * 60)  # past the 15-minute lifetime; the client's clock did not move
    second = cloud.raw_messages(tuid, [12100], start="-1h")
    assert second and second != first
    assert len(sim.issued_tokens()) == 2
    cloud.close()


def test_demo_token_follows_the_sim_clock() -> None:
    with ts.connect("demo", now=NOW) as cloud:
        assert cloud.demo is not None
        cloud.groups()
        cloud.demo.clock.advance(20 * 60)
        cloud.groups()
        assert len(cloud.demo.issued_tokens()) == 2


def test_wrong_secret_is_an_auth_error_without_the_secret(sim: ThingseeSim, base_url: str) -> None:
    with (
        ts.connect(base_url, sim.client_id, "wrong-secret-value-123") as cloud,
        pytest.raises(AuthError) as refused,
    ):
        cloud.groups()
    assert "Invalid client credentials" in str(refused.value)
    assert "wrong-secret-value-123" not in str(refused.value) + repr(refused.value.body)


def test_long_pull_is_exact_under_injected_faults(sim: ThingseeSim, base_url: str) -> None:
    cloud = facade(base_url, sim, retries=10)
    cloud.message_limit, cloud.message_window = 150, 4 * 86_400
    tuids = [tuid_of(sim, "environment"), tuid_of(sim, "count"), tuid_of(sim, "air")]
    sim.faults.set(error_rate=0.08, drop_rate=0.03, throttle_rate=0.03, retry_after=0)
    raw = cloud.raw_messages(tuids, start="-35d", end="now")
    sim.faults.reset()
    now = sim.world.now()
    expected = sorted(
        (m for t in tuids for m in sim.world.messages(t, now - 35 * 86_400, now)),
        key=lambda m: (m["tsmTs"], m["tsmId"]),
    )
    assert len(raw) == len(expected) > 10_000
    assert sorted(raw, key=str) == sorted(expected, key=str)
    injected = sum(sim.faults.injected.values())
    assert injected / sim.request_count >= 0.10
    cloud.close()


def test_secret_and_token_never_leak(
    sim: ThingseeSim, cloud: Thingsee, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tuid = tuid_of(sim, "presence")
    frames = [cloud.things(), cloud.messages(tuid, start="-1h"), cloud.commands(tuid)]
    frames.append(cloud.write(tuid, {"pir_mode": "count"}))
    with pytest.raises(NotFoundError) as missing:
        cloud.thing("TSPD04X0X00000000")
    secrets = [sim.client_secret, *sim.issued_tokens()]
    assert len(secrets) == 2
    texts = [f.to_csv() for f in frames]
    texts += [repr(cloud), repr(cloud.session), str(missing.value), caplog.text]
    for secret in secrets:
        assert all(secret not in text for text in texts)


# -- the panels' protocol ---------------------------------------------------------------


def test_devices_and_locations(sim: ThingseeSim, cloud: Thingsee) -> None:
    devices = cloud.devices()
    assert {"device_id", "name", "template", "online"} <= set(devices.columns)
    assert devices["device_id"].dtype == "str" and devices["online"].dtype == bool
    by_id = devices.set_index("device_id")
    assert not by_id.loc[tuid_of(sim, "environment", live=False), "online"]
    assert by_id.loc[tuid_of(sim, "air"), "online"]
    assert by_id.loc[tuid_of(sim, "air"), "template"] == "air"
    places = cloud.locations()
    assert list(places.columns) == [
        "device_id", "name", "template", "online", "lon", "lat", "updated_at",
    ]  # fmt: skip
    assert len(places) == 44 and places["lat"].between(50, 66).all()


def test_datastreams_latest_values(sim: ThingseeSim, cloud: Thingsee) -> None:
    tuid = tuid_of(sim, "air")
    current = cloud.datastreams(tuid).set_index("label")
    assert {"co2", "tvoc", "temperature", "battery"} <= set(current.index)
    latest = [m for m in sim.world.messages(tuid, sim.world.now() - 3600) if m["tsmId"] == 24100]
    assert current.loc["co2", "value"] == latest[-1]["carbonDioxide"]
    assert current["updated_at"].dtype == UTC_MS


def test_schema_and_history(sim: ThingseeSim, cloud: Thingsee) -> None:
    tuid = tuid_of(sim, "presence")
    schema = cloud.schema(tuid).set_index("label")
    assert schema.loc["move_count", "history"] and not schema.loc["move_count", "writable"]
    assert schema.loc["pir_mode", "options"] == ["count", "occupancy", "event"]
    history = cloud.history([tuid], ["move_count", "battery"], start="-1d")
    assert history.index.name == "time" and str(history.index.dtype) == UTC_MS
    assert list(history.columns) == ["device_id", "datastream", "value"]
    assert set(history["datastream"]) == {"move_count", "battery"}
    truth = sim.world.messages(tuid, sim.world.now() - 86_400, None, {13100, 1110})
    assert len(history) == len(truth)
    with pytest.raises(InputError, match="unknown field"):
        cloud.history([tuid], ["nope"])


def test_trail_is_empty_and_write_reports(sim: ThingseeSim, cloud: Thingsee) -> None:
    tuid = tuid_of(sim, "presence")
    trail = cloud.trail(tuid, "-1d", "now")
    assert trail.empty and list(trail.columns) == ["lon", "lat"]
    sent = len(sim.world.commands[tuid])
    with pytest.raises(WriteValueError) as refused:  # every bad value named, nothing sent
        cloud.write(tuid, {"pir_mode": "occupancy", "report_interval": 5, "temperature": 1})
    assert "report_interval=5 is outside 60..86400" in str(refused.value)
    assert "temperature=1: not writable" in str(refused.value)
    assert "pir_threshold" in str(refused.value)  # the writable settings are listed
    assert set(refused.value.refused) == {"report_interval", "temperature"}
    assert isinstance(refused.value, InputError) and len(sim.world.commands[tuid]) == sent
    report = cloud.write(tuid, {"report_interval": 600, "pir_mode": "occupancy"})
    assert list(report["status"]) == ["written", "written"]
    assert list(report["datastream"]) == ["report_interval", "pir_mode"]  # the order given
    assert sim.world.commands[tuid][-1]["command"]["mode"] == 1


def test_write__a_command_the_cloud_refuses_is_a_failed_row__the_others_are_sent(
    sim: ThingseeSim, cloud: Thingsee, monkeypatch: pytest.MonkeyPatch
) -> None:
    tuid = tuid_of(sim, "presence")
    real = cloud.send_command

    def refuses_1500(tuid: str, tsm_id: int, **fields: Any) -> Any:
        if tsm_id == 1500:
            raise BadRequestError("rejected", status=400, method="POST", url="/things/…")
        return real(tuid, tsm_id, **fields)

    monkeypatch.setattr(cloud, "send_command", refuses_1500)
    report = cloud.write(tuid, {"report_interval": 600, "pir_mode": "event"})
    assert list(report["status"]) == ["failed", "written"]
    assert "rejected" in report["reason"].iloc[0] and report["reason"].iloc[1] == ""
    assert sim.world.commands[tuid][-1]["command"]["mode"] == 2


#: (the client's ``progress``, the call's ``progress``, days pulled, bar shown)
BAR_CASES = [
    (True, None, 2, False),
    (True, None, 60, True),
    (False, None, 60, False),
    (True, True, 2, True),
    (False, True, 2, True),
    (True, False, 60, False),
]


@pytest.mark.parametrize(("setting", "call", "days", "bar"), BAR_CASES)
def test_message_pulls_show_a_progress_bar_when_long(
    cloud: Thingsee,
    sim: ThingseeSim,
    monkeypatch: pytest.MonkeyPatch,
    setting: bool,
    call: bool | None,
    days: int,
    bar: bool,
) -> None:
    shown: list[bool] = []
    real_map = cloud.session.map

    def spy(fn: Any, items: Any, *, desc: str | None = None, progress: bool = False) -> Any:
        shown.append(progress)
        return real_map(fn, items, desc=desc, progress=False)

    monkeypatch.setattr(cloud.session, "map", spy)
    cloud.progress = setting
    cloud.raw_messages(tuid_of(sim, "presence"), start=f"-{days}d", progress=call)  # 2-day windows
    assert shown == [bar]
    shown.clear()
    cloud.things()  # reads that fan out but are not long pulls never show one
    assert not any(shown)
