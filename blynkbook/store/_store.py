"""The series store: points on disk, a catalog of what is covered, DuckDB and Dask on top."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from blynkbook._summary import Absent, Summary
from blynkbook.errors import InputError

from ._batch import GroupCommit, Pending
from ._catalog import Catalog, Segment, SeriesKey
from ._files import COLUMNS, read_frame, read_points, write_points
from ._ranges import Range, clip, merge, split_at, split_months, subtract

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection, DuckDBPyRelation

__all__ = [
    "DEFAULT_SETTLE_MS",
    "HORIZON_MS",
    "NoStore",
    "SeriesStore",
    "StoreInfo",
]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

#: The default re-check window: the last hour of a series' coverage is fetched again on
#: the next read that touches it (``connect(settle=...)`` changes it).
DEFAULT_SETTLE_MS: Final = 3_600_000
#: The import horizon: Blynk refuses points older than 30 days, so coverage older than this
#: is final (never re-fetched, not even by ``refresh=True``).
HORIZON_MS: Final = 30 * 86_400_000
#: How long a replaced file stays on disk for readers in other processes.
GRACE_S: Final = 300.0
#: Points a partition of :meth:`SeriesStore.to_dask` holds (files are not split).
PARTITION_POINTS: Final = 2_000_000
#: A series-month with more segments than this is compacted after a write.
COMPACT_AFTER: Final = 8
_READ_THREADS: Final = 4
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


class StoreInfo(Summary):
    """A read-only summary of the store (a mapping, with a readable repr)."""

    def __repr__(self) -> str:
        f = self._fields
        if f["path"] is None:
            return f"<StoreInfo: no store ({f['reason']})>"
        mode = " (offline)" if f["offline"] else ""
        return (
            f"<StoreInfo{mode} {f['path']}\n"
            f"  {f['series']} series, {f['points']:,} points in {f['files']} files, "
            f"{f['size_bytes'] / 1e6:.1f} MB on disk\n"
            f"  settle {f['settle_ms'] / 60_000:g} min, horizon {f['horizon_ms'] / 86_400_000:g} d>"
        )


class SeriesStore:
    """History points of one account (server + client id) under ``folder``.

    ``settle_ms``: coverage fetched less than this after its timestamps is re-checked on
    the next read (late points arrive); ``horizon_ms``: coverage older than this is final.
    ``offline=True`` never asks for a fetch: reads answer from what is covered.
    """

    def __init__(
        self,
        folder: str | Path,
        *,
        server: str,
        offline: bool = False,
        settle_ms: int = DEFAULT_SETTLE_MS,
        horizon_ms: int = HORIZON_MS,
        temporary: tempfile.TemporaryDirectory[str] | None = None,
    ) -> None:
        if settle_ms < 0:
            raise InputError(f"settle={settle_ms} ms is negative: it must be 0 or more")
        self.folder = Path(folder).expanduser()
        self.server = server
        self.offline = offline
        self.settle_ms = int(settle_ms)
        self.horizon_ms = int(horizon_ms)
        self._temporary = temporary
        self._catalog: Catalog | None = None
        self._open_lock = threading.Lock()
        self._duck: DuckDBPyConnection | None = None
        self._duck_lock = threading.Lock()

    @property
    def catalog(self) -> Catalog:
        """The catalog, opened (and the folder made) on first use: a client that never
        reads history leaves no trace on disk."""
        with self._open_lock:
            if self._catalog is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._catalog = Catalog(self.folder / "catalog.sqlite")
            return self._catalog

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        mode = " offline" if self.offline else ""
        return f"<SeriesStore{mode} {self.folder}>"

    # -- planning: what a read must fetch -----------------------------------------------------
    def plan(
        self, keys: Sequence[SeriesKey], lo: int, hi: int, *, now_ms: int, refresh: bool = False
    ) -> list[list[Range]]:
        """Per series, the ranges of ``[lo, hi]`` to fetch: what no segment covers, plus
        covered parts still inside their settle window (or, with ``refresh``, every part
        inside the horizon). Offline: nothing."""
        if self.offline or lo > hi:
            return [[] for _ in keys]
        horizon_edge = now_ms - self.horizon_ms
        with self.catalog.reading() as db:
            segments = []
            for key in keys:
                sid = self.catalog.series_id(db, key, create=False)
                segments.append([] if sid is None else self.catalog.segments(db, sid, lo, hi))
        return [self._to_fetch(s, lo, hi, horizon_edge, refresh) for s in segments]

    def _to_fetch(
        self, segments: Sequence[Segment], lo: int, hi: int, horizon_edge: int, refresh: bool
    ) -> list[Range]:
        wanted = (lo, hi)
        gaps = subtract(wanted, [(s.lo, s.hi) for s in segments])
        if refresh:
            recheck = [(max(lo, horizon_edge), hi)]
        else:
            recheck = [
                (max(s.lo, s.fetched_at - self.settle_ms + 1, horizon_edge), s.hi) for s in segments
            ]
        return merge(clip([*gaps, *recheck], wanted))

    def missing(self, keys: Sequence[SeriesKey], lo: int, hi: int) -> list[list[Range]]:
        """Per series, the parts of ``[lo, hi]`` no segment covers (offline's view)."""
        with self.catalog.reading() as db:
            out = []
            for key in keys:
                sid = self.catalog.series_id(db, key, create=False)
                held = [] if sid is None else self.catalog.segments(db, sid, lo, hi)
                out.append(subtract((lo, hi), [(s.lo, s.hi) for s in held]) if lo <= hi else [])
        return out

    # -- writing ------------------------------------------------------------------------------
    def put(
        self, key: SeriesKey, lo: int, hi: int, times: Ints, values: Floats, *, fetched_at: int
    ) -> None:
        """Record that ``[lo, hi]`` of ``key`` holds exactly these points (ascending, no
        repeated time), fetched at ``fetched_at`` (epoch ms, the client's "now"):
        :meth:`prepare` then :meth:`commit`."""
        self.commit([self.prepare(key, lo, hi, times, values, fetched_at=fetched_at)])

    def prepare(
        self, key: SeriesKey, lo: int, hi: int, times: Ints, values: Floats, *, fetched_at: int
    ) -> Pending:
        """Write the segment files of ``[lo, hi]`` of ``key`` (no catalog change: nobody
        sees them until :meth:`commit`). Thread safe; the slow half of a write.

        Coverage never extends past the fetch (a window ending in the future is covered up
        to ``fetched_at``, or its last point). The range is cut at month boundaries and at
        the settle edge, so re-checking the unsettled tail replaces only a small file.
        """
        if times.size:
            hi = min(hi, max(fetched_at, int(times[-1])))
        pieces = (
            [
                part
                for month in split_months((lo, hi))
                for part in split_at(month, [fetched_at - self.settle_ms + 1])
            ]
            if lo <= hi
            else []
        )
        written = [(piece, *self._write_piece(key, piece, times, values)) for piece in pieces]
        return Pending(key, lo, hi, fetched_at, written)

    def commit(self, pending: Sequence[Pending]) -> None:
        """Put prepared writes into the catalog, all in one transaction (in order: a later
        one of the same series replaces what it covers of an earlier one). When the
        transaction fails, their files are removed and the error raised."""
        pending = [p for p in pending if p.pieces]
        if not pending:
            return
        try:
            with self.catalog.writing() as db:
                crowded = [p.key for p in pending if self._record(db, p)]
                expired = self.catalog.expired_files(db, time.time() - GRACE_S)
        except BaseException:
            self._unlink([path for p in pending for *_, path in p.pieces if path is not None])
            raise
        self._unlink(expired)
        for key in dict.fromkeys(crowded):
            self.compact(key)

    def group_commit(self) -> GroupCommit:
        """A committer thread for many prepared writes (see :class:`GroupCommit`)."""
        return GroupCommit(self.commit)

    def _record(self, db: Any, pending: Pending) -> bool:
        """Inside a write transaction: one prepared write; whether its series is crowded."""
        sid = self.catalog.series_id(db, pending.key, create=True)
        assert sid is not None
        self._cut(db, pending.key, sid, (pending.lo, pending.hi))
        for (p_lo, p_hi), rows, path in pending.pieces:
            self.catalog.add_segment(db, sid, p_lo, p_hi, pending.fetched_at, rows, path)
        return self._crowded(db, sid, pending.lo)

    def _write_piece(
        self, key: SeriesKey, piece: Range, times: Ints, values: Floats
    ) -> tuple[int, str | None]:
        a, b = np.searchsorted(times, piece[0], "left"), np.searchsorted(times, piece[1], "right")
        if a == b:
            return 0, None
        return int(b - a), write_points(self.folder, key, times[a:b], values[a:b])

    def _cut(self, db: Any, key: SeriesKey, sid: int, cut: Range) -> None:
        """Inside a write transaction: remove ``cut`` from the series' coverage. Segments
        partly inside it are rewritten without it (their files are immutable)."""
        now = time.time()
        for segment in self.catalog.segments(db, sid, *cut):
            self.catalog.remove_segment(db, segment, now)
            for part in subtract((segment.lo, segment.hi), [cut]):
                rows, path = 0, None
                if segment.path is not None:
                    times, values = read_points(self.folder / segment.path, *part)
                    if times.size:
                        rows, path = int(times.size), write_points(self.folder, key, times, values)
                self.catalog.add_segment(db, sid, *part, segment.fetched_at, rows, path)

    def _crowded(self, db: Any, sid: int, lo: int) -> bool:
        (count,) = db.execute(
            "SELECT count(*) FROM segments WHERE series=? AND hi>=?", (sid, lo - 31 * 86_400_000)
        ).fetchone()
        return int(count) > COMPACT_AFTER

    def drop(
        self,
        kind: str,
        device: str,
        streams: Sequence[str] | None = None,
        lo: int | None = None,
        hi: int | None = None,
    ) -> int:
        """Forget the coverage of one device's series (``streams`` None: all of them) in
        ``[lo, hi]`` (None: unbounded), so the next read fetches it again. Returns how
        many series were touched. Used by this client's own writes."""
        if self._catalog is None and not (self.folder / "catalog.sqlite").exists():
            return 0  # never filled: nothing can be stale (and nothing is created)
        cut = (-(2**62) if lo is None else lo, 2**62 if hi is None else hi)
        with self.catalog.writing() as db:
            ids = self.catalog.series_ids(db, kind, device, streams)
            names = {
                int(i): SeriesKey(str(k), str(d), str(s), str(label))
                for i, k, d, s, label in db.execute(
                    "SELECT id, kind, device, stream, label FROM series WHERE kind=? AND device=?",
                    (kind, device),
                )
            }
            for sid in ids:
                self._cut(db, names[sid], sid, cut)
        return len(ids)

    def series_of(self, kind: str, device: str) -> list[SeriesKey]:
        """Every series the store has named of one device (held or emptied), by stream."""
        if self._catalog is None and not (self.folder / "catalog.sqlite").exists():
            return []  # never filled: nothing is held (and nothing is created)
        with self.catalog.reading() as db:
            rows = db.execute(
                "SELECT kind, device, stream, label FROM series WHERE kind=? AND device=? "
                "ORDER BY stream",
                (kind, device),
            ).fetchall()
        return [SeriesKey(str(k), str(d), str(s), str(label)) for k, d, s, label in rows]

    # -- reading ------------------------------------------------------------------------------
    def read(self, keys: Sequence[SeriesKey], lo: int, hi: int) -> list[tuple[Ints, Floats]]:
        """Per series, its stored points in ``[lo, hi]``, ascending."""
        return self.read_ranges(keys, [[(lo, hi)] for _ in keys])

    def read_ranges(
        self, keys: Sequence[SeriesKey], ranges: Sequence[Sequence[Range]]
    ) -> list[tuple[Ints, Floats]]:
        """Per series, its stored points in its ``ranges`` (ascending, disjoint), ascending."""
        with self.catalog.reading() as db:
            files: list[list[tuple[str, int, int]]] = []
            for key, wanted in zip(keys, ranges, strict=True):
                sid = self.catalog.series_id(db, key, create=False)
                files.append(
                    []
                    if sid is None
                    else [
                        (s.path, lo, hi)
                        for lo, hi in wanted
                        if lo <= hi
                        for s in self.catalog.segments(db, sid, lo, hi)
                        if s.path is not None
                    ]
                )
        flat = [part for parts in files for part in parts]
        if len(flat) < 8:
            found = [read_points(self.folder / p, lo, hi) for p, lo, hi in flat]
        else:  # pyarrow decodes without the GIL: a few threads read files side by side
            with ThreadPoolExecutor(max_workers=_READ_THREADS) as pool:
                found = list(pool.map(lambda f: read_points(self.folder / f[0], *f[1:]), flat))
        parts = iter(found)
        return [_joined([next(parts) for _ in paths]) for paths in files]

    def _points(self, paths: Sequence[str], lo: int, hi: int) -> tuple[Ints, Floats]:
        return _joined([read_points(self.folder / p, lo, hi) for p in paths])

    def recorded_now(self) -> int | None:
        """When the newest segment was fetched (epoch ms): "now" for offline replays."""
        return self.catalog.newest_fetch()

    # -- where the data lies: files, DuckDB, Dask -------------------------------------------
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
        """The live files of ``kind`` in groups of about :data:`PARTITION_POINTS` points
        (in path order: one series' files stay together)."""
        with self.catalog.reading() as db:
            files = db.execute(
                "SELECT s.path, s.rows FROM segments s JOIN series k ON k.id = s.series "
                "WHERE s.path IS NOT NULL AND k.kind=? ORDER BY s.path",
                (kind,),
            ).fetchall()
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
        over that series' files only (nothing else is loaded). Index ``time``
        (datetime64[ms, UTC]), column ``value``; ascending, at most ``2 * buckets`` rows.
        ``datastream``: a Blynk datastream id or label (a Thingsee field)."""
        if int(buckets) < 1:
            raise InputError(f"buckets={buckets!r} must be at least 1")
        kind = "blynk" if isinstance(device, int) else "thingsee"
        paths = self._series_files(kind, str(device), str(datastream))
        if not paths or start > end:
            return _points_frame(np.empty(0, np.int64), np.empty(0, np.float64))
        query = f"""
            WITH pts AS (
                SELECT epoch_ms(time) AS t, value FROM read_parquet({_sql_list(paths)})
                WHERE {_IN_WINDOW}),
            b AS (
                SELECT (t - $lo) * $n // ($hi - $lo + 1) AS bucket,
                       arg_min(t, value) AS t_lo, min(value) AS v_lo,
                       arg_max(t, value) AS t_hi, max(value) AS v_hi
                FROM pts GROUP BY bucket)
            SELECT t_lo AS t, v_lo AS v FROM b UNION SELECT t_hi, v_hi FROM b ORDER BY t"""
        with self._duck_lock:
            con = self._duck_connection()
            rows = con.execute(query, {"lo": start, "hi": end, "n": int(buckets)}).fetchnumpy()
        times = np.asarray(rows["t"], dtype=np.int64)
        return _points_frame(times, np.asarray(rows["v"], dtype=np.float64))

    def extent(
        self, device: int | str, datastream: int | str, start: int, end: int
    ) -> tuple[int, int | None, int | None]:
        """How many points of one series lie in ``[start, end]`` (epoch ms, NaN values not
        counted, as in :meth:`minmax`) and the first and last of their times; ``(0, None,
        None)`` when none. DuckDB over that series' files only."""
        kind = "blynk" if isinstance(device, int) else "thingsee"
        paths = self._series_files(kind, str(device), str(datastream))
        if not paths or start > end:
            return 0, None, None
        query = f"""
            SELECT count(*), min(epoch_ms(time)), max(epoch_ms(time))
            FROM read_parquet({_sql_list(paths)})
            WHERE {_IN_WINDOW}"""
        with self._duck_lock:
            con = self._duck_connection()
            row = con.execute(query, {"lo": start, "hi": end}).fetchone()
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

    def _series_files(self, kind: str, device: str, name: str) -> list[Path]:
        found = self.catalog.label_of(kind, device, name)
        if not found:
            return []
        with self.catalog.reading() as db:
            held = self.catalog.segments(db, found[0][0], -(2**62), 2**62)
        return [self.folder / s.path for s in held if s.path is not None]

    # -- housekeeping ---------------------------------------------------------------------------
    def info(self) -> StoreInfo:
        """Folder, series, segments, points, files and bytes on disk of this account."""
        totals = self.catalog.totals()
        files = self.catalog.live_paths()
        size = sum((self.folder / p).stat().st_size for p in files if (self.folder / p).exists())
        return StoreInfo(
            path=str(self.folder),
            server=self.server,
            offline=self.offline,
            series=totals["series"],
            segments=totals["segments"],
            points=totals["points"],
            files=len(files),
            size_bytes=size,
            settle_ms=self.settle_ms,
            horizon_ms=self.horizon_ms,
        )

    def clear(self) -> int:
        """Drop every series of this account; returns how many segments went."""
        segments = self.catalog.totals()["segments"]
        with self.catalog.writing() as db:
            paths = self.catalog.forget_everything(db)
        for path in paths:
            (self.folder / path).unlink(missing_ok=True)
        for kind in _VIEWS:
            shutil.rmtree(self.folder / kind, ignore_errors=True)
        return int(segments)

    def compact(self, key: SeriesKey | None = None) -> int:
        """Merge runs of adjacent settled segments of a series within a month into one
        file (all series when ``key`` is None); returns how many segments went."""
        with self.catalog.reading() as db:
            rows = db.execute("SELECT id, kind, device, stream, label FROM series").fetchall()
        merged = 0
        for sid, kind, device, stream, label in rows:
            series_key = SeriesKey(kind, device, stream, label)
            if key is None or (key.kind, key.device, key.stream) == (kind, device, stream):
                merged += self._compact_series(int(sid), series_key)
        self._collect_garbage()
        return merged

    def _compact_series(self, sid: int, key: SeriesKey) -> int:
        merged = 0
        with self.catalog.writing() as db:
            segments = self.catalog.segments(db, sid, -(2**62), 2**62)
            for run in _settled_runs(segments, self.settle_ms):
                times, values = self._points([s.path for s in run if s.path], run[0].lo, run[-1].hi)
                path = write_points(self.folder, key, times, values) if times.size else None
                now = time.time()
                for segment in run:
                    self.catalog.remove_segment(db, segment, now)
                fetched = max(s.fetched_at for s in run)
                self.catalog.add_segment(
                    db, sid, run[0].lo, run[-1].hi, fetched, int(times.size), path
                )
                merged += len(run) - 1
        return merged

    def _collect_garbage(self) -> None:
        with self.catalog.writing() as db:
            expired = self.catalog.expired_files(db, time.time() - GRACE_S)
        self._unlink(expired)

    def _unlink(self, paths: Sequence[str]) -> None:
        for path in paths:
            (self.folder / path).unlink(missing_ok=True)

    def close(self) -> None:
        """Close the catalog and DuckDB (and remove a temporary store)."""
        with self._duck_lock:
            if self._duck is not None:
                self._duck.close()
                self._duck = None
        with self._open_lock:
            if self._catalog is not None:
                self._catalog.close()
                self._catalog = None
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None


def _joined(parts: Sequence[tuple[Ints, Floats]]) -> tuple[Ints, Floats]:
    """One series' points from its files (in catalog order: ascending, no overlap)."""
    if not parts:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([t for t, _ in parts]), np.concatenate([v for _, v in parts])


def _settled_runs(segments: Sequence[Segment], settle_ms: int) -> list[list[Segment]]:
    """Runs of ≥ 2 touching, settled segments in one month (candidates to merge)."""
    runs: list[list[Segment]] = []
    current: list[Segment] = []
    for segment in segments:
        settled = segment.hi <= segment.fetched_at - settle_ms
        joins = (
            current
            and segment.lo == current[-1].hi + 1
            and split_months((current[0].lo, segment.hi))[0][1] >= segment.hi
        )
        if settled and joins:
            current.append(segment)
            continue
        if len(current) > 1:
            runs.append(current)
        current = [segment] if settled else []
    if len(current) > 1:
        runs.append(current)
    return runs


def _check_kind(kind: str) -> None:
    if kind not in _VIEWS:
        raise InputError(f"kind={kind!r} is not one of {', '.join(sorted(_VIEWS))}")


def _sql_list(paths: Sequence[Path]) -> str:
    quoted = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
    return f"[{quoted}]"


def _points_frame(times: Ints, values: Floats) -> pd.DataFrame:
    index = pd.DatetimeIndex(times.astype("datetime64[ms]"), name="time").tz_localize("UTC")
    return pd.DataFrame({"value": values}, index=index)


class NoStore(Absent):
    """No series store (``store=False``, the in-process demo by default); ``reason`` says
    why. Falsy; answers ``info()``, ``clear()``, ``files()`` like a store with nothing."""

    folder = None

    def info(self) -> StoreInfo:
        return StoreInfo(path=None, reason=self.reason)

    def clear(self) -> int:
        return 0

    def files(self, kind: str = "blynk") -> list[Path]:
        return []

    def sql(self, query: str, params: Sequence[Any] | None = None) -> Any:
        raise InputError(f"this client has no series store ({self.reason})")

    relation = to_dask = sql

    def close(self) -> None:
        """Nothing to close."""
