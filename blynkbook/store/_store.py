"""The series store: points on disk, a catalog of what is covered, DuckDB and Dask on top.

This module plans, writes and reads points; the engines over the files are in
``_query.py`` (a mixin), compaction into packs in ``_compaction.py``, the two-half writes
in ``_batch.py``, a batch's files and copy-on-write cuts in ``_writes.py``, and
``StoreInfo`` / ``NoStore`` in ``_info.py``.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from blynkbook.errors import InputError

from ._batch import GroupCommit, Pending
from ._catalog import Catalog, Segment, SeriesKey
from ._compaction import CompactionTrigger, compact_after_commit, compact_month, months
from ._files import read_series
from ._info import NoStore, StoreInfo
from ._query import _VIEWS, StoreQueries
from ._ranges import Range, clip, merge, split_at, split_months, subtract
from ._writes import cut_ranges, write_batch

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
        self._trigger = CompactionTrigger()

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
        """Get ``[lo, hi]`` of ``key`` ready for :meth:`commit` (cheap: the points stay in
        memory; nobody sees them until the commit). Thread safe.

        Coverage never extends past the fetch (a window ending in the future is covered up
        to ``fetched_at``, or its last point). The range is cut at month boundaries and at
        the settle edge, so re-checking the unsettled tail replaces only a small file.
        """
        if times.size:
            hi = min(hi, max(fetched_at, int(times[-1])))
        edge = fetched_at - self.settle_ms + 1
        pieces = (
            [
                (part, part[0] >= edge)
                for month in split_months((lo, hi))
                for part in split_at(month, [edge])
            ]
            if lo <= hi
            else []
        )
        return Pending(key, lo, hi, fetched_at, pieces, times, values)

    def commit(self, pending: Sequence[Pending]) -> None:
        """Write the files of prepared writes (one a kind, month and settled/tail part,
        for all of them) and put them into the catalog in one transaction (in order: a
        later one of the same series replaces what it covers of an earlier one). When the
        transaction fails, the files are removed and the error raised."""
        pending = [p for p in pending if p.pieces]
        if not pending:
            return
        rows, written = write_batch(self.folder, pending)
        try:
            with self.catalog.writing() as db:
                sids = {p.key: self.catalog.series_id(db, p.key, create=True) for p in pending}
                cuts: dict[int, list[Range]] = {}
                for p in pending:
                    cuts.setdefault(int(sids[p.key] or 0), []).append((p.lo, p.hi))
                cut_ranges(db, self.catalog, self.folder, cuts, written, time.time())
                for row in rows:
                    sid = int(sids[row.key] or 0)
                    self.catalog.add_segment(db, sid, row.lo, row.hi, row.fetched_at, row.rows,
                                             row.path)  # fmt: skip
                expired = self.catalog.expired_files(db, time.time() - GRACE_S)
        except BaseException:
            self._unlink(written)
            raise
        self._unlink(expired)
        compact_after_commit(self.catalog, self.folder, self.settle_ms, written, self._trigger)

    def group_commit(self) -> GroupCommit:
        """A committer thread for many prepared writes (see :class:`GroupCommit`)."""
        return GroupCommit(self.commit)

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
        written: list[str] = []
        try:
            with self.catalog.writing() as db:
                ids = self.catalog.series_ids(db, kind, device, streams)
                cut_ranges(db, self.catalog, self.folder, {sid: [cut] for sid in ids}, written,
                           time.time())  # fmt: skip
        except BaseException:
            self._unlink(written)
            raise
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
        """Per series, its stored points in its ``ranges`` (ascending, disjoint), ascending.
        Each file is read once for every series the call wants from it."""
        slots: list[list[tuple[str, int, int]]] = []  # per series: (file, lo, hi) in order
        with self.catalog.reading() as db:
            for key, wanted in zip(keys, ranges, strict=True):
                sid = self.catalog.series_id(db, key, create=False)
                slots.append(
                    []
                    if sid is None
                    else [
                        (s.path, max(lo, s.lo), min(hi, s.hi))
                        for lo, hi in wanted
                        if lo <= hi
                        for s in self.catalog.segments(db, sid, lo, hi)
                        if s.path is not None
                    ]
                )
        by_file: dict[str, list[tuple[int, int, int, int]]] = {}
        for n, parts in enumerate(slots):
            for m, (path, lo, hi) in enumerate(parts):
                by_file.setdefault(path, []).append((n, m, lo, hi))
        found: dict[tuple[int, int], tuple[Ints, Floats]] = {}

        def read_file(item: tuple[str, list[tuple[int, int, int, int]]]) -> None:
            path, wanted = item
            got = read_series(self.folder / path, keys[wanted[0][0]].kind,
                              [(keys[n], lo, hi) for n, _, lo, hi in wanted])  # fmt: skip
            for (n, m, _, _), points in zip(wanted, got, strict=True):
                found[(n, m)] = points

        if len(by_file) < 4:
            for item in by_file.items():
                read_file(item)
        else:  # pyarrow decodes without the GIL: a few threads read files side by side
            with ThreadPoolExecutor(max_workers=_READ_THREADS) as pool:
                list(pool.map(read_file, by_file.items()))
        return [
            _joined([found[(n, m)] for m in range(len(parts))]) for n, parts in enumerate(slots)
        ]

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
        """Merge the small settled files of every month into packs (see
        ``_compaction.py``; a store of the layout before packs is repacked too), of
        ``key``'s kind only when given; returns how many files went."""
        merged = 0
        for kind in [key.kind] if key is not None else _VIEWS:
            for _kind, month in sorted(months(self.catalog.live_paths(kind))):
                merged += compact_month(self.catalog, self.folder, self.settle_ms, kind, month,
                                        everything=True)  # fmt: skip
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
