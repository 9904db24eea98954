"""Narrower OAuth clients, over loopback: the facade degrades, never breaks.

The embedded cloud issues two demo clients: the full one and a least-privilege one with
device and datastream rights but no template access (``/templates`` and
``/template/datastreams`` answer it 403, as a real client without ``PRODUCT_VIEW``). The
read and write paths run with both; the template-only extras name the permission.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd
import pytest
from blynkkit import loopback_client, narrow_client

from blynkbook.blynk import Blynk, devices, writes
from blynkbook.errors import BadRequestError, ForbiddenError, PermissionWarning
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim

START, END = "2026-11-18T00:00:00Z", "2026-11-20T00:00:00Z"
STATION, TRACKER, PLUG = 1, 25, 43
NOTE, MODE, RELAY = 25, 22, 26


@pytest.fixture
def narrow(sim: BlynkSim, server: LoopbackServer) -> Iterator[Blynk]:
    with narrow_client(sim, server.url) as client:
        yield client


@pytest.fixture(params=["full", "narrow"])
def either(
    request: pytest.FixtureRequest, sim: BlynkSim, server: LoopbackServer
) -> Iterator[Blynk]:
    """The facade with each demo client: what must work with both."""
    make = loopback_client if request.param == "full" else narrow_client
    with make(sim, server.url) as client:
        if request.param == "narrow":
            with pytest.warns(PermissionWarning, match="PRODUCT_VIEW"):
                client.devices()  # the one warning, said once
        yield client


def ms(text: str) -> int:
    return int(pd.Timestamp(text).value // 1_000_000)


# both clients --------------------------------------------------------------------------------
def test_both__devices_same_columns_and_ids(either: Blynk, sim: BlynkSim) -> None:
    frame = either.devices()
    assert list(frame.columns) == list(devices.DEVICE_SPEC)
    assert frame["device_id"].tolist() == sim.world.device_ids()
    assert frame["template_id"].notna().all()


def test_both__history_by_label_and_alias(either: Blynk, sim: BlynkSim) -> None:
    frame = either.history([STATION, 2], ["Temperature", "rh"], START, END)
    truth = sim.world.history_points(STATION, 1, ms(START), ms(END))
    got = frame[(frame["device_id"] == STATION) & (frame["datastream"] == "Temperature")]
    assert got["value"].tolist() == [v for _, v in truth]
    assert set(frame["datastream"]) == {"Temperature", "Humidity"}


def test_both__datastreams_and_values(either: Blynk, sim: BlynkSim) -> None:
    current = either.datastreams(PLUG).set_index("label")
    assert current.loc["Note", "value"] == sim.world.current_value(PLUG, NOTE)[0]
    assert set(either.values([STATION, PLUG])["device_id"]) == {STATION, PLUG}


def test_both__write_by_label_lands(either: Blynk, sim: BlynkSim) -> None:
    report = either.write(PLUG, {"Note": "from a narrow client", "Power Switch": 1})
    assert report["status"].tolist() == ["written", "written"]
    assert sim.world.current_value(PLUG, NOTE)[0] == "from a narrow client"
    assert sim.world.current_value(PLUG, 21)[0] == 1


def test_both__batch_update_by_label_lands(either: Blynk, sim: BlynkSim) -> None:
    plan = pd.DataFrame({"device_id": [41, 42], "Note": ["a", "b"]})
    report = either.batch_update(plan)
    assert report["status"].tolist() == ["updated"]
    assert [sim.world.current_value(d, NOTE)[0] for d in (41, 42)] == ["a", "b"]


def test_both__import_history_and_set_property_by_label(either: Blynk, sim: BlynkSim) -> None:
    now = either.now()
    times = pd.date_range(now - pd.Timedelta("3h"), periods=3, freq="1h")
    report = either.import_history(PLUG, "Energy", pd.Series([1.0, 2.0, 3.0], index=times))
    assert report["status"].tolist() == ["accepted"]
    stamps = [int(t.value // 10**6) for t in times]
    got = dict(sim.world.history_points(PLUG, 24, stamps[0], stamps[-1]))
    assert [got[t] for t in stamps] == [1.0, 2.0, 3.0]
    either.set_property(PLUG, "Power", "color", "#FF0000")
    assert sim.world.device(PLUG).properties[23]["color"] == "#FF0000"


def test_both__virtual_pins_writable_relay_refused(either: Blynk, sim: BlynkSim) -> None:
    schema = either.schema(PLUG).set_index("label")
    assert schema.loc[["Power", "Energy", "Note", "Mode"], "writable"].all()
    before = sim.world.current_value(PLUG, RELAY)
    if bool(schema.loc["Relay State", "inferred"]):
        # No template, no pin mode: the server is the one to refuse the input pin.
        with pytest.raises(BadRequestError, match="read-only"):
            either.write(PLUG, "Relay State", 1)
    else:
        assert not schema.loc["Relay State", "writable"]
    assert sim.world.current_value(PLUG, RELAY) == before


def test_both__locations_and_trail(either: Blynk, sim: BlynkSim) -> None:
    located = either.locations()
    trackers = [d.id for d in sim.world.iter_devices() if d.template.name == "GPS Asset Tracker"]
    assert set(located["device_id"]) == set(trackers)
    assert len(either.trail(TRACKER, "-2h")) > 10


# the full client: schema from the template -------------------------------------------------
def test_full__schema_from_the_template(cloud: Blynk) -> None:
    schema = cloud.schema(PLUG).set_index("label")
    assert not schema["inferred"].any()
    assert schema.loc["Mode", "options"] == ["eco", "comfort", "boost"]
    assert not schema.loc["Relay State", "writable"]
    assert schema.loc[["Power Switch", "Mode", "Power", "Energy", "Note"], "writable"].all()
    assert cloud.template_access is True


# the narrow client: degraded, said once -----------------------------------------------------
def test_narrow__devices_warn_once_naming_the_permission(narrow: Blynk) -> None:
    with pytest.warns(PermissionWarning) as caught:
        frame = narrow.devices()
    assert len(caught) == 1 and "PRODUCT_VIEW" in str(caught[0].message)
    assert frame["template"].isna().all()
    assert frame["template"].dtype == "str"
    assert narrow.template_access is False
    again = narrow.devices()  # no second warning (pytest turns one into an error)
    assert again["device_id"].tolist() == frame["device_id"].tolist()
    assert narrow.device(STATION)["template"].isna().all()


def test_narrow__schema_inferred_from_the_device_list(narrow: Blynk, sim: BlynkSim) -> None:
    with pytest.warns(PermissionWarning):
        schema = narrow.schema(PLUG).set_index("label")
    assert schema["inferred"].all()
    assert schema.loc["Note", "type"] == "string"
    assert schema.loc["Power", "type"] == "double"
    assert schema.loc["Relay State", "pin"] == "d5"
    assert schema["writable"].all()
    assert schema["min"].isna().all() and schema["units"].eq("").all()
    tracker = narrow.schema(TRACKER).set_index("label")
    assert tracker.loc["Location", "type"] == "location"


def test_narrow__write_report_says_local_checks_were_reduced(narrow: Blynk, sim: BlynkSim) -> None:
    with pytest.warns(PermissionWarning):
        narrow.devices()
    report = narrow.write(PLUG, "Mode", 2)
    assert report["reason"].tolist() == [writes.SERVER_CHECKS_ONLY]
    assert sim.world.current_value(PLUG, MODE)[0] == 2
    with pytest.raises(BadRequestError, match="Mode"):  # the server's range check
        narrow.write(PLUG, "Mode", 7)
    assert sim.world.current_value(PLUG, MODE)[0] == 2
    narrow.write(PLUG, "Mode", "eco")  # sent as it is: the (simulated) server maps the label
    assert sim.world.current_value(PLUG, MODE)[0] == 0


def test_narrow__template_extras_name_the_permission(narrow: Blynk) -> None:
    with pytest.raises(ForbiddenError, match=r"templates\(\) needs the PRODUCT_VIEW"):
        narrow.templates()
    with (
        pytest.warns(PermissionWarning),
        pytest.raises(ForbiddenError, match="PRODUCT_VIEW.*TMPL"),
    ):
        narrow.create_device("Spare Plug", "Smart Plug")
    created = narrow.create_device("Spare Plug", "TMPL2smtPlg3")
    assert created["name"].tolist() == ["Spare Plug"] and created["template"].isna().all()


# other optional endpoints: only the call that needs them fails -------------------------------
@pytest.mark.parametrize(
    ("area", "call", "words"),
    [
        ("tags", lambda c: c.tags(STATION), r"tags\(\) needs the permission to view device tags"),
        ("metadata", lambda c: c.metadata(STATION), r"metadata\(\) needs .*metadata"),
        ("timeline", lambda c: c.timeline(STATION), r"timeline\(\) needs .*timeline"),
    ],
)
def test_optional_endpoint_403_fails_only_its_call(
    sim: BlynkSim,
    server: LoopbackServer,
    area: str,
    call: Callable[[Blynk], object],
    words: str,
) -> None:
    client_id, secret = sim.add_client(101, denied=(area,))
    with loopback_client(sim, server.url, client_id=client_id, secret=secret) as client:
        with pytest.raises(ForbiddenError, match=words) as caught:
            call(client)
        assert caught.value.status == 403
        assert len(client.devices()) == len(sim.world.device_ids())  # nothing else fails
        assert client.schema(STATION)["inferred"].eq(False).all()
        assert len(client.history(STATION, "Temperature", START, END)) > 0
