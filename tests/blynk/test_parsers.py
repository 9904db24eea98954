"""Parsers and pure checks on payloads shaped as in the vendor documents (no network)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from blynkbook import _time
from blynkbook._frames import TIME_DTYPE, empty_frame
from blynkbook.blynk import admin, datastreams, devices, history, writes
from blynkbook.blynk._names import resolve_datastream
from blynkbook.errors import DatastreamNameError, InputError

DOC_DEVICE = {
    "id": 101,
    "name": "Pump 7",
    "templateId": 3,
    "originalTemplateId": 3,
    "orgId": 1,
    "token": "SECRETdeviceTOKENxxxxxxxxxxxxxxx",
    "activatedAt": 1700000000000,
    "ownerUserId": 5,
    "hardwareInfo": {"version": "0.4.1", "fwType": "pump", "blynkVersion": "1.3.2"},
}
DOC_TEMPLATE = {"id": 3, "templateIds": ["TMPL8RITg_f9Q"], "parentId": None, "orgId": 1,
                "name": "Pumps"}  # fmt: skip
DOC_SCHEMA = [
    {"id": 1, "label": "Temperature", "alias": "temp", "pin": "v0", "type": "DOUBLE",
     "units": "Celsius", "min": -40, "max": 85, "pinMode": "OUTPUT", "isHistory": True},
    {"id": 2, "label": "Mode", "alias": "mode", "pin": "v1", "type": "ENUM", "min": 0, "max": 2,
     "pinMode": "OUTPUT", "enumValues": [{"key": 0, "value": "eco"}, {"key": 1, "value": "comfort"},
                                         {"key": 2, "value": "boost"}]},
    {"id": 3, "label": "Switch", "alias": "sw", "pin": "v2", "type": "INT", "min": 0, "max": 1,
     "pinMode": "OUTPUT"},
    {"id": 4, "label": "Note", "alias": "note", "pin": "v3", "type": "STRING"},
    {"id": 5, "label": "Location", "alias": "loc", "pin": "v4", "type": "LOCATION"},
    {"id": 6, "label": "Count", "alias": "count", "pin": "v5", "type": "INT", "min": 0,
     "max": 1000},
]  # fmt: skip


@pytest.fixture
def schema() -> pd.DataFrame:
    return datastreams.parse_schema(DOC_SCHEMA)


def test_parse_devices__joins_template_and_drops_token() -> None:
    frame = devices.parse_devices([DOC_DEVICE], devices.parse_templates([DOC_TEMPLATE]))
    row = frame.iloc[0]
    assert (row["device_id"], row["name"], row["template"]) == (101, "Pump 7", "Pumps")
    assert row["activated_at"] == pd.Timestamp(1700000000000, unit="ms", tz="UTC")
    assert row["firmware_version"] == "0.4.1"
    assert "token" not in frame.columns
    assert DOC_DEVICE["token"] not in frame.to_csv()


def test_parse_devices__empty_has_same_columns_and_dtypes() -> None:
    full = devices.parse_devices([DOC_DEVICE])
    empty = devices.parse_devices([])
    assert empty.empty
    assert empty.dtypes.to_dict() == full.dtypes.to_dict()
    assert str(full["device_id"].dtype) == "int64"
    assert full["activated_at"].dtype == TIME_DTYPE


@pytest.mark.parametrize(
    ("parser", "payload"),
    [
        (lambda items: devices.parse_tags(1, items),
         [{"id": 1, "name": "Outdoor", "tagOwnerOrgId": 1}]),
        (lambda items: devices.parse_timeline(1, items),
         [{"id": 9, "eventId": 3, "orgId": 1, "eventType": "WARNING", "description": "hot",
           "ts": 1700000000000, "isResolved": False, "resolvedAt": 0, "resolvedComment": None}]),
        (lambda items: devices.parse_logs(1, items),
         [{"triggerUserEmail": "a@b.c", "value": 1, "pin": 4, "pinType": "VIRTUAL",
           "isOnline": True, "createdAt": 1700000000000}]),
        (lambda items: devices.parse_metadata(1, items),
         [{"id": 1, "name": "Serial Number", "value": {"type": "Text", "value": "SN:123"}}]),
        (devices.parse_activated,
         [{"id": 7, "orgId": 1, "templateId": 3, "ownerUserId": 2, "activationTime": 1}]),
        (datastreams.parse_schema, DOC_SCHEMA),
        (datastreams.parse_batch_values,
         [{"deviceId": 1, "dataStreams": [{"dataStreamId": 1, "pin": "v0",
                                           "dataStreamLabel": "T", "dataStreamAlias": "t",
                                           "value": 2.5, "updatedAt": 1}]}]),
        (writes.batch_update_report, [writes.batch_update_row(0, 3, {"deviceNotFound": 1})]),
    ],
)  # fmt: skip
def test_parsers__empty_frames_match_full_ones(parser, payload) -> None:
    full, empty = parser(payload), parser([])
    assert len(full) >= 1 and empty.empty
    assert list(empty.columns) == list(full.columns)
    assert empty.dtypes.to_dict() == full.dtypes.to_dict()


def test_parse_logs__pin_number_becomes_pin_name() -> None:
    frame = devices.parse_logs(1, [{"pin": 4, "pinType": "VIRTUAL", "createdAt": 5}])
    assert frame["pin"].tolist() == ["v4"]


def test_parse_metadata__flat_and_typed_values() -> None:
    frame = devices.parse_metadata(
        1, [{"id": 1, "name": "A", "value": {"type": "Text", "value": "x"}},
            {"id": 2, "name": "B", "value": "y"}]
    )  # fmt: skip
    assert frame["value"].tolist() == ["x", "y"]
    assert frame["type"].tolist()[0] == "Text"


def test_parse_schema__types_options_and_flags(schema: pd.DataFrame) -> None:
    kinds = dict(zip(schema["label"], schema["type"], strict=True))
    assert kinds == {"Temperature": "double", "Mode": "enum", "Switch": "switch",
                     "Note": "string", "Location": "location", "Count": "int"}  # fmt: skip
    mode = schema.set_index("label").loc["Mode"]
    assert mode["options"] == ["eco", "comfort", "boost"] and mode["option_keys"] == [0, 1, 2]
    assert not schema.set_index("label")["history"].to_dict()["Note"]
    assert bool(schema.set_index("label").loc["Temperature", "writable"])


def test_parse_values__v2_payload() -> None:
    payload = {"dataStreams": [{"dataStreamId": 5, "pin": "v4", "dataStreamLabel": "Location",
                                "dataStreamAlias": "loc", "value": [13.4, 52.5],
                                "updatedAt": 1700000000000},
                               {"dataStreamId": 4, "pin": "v3", "dataStreamLabel": "Note",
                                "dataStreamAlias": "note"}]}  # fmt: skip
    frame = datastreams.parse_values(9, payload)
    assert frame["device_id"].tolist() == [9, 9]
    assert frame["value"].tolist()[0] == [13.4, 52.5]
    assert pd.isna(frame["updated_at"].iloc[1])
    assert datastreams.parse_values(9, None).empty


def test_label_enums__keys_become_labels_per_device(schema: pd.DataFrame) -> None:
    payload = {"dataStreams": [
        {"dataStreamId": 2, "pin": "v1", "dataStreamLabel": "Mode", "value": 2},
        {"dataStreamId": 6, "pin": "v5", "dataStreamLabel": "Count", "value": 2},
        {"dataStreamId": 3, "pin": "v2", "dataStreamLabel": "Switch", "value": 1}]}  # fmt: skip
    current = datastreams.parse_values(9, payload)
    labelled = datastreams.label_enums(current, {9: schema})
    assert labelled["value"].tolist() == ["boost", 2, 1]  # only the enum is relabelled
    assert current["value"].tolist() == [2, 2, 1]  # the parsed frame is left as it was
    assert datastreams.label_enums(current, {8: schema})["value"].tolist() == [2, 2, 1]
    mode = schema.set_index("label").loc["Mode"]
    assert datastreams.enum_label(mode, 7) == 7  # a key the schema does not list stays
    assert datastreams.enum_label(mode, 1.0) == "comfort"


def test_parse_history_page__arrays_and_total() -> None:
    payload = {"content": [{"value": 1.5, "createdAt": 1000}, {"value": None, "createdAt": 2000}],
               "totalElements": 2500}  # fmt: skip
    times, values, total = history.parse_history_page(payload)
    assert times.dtype == np.int64 and times.tolist() == [1000, 2000]
    assert values[0] == 1.5 and np.isnan(values[1])
    assert total == 2500


def test_empty_history__shape() -> None:
    frame = history.empty_history()
    assert frame.index.name == "time" and frame.index.dtype == TIME_DTYPE
    assert frame.dtypes.astype(str).to_dict() == {
        "device_id": "int64", "datastream": "str", "value": "float64"
    }  # fmt: skip


# names ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Temperature", "temp", "v0", "V0", 1, "1", "temperature"])
def test_resolve_datastream__by_label_alias_pin_or_id(schema: pd.DataFrame, name) -> None:
    assert resolve_datastream(schema, name, device_id=1)["label"] == "Temperature"


def test_resolve_datastream__unknown_lists_valid_names(schema: pd.DataFrame) -> None:
    with pytest.raises(DatastreamNameError) as info:
        resolve_datastream(schema, "Humidity", device_id=4)
    assert "'Humidity'" in str(info.value) and "Temperature (alias temp, pin v0, id 1)" in str(
        info.value
    )


def test_resolve_datastream__ambiguous(schema: pd.DataFrame) -> None:
    twice = pd.concat([schema, schema.iloc[[0]].assign(datastream_id=99)], ignore_index=True)
    with pytest.raises(DatastreamNameError, match="ambiguous"):
        resolve_datastream(twice, "Temperature", device_id=4)


# time ----------------------------------------------------------------------------------------
NOW_MS = 1_795_176_000_000  # 2026-11-20T12:00:00Z


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("now", NOW_MS),
        ("-7d", NOW_MS - 7 * 86_400_000),
        ("-2h", NOW_MS - 7_200_000),
        ("-30min", NOW_MS - 1_800_000),
        ("2026-11-20T12:00:00Z", NOW_MS),
        ("2026-11-20T13:00:00+01:00", NOW_MS),
        (datetime(2026, 11, 20, 12, tzinfo=UTC), NOW_MS),
        (datetime(2026, 11, 20, 12), NOW_MS),  # naive means UTC
        (pd.Timestamp("2026-11-20 12:00"), NOW_MS),
        (0, 0),  # the epoch: "from the beginning"
        (NOW_MS, NOW_MS),  # epoch milliseconds
    ],
)
def test_to_epoch_ms__accepted_forms(value, expected) -> None:
    assert _time.to_epoch_ms(value, now_ms=NOW_MS) == expected


@pytest.mark.parametrize("value", ["yesterday-ish", "-3 fortnights", None, True, float("nan")])
def test_to_epoch_ms__rejects(value) -> None:
    with pytest.raises(InputError):
        _time.to_epoch_ms(value, now_ms=NOW_MS)


def test_time_window__start_must_precede_end() -> None:
    with pytest.raises(InputError, match="must be before end"):
        _time.time_window("now", "-1h", now_ms=NOW_MS)


# write checks --------------------------------------------------------------------------------
def _row(schema: pd.DataFrame, label: str) -> pd.Series:
    return schema.set_index("label", drop=False).loc[label]


@pytest.mark.parametrize(
    ("label", "value", "sent"),
    [
        ("Temperature", 21.5, 21.5),
        ("Temperature", 85, 85.0),
        ("Mode", "comfort", 1),
        ("Mode", 2, 2),
        ("Switch", True, 1),
        ("Count", 7.0, 7),
        ("Note", "hello", "hello"),
        ("Location", (13.4, 52.5), [13.4, 52.5]),
    ],
)
def test_check_value__accepts(schema: pd.DataFrame, label, value, sent) -> None:
    assert writes.check_value(_row(schema, label), value, device_id=1) == sent


@pytest.mark.parametrize(
    ("label", "value", "words"),
    [
        ("Temperature", 85.1, "above its maximum 85"),
        ("Temperature", -41, "below its minimum -40"),
        ("Temperature", "warm", "must be a number"),
        ("Temperature", float("nan"), "not finite"),
        ("Mode", "turbo", "not one of its options: 0=eco, 1=comfort, 2=boost"),
        ("Mode", 5, "not one of its options"),
        ("Count", 2.5, "whole number"),
        ("Note", "x" * 1025, "1025 bytes"),
        ("Note", "é" * 513, "limit of 1024 bytes"),
        ("Location", [200, 0], "outside lon"),
        ("Location", 3, "[lon, lat] pair"),
    ],
)
def test_check_value__rejects_naming_value_and_limit(schema, label, value, words) -> None:
    with pytest.raises(InputError, match=None) as info:
        writes.check_value(_row(schema, label), value, device_id=1)
    assert words in str(info.value)


def test_check_property__enum_and_length() -> None:
    assert writes.check_property("color", "#FF0000") == "#FF0000"
    with pytest.raises(InputError, match="34 datastream properties"):
        writes.check_property("colour", "#FF0000")
    with pytest.raises(InputError, match="201 characters"):
        writes.check_property("label", "x" * 201)


def test_chunks_and_import_window() -> None:
    assert [len(r) for r in writes.chunks(20_001, 10_000)] == [10_000, 10_000, 1]
    times = np.array([NOW_MS - 31 * 86_400_000, NOW_MS - 86_400_000], dtype=np.int64)
    with pytest.raises(InputError, match=r"1 point\(s\) are older than the 30-day.*row 0"):
        writes.check_import_points(times, now_ms=NOW_MS)
    writes.check_import_points(times[1:], now_ms=NOW_MS)


def test_import_points__series_and_frame() -> None:
    index = pd.DatetimeIndex(["2026-11-20 10:00", "2026-11-20 11:00"])  # naive → UTC
    ms, values = writes.import_points(pd.Series([1.0, 2.0], index=index))
    assert ms.tolist() == [NOW_MS - 7_200_000, NOW_MS - 3_600_000]
    frame = pd.DataFrame({"time": index, "value": [1.0, 2.0]})
    assert writes.import_points(frame)[0].tolist() == ms.tolist()
    with pytest.raises(InputError, match="'time' and 'value'"):
        writes.import_points(pd.DataFrame({"t": [1]}))


# admin checks --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Pump 7", "O'Brien_pump-2", "Café"])
def test_check_name__accepts(name: str) -> None:
    assert admin.check_name(name) == name


@pytest.mark.parametrize(
    ("name", "words"),
    [("", "non-empty"), ("x" * 51, "51 characters; the limit is 50"), ("Pump/7", "'/'")],
)
def test_check_name__rejects(name: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        admin.check_name(name)
    assert words in str(info.value)


@pytest.mark.parametrize("device", [0, -1, 2**31, "abc", 1.5, None, True])
def test_check_device_id__rejects(device) -> None:
    with pytest.raises(InputError):
        admin.check_device_id(device)


def test_empty_frame__every_dtype() -> None:
    frame = empty_frame({"a": "int64", "b": "str", "c": "time", "d": "Int64", "e": "boolean"})
    assert frame.dtypes.astype(str).tolist() == [
        "int64", "str", "datetime64[ms, UTC]", "Int64", "boolean"
    ]  # fmt: skip


def test_with_meta__stale_replies_warn() -> None:
    from blynkbook._provenance import with_meta
    from blynkbook.errors import StaleDataWarning
    from blynkbook.transport import Reply

    fresh = with_meta(pd.DataFrame(), [Reply(None, 200)], source="s")
    assert fresh.attrs == {"source": "s", "from_cache": False, "stale": False}
    with pytest.warns(StaleDataWarning, match="outdated"):
        stale = with_meta(
            pd.DataFrame(), [Reply(None, 200, from_cache=True, stale=True)], source="s"
        )
    assert stale.attrs["stale"] is True and stale.attrs["from_cache"] is True
