"""The panels' fake FleetClient, shared by the panel tests and the contract suite.

Test folders are not packages: pytest puts ``tests/`` on ``sys.path`` for the root
conftest, so ``from fakefleet import FakeFleet`` works from every test folder.

:class:`FakeFleet` is a small in-memory client that records every call. Six devices: three
weather stations, two trackers, one smart plug (integer ids, or Thingsee-style strings).
Its frames follow :mod:`blynkbook.contract`, which ``tests/test_contract.py`` checks.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from blynkbook.errors import WriteValueError

__all__ = ["DEVICES", "NOW", "POSITIONS", "TEMPLATES", "UNITS", "BareFleet", "FakeFleet"]

NOW = pd.Timestamp("2026-11-20T12:00:00Z").as_unit("ms")
TIME = "datetime64[ms, UTC]"

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


def _time_index(times: Any) -> pd.DatetimeIndex:
    """``times`` as the contract's ``time`` index: ``datetime64[ms, UTC]``."""
    return pd.DatetimeIndex(pd.to_datetime(times, utc=True), name="time").as_unit("ms")


def _id_dtype(device_id: Hashable) -> str:
    return "str" if isinstance(device_id, str) else "int64"


class FakeFleet:
    """An in-memory FleetClient; ``calls`` records (method, args) and ``writes`` the writes.

    ``series[(device_id, datastream)] = pd.Series(values, index=times)`` overrides history;
    ``fail[method] = exc`` makes that method raise.
    """

    def __init__(self, id_kind: type = int, fleet: Iterable[tuple[Any, ...]] = DEVICES) -> None:
        self.id_dtype = "int64" if id_kind is int else "str"
        self.fleet = list(fleet)
        self.ids = {raw: raw if id_kind is int else f"dev-{raw}" for raw, *_ in self.fleet}
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
        for raw, *rest in self.fleet:
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
                "device_id": pd.Series(
                    [self.ids[raw] for raw, *_ in self.fleet], dtype=self.id_dtype
                ),
                "name": pd.Series([name for _, name, *_ in self.fleet], dtype="str"),
                "template": pd.Series([template for _, _, template, *_ in self.fleet], dtype="str"),
            }
        )

    def schema(self, device_id: Hashable) -> pd.DataFrame:
        self._record("schema", device_id)
        rows = self._schema_rows(device_id)
        frame = pd.DataFrame(
            rows, columns=["label", "type", "min", "max", "options", "writable", "history"]
        )
        return frame.assign(units=[UNITS.get(r[0], "") for r in rows])

    def datastreams(self, device_id: Hashable) -> pd.DataFrame:
        self._record("datastreams", device_id)
        labels = [row[0] for row in self._schema_rows(device_id)]
        return pd.DataFrame(
            {
                "device_id": [device_id] * len(labels),
                "label": labels,
                "value": [self.values.get((device_id, label)) for label in labels],
                "updated_at": pd.Series([NOW] * len(labels), dtype=TIME),
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
                        index=_time_index(series.index),
                    )
                )
        if not parts:
            columns = {"device_id": self.id_dtype, "datastream": "str", "value": "float64"}
            empty = {name: pd.Series([], dtype=dtype) for name, dtype in columns.items()}
            return pd.DataFrame(empty, index=_time_index([]))
        frame = pd.concat(parts)  # a test may override with text values, as a bad client would
        return frame.rename_axis("time").sort_values(["device_id", "datastream", "time"])

    def _synthetic(self, device_id: Hashable, name: str, t0: Any, t1: Any) -> pd.Series:
        times = pd.date_range(t0, t1, freq="10min")
        offset = float(self._row(device_id)[0])
        return pd.Series(offset + np.sin(np.arange(len(times)) / 10.0), index=times)

    def locations(self) -> pd.DataFrame:
        self._record("locations")
        rows = [(raw, *pos) for raw, pos in POSITIONS.items() if raw in self.ids]
        ids = [self.ids[raw] for raw, *_ in rows]
        return pd.DataFrame(
            {
                "device_id": pd.Series(ids, dtype=self.id_dtype),
                "name": pd.Series([self._row(i)[1] for i in ids], dtype="str"),
                "template": pd.Series(["GPS Asset Tracker"] * len(rows), dtype="str"),
                "online": pd.Series([self._row(i)[4] for i in ids], dtype="bool"),
                "lon": pd.Series([lon for _, lon, _ in rows], dtype="float64"),
                "lat": pd.Series([lat for _, _, lat in rows], dtype="float64"),
                "updated_at": pd.Series([NOW] * len(rows), dtype=TIME),
            }
        )

    def trail(self, device_id: Hashable, start: Any, end: Any) -> pd.DataFrame:
        self._record("trail", device_id, start, end)
        raw = self._row(device_id)[0]
        if raw not in POSITIONS:
            empty = pd.Series([], dtype="float64")
            return pd.DataFrame({"lon": empty, "lat": empty}, index=_time_index([]))
        lon, lat = POSITIONS[raw]
        times = _time_index(pd.date_range(NOW - pd.Timedelta("3h"), NOW, periods=4))
        steps = np.arange(4) * 0.01
        return pd.DataFrame({"lon": lon - steps[::-1], "lat": lat - steps[::-1]}, index=times)

    def write(self, device_id: Hashable, values: Mapping[str, Any]) -> pd.DataFrame:
        self._record("write", device_id, dict(values))
        labels = {row[0] for row in self._schema_rows(device_id)}
        refused = {n: f"{n}={v!r}: unknown (known: {', '.join(sorted(labels))})"
                   for n, v in values.items() if n not in labels}  # fmt: skip
        if refused:  # the contract's rule: refused values raise, nothing is written
            raise WriteValueError("; ".join(refused.values()), refused=refused)
        self.writes.append((device_id, dict(values)))
        rows = []
        for name, value in values.items():
            self.values[(device_id, name)] = value
            rows.append((device_id, name, value, "written", ""))
        report = pd.DataFrame(
            rows, columns=["device_id", "datastream", "value", "status", "reason"]
        )
        return report.astype(
            {
                "device_id": self.id_dtype,
                "value": "object",
                "datastream": "str",
                "status": "str",
                "reason": "str",
            }
        )

    # -- optional extras -----------------------------------------------------------------
    def tags(self, device_id: Hashable) -> pd.DataFrame:
        self._record("tags", device_id)
        names = list(self._row(device_id)[3])
        return pd.DataFrame(
            {"device_id": pd.Series([device_id] * len(names), dtype=_id_dtype(device_id)),
             "name": pd.Series(names, dtype="str")}
        )  # fmt: skip

    def online(self, device_id: Hashable) -> pd.DataFrame:
        self._record("online", device_id)
        return pd.DataFrame({"device_id": [device_id], "online": [bool(self._row(device_id)[4])]})


class BareFleet(FakeFleet):
    """A FleetClient with none of the optional extras (no tags, no online)."""

    tags = None  # type: ignore[assignment]
    online = None  # type: ignore[assignment]
