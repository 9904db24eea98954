"""The 8 DataStreams endpoints (docs/vendor/blynk-datastreams-api.md) and the 2
template-schema endpoints."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from ...vendor.blynk import (
    IMPORT_WINDOW_MS,
    MAX_BATCH_DEVICES,
    MAX_BATCH_UPDATES,
    MAX_IMPORT_POINTS,
    MAX_PROPERTY_CHARS,
    MAX_STRING_BYTES,
    PROPERTY_NAMES,
)
from .._http import HTTPFailure, Request, Response, Router
from .params import (
    Caller,
    body_int,
    body_object,
    caller,
    int_arg,
    int_list_arg,
    json_int,
    optional_int_arg,
    page_args,
    paged,
    parse_int,
    visible_device,
    visible_org,
)
from .records import DatastreamDef, Device, LogEntry, Template
from .signals import DAY_MS
from .world import World

__all__ = ["DatastreamEndpoints", "coerce_value"]

API = "/api/v1/organization"
MAX_IMPORT_PER_DAY = 10_000
MAX_SKIPPED_ROWS = 100
COLOR_PROPERTIES = frozenset(
    {"color", "onBackColor", "offBackColor", "onColor", "offColor", "backColor"}
)
NUMERIC_PROPERTIES = frozenset(
    {"min", "max", "step", "maximumFractionDigits", "opacity", "scale", "rotation"}
)
COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
COUNTERS = (
    "invalidRowSize",
    "nullDeviceId",
    "nonNumericDeviceId",
    "deviceNotFound",
    "noAccessToDevice",
    "wrongProduct",
)


class BadValue(ValueError):
    """A value that does not fit its datastream; the text says why."""


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise BadValue(f"{raw!r} is not a number")
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        if not _DECIMAL.fullmatch(raw):  # float() would take "1_0", " 1" and "١"
            raise BadValue(f"{raw!r} is not a number")
        value = float(raw)
    else:
        raise BadValue(f"{raw!r} is not a number")
    if not math.isfinite(value):
        raise BadValue(f"{raw!r} is not a finite number")
    return value


def _in_range(ds: DatastreamDef, value: float) -> float:
    low = -math.inf if ds.min is None else ds.min
    high = math.inf if ds.max is None else ds.max
    if not low <= value <= high:
        raise BadValue(f"{value:g} is outside {ds.label}'s range {low:g}..{high:g}")
    return value


def coerce_value(ds: DatastreamDef, raw: Any) -> Any:
    """The stored form of ``raw`` for ``ds``, or :class:`BadValue`.

    >>> from blynkbook.sim.blynk.records import DatastreamDef
    >>> coerce_value(DatastreamDef(1, "T", "t", "v0", "DOUBLE", min=0, max=50), "21.5")
    21.5
    """
    if ds.type == "STRING":
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise BadValue(f"{raw!r} is not a string")
        text = str(raw)
        if len(text.encode()) > MAX_STRING_BYTES:
            raise BadValue(f"string value is longer than {MAX_STRING_BYTES} bytes")
        return text
    if ds.type == "LOCATION":
        if not isinstance(raw, list | tuple) or len(raw) != 2:
            raise BadValue(f"{raw!r} is not a [longitude, latitude] pair")
        lon, lat = _number(raw[0]), _number(raw[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BadValue(f"[{lon:g}, {lat:g}] is not a valid [longitude, latitude]")
        return [lon, lat]
    if ds.type == "ENUM":
        by_label = {label: key for key, label in ds.enum_values}
        if isinstance(raw, str) and raw in by_label:
            return float(by_label[raw])
        names = ", ".join(f"{k}={v}" for k, v in ds.enum_values)
        try:
            value = _number(raw)
        except BadValue:
            value = math.nan
        if value not in {float(k) for k, _ in ds.enum_values}:
            raise BadValue(f"{raw!r} is not one of {ds.label}'s values ({names})")
        return value
    value = _in_range(ds, _number(raw))
    if ds.type == "INT" and not value.is_integer():
        raise BadValue(f"{raw!r} is not an integer")
    return value


def _json_number(ds: DatastreamDef, value: float) -> float | int:
    return int(value) if ds.type in ("INT", "ENUM") and value.is_integer() else value


class DatastreamEndpoints:
    """Handlers for the DataStreams section and the template schema endpoints."""

    def __init__(self, world: World) -> None:
        self.world = world

    def register(self, router: Router) -> None:
        routes: list[tuple[str, str, Callable[[Request], Response]]] = [
            ("GET", "/api/v2/organization/device/datastreams", self.current_values),
            ("GET", f"{API}/device/datastreams/batch", self.batch_values),
            ("GET", f"{API}/device/datastream/history", self.history),
            ("POST", f"{API}/device/datastream", self.write_one),
            ("POST", f"{API}/device/datastreams", self.write_many),
            ("POST", f"{API}/product/devices/batch-update", self.batch_update),
            ("POST", f"{API}/device/import/batch", self.import_batch),
            ("POST", f"{API}/device/datastream/property", self.set_property),
            ("GET", f"{API}/templates", self.templates),
            ("GET", f"{API}/template/datastreams", self.template_datastreams),
        ]
        for method, path, handler in routes:
            router.add(method, path, handler)

    # helpers -----------------------------------------------------------------
    def _datastream(self, device: Device, datastream_id: int) -> DatastreamDef:
        ds = device.template.datastream(datastream_id)
        if ds is None:
            raise HTTPFailure(
                404, f"DataStream with id {datastream_id} is not found for device {device.id}."
            )
        return ds

    def _record(self, who: Caller, device: Device, ds: DatastreamDef, value: Any) -> None:
        """Store a written value: history point or current value, plus an actions-log entry."""
        now = self.world.now_ms()
        if ds.keeps_history:
            self.world.history.add(device.id, ds.id, now, float(value))
            logged = _json_number(ds, float(value))
        else:
            device.values[ds.id] = (value, now)
            logged = value
        device.logs.insert(0, LogEntry(who.client_id, logged, ds.pin_number, device.connected, now))

    # reads ---------------------------------------------------------------------
    def current_values(self, request: Request) -> Response:
        device = visible_device(self.world, caller(request), int_arg(request, "deviceId"))
        only = int_list_arg(request, "dataStreamIds")
        values = self.world.datastream_values(device, set(only) if only else None)
        return Response.json({"dataStreams": values})

    def batch_values(self, request: Request) -> Response:
        who = caller(request)
        device_ids = int_list_arg(request, "deviceIds")
        if not device_ids:
            raise HTTPFailure(400, "Required parameter 'deviceIds' is missing.")
        if len(device_ids) > MAX_BATCH_DEVICES:
            raise HTTPFailure(
                400, f"Too many devices: {len(device_ids)}; at most {MAX_BATCH_DEVICES} a request."
            )
        only = int_list_arg(request, "dataStreamIds")
        visible = self.world.descendants(who.org_id)
        out = []
        for device_id in dict.fromkeys(device_ids):
            device = self.world.devices.get(device_id)
            if device is None or device.org_id not in visible:
                continue  # documented: unknown or foreign devices are ignored
            values = self.world.datastream_values(device, set(only) if only else None)
            out.append({"deviceId": device_id, "dataStreams": values})
        return Response.json(out)

    def history(self, request: Request) -> Response:
        device = visible_device(self.world, caller(request), int_arg(request, "deviceId"))
        ds = self._datastream(device, int_arg(request, "dataStreamId"))
        start, end = int_arg(request, "from"), int_arg(request, "to")
        page, size = page_args(request)
        if start > end:
            raise HTTPFailure(400, f"'from' ({start}) is after 'to' ({end}).")
        if not ds.keeps_history:
            raise HTTPFailure(400, f"Datastream {ds.label} of type {ds.type} keeps no history.")
        total, points = self.world.history.query(
            device, ds, start, end, self.world.now_ms(), page * size, size
        )
        content = [{"value": _json_number(ds, v), "createdAt": ts} for ts, v in points]
        return Response.json({"content": content, "totalElements": total})

    # writes --------------------------------------------------------------------
    def write_one(self, request: Request) -> Response:
        who = caller(request)
        body = body_object(request)
        device = visible_device(self.world, who, body_int(body, "deviceId"))
        ds = self._datastream(device, body_int(body, "dataStreamId"))
        if "value" not in body:
            raise HTTPFailure(400, "Invalid request body: 'value' is required.")
        if not ds.writable:
            raise HTTPFailure(
                400, f"Datastream {ds.label} is a {ds.pin_type.lower()} input pin: read-only."
            )
        try:
            value = coerce_value(ds, body["value"])
        except BadValue as exc:
            raise HTTPFailure(400, f"Invalid value for {ds.label}: {exc}.") from None
        self._record(who, device, ds, value)
        return Response.empty()

    def write_many(self, request: Request) -> Response:
        """Documented: unknown ids and mismatched values are skipped silently."""
        who = caller(request)
        body = body_object(request)
        device = visible_device(self.world, who, body_int(body, "deviceId"))
        values = body.get("values")
        if not isinstance(values, dict):
            raise HTTPFailure(400, "Invalid request body: 'values' must be an object.")
        accepted = []  # the whole request is checked before anything is stored
        for key, raw in values.items():
            ds = device.template.datastream(_datastream_key(key))
            if ds is None or not ds.writable:
                continue
            try:
                accepted.append((ds, coerce_value(ds, raw)))
            except BadValue:
                continue
        for ds, value in accepted:
            self._record(who, device, ds, value)
        return Response.empty()

    def batch_update(self, request: Request) -> Response:
        who = caller(request)
        body = body_object(request)
        fields, updates = body.get("fields"), body.get("updates")
        debug = body.get("debug") is True
        if not isinstance(fields, list) or len(fields) < 2 or fields[0] != "deviceId":
            raise HTTPFailure(400, 'Invalid fields: the first must be "deviceId", then labels.')
        if not isinstance(updates, list) or not updates:
            raise HTTPFailure(400, "Invalid request body: 'updates' needs at least one row.")
        if len(updates) > MAX_BATCH_UPDATES:
            raise HTTPFailure(
                400, f"Too many updates: {len(updates)}; at most {MAX_BATCH_UPDATES} a request."
            )
        if not all(isinstance(f, str) for f in fields):
            raise HTTPFailure(400, "Invalid fields: every field must be a string.")
        batch = _Batch(self.world, who, fields)
        accepted = []  # every row is checked before anything is stored
        for number, row in enumerate(updates):
            device = batch.check_row(number, row)
            if device is not None:
                for ds, raw in zip(batch.columns, row[1:], strict=True):
                    if raw is None or not ds.writable:
                        continue
                    try:
                        accepted.append((device, ds, coerce_value(ds, raw)))
                    except BadValue:
                        continue
        answer = batch.report(debug)
        for device, ds, value in accepted:
            self._record(who, device, ds, value)
        return answer

    def import_batch(self, request: Request) -> Response:
        who = caller(request)
        body = body_object(request)
        device = visible_device(self.world, who, body_int(body, "deviceId"))
        ds = self._datastream(device, body_int(body, "dataStreamId"))
        points = body.get("values")
        if not isinstance(points, list) or not points:
            raise HTTPFailure(400, "Invalid request body: 'values' needs at least one point.")
        if len(points) > MAX_IMPORT_POINTS:
            raise HTTPFailure(
                400, f"Too many points: {len(points)}; at most {MAX_IMPORT_POINTS} a request."
            )
        if not ds.keeps_history:
            raise HTTPFailure(400, f"Datastream {ds.label} of type {ds.type} keeps no history.")
        accepted = self._checked_points(ds, points)
        self._count_import(device, len(accepted))
        for ts, value in accepted:
            self.world.history.add(device.id, ds.id, ts, value)
        return Response.empty()

    def _checked_points(self, ds: DatastreamDef, points: list[Any]) -> list[tuple[int, float]]:
        now = self.world.now_ms()
        accepted: list[tuple[int, float]] = []
        for point in points:
            if not isinstance(point, dict) or "ts" not in point or "value" not in point:
                raise HTTPFailure(400, f"Invalid point {point!r}: needs 'ts' and 'value'.")
            ts = point["ts"]
            if isinstance(ts, bool) or not isinstance(ts, int):
                raise HTTPFailure(400, f"Invalid timestamp {ts!r}: epoch milliseconds expected.")
            if ts < now - IMPORT_WINDOW_MS:
                raise HTTPFailure(
                    400,
                    f"Timestamp {ts} is more than one month in the past; oldest allowed is "
                    f"{now - IMPORT_WINDOW_MS}.",
                )
            if ts > now + IMPORT_WINDOW_MS:
                continue  # documented: silently skipped
            try:
                accepted.append((ts, float(coerce_value(ds, point["value"]))))
            except BadValue as exc:
                raise HTTPFailure(400, f"Invalid value at {ts} for {ds.label}: {exc}.") from None
        return accepted

    def _count_import(self, device: Device, n: int) -> None:
        now = self.world.now_ms()
        key = (device.id, now // DAY_MS)
        used = self.world.import_counts.get(key, 0)
        if used + n > MAX_IMPORT_PER_DAY:
            wait = max(1, ((now // DAY_MS + 1) * DAY_MS - now) // 1000)
            raise HTTPFailure(429, bare=True, headers=[("Retry-After", str(wait))])
        self.world.import_counts[key] = used + n

    def set_property(self, request: Request) -> Response:
        body = body_object(request)
        device = visible_device(self.world, caller(request), body_int(body, "deviceId"))
        ds = self._datastream(device, body_int(body, "dataStreamId"))
        name, value = body.get("property"), body.get("value")
        if name not in PROPERTY_NAMES:
            raise HTTPFailure(400, f"Invalid property {name!r}.")
        if not isinstance(value, str):
            raise HTTPFailure(400, "Invalid request body: 'value' must be a string.")
        if len(value) > MAX_PROPERTY_CHARS:
            raise HTTPFailure(
                400, f"Property value is {len(value)} characters; at most {MAX_PROPERTY_CHARS}."
            )
        _check_property(str(name), value)
        device.properties.setdefault(ds.id, {})[str(name)] = value
        return Response.empty()

    # template schema ---------------------------------------------------------------
    def templates(self, request: Request) -> Response:
        who = caller(request)
        org_id = visible_org(self.world, who, optional_int_arg(request, "orgId"))
        return paged(self.world.templates_for(org_id), request, Template.to_json)

    def template_datastreams(self, request: Request) -> Response:
        who = caller(request)
        wanted = request.arg("templateId")
        if not wanted:
            raise HTTPFailure(400, "Required parameter 'templateId' is missing.")
        for template in self.world.templates_for(who.org_id):
            if wanted in (str(template.id), template.template_id):
                return Response.json([d.schema() for d in template.datastreams])
        raise HTTPFailure(404, "Template is not found.")


def _check_property(name: str, value: str) -> None:
    if name in COLOR_PROPERTIES and not COLOR.fullmatch(value):
        raise HTTPFailure(400, f"Invalid color {value!r} for {name}: #RRGGBB expected.")
    if name in NUMERIC_PROPERTIES:
        try:
            _number(value)
        except BadValue:
            raise HTTPFailure(400, f"Invalid number {value!r} for {name}.") from None


def _datastream_key(key: str) -> int:
    """A key of the ``values`` map: a datastream id written as ASCII digits, else 400.

    An id naming no datastream is skipped (documented); a key that is no id at all is a
    malformed body, refused before anything is stored.
    """
    try:
        return parse_int(key, "dataStreamId")
    except HTTPFailure:
        raise HTTPFailure(
            400, f"Invalid request body: 'values' key {key!r} is not a datastream id."
        ) from None


def _row_device_id(raw: Any) -> int | None:
    """A batch row's device id: a JSON integer, or a string of ASCII digits (int32)."""
    if isinstance(raw, str):
        try:
            return parse_int(raw, "deviceId")
        except HTTPFailure:
            return None
    return json_int(raw, "deviceId")


class _Batch:
    """Row checks and the skip report of one batch-update request."""

    def __init__(self, world: World, who: Caller, fields: list[str]) -> None:
        self.world, self.who, self.fields = world, who, fields
        self.visible = world.descendants(who.org_id)
        self.template: Template | None = None
        self.columns: list[DatastreamDef] = []
        self.counters = dict.fromkeys(COUNTERS, 0)
        self.reasons: list[str] = []

    def _skip(self, counter: str, reason: str) -> None:
        self.counters[counter] += 1
        if len(self.reasons) < MAX_SKIPPED_ROWS:
            self.reasons.append(reason)

    def check_row(self, number: int, row: Any) -> Device | None:
        """The row's device when the row can land, else None (and the skip is counted)."""
        if not isinstance(row, list) or len(row) != len(self.fields):
            self._skip("invalidRowSize", f"row {number}: expected {len(self.fields)} values")
            return None
        raw_id = row[0]
        if raw_id is None:
            self._skip("nullDeviceId", f"row {number}: deviceId is null")
            return None
        device_id = _row_device_id(raw_id)
        if device_id is None:
            self._skip("nonNumericDeviceId", f"row {number}: deviceId {raw_id!r} is not a number")
            return None
        device = self.world.devices.get(device_id)
        if device is None or device.org_id not in self.visible:
            self._skip("deviceNotFound", f"row {number}: device {raw_id} is not found")
            return None
        if self.template is None:
            self._bind(device.template)
        if self.template is not None and device.template.id != self.template.id:
            self._skip("wrongProduct", f"row {number}: device {raw_id} is another product")
            return None
        return device

    def _bind(self, template: Template) -> None:
        for label in self.fields[1:]:
            ds = template.by_label(label)
            if ds is None:
                raise HTTPFailure(
                    400, f"Invalid fields: {template.name} has no datastream labelled {label!r}."
                )
            self.columns.append(ds)
        self.template = template

    def report(self, debug: bool) -> Response:
        if self.template is None:
            raise HTTPFailure(400, "No valid device found in the batch to derive the product.")
        if not any(self.counters.values()):
            return Response.empty()
        if debug:
            return Response.json({"skippedRows": self.reasons})
        return Response.json(self.counters)
