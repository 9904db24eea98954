"""Writes, each checked against the device's schema before anything is sent.

:func:`check_value` is the single gate: unknown datastream, wrong type, a number outside
``[min, max]``, an enum option that is neither a label nor a key, a string over 1024
bytes, or a malformed location raise :class:`~blynkbook.errors.InputError` naming the
value and the limit. It returns the value in the form the API wants (enum → its key).

>>> import pandas as pd
>>> row = pd.Series({"label": "Mode", "type": "enum", "min": 0.0, "max": 2.0,
...                  "options": ["eco", "comfort"], "option_keys": [0, 1]})
>>> check_value(row, "comfort", device_id=7)
1
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from blynkbook import contract
from blynkbook._frames import frame_from_records
from blynkbook.errors import BlynkbookError, InputError, PartialWriteError
from blynkbook.vendor.blynk import (
    IMPORT_WINDOW_MS,
    MAX_BATCH_UPDATES,
    MAX_IMPORT_POINTS,
    MAX_PROPERTY_CHARS,
    MAX_STRING_BYTES,
    PROPERTY_NAMES,
)

__all__ = [
    "BATCH_UPDATE_CHUNK",
    "BATCH_UPDATE_SPEC",
    "IMPORT_CHUNK",
    "IMPORT_SPEC",
    "MAX_IMPORT_AGE_MS",
    "MAX_IMPORT_AHEAD_MS",
    "MAX_STRING_BYTES",
    "PROPERTY_NAMES",
    "SERVER_CHECKS_ONLY",
    "WRITE_SPEC",
    "batch_update_report",
    "batch_update_row",
    "check_import_points",
    "check_property",
    "check_value",
    "chunks",
    "import_points",
    "import_report",
    "write_report",
]

WRITE_ONE_PATH = "/api/v1/organization/device/datastream"
WRITE_MANY_PATH = "/api/v1/organization/device/datastreams"
BATCH_UPDATE_PATH = "/api/v1/organization/product/devices/batch-update"
IMPORT_PATH = "/api/v1/organization/device/import/batch"
PROPERTY_PATH = "/api/v1/organization/device/datastream/property"

BATCH_UPDATE_CHUNK = MAX_BATCH_UPDATES
IMPORT_CHUNK = MAX_IMPORT_POINTS
MAX_IMPORT_AGE_MS = IMPORT_WINDOW_MS  # "timestamps ≤ 1 month old"
#: The write report's note when the schema was inferred (no template access).
SERVER_CHECKS_ONLY = (
    "checked by the server only: this client may not read the template (PRODUCT_VIEW), "
    "so local type, range and option checks were reduced"
)
#: "Data points with timestamps more than 1 month in the future are silently skipped";
#: a month is read as 30 days, the shorter reading, so every point sent is one the cloud keeps.
MAX_IMPORT_AHEAD_MS = IMPORT_WINDOW_MS

WRITE_SPEC = contract.WRITE_REPORT.spec(id_dtype="int64")
BATCH_UPDATE_SPEC = {
    "chunk": "int64",
    "rows": "int64",
    "status": "str",
    "invalid_row_size": "int64",
    "null_device_id": "int64",
    "non_numeric_device_id": "int64",
    "device_not_found": "int64",
    "no_access_to_device": "int64",
    "wrong_product": "int64",
    "skipped_rows": "object",
}
IMPORT_SPEC = {
    "chunk": "int64",
    "points": "int64",
    "first": "time",
    "last": "time",
    "status": "str",
}


# value checks --------------------------------------------------------------------------------
def _describe(row: pd.Series, device_id: int) -> str:
    return f"datastream {row['label']!r} of device {device_id}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _check_range(row: pd.Series, value: float, device_id: int) -> None:
    low, high = row.get("min"), row.get("max")
    if not math.isfinite(value):
        raise InputError(f"value {value!r} for {_describe(row, device_id)} is not finite")
    if low is not None and not pd.isna(low) and value < low:
        raise InputError(
            f"value {value!r} for {_describe(row, device_id)} is below its minimum {low:g}"
        )
    if high is not None and not pd.isna(high) and value > high:
        raise InputError(
            f"value {value!r} for {_describe(row, device_id)} is above its maximum {high:g}"
        )


def _check_number(row: pd.Series, value: Any, device_id: int) -> float | int:
    if isinstance(value, bool | np.bool_) and row["type"] == "switch":
        value = int(value)
    if not _is_number(value):
        raise InputError(
            f"value {value!r} for {_describe(row, device_id)} must be a number (type {row['type']})"
        )
    number = float(value)
    _check_range(row, number, device_id)
    if row["type"] in {"int", "switch"}:
        if not number.is_integer():
            raise InputError(
                f"value {value!r} for {_describe(row, device_id)} must be a whole number "
                f"(type {row['type']})"
            )
        return int(number)
    return number


def _check_enum(row: pd.Series, value: Any, device_id: int) -> int | float:
    labels = [str(o) for o in row["options"]]
    keys = list(row["option_keys"])
    if isinstance(value, str) and value in labels:
        return keys[labels.index(value)]  # type: ignore[no-any-return]
    if _is_number(value) and float(value) in [float(k) for k in keys]:
        return int(value) if float(value).is_integer() else float(value)
    choices = ", ".join(f"{k}={label}" for k, label in zip(keys, labels, strict=True))
    raise InputError(
        f"value {value!r} for {_describe(row, device_id)} is not one of its options: {choices}"
    )


def _check_string(row: pd.Series, value: Any, device_id: int) -> str:
    if not isinstance(value, str):
        raise InputError(f"value {value!r} for {_describe(row, device_id)} must be a string")
    size = len(value.encode("utf-8"))
    if size > MAX_STRING_BYTES:
        raise InputError(
            f"string of {size} bytes for {_describe(row, device_id)} is longer than the "
            f"limit of {MAX_STRING_BYTES} bytes"
        )
    return value


def _check_location(row: pd.Series, value: Any, device_id: int) -> list[float]:
    pair = list(value) if isinstance(value, list | tuple | np.ndarray) else None
    if pair is None or len(pair) != 2 or not all(_is_number(v) for v in pair):
        raise InputError(
            f"value {value!r} for {_describe(row, device_id)} must be a [lon, lat] pair"
        )
    lon, lat = float(pair[0]), float(pair[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(
            f"location {value!r} for {_describe(row, device_id)} is outside lon -180..180, "
            "lat -90..90"
        )
    return [lon, lat]


def _check_shape(row: pd.Series, value: Any, device_id: int) -> Any:
    """What is left to check without the template: a value the API can carry at all
    (a finite number, a string of ≤ 1024 bytes, or a ``[lon, lat]`` pair)."""
    if isinstance(value, bool | np.bool_):
        return int(value)
    if _is_number(value):
        if not math.isfinite(float(value)):
            raise InputError(f"value {value!r} for {_describe(row, device_id)} is not finite")
        return int(value) if isinstance(value, int | np.integer) else float(value)
    if isinstance(value, str):
        return _check_string(row, value, device_id)
    if isinstance(value, list | tuple | np.ndarray):
        return _check_location(row, value, device_id)
    raise InputError(
        f"value {value!r} for {_describe(row, device_id)} must be a number, a string or a "
        "[lon, lat] pair"
    )


def check_value(row: pd.Series, value: Any, *, device_id: int) -> Any:
    """``value`` checked against one schema row, in the form the API expects.

    An inferred row (no template access) only gets :func:`_check_shape`; the server
    checks the rest."""
    if bool(row.get("inferred", False)):
        return _check_shape(row, value, device_id)
    kind = row["type"]
    if kind == "enum":
        return _check_enum(row, value, device_id)
    if kind == "string":
        return _check_string(row, value, device_id)
    if kind == "location":
        return _check_location(row, value, device_id)
    return _check_number(row, value, device_id)


def check_property(name: str, value: Any) -> str:
    """A datastream property name from the vendor's enum and a value of ≤ 200 characters."""
    if name not in PROPERTY_NAMES:
        raise InputError(
            f"property {name!r} is not one of the {len(PROPERTY_NAMES)} datastream properties: "
            f"{', '.join(sorted(PROPERTY_NAMES))}"
        )
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_PROPERTY_CHARS:
        raise InputError(
            f"property value of {len(text)} characters is longer than the limit of "
            f"{MAX_PROPERTY_CHARS}"
        )
    return text


# reports -------------------------------------------------------------------------------------
def write_report(
    device_id: int, written: Sequence[tuple[str, Any]], note: str = ""
) -> pd.DataFrame:
    """``device_id`` int64, ``datastream`` str, ``value`` object, ``status`` str
    (``"written"``), ``reason`` str (empty, or a note such as :data:`SERVER_CHECKS_ONLY`)."""
    rows = [
        {"device_id": device_id, "datastream": label, "value": value, "status": "written",
         "reason": note}
        for label, value in written
    ]  # fmt: skip
    return frame_from_records(rows, WRITE_SPEC, {k: k for k in WRITE_SPEC})


_COUNTERS = {
    "invalidRowSize": "invalid_row_size",
    "nullDeviceId": "null_device_id",
    "nonNumericDeviceId": "non_numeric_device_id",
    "deviceNotFound": "device_not_found",
    "noAccessToDevice": "no_access_to_device",
    "wrongProduct": "wrong_product",
}


def batch_update_row(chunk: int, rows: int, answer: Mapping[str, Any] | None) -> dict[str, Any]:
    """One report row from a batch-update answer (None for 204: everything applied)."""
    answer = answer or {}
    out: dict[str, Any] = {"chunk": chunk, "rows": rows}
    for field, column in _COUNTERS.items():
        out[column] = int(answer.get(field) or 0)
    out["skipped_rows"] = list(answer.get("skippedRows") or [])
    skipped = sum(out[c] for c in _COUNTERS.values()) or len(out["skipped_rows"])
    out["status"] = "partial" if skipped else "updated"
    return out


def batch_update_report(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per chunk: ``chunk``, ``rows`` (int64), ``status`` str (``"updated"`` or
    ``"partial"``), the vendor's skip counters (int64: ``invalid_row_size``,
    ``null_device_id``, ``non_numeric_device_id``, ``device_not_found``,
    ``no_access_to_device``, ``wrong_product``) and ``skipped_rows`` object (the per-row
    reasons, debug mode only)."""
    return frame_from_records(rows, BATCH_UPDATE_SPEC, {k: k for k in BATCH_UPDATE_SPEC})


def import_report(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per import chunk: ``chunk``, ``points`` (int64), ``first``, ``last``
    (datetime64[ms, UTC]), ``status`` str (``"accepted"``: the cloud imports asynchronously)."""
    return frame_from_records(rows, IMPORT_SPEC, {k: k for k in IMPORT_SPEC})


# chunked sending -----------------------------------------------------------------------------
def send_chunks(
    what: str,
    parts: Sequence[range],
    send: Callable[[int, range], dict[str, Any]],
    status_row: Callable[[int, range, str], dict[str, Any]],
    report: Callable[[Sequence[Mapping[str, Any]]], pd.DataFrame],
) -> pd.DataFrame:
    """Send ``parts`` one request each (``send`` returns the chunk's report row) and return
    the report. When a request fails after some chunks landed, raise
    :class:`~blynkbook.errors.PartialWriteError` whose ``report`` also holds the failed
    chunk and the ones never sent (rows from ``status_row(chunk, part, status)``); when the
    first one fails, nothing landed and its own error is raised."""
    rows: list[dict[str, Any]] = []
    for chunk, part in enumerate(parts):
        try:
            rows.append(send(chunk, part))
        except BlynkbookError as exc:
            if not rows:
                raise
            rest = [status_row(n, p, "not sent") for n, p in enumerate(parts) if n > chunk]
            landed = sum(len(p) for p in parts[:chunk])
            message = (
                f"{what} stopped part-way: chunks 0-{chunk - 1} ({landed:,} of "
                f"{sum(len(p) for p in parts):,}) landed, chunk {chunk} failed ({exc}), "
                f"{len(rest)} more not sent; .report says which"
            )
            full = report([*rows, status_row(chunk, part, "failed"), *rest])
            raise PartialWriteError(message, report=full) from exc
    return report(rows)


# chunking and import checks ------------------------------------------------------------------
def chunks(count: int, size: int) -> list[range]:
    """Row ranges of at most ``size``.

    >>> [(r.start, r.stop) for r in chunks(25_001, 10_000)]
    [(0, 10000), (10000, 20000), (20000, 25001)]
    """
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def import_points(series: pd.Series | pd.DataFrame) -> tuple[Any, Any]:
    """(epoch-ms int64 array, values) from a time-indexed Series or a frame with
    ``time`` and ``value`` columns (a ``time`` index works too). Naive times are UTC."""
    if isinstance(series, pd.DataFrame):
        frame = series.reset_index() if "time" not in series.columns else series
        if "time" not in frame.columns or "value" not in frame.columns:
            raise InputError(
                f"frame with columns {list(series.columns)} needs 'time' and 'value' columns"
            )
        times, values = frame["time"], frame["value"]
    elif isinstance(series, pd.Series):
        times, values = pd.Series(series.index), series
    else:
        raise InputError(f"{type(series).__name__} is not a time-indexed Series or a frame")
    try:
        stamps = pd.to_datetime(pd.Series(times).reset_index(drop=True), utc=True)
    except (ValueError, TypeError) as exc:
        raise InputError("the times of the series are not dates or timestamps") from exc
    ms = stamps.dt.as_unit("ms").astype("int64").to_numpy()
    return ms, pd.Series(values).reset_index(drop=True).to_numpy(dtype=object)


def _rows_named(times_ms: Any, rows: Any, limit: int = 5) -> str:
    shown = ", ".join(
        f"row {i} ({pd.Timestamp(int(times_ms[i]), unit='ms', tz='UTC').isoformat()})"
        for i in rows[:limit]
    )
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def check_import_points(times_ms: Any, *, now_ms: int) -> None:
    """Refuse, before anything is sent, the points the cloud would not keep, naming the
    rows: points older than 30 days (the vendor answers 400), points more than
    :data:`MAX_IMPORT_AHEAD_MS` ahead (the vendor skips them silently, so a report would
    say "accepted" for points that never land) and duplicate timestamps (the cloud keeps
    one point per millisecond, so two sent would be one kept). Rule for duplicates: none
    are dropped on the caller's behalf; the message says how to choose which to keep.

    >>> check_import_points(np.array([1_000, 1_000]), now_ms=2_000)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    blynkbook.errors.InputError: 2 point(s) share a timestamp with another ...
    """
    old = np.flatnonzero(times_ms < now_ms - MAX_IMPORT_AGE_MS)
    if old.size:
        raise InputError(
            f"{old.size} point(s) are older than the 30-day import window: "
            f"{_rows_named(times_ms, old)}"
        )
    ahead = np.flatnonzero(times_ms > now_ms + MAX_IMPORT_AHEAD_MS)
    if ahead.size:
        raise InputError(
            f"{ahead.size} point(s) are more than 30 days in the future, which the cloud "
            f"skips without a word: {_rows_named(times_ms, ahead)}"
        )
    repeated = np.flatnonzero(pd.Series(times_ms).duplicated(keep=False).to_numpy())
    if repeated.size:
        raise InputError(
            f"{repeated.size} point(s) share a timestamp with another (the cloud keeps one "
            "point per millisecond, so the report would count points that never land): "
            f"{_rows_named(times_ms, repeated)}; keep one each, e.g. "
            "series[~series.index.duplicated(keep='last')]"
        )
