"""History without materialising it: seeded grid points computed on demand, plus an overlay.

Every history datastream of a seeded device reports on a fixed grid (``k * cadence`` ms since
the epoch) from the device's ``history_start`` to "now" (or its disconnect). A grid point's value
is a pure function of ``(seed, device, datastream, timestamp)``, so it never depends on when it
is asked for. Written and imported points live in a small overlay that replaces the grid value
at the same timestamp or adds a point between grid points. A page of 1000 points costs a few
numpy calls.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .world import DatastreamDef, Device

__all__ = ["HistoryStore", "signal"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

DAY_MS = 86_400_000
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MASK64 = (1 << 64) - 1
_METER_ANCHOR_MS = 1_735_689_600_000  # 2025-01-01: the plugs' energy meters start at 0 here

# Centres of the tracker routes (lat, lon): a few European cities.
CITIES: dict[str, tuple[float, float]] = {
    "Berlin": (52.520, 13.405),
    "Paris": (48.857, 2.352),
    "Madrid": (40.417, -3.704),
    "Vienna": (48.208, 16.373),
    "Amsterdam": (52.368, 4.904),
    "Prague": (50.076, 14.438),
}


def _stable_salt(seed: int, device_id: int, datastream_id: int) -> int:
    # Python's hash() of ints is stable, but spell the mix out to keep it obvious.
    return (seed * 1_000_003 + device_id * 97_003 + datastream_id * 1_009) & _MASK64


def _noise(ts: Ints, salt: int) -> Floats:
    """Deterministic noise in [-1, 1) for each timestamp (splitmix64)."""
    z = ts.astype(np.uint64) ^ np.uint64(salt)
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    unit: Floats = (z >> np.uint64(11)).astype(np.float64) * (2.0**-53)
    return unit * 2.0 - 1.0


def _phase(seed: int, device_id: int, salt: str) -> float:
    return random.Random(f"{seed}:{device_id}:{salt}").random() * 2 * math.pi


def _wave(ts: Ints, period_ms: float, phase: float) -> Floats:
    result: Floats = np.sin(2 * np.pi * (ts.astype(np.float64) / period_ms) + phase)
    return result


def _plug_state(ts: Ints, seed: int, device_id: int) -> tuple[Floats, Floats]:
    """(switch 0/1, mode key 0..2) of a smart plug at each timestamp."""
    start_hour = 5 + 4 * _phase(seed, device_id, "on") / (2 * math.pi)
    hour = (ts.astype(np.float64) / 3_600_000.0) % 24.0
    switch = ((hour - start_hour) % 24.0 < 13.0).astype(np.float64)
    block = (ts // (6 * 3_600_000)).astype(np.int64)
    mode = np.floor((_noise(block, _stable_salt(seed, device_id, 777)) + 1.0) * 1.5)
    return switch, np.clip(mode, 0, 2)


def _route(ts: Ints, seed: int, device_id: int, city: str) -> tuple[Floats, Floats]:
    """(lat, lon) of a tracker looping around its city, one loop every few hours."""
    lat0, lon0 = CITIES[city]
    phase = _phase(seed, device_id, "route")
    period = 3 * 3_600_000 + 1_800_000 * (phase / math.pi)
    theta = 2 * np.pi * ts.astype(np.float64) / period + phase
    drift = _wave(ts, 7 * DAY_MS, phase)
    lat = lat0 + 0.035 * np.sin(theta) + 0.01 * np.sin(3 * theta) + 0.005 * drift
    lon = lon0 + 0.055 * np.cos(theta) + 0.008 * drift
    return lat, lon


def signal(kind: str, ts: Ints, *, seed: int, device_id: int, datastream_id: int) -> Floats:
    """Seeded readings of one datastream ``kind`` at the timestamps ``ts`` (ms).

    >>> signal("temperature", np.array([0], dtype=np.int64), seed=7, device_id=1,
    ...        datastream_id=1).shape
    (1,)
    """
    values = _signal_values(kind, ts, seed=seed, device_id=device_id, datastream_id=datastream_id)
    return np.asarray(values, dtype=np.float64)


def _signal_values(
    kind: str, ts: Ints, *, seed: int, device_id: int, datastream_id: int
) -> npt.NDArray[Any]:
    name, _, arg = kind.partition(":")
    noise = _noise(ts, _stable_salt(seed, device_id, datastream_id))
    phase = _phase(seed, device_id, name)
    if name == "temperature":
        out = 11 + 6 * _wave(ts, DAY_MS, phase) + 3 * _wave(ts, 9.3 * DAY_MS, phase) + 0.4 * noise
        return np.round(out, 2)
    if name == "humidity":
        out = 68 - 14 * _wave(ts, DAY_MS, phase) + 6 * _wave(ts, 6.1 * DAY_MS, phase) + 2 * noise
        return np.round(np.clip(out, 5, 100), 1)
    if name == "pressure":
        out = 1013 + 9 * _wave(ts, 5.1 * DAY_MS, phase) + 0.3 * noise
        return np.round(out, 1)
    if name == "wind":
        out = 4.5 + 3 * _wave(ts, 2.3 * DAY_MS, phase) + 1.5 * noise
        return np.round(np.clip(out, 0, 40), 1)
    if name == "battery":
        cycle = (ts.astype(np.float64) / (35 * DAY_MS) + phase / (2 * np.pi)) % 1.0
        return np.floor(np.clip(100 - 80 * cycle, 0, 100))
    if name in ("lat", "lon"):
        lat, lon = _route(ts, seed, device_id, arg)
        return np.round(lat if name == "lat" else lon, 6)
    if name == "speed":
        theta = _wave(ts, 3 * 3_600_000, phase)
        return np.round(np.clip(38 + 17 * theta + 6 * noise, 0, 130), 1)
    if name in ("switch", "mode", "power"):
        switch, mode = _plug_state(ts, seed, device_id)
        if name == "switch":
            return switch
        if name == "mode":
            return mode
        watts = np.choose(mode.astype(np.int64), [45.0, 120.0, 310.0])
        return np.round(switch * (watts + 8 * noise), 1)
    if name == "energy":
        rate_kwh_per_day = 0.9 + 0.5 * (phase / (2 * np.pi))
        days = np.clip(ts.astype(np.float64) - _METER_ANCHOR_MS, 0, None) / DAY_MS
        return np.round(days * rate_kwh_per_day + 0.005 * (noise + 1), 3)
    raise ValueError(f"unknown signal kind {kind!r}")


class _Overlay:
    """Written or imported points of one device datastream, kept sorted lazily."""

    def __init__(self) -> None:
        self.points: dict[int, float] = {}
        self._ts: Ints = np.empty(0, dtype=np.int64)
        self._vals: Floats = np.empty(0, dtype=np.float64)
        self._dirty = False

    def put(self, ts: int, value: float) -> None:
        self.points[ts] = value
        self._dirty = True

    def arrays(self) -> tuple[Ints, Floats]:
        if self._dirty:
            keys = sorted(self.points)
            self._ts = np.array(keys, dtype=np.int64)
            self._vals = np.array([self.points[k] for k in keys], dtype=np.float64)
            self._dirty = False
        return self._ts, self._vals


class _Window:
    """The merged series of one datastream inside ``[lo, hi]``: grid indices and extras."""

    def __init__(
        self, store: HistoryStore, device: Device, ds: DatastreamDef, lo: int, hi: int, now: int
    ) -> None:
        self.store, self.device, self.ds = store, device, ds
        cad = ds.cadence_ms
        self.cadence = cad
        if device.synthetic:
            start = max(lo, device.seeded_from())
            end = min(hi, device.reports_until(now))
            self.k_lo = -(-start // cad)
            self.k_hi = end // cad
        else:
            self.k_lo, self.k_hi = 1, 0
        self.n_grid = max(0, self.k_hi - self.k_lo + 1)
        ots, ovals = store.overlay(device.id, ds.id).arrays()
        a, b = np.searchsorted(ots, lo, "left"), np.searchsorted(ots, hi, "right")
        self.o_ts, self.o_vals = ots[a:b], ovals[a:b]
        k = self.o_ts // cad
        on_grid = (self.o_ts % cad == 0) & (k >= self.k_lo) & (k <= self.k_hi)
        self.extra_ts, self.extra_vals = self.o_ts[~on_grid], self.o_vals[~on_grid]

    @property
    def total(self) -> int:
        return self.n_grid + len(self.extra_ts)

    def slice(self, offset: int, limit: int) -> list[tuple[int, float]]:
        """Elements ``offset .. offset+limit-1`` of the merged, ascending series."""
        if limit <= 0 or offset >= self.total:
            return []
        n_extra = len(self.extra_ts)
        j_lo = max(0, offset - n_extra)
        j_hi = min(self.n_grid, offset + limit)
        grid_ts = (np.arange(j_lo, j_hi, dtype=np.int64) + self.k_lo) * self.cadence
        grid_pos = np.arange(j_lo, j_hi) + np.searchsorted(self.extra_ts, grid_ts, "left")
        keep = (grid_pos >= offset) & (grid_pos < offset + limit)
        grid_ts = grid_ts[keep]
        grid_vals = self.store.grid_values(self.device, self.ds, grid_ts)
        self._apply_overrides(grid_ts, grid_vals)
        below = np.clip(-(-self.extra_ts // self.cadence) - self.k_lo, 0, self.n_grid)
        extra_pos = np.arange(n_extra) + below
        pick = (extra_pos >= offset) & (extra_pos < offset + limit)
        all_ts = np.concatenate([grid_ts, self.extra_ts[pick]])
        all_vals = np.concatenate([grid_vals, self.extra_vals[pick]])
        order = np.argsort(all_ts, kind="stable")
        return list(zip(all_ts[order].tolist(), all_vals[order].tolist(), strict=True))

    def _apply_overrides(self, grid_ts: Ints, grid_vals: Floats) -> None:
        if len(self.o_ts) == 0 or len(grid_ts) == 0:
            return
        idx = np.clip(np.searchsorted(self.o_ts, grid_ts), 0, len(self.o_ts) - 1)
        hit = self.o_ts[idx] == grid_ts
        grid_vals[hit] = self.o_vals[idx[hit]]


class HistoryStore:
    """History of every device datastream: the seeded grid plus the overlay of writes."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._overlays: dict[tuple[int, int], _Overlay] = {}

    def overlay(self, device_id: int, datastream_id: int) -> _Overlay:
        key = (device_id, datastream_id)
        if key not in self._overlays:
            self._overlays[key] = _Overlay()
        return self._overlays[key]

    def add(self, device_id: int, datastream_id: int, ts: int, value: float) -> None:
        self.overlay(device_id, datastream_id).put(ts, value)

    def forget(self, device_id: int) -> None:
        """Drop every written point of a device (clear data, delete)."""
        for key in [k for k in self._overlays if k[0] == device_id]:
            del self._overlays[key]

    def grid_values(self, device: Device, ds: DatastreamDef, ts: Ints) -> Floats:
        if len(ts) == 0:
            return np.empty(0, dtype=np.float64)
        kind = f"{ds.kind}:{device.city}" if ds.kind in ("lat", "lon") else ds.kind
        return signal(kind, ts, seed=self.seed, device_id=device.id, datastream_id=ds.id)

    def count(self, device: Device, ds: DatastreamDef, lo: int, hi: int, now: int) -> int:
        return _Window(self, device, ds, lo, hi, now).total if lo <= hi else 0

    def page(
        self, device: Device, ds: DatastreamDef, lo: int, hi: int, now: int, offset: int, limit: int
    ) -> list[tuple[int, float]]:
        if lo > hi:
            return []
        return _Window(self, device, ds, lo, hi, now).slice(offset, limit)

    def query(
        self, device: Device, ds: DatastreamDef, lo: int, hi: int, now: int, offset: int, limit: int
    ) -> tuple[int, list[tuple[int, float]]]:
        """(totalElements, the page) in one pass."""
        if lo > hi:
            return 0, []
        window = _Window(self, device, ds, lo, hi, now)
        return window.total, window.slice(offset, limit)

    def latest(self, device: Device, ds: DatastreamDef, now: int) -> tuple[Any, int] | None:
        """The newest point at or before ``now`` as ``(value, ts)``."""
        window = _Window(self, device, ds, -(2**62), now, now)
        if window.total == 0:
            return None
        ts, value = window.slice(window.total - 1, 1)[0]
        return (_as_number(ds.type, value), ts)


def _as_number(ds_type: str, value: float) -> float | int:
    return int(value) if ds_type in ("INT", "ENUM") and float(value).is_integer() else value
