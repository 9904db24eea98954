"""One batch-update request's row checks and its skip report (counters, or the reasons)."""

from __future__ import annotations

from typing import Any

from .._http import HTTPFailure, Response
from .params import Caller, json_int, parse_int
from .records import DatastreamDef, Device, Template
from .world import World

__all__ = ["COUNTERS", "MAX_SKIPPED_ROWS", "Batch"]

MAX_SKIPPED_ROWS = 100
COUNTERS = (
    "invalidRowSize",
    "nullDeviceId",
    "nonNumericDeviceId",
    "deviceNotFound",
    "noAccessToDevice",
    "wrongProduct",
)


def _row_device_id(raw: Any) -> int | None:
    """A batch row's device id: a JSON integer, or a string of ASCII digits (int32)."""
    if isinstance(raw, str):
        try:
            return parse_int(raw, "deviceId")
        except HTTPFailure:
            return None
    return json_int(raw, "deviceId")


class Batch:
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
