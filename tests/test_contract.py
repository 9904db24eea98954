"""The FleetClient contract (:mod:`blynkbook.contract`), one suite over every client.

In the style of requests-cache's base backend tests: each test is written once against the
contract and runs over the Blynk demo, the Thingsee demo and the panels' fake client
(``tests/fakefleet.py``). A :class:`Case` says, per client, which device to ask about;
every method is checked with data and, where the client can produce one, empty.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from fakefleet import FakeFleet

import blynkbook as bb
from blynkbook import contract as C
from blynkbook.errors import InputError, WriteValueError

NOW = "2026-11-20T12:00:00Z"
QUIET = ("2020-01-01T00:00:00Z", "2020-01-01T01:00:00Z")  # before the demo fleets' history


@dataclass(frozen=True)
class Case:
    """One client under the contract and what to ask it."""

    name: str
    connect: Callable[[], Any]
    id_dtype: str
    sensor: Hashable  # a device with numeric history
    fields: tuple[str, ...]  # two of its datastreams with history
    unplaced: Hashable  # a device with no position history
    good_write: tuple[Hashable, Mapping[str, Any]]  # values that are written
    bad_write: tuple[Hashable, Mapping[str, Any]]  # a value that cannot be written
    moves: bool = True  # located devices keep a trail
    quiet: Callable[[Any], pd.DataFrame] | None = None  # an empty history, if not QUIET
    empty_fleet: Callable[[], Any] | None = None  # a client with no devices, if any
    sent: Callable[[Any, Hashable], Any] = lambda c, d: len(c.writes)  # what reached a device


def _fake_quiet(client: FakeFleet) -> pd.DataFrame:
    empty = pd.Series([], dtype="float64", index=pd.DatetimeIndex([], tz="UTC"))
    client.series[(1, "Temperature")] = empty
    return client.history([1], ["Temperature"], "-1d", "now")


CASES = [
    Case(
        "blynk-demo",
        lambda: bb.connect("demo", now=NOW),
        "int64",
        sensor=1,
        fields=("Temperature", "Humidity"),
        unplaced=1,
        good_write=(43, {"Power": 120.0, "Mode": "eco"}),
        bad_write=(43, {"Power": 1e9}),
        sent=lambda c, d: c.datastreams(d)[["label", "value"]].to_dict("records"),
    ),
    Case(
        "thingsee-demo",
        lambda: bb.thingsee.connect("demo", now=NOW),
        "str",
        sensor="TSPD04X8T81576359",
        fields=("temperature", "humidity"),
        unplaced="TSPD04X8T81576359",
        good_write=("TSPR04X5U37190971", {"pir_mode": "occupancy", "report_interval": 600}),
        bad_write=("TSPR04X5U37190971", {"report_interval": 5}),
        moves=False,
        sent=lambda c, d: len(c.commands(d)),
    ),
    Case(
        "panels-fake",
        FakeFleet,
        "int64",
        sensor=1,
        fields=("Temperature", "Humidity"),
        unplaced=1,
        good_write=(6, {"Power": 120.0, "Mode": "eco"}),
        bad_write=(6, {"Nope": 1}),
        quiet=_fake_quiet,
        empty_fleet=lambda: FakeFleet(fleet=[]),
    ),
]


@pytest.fixture(params=CASES, ids=lambda case: case.name)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def client(case: Case) -> Iterator[Any]:
    made = case.connect()
    yield made
    if hasattr(made, "close"):
        made.close()


def assert_conforms(frame: Any, contract: C.FrameContract, case: Case) -> None:
    assert C.differences(frame, contract, id_dtype=case.id_dtype) == []


# -- every method, with data ------------------------------------------------------------


def test_devices(client: Any, case: Case) -> None:
    frame = client.devices()
    assert_conforms(frame, C.DEVICES, case)
    assert case.sensor in set(frame["device_id"])


def test_datastreams(client: Any, case: Case) -> None:
    frame = client.datastreams(case.sensor)
    assert_conforms(frame, C.DATASTREAMS, case)
    assert len(frame) and set(frame["device_id"]) == {case.sensor}


def test_schema(client: Any, case: Case) -> None:
    frame = client.schema(case.sensor)
    assert_conforms(frame, C.SCHEMA, case)
    assert set(case.fields) <= set(frame.loc[frame["history"], "label"])
    assert (frame["units"] != "").any(), "the sensor's schema names its units"


def test_history(client: Any, case: Case) -> None:
    fleet = client.devices()["device_id"]
    others = [
        d for d in fleet if d != case.sensor and set(case.fields) <= set(client.schema(d)["label"])
    ]
    frame = client.history([others[0], case.sensor], list(reversed(case.fields)), "-2h", "now")
    assert_conforms(frame, C.HISTORY, case)
    assert set(frame["datastream"]) == set(case.fields)
    assert set(frame["device_id"]) == {others[0], case.sensor}


def test_locations(client: Any, case: Case) -> None:
    frame = client.locations()
    assert_conforms(frame, C.LOCATIONS, case)
    assert len(frame) > 0


def test_trail__of_a_located_device(client: Any, case: Case) -> None:
    located = client.locations()["device_id"].iloc[0]
    frame = client.trail(located, "-2h", "now")
    assert_conforms(frame, C.TRAIL, case)
    assert len(frame) > 1 if case.moves else frame.empty


def test_write__values_that_land(client: Any, case: Case) -> None:
    device, values = case.good_write
    report = client.write(device, values)
    assert C.write_report_differences(report, device, values) == []
    assert report["status"].tolist() == ["written"] * len(values)


def test_write__a_value_that_cannot_land_is_refused_before_anything_is_sent(
    client: Any, case: Case
) -> None:
    device, values = case.bad_write
    bad = next(iter(values))
    good = dict(case.good_write[1]) if case.good_write[0] == device else {}
    before = case.sent(client, device)
    with pytest.raises(WriteValueError) as refused:  # one rule on every client
        client.write(device, {**good, **values})  # a good value does not go alone
    assert bad in str(refused.value) and repr(values[bad]) in str(refused.value)
    assert list(refused.value.refused) == [bad]  # the good value is not named
    assert case.sent(client, device) == before  # nothing was sent


def test_optional_tags_and_online(client: Any, case: Case) -> None:
    for name, contract in (("tags", C.TAGS), ("online", C.ONLINE)):
        method = getattr(client, name, None)
        if callable(method):  # optional: a client may leave either out
            assert_conforms(method(case.sensor), contract, case)


# -- every method, empty ----------------------------------------------------------------


def test_history__empty(client: Any, case: Case) -> None:
    if case.quiet is not None:
        frame = case.quiet(client)
    else:
        frame = client.history([case.sensor], list(case.fields), *QUIET)
    assert frame.empty
    assert_conforms(frame, C.HISTORY, case)


def test_trail__empty(client: Any, case: Case) -> None:
    frame = client.trail(case.unplaced, "-2h", "now")
    assert frame.empty
    assert_conforms(frame, C.TRAIL, case)


def test_write__empty_report_shape(client: Any, case: Case) -> None:
    """A write of nothing is refused (Blynk) or reports no rows, in the contract's shape."""
    device, _ = case.good_write
    try:
        report = client.write(device, {})
    except InputError:
        return
    assert report.empty
    assert C.write_report_differences(report, device, {}) == []


def test_no_devices_means_empty_frames(case: Case) -> None:
    if case.empty_fleet is None:  # the demo clouds always have a fleet
        assert case.name.endswith("-demo")
        return
    client = case.empty_fleet()
    for method, contract in (("devices", C.DEVICES), ("locations", C.LOCATIONS)):
        frame = getattr(client, method)()
        assert frame.empty
        assert_conforms(frame, contract, case)


def test_device_ids_have_one_dtype_in_every_frame(client: Any, case: Case) -> None:
    frames = [client.devices(), client.datastreams(case.sensor), client.locations()]
    assert {str(f["device_id"].dtype) for f in frames} == {case.id_dtype}


# -- Thingsee's own series --------------------------------------------------------------


def test_thingsee_messages__time_indexed_sorted_and_same_shape_empty() -> None:
    with bb.thingsee.connect("demo", now=NOW) as things:
        tuids = ["TSPD04X8T81576359", "TSPR04X5U37190971"]
        frame = things.messages(tuids, start="-3h")
        assert C.differences(frame, C.MESSAGES) == [] and len(frame)
        quiet = things.messages(tuids[0], start=QUIET[0], end=QUIET[1])
        assert quiet.empty and C.differences(quiet, C.MESSAGES) == []


# -- the checker itself: it names what differs -------------------------------------------


def _history(**changes: Any) -> pd.DataFrame:
    index = pd.DatetimeIndex(["2026-11-20T10:00Z", "2026-11-20T11:00Z"], name="time")
    frame = pd.DataFrame(
        {"device_id": [1, 1], "datastream": ["a", "a"], "value": [1.0, 2.0]},
        index=index.as_unit("ms"),
    )
    return frame.assign(**changes)


def test_checker__a_conforming_frame_has_no_differences() -> None:
    assert C.differences(_history(), C.HISTORY) == []
    assert C.conforms(_history(), C.HISTORY)


def test_checker__names_each_difference() -> None:
    bad = _history(value=["1", "2"], extra=0).iloc[::-1]
    found = C.differences(bad, C.HISTORY)
    assert found == [
        "history: column 'value' is str, not float64",
        "history: unexpected column 'extra' (the contract lists exactly device_id, "
        "datastream, value)",
        "history: rows are not sorted by device_id → datastream → time",
    ]


def test_checker__index_dtype_ids_values_and_missing() -> None:
    naive = _history()
    naive.index = naive.index.tz_localize(None)
    assert C.differences(naive, C.HISTORY) == [
        "history: index time is datetime64[ms], not datetime64[ms, UTC]"
    ]
    assert C.differences(_history(), C.HISTORY, id_dtype="str") == [
        "history: column 'device_id' is int64, but this client's device ids are str"
    ]
    schema = pd.DataFrame(
        {"label": ["x"], "type": ["float"], "units": [None], "min": [0.0], "max": [1.0],
         "options": [[]], "writable": [True], "history": [True]}
    )  # fmt: skip
    assert C.differences(schema.astype({"units": "str"}), C.SCHEMA) == [
        "schema: column 'type' holds ['float'], allowed: "
        "['double', 'enum', 'int', 'location', 'string', 'switch']",
        "schema: column 'units' has missing values",
    ]
    assert C.differences(schema.drop(columns="units").assign(type="int"), C.SCHEMA) == [
        "schema: missing column 'units'"
    ]
    assert C.differences([], C.DEVICES) == ["devices: returned a list, not a DataFrame"]


def test_checker__write_report_rows_match_the_values_asked() -> None:
    report = pd.DataFrame(
        {"device_id": [7], "datastream": ["a"], "value": pd.Series([1], dtype="object"),
         "status": ["failed"], "reason": [""]}
    )  # fmt: skip
    assert C.write_report_differences(report, 8, ["a", "b"]) == [
        "write: 1 report rows for 2 values",
        "write: report rows name another device than 8",
        "write: a failed row gives no reason",
    ]


def test_every_fleet_method_has_a_contract() -> None:
    from blynkbook.panels import FleetClient

    protocol = {name for name in vars(FleetClient) if not name.startswith("_")}
    assert protocol <= set(C.METHODS)
    assert set(C.METHODS) - protocol == {"tags", "online"}
