"""The 8 DataStreams endpoints (docs/vendor/blynk-datastreams-api.md) and the 2
template-schema endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...vendor.blynk import (
    IMPORT_WINDOW_MS,
    MAX_BATCH_DEVICES,
    MAX_BATCH_UPDATES,
    MAX_IMPORT_POINTS,
    MAX_PROPERTY_CHARS,
    PROPERTY_NAMES,
)
from .._http import HTTPFailure, Request, Response, Router
from .batch import Batch
from .params import (
    Caller,
    body_int,
    body_object,
    caller,
    int_arg,
    int_list_arg,
    optional_int_arg,
    page_args,
    paged,
    parse_int,
    visible_device,
    visible_org,
)
from .records import DatastreamDef, Device, LogEntry, Template
from .signals import DAY_MS
from .values import BadValue, check_property, coerce_value, json_number
from .world import World

__all__ = ["DatastreamEndpoints"]

API = "/api/v1/organization"
MAX_IMPORT_PER_DAY = 10_000


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
            logged = json_number(ds, float(value))
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
        content = [{"value": json_number(ds, v), "createdAt": ts} for ts, v in points]
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
        batch = Batch(self.world, who, fields)
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
        check_property(str(name), value)
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
