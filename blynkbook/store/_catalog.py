"""The store's catalog: one SQLite file (WAL) per account saying which ranges of which
series are held, in which Parquet file, fetched when.

Tables:

* ``series(id, kind, device, stream, label)``: one row a series; ``kind`` is ``blynk``
  (device id, datastream id) or ``thingsee`` (thing id, field name);
* ``segments(id, series, lo, hi, fetched_at, rows, path)``: a covered range ``[lo, hi]``
  (epoch ms, both inclusive) of one series and the file holding its points (``path`` is
  relative to the store folder; NULL when the range holds no point). Segments of one
  series never overlap: a newer fetch of a range replaces what it covers. A file holds
  many series: several rows name one path, and a file holds exactly the points of the
  rows naming it.
* ``retired(path, at)``: files no segment names any more, deleted after a grace period
  (another process may be reading them right now).

Every change is one ``BEGIN IMMEDIATE`` transaction, so several processes can write:
SQLite serialises them, and a process killed mid-way leaves the last committed state.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Catalog", "Segment", "SeriesKey"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, device TEXT NOT NULL, stream TEXT NOT NULL,
    label TEXT NOT NULL, UNIQUE (kind, device, stream));
CREATE TABLE IF NOT EXISTS segments (
    id INTEGER PRIMARY KEY, series INTEGER NOT NULL REFERENCES series(id),
    lo INTEGER NOT NULL, hi INTEGER NOT NULL, fetched_at INTEGER NOT NULL,
    rows INTEGER NOT NULL, path TEXT);
CREATE INDEX IF NOT EXISTS segments_by_series ON segments (series, lo);
CREATE INDEX IF NOT EXISTS segments_by_path ON segments (path);
CREATE TABLE IF NOT EXISTS retired (path TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_BUSY_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class SeriesKey:
    """One series: ``kind`` (``"blynk"``/``"thingsee"``), the device (or thing) and the
    stream (datastream id, or field name) as text, and the label it is shown as."""

    kind: str
    device: str
    stream: str
    label: str


@dataclass(frozen=True)
class Segment:
    """A covered range of one series, and its file (None: no points in the range)."""

    id: int
    series: int
    lo: int
    hi: int
    fetched_at: int
    rows: int
    path: str | None


class Catalog:
    """The catalog file; thread-safe (one connection behind a lock), multi-process safe."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self._lock = threading.RLock()
        if read_only and path.exists():
            uri = f"{path.as_uri()}?mode=ro"
            self._db = sqlite3.connect(
                uri, uri=True, timeout=_BUSY_TIMEOUT_S, isolation_level=None,
                check_same_thread=False,
            )  # fmt: skip
            return
        self._db = sqlite3.connect(
            path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self.writing() as db:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``: the file's write lock is taken at
        once, so the reads inside it see what no other process can change meanwhile)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several reads (a deferred transaction)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            finally:
                self._db.execute("COMMIT")

    # series ------------------------------------------------------------------------------------
    def series_id(self, db: sqlite3.Connection, key: SeriesKey, *, create: bool) -> int | None:
        row = db.execute(
            "SELECT id, label FROM series WHERE kind=? AND device=? AND stream=?",
            (key.kind, key.device, key.stream),
        ).fetchone()
        if row is not None:
            if create and row[1] != key.label:
                db.execute("UPDATE series SET label=? WHERE id=?", (key.label, row[0]))
            return int(row[0])
        if not create:
            return None
        cursor = db.execute(
            "INSERT INTO series (kind, device, stream, label) VALUES (?, ?, ?, ?)",
            (key.kind, key.device, key.stream, key.label),
        )
        return int(cursor.lastrowid or 0)

    def keys_of(self, db: sqlite3.Connection, ids: Sequence[int]) -> dict[int, SeriesKey]:
        """The keys of series ``ids``."""
        out = {}
        for sid in dict.fromkeys(ids):
            row = db.execute(
                "SELECT kind, device, stream, label FROM series WHERE id=?", (sid,)
            ).fetchone()
            out[sid] = SeriesKey(*map(str, row))
        return out

    def series_ids(
        self, db: sqlite3.Connection, kind: str, device: str, streams: Sequence[str] | None
    ) -> list[int]:
        rows = db.execute(
            "SELECT id, stream FROM series WHERE kind=? AND device=?", (kind, device)
        ).fetchall()
        return [int(i) for i, stream in rows if streams is None or stream in streams]

    # segments ----------------------------------------------------------------------------------
    def segments(self, db: sqlite3.Connection, series: int, lo: int, hi: int) -> list[Segment]:
        """Segments of one series overlapping ``[lo, hi]``, ascending."""
        rows = db.execute(
            "SELECT id, series, lo, hi, fetched_at, rows, path FROM segments "
            "WHERE series=? AND hi>=? AND lo<=? ORDER BY lo",
            (series, lo, hi),
        ).fetchall()
        return [Segment(*row) for row in rows]

    def add_segment(
        self, db: sqlite3.Connection, series: int, lo: int, hi: int, fetched_at: int,
        rows: int, path: str | None,
    ) -> None:  # fmt: skip
        db.execute(
            "INSERT INTO segments (series, lo, hi, fetched_at, rows, path) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (series, lo, hi, fetched_at, rows, path),
        )

    def remove_segment(self, db: sqlite3.Connection, segment: Segment) -> None:
        """Delete one row (its file is retired by :meth:`retire_unnamed`)."""
        db.execute("DELETE FROM segments WHERE id=?", (segment.id,))

    def repoint(self, db: sqlite3.Connection, old: Sequence[str], new: str | None) -> None:
        """Every row naming a file of ``old`` names ``new`` instead."""
        db.executemany("UPDATE segments SET path=? WHERE path=?", [(new, p) for p in old])

    def retire_unnamed(self, db: sqlite3.Connection, paths: Sequence[str], now: float) -> None:
        """Retire the files of ``paths`` that no row names any more."""
        for path in dict.fromkeys(paths):
            if db.execute("SELECT 1 FROM segments WHERE path=? LIMIT 1", (path,)).fetchone():
                continue
            db.execute("INSERT OR REPLACE INTO retired (path, at) VALUES (?, ?)", (path, now))

    def rows_of(self, db: sqlite3.Connection, path: str) -> list[Segment]:
        """The rows naming one file, by series and time."""
        rows = db.execute(
            "SELECT id, series, lo, hi, fetched_at, rows, path FROM segments WHERE path=? "
            "ORDER BY series, lo",
            (path,),
        ).fetchall()
        return [Segment(*row) for row in rows]

    def file_rows(
        self, db: sqlite3.Connection, kind: str, settle_ms: int, prefix: str | None = None
    ) -> list[tuple[str, int, bool]]:
        """Live files of ``kind`` (optionally only paths starting with ``prefix``): (path,
        rows, whether every row naming it is settled), by path."""
        where = " AND s.path >= ? AND s.path < ?" if prefix else ""
        bounds = (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)) if prefix else ()
        rows = db.execute(
            "SELECT s.path, sum(s.rows), min(s.hi <= s.fetched_at - ?) FROM segments s "
            "JOIN series k ON k.id = s.series WHERE s.path IS NOT NULL AND k.kind=?"
            + where
            + " GROUP BY s.path ORDER BY s.path",
            (settle_ms, kind, *bounds),
        ).fetchall()
        return [(str(p), int(n), bool(settled)) for p, n, settled in rows]

    def expired_files(self, db: sqlite3.Connection, before: float) -> list[str]:
        """Retired files older than ``before``, forgotten as they are returned."""
        paths = [p for (p,) in db.execute("SELECT path FROM retired WHERE at<?", (before,))]
        db.execute("DELETE FROM retired WHERE at<?", (before,))
        return paths

    def live_paths(self, kind: str | None = None) -> list[str]:
        """Every file a row names (each once), by path."""
        with self._lock:
            query = (
                "SELECT DISTINCT s.path FROM segments s JOIN series k ON k.id = s.series "
                "WHERE s.path IS NOT NULL" + (" AND k.kind=?" if kind else "") + " ORDER BY s.path"
            )
            return [p for (p,) in self._db.execute(query, (kind,) if kind else ())]

    def totals(self) -> dict[str, int]:
        with self._lock:
            series, segments, points, newest = self._db.execute(
                "SELECT (SELECT count(*) FROM series), count(*), coalesce(sum(rows), 0), "
                "coalesce(max(fetched_at), 0) FROM segments"
            ).fetchone()
        return {"series": series, "segments": segments, "points": points, "newest": newest}

    def newest_fetch(self) -> int | None:
        """The latest ``fetched_at`` of any segment (None when empty)."""
        with self._lock:
            (newest,) = self._db.execute("SELECT max(fetched_at) FROM segments").fetchone()
        return None if newest is None else int(newest)

    def label_of(self, kind: str, device: str, name: str) -> list[tuple[int, str, str]]:
        """Series of a device whose stream or label is ``name``: (id, stream, label)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, stream, label FROM series WHERE kind=? AND device=? "
                "AND (stream=? OR label=?)",
                (kind, device, name, name),
            ).fetchall()
        return [(int(i), str(s), str(label)) for i, s, label in rows]

    def forget_everything(self, db: sqlite3.Connection) -> list[str]:
        """Drop every row; returns the files the segments named (and the retired ones)."""
        paths = [
            p for (p,) in db.execute("SELECT DISTINCT path FROM segments WHERE path IS NOT NULL")
        ]
        paths += [p for (p,) in db.execute("SELECT path FROM retired")]
        for table in ("segments", "retired", "series"):
            db.execute(f"DELETE FROM {table}")
        return paths
