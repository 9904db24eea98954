"""Fixtures for the headless panel tests.

- ``fleet``: a :class:`FakeFleet`, a small in-memory FleetClient that records every call.
  Six devices: three weather stations, two trackers, one smart plug (integer ids).
- ``string_fleet``: the same fleet with Thingsee-style string ids.
- ``demo_cloud``: the embedded demo cloud.

Widgets need no kernel: ipywidgets falls back to a dummy comm, observers fire
synchronously on ``.value = ...`` and ``Button.click()`` calls its handlers at once.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest

NOW = pd.Timestamp("2026-11-20T12:00:00Z")

TEMPLATES = {
    "Weather Station": [
        ("Temperature", "double", -40.0, 60.0, [], True, True),
        ("Humidity", "double", 0.0, 100.0, [], False, True),
        ("Battery", "int", 0, 100, [], False, True),
    ],
    "GPS Asset Tracker": [
        ("Location", "location", None, None, [], False, False),
        ("Latitude", "double", -90.0, 90.0, [], False, True),
        ("Longitude", "double", -180.0, 180.0, [], False, True),
        ("Speed", "double", 0.0, 200.0, [], False, True),
    ],
    "Smart Plug": [
        ("Power Switch", "switch", 0, 1, [], True, True),
        ("Mode", "enum", None, None, ["eco", "comfort", "boost"], True, True),
        ("Power", "double", 0.0, 3000.0, [], True, True),
        ("Note", "string", None, None, [], True, False),
    ],
}

DEVICES = [
    (1, "Roof Weather", "Weather Station", ["roof", "north"], True),
    (2, "Field Weather", "Weather Station", ["field"], False),
    (3, "Barn Weather", "Weather Station", ["north"], True),
    (4, "Truck 1", "GPS Asset Tracker", ["fleet"], True),
    (5, "Truck 2", "GPS Asset Tracker", ["fleet"], False),
    (6, "Kitchen Plug", "Smart Plug", [], True),
]

POSITIONS = {4: (24.94, 60.17), 5: (25.47, 65.01)}

UNITS = {"Temperature": "°C", "Humidity": "%", "Battery": "%", "Speed": "km/h", "Power": "W"}
"""Units of the fake datastreams (the rest have none)."""


def _when(value: Any, default: pd.Timestamp) -> pd.Timestamp:
    """Resolve ``"now"``, ``"-7d"``-style and absolute times against the fixed NOW."""
    if value is None or value is ... or value == "now":
        return default
    if isinstance(value, str) and value.startswith("-"):
        return NOW - pd.Timedelta(value[1:].replace("d", "D"))
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


class FakeFleet:
    """An in-memory FleetClient; ``calls`` records (method, args) and ``writes`` the writes.

    ``series[(device_id, datastream)] = pd.Series(values, index=times)`` overrides history;
    ``fail[method] = exc`` makes that method raise.
    """

    def __init__(self, id_kind: type = int, unit_column: str = "units") -> None:
        self.unit_column = unit_column  # Blynk says "units", Thingsee "unit"
        self.ids = {raw: id_kind(raw) if id_kind is int else f"dev-{raw}" for raw, *_ in DEVICES}
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.writes: list[tuple[Hashable, dict[str, Any]]] = []
        self.series: dict[tuple[Hashable, str], pd.Series] = {}
        self.fail: dict[str, Exception] = {}
        self.values: dict[tuple[Hashable, str], Any] = {}

    # -- helpers -------------------------------------------------------------------------
    def _record(self, method: str, *args: Any) -> None:
        self.calls.append((method, args))
        if method in self.fail:
            raise self.fail[method]

    def count(self, method: str) -> int:
        return sum(1 for name, _ in self.calls if name == method)

    def _row(self, device_id: Hashable) -> tuple[Any, ...]:
        for raw, *rest in DEVICES:
            if self.ids[raw] == device_id:
                return (raw, *rest)
        raise KeyError(device_id)

    def _schema_rows(self, device_id: Hashable) -> list[tuple[Any, ...]]:
        return TEMPLATES[self._row(device_id)[2]]

    # -- FleetClient ---------------------------------------------------------------------
    def devices(self) -> pd.DataFrame:
        self._record("devices")
        return pd.DataFrame(
            {
                "device_id": [self.ids[raw] for raw, *_ in DEVICES],
                "name": [name for _, name, *_ in DEVICES],
                "template": [template for _, _, template, *_ in DEVICES],
            }
        )

    def schema(self, device_id: Hashable) -> pd.DataFrame:
        self._record("schema", device_id)
        rows = self._schema_rows(device_id)
        frame = pd.DataFrame(
            rows, columns=["label", "type", "min", "max", "options", "writable", "history"]
        )
        return frame.assign(**{self.unit_column: [UNITS.get(r[0], "") for r in rows]})

    def datastreams(self, device_id: Hashable) -> pd.DataFrame:
        self._record("datastreams", device_id)
        labels = [row[0] for row in self._schema_rows(device_id)]
        return pd.DataFrame(
            {
                "device_id": [device_id] * len(labels),
                "label": labels,
                "value": [self.values.get((device_id, label)) for label in labels],
                "updated_at": [NOW] * len(labels),
            }
        )

    def history(
        self,
        devices: Hashable | Iterable[Hashable],
        datastreams: str | Iterable[str],
        start: Any = None,
        end: Any = None,
    ) -> pd.DataFrame:
        ids = [devices] if not isinstance(devices, list | tuple) else list(devices)
        names = [datastreams] if isinstance(datastreams, str) else list(datastreams)
        self._record("history", tuple(ids), tuple(names), start, end)
        t0, t1 = _when(start, NOW - pd.Timedelta("1D")), _when(end, NOW)
        parts = []
        for device_id in ids:
            for name in names:
                series = self.series.get((device_id, name))
                if series is None:
                    series = self._synthetic(device_id, name, t0, t1)
                series = series[(series.index >= t0) & (series.index <= t1)]
                parts.append(
                    pd.DataFrame(
                        {"device_id": device_id, "datastream": name, "value": series.to_numpy()},
                        index=pd.DatetimeIndex(series.index, name="time"),
                    )
                )
        return pd.concat(parts) if parts else pd.DataFrame(columns=["device_id"])

    def _synthetic(self, device_id: Hashable, name: str, t0: Any, t1: Any) -> pd.Series:
        times = pd.date_range(t0, t1, freq="10min")
        offset = float(self._row(device_id)[0])
        return pd.Series(offset + np.sin(np.arange(len(times)) / 10.0), index=times)

    def locations(self) -> pd.DataFrame:
        self._record("locations")
        rows = [(raw, *pos) for raw, pos in POSITIONS.items()]
        return pd.DataFrame(
            {
                "device_id": [self.ids[raw] for raw, *_ in rows],
                "name": [self._row(self.ids[raw])[1] for raw, *_ in rows],
                "template": ["GPS Asset Tracker"] * len(rows),
                "online": [self._row(self.ids[raw])[4] for raw, *_ in rows],
                "lon": [lon for _, lon, _ in rows],
                "lat": [lat for _, _, lat in rows],
                "updated_at": [NOW] * len(rows),
            }
        )

    def trail(self, device_id: Hashable, start: Any, end: Any) -> pd.DataFrame:
        self._record("trail", device_id, start, end)
        raw = self._row(device_id)[0]
        if raw not in POSITIONS:
            return pd.DataFrame({"lon": [], "lat": []}, index=pd.DatetimeIndex([], name="time"))
        lon, lat = POSITIONS[raw]
        times = pd.date_range(NOW - pd.Timedelta("3h"), NOW, periods=4, name="time")
        steps = np.arange(4) * 0.01
        return pd.DataFrame({"lon": lon - steps[::-1], "lat": lat - steps[::-1]}, index=times)

    def write(self, device_id: Hashable, values: Mapping[str, Any]) -> pd.DataFrame:
        self._record("write", device_id, dict(values))
        self.writes.append((device_id, dict(values)))
        labels = {row[0] for row in self._schema_rows(device_id)}
        rows = []
        for name, value in values.items():
            ok = name in labels
            if ok:
                self.values[(device_id, name)] = value
            rows.append(
                (device_id, name, value, "written" if ok else "skipped", "" if ok else "unknown")
            )
        return pd.DataFrame(rows, columns=["device_id", "datastream", "value", "status", "reason"])

    # -- optional extras -----------------------------------------------------------------
    def tags(self, device_id: Hashable) -> list[str]:
        self._record("tags", device_id)
        return list(self._row(device_id)[3])

    def online(self, device_id: Hashable) -> bool:
        self._record("online", device_id)
        return bool(self._row(device_id)[4])


class BareFleet(FakeFleet):
    """A FleetClient with none of the optional extras (no tags, no online)."""

    tags = None  # type: ignore[assignment]
    online = None  # type: ignore[assignment]


@pytest.fixture
def fleet() -> FakeFleet:
    return FakeFleet()


@pytest.fixture
def string_fleet() -> FakeFleet:
    return FakeFleet(id_kind=str)


@pytest.fixture
def thingsee_style_fleet() -> FakeFleet:
    """String ids and a schema whose unit column is ``unit``, as Thingsee's is."""
    return FakeFleet(id_kind=str, unit_column="unit")


@pytest.fixture
def bare_fleet() -> BareFleet:
    return BareFleet()


@pytest.fixture
def demo_cloud() -> Any:
    import blynkbook as bb

    return bb.connect("demo", now="2026-11-20T12:00:00Z")


@pytest.fixture
def templates() -> dict[str, Any]:
    """The fake fleet's template table, for tests that patch a template's schema."""
    return TEMPLATES
