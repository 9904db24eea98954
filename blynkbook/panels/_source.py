"""Where HistoryPanel's series come from: the seam a series store plugs into.

The panel asks a :class:`SeriesSource` for the series of some devices × datastreams over
a time range, and asks each :class:`Series` for its *display trace* over the visible
window (at most ``n_out`` points). :class:`ClientSource` fetches through the client and
keeps every series in memory as numpy arrays; a store-backed source returns series whose
:meth:`Series.display` reads only the visible window from the store, so a series larger
than memory can be plotted and zoomed without loading it into the kernel.

>>> import numpy as np
>>> s = MemorySeries(1, "T", "Pump (1) · T", "°C", np.arange(10, dtype="int64"),
...                  np.arange(10.0))
>>> x, y = s.display(2, 4, 100)
>>> x.tolist(), s.bounds()
([1, 2, 3, 4, 5], (0, 9))
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._common import SchemaBook, device_label
from ._downsample import minmax_downsample, window

__all__ = [
    "HISTORY_COLUMNS",
    "ClientSource",
    "Loaded",
    "MemorySeries",
    "Series",
    "SeriesSource",
    "numeric_values",
    "series_from_history",
]

HISTORY_COLUMNS = ["device_id", "datastream", "value"]

_TRUTHY = {"true": 1.0, "on": 1.0, "yes": 1.0, "false": 0.0, "off": 0.0, "no": 0.0}


class Series(Protocol):
    """One device × datastream as the panel draws it."""

    @property
    def device_id(self) -> Hashable: ...

    @property
    def datastream(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def unit(self) -> str: ...

    def __len__(self) -> int: ...

    def bounds(self) -> tuple[int, int] | None:
        """First and last time (int ns since the epoch, UTC), or None when empty."""
        ...

    def display(
        self, lo: int | None, hi: int | None, n_out: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """At most ``n_out`` points of ``[lo, hi]`` (ns; None: unbounded), in time order."""
        ...


@dataclass(frozen=True)
class MemorySeries:
    """A series held in memory: ``x`` int64 ns since the epoch (UTC, sorted), ``y`` float."""

    device_id: Hashable
    datastream: str
    name: str
    unit: str
    x: npt.NDArray[np.int64]
    y: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.x)

    def bounds(self) -> tuple[int, int] | None:
        """First and last time, or None when empty."""
        return (int(self.x[0]), int(self.x[-1])) if len(self.x) else None

    def display(
        self, lo: int | None, hi: int | None, n_out: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The window (one point beyond each edge), min-max thinned to ``n_out``."""
        part = window(self.x, lo, hi)
        x, y = minmax_downsample(self.x[part], self.y[part], n_out)
        return np.asarray(x, dtype=np.int64), np.asarray(y, dtype=np.float64)


@dataclass
class Loaded:
    """What a source returns: the long frame (for publish / download), the drawable
    series, the series that could not be drawn with the reason, and notes to show."""

    data: pd.DataFrame
    series: list[Series]
    not_drawn: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class SeriesSource(Protocol):
    """Fetches the series HistoryPanel shows."""

    def load(
        self, devices: Sequence[Hashable], labels: Sequence[str], start: Any, end: Any
    ) -> Loaded: ...


def numeric_values(values: pd.Series) -> npt.NDArray[np.float64] | None:
    """Values as floats: numbers as they are, booleans and on/off words as 1 / 0; None when
    the values are text that means neither (such a series cannot be drawn as a line).

    >>> numeric_values(pd.Series([True, False])).tolist()
    [1.0, 0.0]
    >>> numeric_values(pd.Series(["on", "off"])).tolist(), numeric_values(pd.Series(["a"]))
    ([1.0, 0.0], None)
    """
    if values.dtype == bool:
        return values.to_numpy(dtype=np.float64)
    numbers = pd.Series(pd.to_numeric(values, errors="coerce"), dtype="float64")
    if numbers.notna().any() or values.isna().all():
        return numbers.to_numpy(dtype=np.float64)
    words = values.astype(str).str.strip().str.lower()
    if words.isin(list(_TRUTHY)).all():
        flags: npt.NDArray[np.float64] = np.asarray(words.map(_TRUTHY), dtype=np.float64)
        return flags
    bools = values.map(lambda v: float(v) if isinstance(v, bool) else np.nan)
    return bools.to_numpy(dtype=np.float64) if bools.notna().all() else None


def series_from_history(
    frame: pd.DataFrame,
    names: dict[Hashable, str],
    units: dict[tuple[Hashable, str], str] | None = None,
) -> Loaded:
    """Split a long history frame into sorted numeric series, one per device × datastream;
    series with text values are listed in ``not_drawn`` instead."""
    loaded = Loaded(frame, [])
    if frame.empty:
        return loaded
    units = units or {}
    index = pd.DatetimeIndex(frame.index)
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    ordered = frame.assign(_ns=index.as_unit("ns").asi8).sort_values("_ns", kind="stable")
    for (device_id, datastream), part in ordered.groupby(["device_id", "datastream"], sort=False):
        label = f"{device_label(names.get(device_id, device_id), device_id)} · {datastream}"
        y = numeric_values(part["value"])
        if y is None:
            loaded.not_drawn[label] = "text values, not numbers"
            continue
        x = part["_ns"].to_numpy(dtype=np.int64)
        finite = np.isfinite(y)
        unit = units.get((device_id, str(datastream)), "")
        loaded.series.append(
            MemorySeries(device_id, str(datastream), label, unit, x[finite], y[finite])
        )
    return loaded


class ClientSource:
    """Series fetched with ``client.history`` and held in memory (the default source).

    One history call per datastream, for the devices whose schema says it has history.
    """

    def __init__(self, client: Any, schemas: SchemaBook, names: Any) -> None:
        self.client = client
        self.schemas = schemas
        self.names = names  # () -> {device_id: name}

    def load(
        self, devices: Sequence[Hashable], labels: Sequence[str], start: Any, end: Any
    ) -> Loaded:
        """Fetch, then split into series (units from the schemas)."""
        parts = []
        units: dict[tuple[Hashable, str], str] = {}
        for label in labels:
            having = [d for d in devices if label in self.schemas.labels(d, "history")]
            units.update({(d, label): self.schemas.unit(d, label) for d in having})
            if having:
                parts.append(self.client.history(having, label, start, end))
        parts = [part for part in parts if not part.empty]
        frame = pd.concat(parts) if parts else pd.DataFrame(columns=HISTORY_COLUMNS)
        return series_from_history(frame, self.names(), units)
