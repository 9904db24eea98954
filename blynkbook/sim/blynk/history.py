"""History without materialising it: seeded grid points computed on demand, plus an overlay.

Every history datastream of a seeded device reports on a fixed grid (``k * cadence`` ms since
the epoch) from the device's ``history_start`` to "now" (or its disconnect). A grid point's
value comes from ``signals.signal``, a pure function of ``(seed, device, datastream,
timestamp)``, so it never depends on when it is asked for. Written and imported points live in
a small overlay that replaces the grid value at the same timestamp or adds a point between
grid points. A page of 1000 points costs a few numpy calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .signals import Floats, Ints, signal

if TYPE_CHECKING:
    from .records import DatastreamDef, Device

__all__ = ["HistoryStore"]


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
