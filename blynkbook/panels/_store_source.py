"""Series read from the client's series store, so a series far larger than memory is
plotted and zoomed: each display trace is computed in the store (DuckDB min-max over
that series' files, :meth:`blynkbook.store.SeriesStore.minmax`) for the visible window only.

:func:`default_source` picks it when ``client.store`` is a real store (anything with
``minmax`` and ``extent``; a client without one has a falsy ``store``). The panels never
import a facade: the store is reached through the client object and :class:`PointStore`.

Differences from the in-memory source, said here so nobody has to find them:

- the time buckets are equal *time* spans (the in-memory code cuts equal point counts);
  a window holding at most ``n_out`` points shows every one of them, as in memory;
- a zoomed trace stops at the window's edges (memory adds one point beyond each);
- a long series keeps a min-max *overview* (:data:`OVERVIEW_BUCKETS` time buckets, read
  in one store query at load): a window wide enough to span ``n_out`` of its points is
  thinned from the overview in memory (min-max of min-max pairs: every display bucket's
  extremes are exact, give or take the overview bucket cut by each window edge), so
  "reset axes" over 100 million points does not re-scan them; narrower windows are read
  from the store, window only, at full resolution;
- the long frame for Publish / Download is read only when the load holds at most
  :data:`FRAME_POINTS` points; above that the points stay in the store and a note says
  how to query them there.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from blynkbook._time import time_window, wall_clock_ms

from ._common import SchemaBook, device_label
from ._downsample import minmax_downsample
from ._source import HISTORY_COLUMNS, ClientSource, Loaded, Series, SeriesSource

__all__ = [
    "FRAME_POINTS",
    "OVERVIEW_BUCKETS",
    "PointStore",
    "StoreSeries",
    "StoreSource",
    "default_source",
    "store_of",
]

NS_PER_MS: Final = 1_000_000
FRAME_POINTS: Final = 1_000_000
"""The most points a store-backed load also reads into ``panel.data``."""
_MAX_BUCKET_PRODUCT: Final = 9_000_000_000_000_000_000 // 2  # DuckDB BIGINT, with room
OVERVIEW_BUCKETS: Final = 200_000
"""Time buckets of the overview a series longer than twice this keeps (at most 400,000
points, 6.4 MB)."""
_EXACT_FACTOR: Final = 4  # count the window exactly when density says it may be small


class PointStore(Protocol):
    """What the panel asks of a series store (``blynkbook.store.SeriesStore``)."""

    def minmax(
        self, device: int | str, datastream: int | str, start: int, end: int, buckets: int
    ) -> pd.DataFrame: ...

    def extent(
        self, device: int | str, datastream: int | str, start: int, end: int
    ) -> tuple[int, int | None, int | None]: ...


def store_of(client: Any) -> PointStore | None:
    """The client's series store when it has a real one, else None.

    >>> class NoStore:
    ...     def __bool__(self): return False
    >>> store_of(type("C", (), {"store": NoStore()})()) is None
    True
    """
    store = getattr(client, "store", None)
    if not store or not all(callable(getattr(store, m, None)) for m in ("minmax", "extent")):
        return None
    return store  # type: ignore[no-any-return]


def store_id(device_id: Hashable) -> int | str:
    """The store's device key: Blynk ids are integers, Thingsee ids text.

    >>> store_id(np.int64(7)), store_id("TSX")
    (7, 'TSX')
    """
    if isinstance(device_id, int | np.integer) and not isinstance(device_id, bool):
        return int(device_id)
    return str(device_id)


@dataclass(frozen=True)
class StoreSeries:
    """One device × datastream in the store, limited to the range loaded: ``points`` of
    them, from ``first_ms`` to ``last_ms``; ``overview``: min-max pairs (times ms,
    values) of the whole range for a long series, else None."""

    store: PointStore
    device_id: Hashable
    datastream: str
    name: str
    unit: str
    points: int
    first_ms: int
    last_ms: int
    overview: tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None = None

    def __len__(self) -> int:
        return self.points

    def bounds(self) -> tuple[int, int] | None:
        """First and last time (ns), or None when empty."""
        if not self.points:
            return None
        return self.first_ms * NS_PER_MS, self.last_ms * NS_PER_MS

    def display(
        self, lo: int | None, hi: int | None, n_out: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """At most ``n_out`` points of ``[lo, hi]`` (ns), min-max per time bucket, read
        from the store for that window only."""
        if n_out < 4:
            raise ValueError(f"n_out must be at least 4, got {n_out}")
        start = self.first_ms if lo is None else max(self.first_ms, lo // NS_PER_MS)
        end = self.last_ms if hi is None else min(self.last_ms, -(-hi // NS_PER_MS))
        if not self.points or start > end:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        if self.overview is not None:
            ox, oy = self.overview
            lo_i, hi_i = np.searchsorted(ox, start, "left"), np.searchsorted(ox, end, "right")
            if hi_i - lo_i >= n_out:  # wide: thin the overview, no store read
                x_ms, y = minmax_downsample(ox[lo_i:hi_i], oy[lo_i:hi_i], n_out)
                return np.asarray(x_ms, np.int64) * NS_PER_MS, np.asarray(y, np.float64)
        buckets = self._buckets(start, end, n_out)
        frame = self.store.minmax(store_id(self.device_id), self.datastream, start, end, buckets)
        x = pd.DatetimeIndex(frame.index).as_unit("ms").asi8 * NS_PER_MS
        return np.asarray(x, np.int64), frame["value"].to_numpy(np.float64)

    def _buckets(self, start: int, end: int, n_out: int) -> int:
        """``n_out // 2`` buckets (two points each); one a millisecond (every point) when
        the window holds at most ``n_out`` points."""
        span = end - start + 1
        estimate = self.points * span / (self.last_ms - self.first_ms + 1)
        if estimate <= _EXACT_FACTOR * n_out:
            count, _, _ = self.store.extent(store_id(self.device_id), self.datastream, start, end)
            if count <= n_out:
                return max(min(span, _MAX_BUCKET_PRODUCT // span), 1)
        return n_out // 2


class StoreSource:
    """Series the store holds (filled first through the client: ``pull()`` when it has
    one, else ``history()``), each drawn from the store window by window."""

    def __init__(
        self,
        client: Any,
        schemas: SchemaBook,
        names: Any,
        store: PointStore | None = None,
        frame_points: int = FRAME_POINTS,
        overview_buckets: int = OVERVIEW_BUCKETS,
    ) -> None:
        found = store if store is not None else store_of(client)
        if found is None:
            raise ValueError(f"{client!r} has no series store (connect(..., store=True))")
        self.client, self.schemas, self.names = client, schemas, names  # names: () -> dict
        self.store = found
        self.frame_points, self.overview_buckets = frame_points, overview_buckets

    def load(
        self, devices: Sequence[Hashable], labels: Sequence[str], start: Any, end: Any
    ) -> Loaded:
        """Fill the store for the range, then one :class:`StoreSeries` per device ×
        datastream that has points in it."""
        lo_ms, hi_ms = time_window(start, end, now_ms=self._now_ms())
        names, series, asked = self.names(), [], []
        not_drawn: dict[str, str] = {}
        for label in labels:
            having = [d for d in devices if label in self.schemas.labels(d, "history")]
            if not having:
                continue
            asked.append((having, label, self._fill(having, label, start, end)))
            for device in having:
                one = self._series(device, label, names, lo_ms, hi_ms)
                if one is not None:
                    series.append(one)
                elif self.schemas.row(device, label).get("type") == "string":
                    not_drawn[_name(names, device, label)] = "text values, not numbers"
        loaded = self._loaded(series, asked, start, end)
        loaded.not_drawn.update(not_drawn)
        return loaded

    def _fill(self, devices: list[Hashable], label: str, start: Any, end: Any) -> Any:
        pull = getattr(self.client, "pull", None)
        if callable(pull):
            pull(devices, label, start, end)
            return None
        return self.client.history(devices, label, start, end)

    def _series(
        self, device: Hashable, label: str, names: dict[Hashable, str], lo_ms: int, hi_ms: int
    ) -> StoreSeries | None:
        count, first, last = self.store.extent(store_id(device), label, lo_ms, hi_ms)
        if not count or first is None or last is None:
            return None
        unit, name = self.schemas.unit(device, label), _name(names, device, label)
        overview = None
        if count > 2 * self.overview_buckets:
            pairs = self.store.minmax(store_id(device), label, first, last, self.overview_buckets)
            times = pd.DatetimeIndex(pairs.index).as_unit("ms").asi8
            overview = (np.asarray(times, np.int64), pairs["value"].to_numpy(np.float64))
        return StoreSeries(self.store, device, label, name, unit, count, first, last, overview)

    def _loaded(
        self, series: list[StoreSeries], asked: list[tuple[list[Hashable], str, Any]],
        start: Any, end: Any,
    ) -> Loaded:  # fmt: skip
        total = sum(s.points for s in series)
        drawn: list[Series] = list(series)
        if total > self.frame_points:
            note = (
                f"{total:,} points stay in the series store (more than {self.frame_points:,}):"
                " Publish and Download cover smaller loads; query them with"
                " cloud.store.sql(...) or cloud.store.to_dask()"
            )
            return Loaded(pd.DataFrame(columns=HISTORY_COLUMNS), drawn, notes=[note])
        frames = [  # filled by pull(): the frame is read once, from the store
            self.client.history(having, label, start, end) if frame is None else frame
            for having, label, frame in asked
        ]
        parts = [f for f in frames if not f.empty]
        data = pd.concat(parts) if parts else pd.DataFrame(columns=HISTORY_COLUMNS)
        return Loaded(data, drawn)

    def _now_ms(self) -> int:
        now = getattr(self.client, "now", None)
        return int(pd.Timestamp(now()).value // NS_PER_MS) if callable(now) else wall_clock_ms()


def _name(names: dict[Hashable, str], device: Hashable, label: str) -> str:
    return f"{device_label(names.get(device, device), device)} · {label}"


def default_source(client: Any, schemas: SchemaBook, names: Any) -> SeriesSource:
    """The store-backed source when the client has a series store, else the in-memory one."""
    if store_of(client) is not None:
        return StoreSource(client, schemas, names)
    return ClientSource(client, schemas, names)
