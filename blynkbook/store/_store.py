"""The series store: points on disk, a catalog of what is covered, DuckDB and Dask on top.

This module plans, writes and reads points; the engines over the files are in
``_query.py`` (a mixin), compaction in ``_compaction.py``, the two-half writes in
``_batch.py`` and ``StoreInfo`` / ``NoStore`` in ``_info.py``.
"""

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

from blynkbook.errors import InputError

from ._batch import GroupCommit, Pending
from ._catalog import Catalog, Segment, SeriesKey
from ._compaction import compact_series
from ._files import read_points, write_points
from ._info import NoStore, StoreInfo
from ._query import _VIEWS, StoreQueries
from ._ranges import Range, clip, merge, split_at, split_months, subtract

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

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
#: A series-month with more segments than this is compacted after a write.
COMPACT_AFTER: Final = 8
_READ_THREADS: Final = 4


class SeriesStore(StoreQueries):
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

    def series_of(self, kind: str, device: str | None) -> list[SeriesKey]:
        """Every series the store has named of one device (None: of every device of
        ``kind``), held or emptied, by device and stream."""
        if self._catalog is None and not (self.folder / "catalog.sqlite").exists():
            return []  # never filled: nothing is held (and nothing is created)
        with self.catalog.reading() as db:
            rows = db.execute(
                "SELECT kind, device, stream, label FROM series WHERE kind=? "
                "AND (? IS NULL OR device=?) ORDER BY device, stream",
                (kind, device, device),
            ).fetchall()
        return [SeriesKey(str(k), str(d), str(s), str(label)) for k, d, s, label in rows]

    def relabel(self, keys: Sequence[SeriesKey]) -> int:
        """Give series the store already names the labels ``keys`` carry (a key it does
        not name is ignored; no coverage changes). Returns how many labels changed. Used
        by this client's own writes that change what a label says."""
        if not keys or (self._catalog is None and not (self.folder / "catalog.sqlite").exists()):
            return 0
        changed = 0
        with self.catalog.writing() as db:
            for key in keys:
                cursor = db.execute(
                    "UPDATE series SET label=? WHERE kind=? AND device=? AND stream=? AND label<>?",
                    (key.label, key.kind, key.device, key.stream, key.label),
                )
                changed += cursor.rowcount
        return changed

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

    def recorded_now(self) -> int | None:
        """When the newest segment was fetched (epoch ms): "now" for offline replays."""
        return self.catalog.newest_fetch()

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
                merged += compact_series(
                    self.catalog, self.folder, self.settle_ms, int(sid), series_key
                )
        self._collect_garbage()
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
