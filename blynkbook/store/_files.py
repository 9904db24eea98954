"""Parquet segments: one immutable file per covered range of one series.

Columns (Blynk): ``device_id`` int64, ``datastream_id`` int64, ``datastream`` string (the
label), ``time`` timestamp[ms, UTC], ``value`` float64. Thingsee: ``thing`` string,
``field`` string, ``time``, ``value``. The constant columns cost next to nothing
(dictionary + run-length encoded); ``time`` is delta-encoded (a fixed cadence packs to a
few bits a point) and ``value`` byte-stream-split, both then zstd-compressed.

A file is written under a temporary name and renamed into place, so a reader (or a
process killed mid-write) never sees half a file.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._catalog import SeriesKey
from ._ranges import month_start

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["COLUMNS", "read_frame", "read_points", "write_points"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

#: The columns of each kind's files, in order.
COLUMNS = {
    "blynk": ["device_id", "datastream_id", "datastream", "time", "value"],
    "thingsee": ["thing", "field", "time", "value"],
}


@cache
def _schema(kind: str) -> pa.Schema:
    import pyarrow as pa

    time = pa.timestamp("ms", tz="UTC")
    text, whole = pa.string(), pa.int64()
    types = {"device_id": whole, "datastream_id": whole, "datastream": text, "thing": text,
             "field": text, "time": time, "value": pa.float64()}  # fmt: skip
    return pa.schema([(name, types[name]) for name in COLUMNS[kind]])


def _repeat(value: object, type_: pa.DataType, count: int) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.take(pa.array([value], type_), pa.array(np.zeros(count, np.int32)))


def _constants(key: SeriesKey, count: int) -> list[pa.Array]:
    import pyarrow as pa

    if key.kind == "blynk":
        return [
            _repeat(int(key.device), pa.int64(), count),
            _repeat(int(key.stream), pa.int64(), count),
            _repeat(key.label, pa.string(), count),
        ]
    return [_repeat(key.device, pa.string(), count), _repeat(key.stream, pa.string(), count)]


def relative_path(key: SeriesKey, first_ms: int) -> str:
    """``<kind>/<device>/<stream>/<YYYY-MM>/<random>.parquet`` (parts percent-quoted)."""
    month = np.datetime64(month_start(first_ms), "ms").astype("datetime64[M]")
    parts = (key.kind, quote(key.device, safe=""), quote(key.stream, safe=""), str(month))
    return "/".join([*parts, f"{uuid.uuid4().hex}.parquet"])


def write_points(folder: Path, key: SeriesKey, times: Ints, values: Floats) -> str:
    """Write one segment file; returns its path relative to ``folder``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    relative = relative_path(key, int(times[0]))
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    schema = _schema(key.kind)
    arrays = [
        *_constants(key, times.size),
        pa.array(times, schema.field("time").type),
        pa.array(values, pa.float64()),
    ]
    table = pa.Table.from_arrays(arrays, schema=schema)
    temporary = target.with_name(f".{target.name}.tmp")
    constant = [n for n in table.schema.names if n not in ("time", "value")]
    pq.write_table(
        table,
        temporary,
        compression="zstd",
        use_dictionary=constant,
        column_encoding={"time": "DELTA_BINARY_PACKED", "value": "BYTE_STREAM_SPLIT"},
    )
    os.replace(temporary, target)
    return relative


def read_points(path: Path, lo: int, hi: int) -> tuple[Ints, Floats]:
    """The (times ms, values) of one segment file inside ``[lo, hi]``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read(columns=["time", "value"])
    times = table.column("time").cast(pa.int64()).to_numpy()
    values = table.column("value").to_numpy()
    keep = (times >= lo) & (times <= hi)
    if bool(keep.all()):
        return times, values
    return times[keep], values[keep]


def read_frame(paths: Sequence[str], kind: str) -> pd.DataFrame:
    """Segment files as one pandas frame (no paths: the empty frame of ``kind``); the
    partitions of :meth:`SeriesStore.to_dask`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(kind)
    tables = [pq.ParquetFile(p).read() for p in paths] or [schema.empty_table()]
    frame: pd.DataFrame = pa.concat_tables(tables).to_pandas()
    return frame
