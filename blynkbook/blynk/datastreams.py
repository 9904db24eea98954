"""Template datastreams (the schema) and current datastream values.

>>> schema = parse_schema([{"id": 1, "label": "Temperature", "alias": "temp", "pin": "v0",
...                         "type": "DOUBLE", "min": -40, "max": 85, "isHistory": True}])
>>> schema[["label", "type"]].iloc[0].tolist(), bool(schema["history"].iloc[0])
(['Temperature', 'double'], True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from blynkbook._frames import frame_from_records
from blynkbook.vendor.blynk import INPUT_MODES

__all__ = [
    "BATCH_PATH",
    "SCHEMA_SPEC",
    "TYPE_NAMES",
    "VALUES_PATH",
    "VALUE_SPEC",
    "enum_label",
    "infer_schema",
    "is_writable",
    "label_enums",
    "parse_batch_values",
    "parse_schema",
    "parse_values",
]

SCHEMA_PATH = "/api/v1/organization/template/datastreams"
VALUES_PATH = "/api/v2/organization/device/datastreams"
BATCH_PATH = "/api/v1/organization/device/datastreams/batch"

#: Vendor datastream types → the panels' vocabulary.
TYPE_NAMES = {
    "DOUBLE": "double",
    "INT": "int",
    "ENUM": "enum",
    "BOOLEAN": "switch",
    "STRING": "string",
    "LOCATION": "location",
}
NUMERIC_TYPES = frozenset({"double", "int", "enum", "switch"})

SCHEMA_MAP = {
    "label": "label",
    "alias": "alias",
    "pin": "pin",
    "id": "datastream_id",
    "kind": "type",
    "units": "units",
    "min": "min",
    "max": "max",
    "options": "options",
    "optionKeys": "option_keys",
    "writable": "writable",
    "history": "history",
    "inferred": "inferred",
}
SCHEMA_SPEC = {
    "label": "str",
    "alias": "str",
    "pin": "str",
    "datastream_id": "int64",
    "type": "str",
    "units": "str",
    "min": "float64",
    "max": "float64",
    "options": "object",
    "option_keys": "object",
    "writable": "bool",
    "history": "bool",
    "inferred": "bool",
}

VALUE_MAP = {
    "deviceId": "device_id",
    "dataStreamId": "datastream_id",
    "dataStreamLabel": "label",
    "dataStreamAlias": "alias",
    "pin": "pin",
    "value": "value",
    "updatedAt": "updated_at",
}
VALUE_SPEC = {
    "device_id": "int64",
    "datastream_id": "int64",
    "label": "str",
    "alias": "str",
    "pin": "str",
    "value": "object",
    "updated_at": "time",
}


def _kind(item: Mapping[str, Any]) -> str:
    """The panels' type name; an INT limited to 0..1 is a switch."""
    kind = TYPE_NAMES.get(str(item.get("type", "")).upper(), "string")
    if kind == "int" and item.get("min") == 0 and item.get("max") == 1:
        return "switch"
    return kind


_PIN_TYPES = {"v": "VIRTUAL", "d": "DIGITAL", "a": "ANALOG"}


def is_writable(item: Mapping[str, Any]) -> bool:
    """Read-only only where the API says so: a digital or analog pin in an input mode.

    Virtual pins (almost every Blynk datastream) have no pin mode and take writes.
    ``pinType`` missing: the pin's letter says (``d5`` digital, ``a0`` analog, ``v3``).

    >>> is_writable({"pin": "v3", "pinType": "VIRTUAL"}), is_writable({"pin": "d5",
    ...     "pinType": "DIGITAL", "pinMode": "INPUT"})
    (True, False)
    """
    pin_type = str(item.get("pinType") or _PIN_TYPES.get(str(item.get("pin", ""))[:1].lower(), ""))
    mode = str(item.get("pinMode") or "").upper()
    return not (pin_type.upper() in ("DIGITAL", "ANALOG") and mode in INPUT_MODES)


def _schema_row(item: Mapping[str, Any]) -> dict[str, Any]:
    enum_values = item.get("enumValues") or []
    kind = _kind(item)
    history = item.get("isHistory")
    return {
        **item,
        "kind": kind,
        "options": [str(e.get("value")) for e in enum_values],
        "optionKeys": [e.get("key") for e in enum_values],
        "writable": is_writable(item),
        "history": kind in NUMERIC_TYPES if history is None else bool(history),
        "inferred": False,
    }


def parse_schema(items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Template datastreams → what can be read and written.

    Columns (dtypes): ``label``, ``alias``, ``pin`` (str), ``datastream_id`` int64,
    ``type`` str (``double``/``int``/``enum``/``switch``/``string``/``location``),
    ``units`` str, ``min``/``max`` float64 (NaN when unbounded), ``options`` object (enum
    labels, else ``[]``), ``option_keys`` object (the matching enum keys), ``writable`` bool
    (False only for a digital/analog pin in an input mode), ``history`` bool (keeps
    numeric history), ``inferred`` bool (False: read from the template).
    """
    return frame_from_records([_schema_row(item) for item in items], SCHEMA_SPEC, SCHEMA_MAP)


def _inferred_kind(value: Any) -> str:
    """A datastream type guessed from a current value (``unknown`` when it has none)."""
    if isinstance(value, bool):
        return "unknown"
    if isinstance(value, int | float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple) and len(value) == 2:
        return "location"
    return "unknown"


def _inferred_row(item: Mapping[str, Any]) -> dict[str, Any]:
    kind = _inferred_kind(item.get("value"))
    pin = {"pin": item.get("pin")}
    return {
        "label": item.get("dataStreamLabel"),
        "alias": item.get("dataStreamAlias"),
        "pin": item.get("pin"),
        "id": item.get("dataStreamId"),
        "kind": kind,
        "units": "",
        "min": None,
        "max": None,
        "options": [],
        "optionKeys": [],
        "writable": is_writable(pin),  # no pin mode is known: only the server can refuse
        "history": kind in ("double", "unknown"),
        "inferred": True,
    }


def infer_schema(payload: Mapping[str, Any] | None) -> pd.DataFrame:
    """A schema from a device's own datastream list, for clients that may not read its
    template: same columns as :func:`parse_schema`, ``inferred`` True.

    Names (label, alias, pin, id) are exact; ``type`` is guessed from the current value
    (a number ``double``, text ``string``, a pair ``location``, no value ``unknown``);
    units, limits and enum options are unknown, and every datastream counts as writable
    (no pin mode is readable without the template), so the server has the last word.

    >>> frame = infer_schema({"dataStreams": [{"dataStreamId": 201, "pin": "v10",
    ...     "dataStreamLabel": "Temperature_Sensor", "dataStreamAlias": "Temperature Sensor",
    ...     "value": 22.2}]})
    >>> row = frame.iloc[0]
    >>> row["label"], row["type"], bool(row["writable"]), bool(row["inferred"])
    ('Temperature_Sensor', 'double', True, True)
    """
    items = list((payload or {}).get("dataStreams") or [])
    return frame_from_records([_inferred_row(item) for item in items], SCHEMA_SPEC, SCHEMA_MAP)


def parse_values(device_id: int, payload: Mapping[str, Any] | None) -> pd.DataFrame:
    """``{"dataStreams": [DataStreamValue…]}`` of one device → current values.

    Columns (dtypes): ``device_id``, ``datastream_id`` (int64), ``label``, ``alias``,
    ``pin`` (str), ``value`` object (number, string or ``[lon, lat]``), ``updated_at``
    datetime64[ms, UTC] (NaT when never written).
    """
    items = list((payload or {}).get("dataStreams") or [])
    return frame_from_records([{**i, "deviceId": device_id} for i in items], VALUE_SPEC, VALUE_MAP)


def enum_label(row: Any, value: Any) -> Any:
    """The label an enum datastream's key stands for (``0`` → ``"eco"``); any other value,
    or a key the schema does not list, as it is.

    >>> enum_label({"options": ["eco", "boost"], "option_keys": [0, 2]}, 2.0)
    'boost'
    """
    labels = dict(zip(_keys(row.get("option_keys")), row.get("options") or [], strict=False))
    key = _key(value)
    return labels.get(key, value) if key is not None else value


def _key(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _keys(keys: Any) -> list[float | None]:
    return [_key(k) for k in keys] if isinstance(keys, list | tuple) else []


def label_enums(frame: pd.DataFrame, schemas: Mapping[int, pd.DataFrame]) -> pd.DataFrame:
    """Current values with every enum key replaced by its label, per device's ``schemas``
    (device id → schema frame); devices without a schema keep their values. Current
    values come back as the key (a number, per the DataStreams OpenAPI's
    ``DataStreamRawValue``); the schema's ``option_keys`` still map a label back to it."""
    if frame.empty:
        return frame
    rows = {
        (device, int(r["datastream_id"])): r
        for device, schema in schemas.items()
        for _, r in schema[schema["type"] == "enum"].iterrows()
    }
    if not rows:
        return frame
    keys = zip(frame["device_id"].tolist(), frame["datastream_id"].tolist(), strict=True)
    out = frame.copy()
    out["value"] = [
        enum_label(rows[key], value) if key in rows else value
        for key, value in zip(keys, frame["value"].tolist(), strict=True)
    ]
    out["value"] = out["value"].astype("object")
    return out


def parse_batch_values(items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The batch endpoint's ``[{"deviceId", "dataStreams": [...]}]`` → same columns as
    :func:`parse_values`, one row per device and datastream."""
    rows = [
        {**value, "deviceId": entry.get("deviceId")}
        for entry in items
        for value in (entry.get("dataStreams") or [])
    ]
    return frame_from_records(rows, VALUE_SPEC, VALUE_MAP)
