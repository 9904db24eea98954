"""Parquet segment files: immutable, each holding the points of one or many series.

Columns (Blynk): ``device_id`` int64, ``datastream_id`` int64, ``datastream`` string (the
label), ``time`` timestamp[ms, UTC], ``value`` float64. Thingsee: ``thing`` string,
``field`` string, ``time``, ``value``. Rows are sorted by series (the first two columns),
then time, so the row-group statistics of those columns let a one-series read skip the
rest of a file. The series columns cost next to nothing (dictionary + run-length
encoded); ``time`` is delta-encoded (a fixed cadence packs to a few bits a point) and
``value`` byte-stream-split, both then zstd-compressed.

A file is written under a temporary name and renamed into place, so a reader (or a
process killed mid-write) never sees half a file. Files of the layout before packs (one
series a file, under ``<kind>/<device>/<stream>/<YYYY-MM>/``) read the same way.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._catalog import SeriesKey

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "COLUMNS",
    "ROW_GROUP_ROWS",
    "month_label",
    "points_table",
    "read_frame",
    "read_series",
    "read_table",
    "rows_within",
    "series_runs",
    "write_table",
]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

#: The columns of each kind's files, in order (the first two name the series).
COLUMNS = {
    "blynk": ["device_id", "datastream_id", "datastream", "time", "value"],
    "thingsee": ["thing", "field", "time", "value"],
}
#: Rows a row group holds at most: small enough that the statistics of the series columns
#: prune a one-series read to a few row groups, large enough for DuckDB's scans.
ROW_GROUP_ROWS: Final = 262_144


@cache
def _schema(kind: str) -> pa.Schema:
    import pyarrow as pa

    time = pa.timestamp("ms", tz="UTC")
    text, whole = pa.string(), pa.int64()
    types = {"device_id": whole, "datastream_id": whole, "datastream": text, "thing": text,
             "field": text, "time": time, "value": pa.float64()}  # fmt: skip
    return pa.schema([(name, types[name]) for name in COLUMNS[kind]])


def series_id_values(key: SeriesKey) -> tuple[object, object]:
    """The values of a series' two naming columns (ints for Blynk, text for Thingsee)."""
    if key.kind == "blynk":
        return int(key.device), int(key.stream)
    return key.device, key.stream


def _repeat(value: object, type_: pa.DataType, count: int) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.take(pa.array([value], type_), pa.array(np.zeros(count, np.int32)))


def _constants(key: SeriesKey, count: int) -> list[pa.Array]:
    import pyarrow as pa

    first, second = series_id_values(key)
    if key.kind == "blynk":
        return [
            _repeat(first, pa.int64(), count),
            _repeat(second, pa.int64(), count),
            _repeat(key.label, pa.string(), count),
        ]
    return [_repeat(first, pa.string(), count), _repeat(second, pa.string(), count)]


def points_table(kind: str, parts: Sequence[tuple[SeriesKey, Ints, Floats]]) -> pa.Table:
    """The rows of several series' points (each ascending; given sorted by series) as one
    table of ``kind``'s schema."""
    import pyarrow as pa

    schema = _schema(kind)
    tables = [
        pa.Table.from_arrays(
            [
                *_constants(key, times.size),
                pa.array(times, schema.field("time").type),
                pa.array(values, pa.float64()),
            ],
            schema=schema,
        )  # fmt: skip
        for key, times, values in parts
        if times.size
    ]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def month_label(ms: int) -> str:
    """``YYYY-MM`` (UTC) of an epoch-ms time."""
    return str(np.datetime64(int(ms), "ms").astype("datetime64[M]"))


def relative_path(kind: str, month: str) -> str:
    """``<kind>/<YYYY-MM>/<random>.parquet``."""
    return f"{kind}/{month}/{uuid.uuid4().hex}.parquet"


def write_table(folder: Path, kind: str, month: str, table: pa.Table) -> str:
    """Write one segment file (rows already sorted by series, then time); returns its path
    relative to ``folder``."""
    import pyarrow.parquet as pq

    relative = relative_path(kind, month)
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    constant = [n for n in table.schema.names if n not in ("time", "value")]
    pq.write_table(
        table,
        temporary,
        row_group_size=ROW_GROUP_ROWS,
        compression="zstd",
        use_dictionary=constant,
        column_encoding={"time": "DELTA_BINARY_PACKED", "value": "BYTE_STREAM_SPLIT"},
    )
    os.replace(temporary, target)
    return relative


def read_table(path: Path) -> pa.Table:
    """Every row of one file."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).read()


def times_of(table: pa.Table) -> Ints:
    import pyarrow as pa

    return np.asarray(table.column("time").cast(pa.int64()).to_numpy(), dtype=np.int64)


def read_series(
    path: Path, kind: str, wanted: Sequence[tuple[SeriesKey, int, int]]
) -> list[tuple[Ints, Floats]]:
    """The (times ms, values) of each wanted (series, lo, hi) in one file, read once with
    a filter on the series columns and the time span (row groups outside are skipped)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    first, second = COLUMNS[kind][:2]
    ids = [series_id_values(key) for key, _, _ in wanted]
    stamp = pa.timestamp("ms", tz="UTC")
    lo, hi = min(w[1] for w in wanted), max(w[2] for w in wanted)
    where = (
        pc.field(first).isin(list({a for a, _ in ids}))
        & pc.field(second).isin(list({b for _, b in ids}))
        & (pc.field("time") >= pa.scalar(lo, stamp))
        & (pc.field("time") <= pa.scalar(hi, stamp))
    )
    table = pq.read_table(path, columns=[first, second, "time", "value"], filters=where)
    times, values = times_of(table), np.asarray(table.column("value").to_numpy(), np.float64)
    runs = series_runs(table, kind)
    out = []
    for (a, b), (_key, w_lo, w_hi) in zip(ids, wanted, strict=True):
        spans = rows_within(times, runs.get((a, b), []), w_lo, w_hi)
        at = np.concatenate([np.arange(i, j) for i, j in spans]) if spans else np.empty(0, np.int64)
        out.append((times[at], values[at]))
    return out


def series_runs(table: pa.Table, kind: str) -> dict[Any, list[tuple[int, int]]]:
    """Where each series' rows lie in a table of ``kind`` whose rows are grouped by series
    (ascending in time inside a group): (first, second column value) → [(start, end)]."""
    first_name, second_name = COLUMNS[kind][:2]
    first = table.column(first_name).to_numpy(zero_copy_only=False)
    second = table.column(second_name).to_numpy(zero_copy_only=False)
    if not len(first):
        return {}
    change = np.flatnonzero((first[1:] != first[:-1]) | (second[1:] != second[:-1])) + 1
    starts = np.concatenate([[0], change]).astype(np.int64)
    ends = np.concatenate([change, [len(first)]]).astype(np.int64)
    runs: dict[Any, list[tuple[int, int]]] = {}
    names = zip(first[starts].tolist(), second[starts].tolist(), strict=True)
    for key, start, end in zip(names, starts.tolist(), ends.tolist(), strict=True):
        runs.setdefault(key, []).append((start, end))
    return runs


def rows_within(
    times: Ints, spans: Sequence[tuple[int, int]], lo: int, hi: int
) -> list[tuple[int, int]]:
    """The row ranges ``[i, j)`` of one series' ``spans`` (from :func:`series_runs`) whose
    times lie in ``[lo, hi]``."""
    out = []
    for start, end in spans:
        i = start + int(np.searchsorted(times[start:end], lo, "left"))
        j = start + int(np.searchsorted(times[start:end], hi, "right"))
        if i < j:
            out.append((i, j))
    return out


def read_frame(paths: Sequence[str], kind: str) -> pd.DataFrame:
    """Segment files as one pandas frame (no paths: the empty frame of ``kind``); the
    partitions of :meth:`SeriesStore.to_dask`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(kind)
    tables = [pq.ParquetFile(p).read() for p in paths] or [schema.empty_table()]
    frame: pd.DataFrame = pa.concat_tables(tables).to_pandas()
    return frame
