"""Where a store's data lies, and the engines over it: file lists, DuckDB views and SQL,
Dask, and the one-series reads the panels use (``minmax``, ``extent``).

:class:`StoreQueries` is a mixin of :class:`~blynkbook.store.SeriesStore`: it reads the
store's ``folder`` and ``catalog`` and keeps one DuckDB connection behind a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from blynkbook.errors import InputError

from ._catalog import Catalog, SeriesKey
from ._files import COLUMNS, read_frame, series_id_values

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection, DuckDBPyRelation

__all__ = ["PARTITION_POINTS", "StoreQueries"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

#: Points a partition of :meth:`SeriesStore.to_dask` holds (files are not split).
PARTITION_POINTS: Final = 2_000_000
_VIEWS = {"blynk": "history", "thingsee": "messages"}
_EMPTY_VIEW = {
    "blynk": "SELECT NULL::BIGINT AS device_id, NULL::BIGINT AS datastream_id, "
    "NULL::VARCHAR AS datastream, NULL::TIMESTAMPTZ AS time, NULL::DOUBLE AS value WHERE false",
    "thingsee": "SELECT NULL::VARCHAR AS thing, NULL::VARCHAR AS field, "
    "NULL::TIMESTAMPTZ AS time, NULL::DOUBLE AS value WHERE false",
}


#: The window filter of one-series reads: a comparison on the ``time`` column itself (not on
#: ``epoch_ms(time)``), so DuckDB skips the row groups whose statistics lie outside it.
_IN_WINDOW = "time BETWEEN epoch_ms($lo::BIGINT) AND epoch_ms($hi::BIGINT) AND NOT isnan(value)"
#: The series filter of one-series reads (a file may hold many series; rows are sorted by
#: these columns, so their row-group statistics skip the other series' row groups).
_OF_SERIES = {
    "blynk": "device_id = $first AND datastream_id = $second",
    "thingsee": "thing = $first AND field = $second",
}


class StoreQueries:
    """The read side of a series store over its files (see the module docstring)."""

    folder: Path
    _duck: DuckDBPyConnection | None
    _duck_lock: threading.Lock

    @property
    def catalog(self) -> Catalog:  # pragma: no cover - SeriesStore gives it
        raise NotImplementedError

    def files(self, kind: str = "blynk") -> list[Path]:
        """Every live Parquet file of ``kind`` (``"blynk"`` or ``"thingsee"``), for any
        engine (Polars, Spark, …). Files are immutable; a replaced one stays readable for
        a few minutes."""
        _check_kind(kind)
        return [self.folder / p for p in self.catalog.live_paths(kind)]

    def duckdb(self) -> DuckDBPyConnection:
        """This store's DuckDB connection, with the views ``history`` (Blynk points:
        ``device_id``, ``datastream_id``, ``datastream``, ``time``, ``value``) and
        ``messages`` (Thingsee: ``thing``, ``field``, ``time``, ``value``) over the files
        as they are now."""
        with self._duck_lock:
            con = self._duck_connection()
            for kind, view in _VIEWS.items():
                paths = self.files(kind)
                source = (
                    f"SELECT {', '.join(COLUMNS[kind])} FROM read_parquet({_sql_list(paths)})"
                    if paths
                    else _EMPTY_VIEW[kind]
                )
                con.execute(f"CREATE OR REPLACE VIEW {view} AS {source}")
            return con

    def sql(self, query: str, params: Sequence[Any] | None = None) -> DuckDBPyRelation:
        """Run SQL over the views ``history`` and ``messages``; a DuckDB relation
        (``.df()``, ``.arrow()``, ``.pl()``, …).

        >>> query = "SELECT device_id, avg(value) FROM history GROUP BY 1"
        >>> cloud.store.sql(query).df()  # doctest: +SKIP
        """
        return self.duckdb().sql(query, params=params)

    def relation(self, kind: str = "blynk") -> DuckDBPyRelation:
        """Every point of ``kind`` as a DuckDB relation (nothing is loaded until asked)."""
        _check_kind(kind)
        return self.duckdb().sql(f"SELECT * FROM {_VIEWS[kind]}")

    def to_dask(self, kind: str = "blynk") -> Any:
        """A ``dask.dataframe`` over the Parquet files, files grouped into partitions of
        about two million points (``pip install 'blynkbook[dask]'``); columns as in
        :meth:`relation`."""
        try:
            import dask.dataframe as dd
        except ImportError as exc:  # pragma: no cover - the dask extra is installed in tests
            raise ImportError("to_dask() needs dask: pip install 'blynkbook[dask]'") from exc
        _check_kind(kind)
        meta = read_frame([], kind)
        parts = self._partitions(kind)
        if not parts:
            return dd.from_pandas(meta, npartitions=1)  # type: ignore[no-untyped-call]
        return dd.from_map(  # type: ignore[no-untyped-call]
            read_frame, parts, kind=kind, meta=meta, enforce_metadata=False
        )

    def _partitions(self, kind: str) -> list[list[str]]:
        """The live files of ``kind`` (each once, whole: a file may hold many series) in
        path order, grouped into partitions of about :data:`PARTITION_POINTS` rows (a
        pack larger than that is a partition of its own)."""
        with self.catalog.reading() as db:
            files = [(p, n) for p, n, _ in self.catalog.file_rows(db, kind, 0)]
        parts: list[list[str]] = []
        filled = PARTITION_POINTS
        for path, rows in files:
            if filled + int(rows) > PARTITION_POINTS:
                parts.append([])
                filled = 0
            parts[-1].append(str(self.folder / path))
            filled += int(rows)
        return parts

    def minmax(
        self, device: int | str, datastream: int | str, start: int, end: int, buckets: int
    ) -> pd.DataFrame:
        """Min/max-downsampled points of one series in ``[start, end]`` (epoch ms): for each
        of ``buckets`` equal time buckets its lowest and highest point, computed in DuckDB
        over the files holding that series, filtered by its series columns (row groups of
        other series are skipped). Index ``time``
        (datetime64[ms, UTC]), column ``value``; ascending, at most ``2 * buckets`` rows.
        ``datastream``: a Blynk datastream id or label (a Thingsee field)."""
        if int(buckets) < 1:
            raise InputError(f"buckets={buckets!r} must be at least 1")
        kind = "blynk" if isinstance(device, int) else "thingsee"
        paths, names = self._series_files(kind, str(device), str(datastream))
        if not paths or start > end:
            return _points_frame(np.empty(0, np.int64), np.empty(0, np.float64))
        query = f"""
            WITH pts AS (
                SELECT epoch_ms(time) AS t, value FROM read_parquet({_sql_list(paths)})
                WHERE {_IN_WINDOW} AND {_OF_SERIES[kind]}),
            b AS (
                SELECT (t - $lo) * $n // ($hi - $lo + 1) AS bucket,
                       arg_min(t, value) AS t_lo, min(value) AS v_lo,
                       arg_max(t, value) AS t_hi, max(value) AS v_hi
                FROM pts GROUP BY bucket)
            SELECT t_lo AS t, v_lo AS v FROM b UNION SELECT t_hi, v_hi FROM b ORDER BY t"""
        with self._duck_lock:
            con = self._duck_connection()
            rows = con.execute(query, {"lo": start, "hi": end, "n": int(buckets), **names}
                               ).fetchnumpy()  # fmt: skip
        times = np.asarray(rows["t"], dtype=np.int64)
        return _points_frame(times, np.asarray(rows["v"], dtype=np.float64))

    def extent(
        self, device: int | str, datastream: int | str, start: int, end: int
    ) -> tuple[int, int | None, int | None]:
        """How many points of one series lie in ``[start, end]`` (epoch ms, NaN values not
        counted, as in :meth:`minmax`) and the first and last of their times; ``(0, None,
        None)`` when none. DuckDB over the files holding that series, filtered by it."""
        kind = "blynk" if isinstance(device, int) else "thingsee"
        paths, names = self._series_files(kind, str(device), str(datastream))
        if not paths or start > end:
            return 0, None, None
        query = f"""
            SELECT count(*), min(epoch_ms(time)), max(epoch_ms(time))
            FROM read_parquet({_sql_list(paths)})
            WHERE {_IN_WINDOW} AND {_OF_SERIES[kind]}"""
        with self._duck_lock:
            con = self._duck_connection()
            row = con.execute(query, {"lo": start, "hi": end, **names}).fetchone()
        count, first, last = row if row is not None else (0, None, None)
        if not count:
            return 0, None, None
        return int(count), int(first), int(last)

    def _duck_connection(self) -> DuckDBPyConnection:
        import duckdb

        if self._duck is None:
            self._duck = duckdb.connect(":memory:")
            self._duck.execute("SET TimeZone='UTC'")
        return self._duck

    def _series_files(
        self, kind: str, device: str, name: str
    ) -> tuple[list[Path], dict[str, object]]:
        """The files holding a series (each once) and the values of its naming columns
        (the parameters of :data:`_OF_SERIES`)."""
        found = self.catalog.label_of(kind, device, name)
        if not found:
            return [], {}
        sid, stream, label = found[0]
        with self.catalog.reading() as db:
            held = self.catalog.segments(db, sid, -(2**62), 2**62)
        paths = dict.fromkeys(self.folder / s.path for s in held if s.path is not None)
        first, second = series_id_values(SeriesKey(kind, device, stream, label))
        return list(paths), {"first": first, "second": second}


def _check_kind(kind: str) -> None:
    if kind not in _VIEWS:
        raise InputError(f"kind={kind!r} is not one of {', '.join(sorted(_VIEWS))}")


def _sql_list(paths: Sequence[Path]) -> str:
    quoted = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
    return f"[{quoted}]"


def _points_frame(times: Ints, values: Floats) -> pd.DataFrame:
    index = pd.DatetimeIndex(times.astype("datetime64[ms]"), name="time").tz_localize("UTC")
    return pd.DataFrame({"value": values}, index=index)
