"""Where devices are (``locations()``) and where a tracker went (``trail()``): a join
of the device list, current values and online status, and a pivot of Latitude /
Longitude history."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pandas as pd

from blynkbook import contract
from blynkbook._frames import coerce, empty_frame, frame_from_records
from blynkbook._provenance import reported
from blynkbook._time import time_window
from blynkbook.errors import ForbiddenError

from . import admin
from ._client_devices import DeviceCalls
from ._client_history import HistoryCalls
from ._client_values import ValueCalls
from .datastreams import BATCH_PATH
from .history import HISTORY_PATH


class LocationCalls(DeviceCalls, ValueCalls, HistoryCalls):
    """Where devices are and where a tracker went."""

    @reported(HISTORY_PATH)
    def trail(self, device_id: Hashable, start: Any = "-24h", end: Any = "now") -> pd.DataFrame:
        """Where a tracker went: ``time``-indexed ``lon``, ``lat`` (float64), from its
        Latitude / Longitude history; empty when the device keeps none."""
        number = admin.check_device_id(device_id)
        labels = set(self.schema(number)["label"])
        if not {"Latitude", "Longitude"} <= labels:
            time_window(start, end, now_ms=self._now())
            return _empty_trail()
        long = self.history(number, ["Longitude", "Latitude"], start, end, progress=False)
        wide = long.reset_index().pivot_table(
            index="time", columns="datastream", values="value", aggfunc="last"
        )
        wide = wide.rename(columns={"Longitude": "lon", "Latitude": "lat"})
        frame = wide.reindex(columns=["lon", "lat"]).dropna().astype("float64")
        frame.columns.name = None
        return frame

    @reported(BATCH_PATH)
    def locations(self) -> pd.DataFrame:
        """Devices with a position: ``device_id``, ``name``, ``template`` (str), ``online``
        bool, ``lon``, ``lat`` (float64), ``updated_at``."""
        fleet = self.devices()
        located = self._located(fleet)
        if not located:
            return empty_frame(LOCATION_SPEC)
        current = self.values(located)
        points = _positions(current)
        status = self.online(points["device_id"].tolist()) if len(points) else None
        return _join_locations(fleet, points, status)

    def _located(self, fleet: pd.DataFrame) -> list[int]:
        """Devices whose template has a location datastream; without template access every
        device (their current values tell which report a position)."""
        if self._template_access is not False:
            try:
                located: list[int] = []
                known = fleet.dropna(subset=["template_id"])
                for template_id, group in known.groupby("template_id"):
                    schema = self._template_schema(int(str(template_id)))
                    if (schema["type"] == "location").any():
                        located.extend(group["device_id"].tolist())
                return located
            except ForbiddenError:
                self._no_template_access()
        return [int(d) for d in fleet["device_id"].tolist()]


LOCATION_SPEC = contract.LOCATIONS.spec(id_dtype="int64")
TRAIL_SPEC = contract.TRAIL.spec(id_dtype="int64")


def _empty_trail() -> pd.DataFrame:
    return empty_frame(TRAIL_SPEC).set_index("time")


def _positions(current: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``[lon, lat]`` values → ``device_id``, ``lon``, ``lat``, ``updated_at``."""
    rows = []
    for item in current.itertuples(index=False):
        value: Any = item.value
        if isinstance(value, list | tuple) and len(value) == 2:
            rows.append({"device_id": item.device_id, "lon": value[0], "lat": value[1],
                         "updated_at": item.updated_at})  # fmt: skip
    spec = {"device_id": "int64", "lon": "float64", "lat": "float64", "updated_at": "object"}
    frame = frame_from_records(rows, spec, {k: k for k in spec})
    return frame.drop_duplicates("device_id", keep="first")


def _join_locations(
    fleet: pd.DataFrame, points: pd.DataFrame, status: pd.DataFrame | None
) -> pd.DataFrame:
    if points.empty:
        return empty_frame(LOCATION_SPEC)
    merged = points.merge(fleet[["device_id", "name", "template"]], on="device_id", how="left")
    if status is not None:
        merged = merged.merge(status, on="device_id", how="left")
    merged["updated_at"] = pd.to_datetime(merged["updated_at"], utc=True)
    out = coerce(
        merged.assign(online=merged["online"].fillna(False).astype(bool)),
        {**LOCATION_SPEC, "updated_at": "object"},
    )
    out["updated_at"] = out["updated_at"].astype("datetime64[ms, UTC]")
    return out.sort_values("device_id", ignore_index=True)
