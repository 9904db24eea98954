"""The :class:`~blynkbook.blynk.Blynk` writes (:mod:`.writes` holds their paths, checks
and reports)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from functools import partial
from typing import Any

import pandas as pd

from blynkbook.errors import InputError
from blynkbook.store import SeriesStore

from . import admin, datastreams, writes
from ._checks import check_all, check_write_values, is_missing, plain
from ._names import resolve_datastream
from ._schema import SchemaMemo


class WriteCalls(SchemaMemo):
    """The writes: values, batch updates, history imports and widget properties,
    every value checked against the schema before anything is sent."""

    def write(self, device_id: Hashable, datastream: Any, value: Any = None) -> pd.DataFrame:
        """Write one value (``write(7, "Temperature", 21.5)``) or several
        (``write(7, {"Mode": "eco", "V4": 1})``), every value checked against the schema
        first: one :class:`~blynkbook.errors.WriteValueError` (an ``InputError``) names
        every bad value before anything is sent. Returns the report: ``device_id``,
        ``datastream``, ``value`` (an enum's label, whether asked for by label or key),
        ``status``, ``reason``."""
        number = admin.check_device_id(device_id)
        wanted = dict(datastream) if isinstance(datastream, Mapping) else {datastream: value}
        if not wanted:
            raise InputError("no values to write: pass a datastream and a value, or a mapping")
        schema = self.schema(number)

        def check(name: Any, raw: Any) -> tuple[pd.Series, Any]:
            row = resolve_datastream(schema, name, device_id=number)
            return row, writes.check_value(row, raw, device_id=number)

        checked = check_write_values({str(n): partial(check, n, v) for n, v in wanted.items()})
        streams = [int(row["datastream_id"]) for row, _clean in checked]
        try:
            if len(checked) == 1:
                row, clean = checked[0]
                body = {"deviceId": number, "dataStreamId": streams[0], "value": clean}
                self.session.send("POST", writes.WRITE_ONE_PATH, json=body)
            else:
                values = {str(int(row["datastream_id"])): clean for row, clean in checked}
                self.session.send(
                    "POST", writes.WRITE_MANY_PATH, json={"deviceId": number, "values": values}
                )
        finally:  # the point lands at the cloud's "now": drop the unsettled tail
            settle = self.store.settle_ms if isinstance(self.store, SeriesStore) else 0
            self._stale_in_store(number, streams, lo=self._now() - settle)
        note = writes.SERVER_CHECKS_ONLY if any(bool(r["inferred"]) for r, _ in checked) else ""
        shown = [(str(row["label"]), datastreams.enum_label(row, clean)) for row, clean in checked]
        return writes.write_report(number, shown, note)

    def batch_update(self, frame: pd.DataFrame, *, debug: bool = False) -> pd.DataFrame:
        """Write many devices at once: ``frame`` has ``device_id`` and one column per
        datastream label; NaN/None cells are skipped. Every cell is checked first (one
        :class:`~blynkbook.errors.InputError` names every bad cell), then
        the rows go out 10,000 a request. Returns one report row per chunk with the
        vendor's skip counters (and per-row reasons with ``debug=True``). When a request
        fails after earlier chunks landed, :class:`~blynkbook.errors.PartialWriteError`
        carries the report of every chunk: landed, failed, not sent."""
        if not isinstance(frame, pd.DataFrame) or "device_id" not in frame.columns:
            raise InputError("batch_update needs a DataFrame with a 'device_id' column")
        labels = [str(c) for c in frame.columns if c != "device_id"]
        if not labels:
            raise InputError("batch_update needs at least one datastream label column")
        rows = self._checked_rows(frame, labels)
        fields = ["deviceId", *labels]

        def send(chunk: int, part: range) -> dict[str, Any]:
            body = {"fields": fields, "updates": rows[part.start : part.stop], "debug": debug}
            reply = self.session.send("POST", writes.BATCH_UPDATE_PATH, json=body)
            return writes.batch_update_row(chunk, len(part), reply.data)

        def status_row(chunk: int, part: range, status: str) -> dict[str, Any]:
            return {**writes.batch_update_row(chunk, len(part), None), "status": status}

        parts = writes.chunks(len(rows), writes.BATCH_UPDATE_CHUNK)
        return writes.send_chunks(
            "batch_update", parts, send, status_row, writes.batch_update_report
        )

    def _checked_rows(self, frame: pd.DataFrame, labels: list[str]) -> list[list[Any]]:
        ids = [admin.check_device_id(d) for d in frame["device_id"].tolist()]
        if not ids:
            raise InputError("batch_update got an empty frame: no rows to send")
        schemas = {d: self.schema(d) for d in dict.fromkeys(ids)}

        def check(device_id: int, label: str, raw: Any) -> Any:
            if is_missing(raw):
                return None
            spec = resolve_datastream(schemas[device_id], label, device_id=device_id)
            return writes.check_value(spec, plain(raw), device_id=device_id)

        cells = [
            partial(check, device_id, label, raw)
            for device_id, values in zip(ids, frame[labels].itertuples(index=False), strict=True)
            for label, raw in zip(labels, values, strict=True)
        ]
        flat = check_all(cells)
        width = len(labels)
        return [[d, *flat[i * width : (i + 1) * width]] for i, d in enumerate(ids)]

    def import_history(
        self, device_id: Hashable, datastream: Any, series: pd.Series | pd.DataFrame
    ) -> pd.DataFrame:
        """Import past points (time-indexed Series, or a frame with ``time``/``value``)
        into a numeric datastream, 10,000 points a request. Points the cloud would not
        keep are refused before anything is sent, naming the rows: older than 30 days,
        more than 30 days ahead (the cloud skips those silently), or two at the same
        millisecond. Returns one report row per chunk; a failure
        after earlier chunks landed raises :class:`~blynkbook.errors.PartialWriteError`
        with the report of every chunk."""
        number = admin.check_device_id(device_id)
        row = self._resolve(number, datastream)
        times, raw_values = writes.import_points(series)
        if times.size == 0:
            raise InputError("import_history got no points")
        if not bool(row["history"]):
            raise InputError(
                f"datastream {row['label']!r} of device {number} keeps no history "
                f"(type {row['type']}); only numeric datastreams can be imported"
            )
        values = check_all(
            partial(writes.check_value, row, plain(v), device_id=number) for v in raw_values
        )
        writes.check_import_points(times, now_ms=self._now())
        stream = int(row["datastream_id"])

        def send(chunk: int, part: range) -> dict[str, Any]:
            points = [{"ts": int(times[i]), "value": values[i]} for i in part]
            body = {"deviceId": number, "dataStreamId": stream, "values": points}
            self.session.send("POST", writes.IMPORT_PATH, json=body)
            return status_row(chunk, part, "accepted")

        def status_row(chunk: int, part: range, status: str) -> dict[str, Any]:
            first, last = int(times[part.start]), int(times[part.stop - 1])
            return {"chunk": chunk, "points": len(part), "first": first, "last": last,
                    "status": status}  # fmt: skip

        parts = writes.chunks(times.size, writes.IMPORT_CHUNK)
        try:
            return writes.send_chunks(
                "import_history", parts, send, status_row, writes.import_report
            )
        finally:
            self._stale_in_store(number, [stream], lo=int(times.min()), hi=int(times.max()))

    def set_property(self, device_id: Hashable, datastream: Any, name: str, value: Any) -> None:
        """Set a widget property of a datastream (``"color"``, ``"label"``, ``"min"``, …;
        the vendor's 34 names), value ≤ 200 characters."""
        number = admin.check_device_id(device_id)
        text = writes.check_property(name, value)
        row = self._resolve(number, datastream)
        body = {
            "deviceId": number, "dataStreamId": int(row["datastream_id"]),
            "property": name, "value": text,
        }  # fmt: skip
        self.session.send("POST", writes.PROPERTY_PATH, json=body)
