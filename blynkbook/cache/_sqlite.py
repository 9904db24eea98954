"""The SQLite file under requests-cache, made loud and safe.

requests-cache's own SQLite storage rolls a failed write back and says nothing (a full
disk, a read-only file), waits for a locked file forever, and runs a ``VACUUM`` after every
bulk delete. Here:

* :class:`Table` is requests-cache's ``SQLiteDict`` whose writes raise ``sqlite3.Error``
  (the owner turns it into a :class:`~blynkbook.errors.CacheWarning`), whose wait for the
  write lock ends after ``timeout`` seconds, and which opens the file in one of three
  modes: ``rw``; ``ro`` (a read-only file); ``immutable`` (a read-only folder, where not
  even the WAL index can be created).
* :class:`GuardedCache` is the requests-cache backend over two such tables. A response is
  saved only if no invalidation touched it while it was in flight: before a read is sent,
  :meth:`GuardedCache.snapshot` notes the *generations* of everything the answer is about
  (one counter per device and per endpoint, per server, in the ``generations`` table of the
  same file), and the save re-reads them inside its own write transaction; a write bumps
  them, in the transaction that deletes the entries it made stale. Several threads and
  several processes on one file are covered alike: SQLite serialises the transactions.
* Deletes never ``VACUUM``: freed pages are reused by the next saves.

Nothing here warns or decides; failures go to the owner (``on_error``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from logging import getLogger
from pathlib import Path
from typing import Any, Final, Literal

import requests
from requests_cache.backends.base import BaseCache
from requests_cache.backends.sqlite import SQLiteCache, SQLiteDict
from requests_cache.cache_keys import redact_response
from requests_cache.models.response import CachedResponse

__all__ = [
    "GuardedCache",
    "OpenMode",
    "Snapshot",
    "Table",
    "error_code",
    "is_being_created",
    "is_damage",
]

OpenMode = Literal["rw", "ro", "immutable"]
#: ``on_error(exc, doing)``: the owner's handler of a storage failure.
ErrorHandler = Callable[[sqlite3.Error, str], None]

GENERATIONS_TABLE: Final = "generations"
_GENERATIONS_DDL: Final = (
    f"CREATE TABLE IF NOT EXISTS {GENERATIONS_TABLE} (scope TEXT PRIMARY KEY, gen INTEGER NOT NULL)"
)
_BUMP: Final = (
    f"INSERT INTO {GENERATIONS_TABLE} (scope, gen) VALUES (?, 1) "
    "ON CONFLICT(scope) DO UPDATE SET gen = gen + 1"
)
_CHUNK: Final = 500  # bound parameters per statement (SQLite allows 999 by default)
_WAL_LIMIT: Final = 8 * 2**20  # the WAL is cut back to this after a checkpoint
#: A save waits at most this long for another process's write lock: losing one answer is
#: harmless, and 16 threads queueing behind a held lock must not stall a pull.
SAVE_TIMEOUT: Final = 0.5
# SQLite result codes (the primary code is the low byte of the extended one)
SQLITE_BUSY: Final = 5
SQLITE_LOCKED: Final = 6
SQLITE_CORRUPT: Final = 11
SQLITE_NOTADB: Final = 26

log = getLogger("blynkbook.cache")


def error_code(exc: sqlite3.Error) -> int:
    """SQLite's primary result code of an error (0 when the module gave none)."""
    return (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def is_damage(exc: sqlite3.Error) -> bool:
    """True for a damaged file: "file is not a database", "disk image is malformed".

    >>> is_damage(sqlite3.DatabaseError("database disk image is malformed"))
    True
    >>> is_damage(sqlite3.OperationalError("database or disk is full"))
    False
    """
    if error_code(exc) in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def is_being_created(exc: sqlite3.Error) -> bool:
    """True when opening failed only because another connection is creating the file: it
    holds the lock, or the read-only fallback found the tables not made yet.

    >>> is_being_created(sqlite3.OperationalError("no such table: responses"))
    True
    >>> is_being_created(sqlite3.OperationalError("unable to open database file"))
    False
    """
    if error_code(exc) in (SQLITE_BUSY, SQLITE_LOCKED):
        return True
    text = str(exc).lower()
    return "no such table" in text or "locked" in text or "busy" in text


def _uri(path: Path, mode: OpenMode) -> str:
    uri = path.absolute().as_uri()
    return uri if mode == "rw" else f"{uri}?{'mode=ro' if mode == 'ro' else 'immutable=1'}"


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class Table(SQLiteDict):
    """One table of the cache file (requests-cache's ``SQLiteDict``), loud on failure.

    ``mode`` as in the module docstring; ``timeout`` bounds every wait for a lock (seconds);
    ``create`` makes the table if it is missing (``rw`` only); ``mmap_bytes`` maps that much
    of the file for reads.
    """

    def __init__(
        self,
        path: Path,
        *,
        table_name: str,
        serializer: Any,
        mode: OpenMode,
        timeout: float,
        lock: Any = None,
        create: bool = True,
        mmap_bytes: int = 0,
    ) -> None:
        self.mode: OpenMode = mode
        self._timeout = timeout
        self._create = create and mode == "rw"
        self._mmap_bytes = mmap_bytes
        extra = {"lock": lock} if lock is not None else {}
        super().__init__(
            path, table_name=table_name, serializer=serializer, wal=mode == "rw",
            timeout=timeout, **extra,
        )  # fmt: skip

    def init_db(self) -> None:
        """Create the table (and the generations table) if missing; never waits for the
        write lock when both exist already."""
        self.close()
        if not self._create:
            return
        with self.connection() as con:
            names = {
                row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        if {self.table_name, GENERATIONS_TABLE} <= names:
            return
        with self.transaction() as con:
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table_name} "
                "(key TEXT PRIMARY KEY, value BLOB, expires INTEGER)"
            )
            con.execute(f"CREATE INDEX IF NOT EXISTS expires_idx ON {self.table_name}(expires)")
            con.execute(_GENERATIONS_DDL)

    @contextmanager
    def connection(self, commit: bool = False) -> Iterator[sqlite3.Connection]:
        """The table's connection (opened on first use); ``commit=True`` wraps the block in
        a write transaction (see :meth:`transaction`)."""
        with self._lock:
            if self._connection is None:
                self._connection = self._open()
        if commit and not self._active_transaction:
            with self.transaction() as con:
                yield con
        else:
            yield self._connection

    def _open(self) -> sqlite3.Connection:
        con = sqlite3.connect(
            _uri(Path(self.db_path), self.mode),
            uri=True,
            isolation_level=None,
            check_same_thread=False,
            timeout=self._timeout,
        )
        try:
            if self.mode == "rw":
                con.execute("PRAGMA journal_mode=WAL")
                con.execute("PRAGMA synchronous=NORMAL")
                con.execute(f"PRAGMA journal_size_limit={_WAL_LIMIT}")
            if self._mmap_bytes:
                con.execute(f"PRAGMA mmap_size={int(self._mmap_bytes)}")
        except sqlite3.Error:
            con.close()
            raise
        return con

    @contextmanager
    def transaction(self, timeout: float | None = None) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back and re-raised on any error. The wait
        for the write lock ends after ``timeout`` seconds (default: the table's), then
        "database is locked" is raised."""
        with self._lock:
            if self._connection is None:
                self._connection = self._open()
            con = self._connection
            if self._active_transaction:  # nested: part of the outer transaction
                yield con
                return
            wait = self._timeout if timeout is None else min(timeout, self._timeout)
            con.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
            con.execute("BEGIN IMMEDIATE")
            self._active_transaction = True
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            finally:
                self._active_transaction = False

    @contextmanager
    def _acquire_sqlite_lock(self) -> Iterator[None]:
        # requests-cache retries BEGIN forever and swallows a failed COMMIT
        with self.transaction():
            yield

    def vacuum(self) -> None:
        """No VACUUM: it rewrites the whole file; freed pages are reused instead."""

    def clear(self) -> None:
        """Delete every row (the table stays)."""
        with self.transaction() as con:
            con.execute(f"DELETE FROM {self.table_name}")

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                with suppress(sqlite3.Error):  # closing a broken file
                    self._connection.close()
                self._connection = None


@dataclass(frozen=True)
class Snapshot:
    """The generations of a read's scopes when it was sent."""

    key: str
    gens: Mapping[str, int]


def read_generations(con: sqlite3.Connection, scopes: Iterable[str]) -> dict[str, int]:
    """``{scope: generation}`` for every scope (0 for one never bumped)."""
    wanted = sorted(set(scopes))
    found: dict[str, int] = dict.fromkeys(wanted, 0)
    for part in _chunks(wanted):
        marks = ",".join("?" * len(part))
        rows = con.execute(
            f"SELECT scope, gen FROM {GENERATIONS_TABLE} WHERE scope IN ({marks})", part
        )
        found.update({scope: int(gen) for scope, gen in rows})
    return found


class GuardedCache(SQLiteCache):
    """The requests-cache backend: saves checked against invalidations in flight, storage
    errors handed to ``on_error`` (never raised into requests-cache), no VACUUM.

    ``scopes_of(key)`` names the generations an entry depends on (empty: the key is not
    ours, never stored).
    """

    def __init__(
        self,
        path: Path,
        *,
        serializer: Any,
        mode: OpenMode,
        timeout: float,
        on_error: ErrorHandler,
        scopes_of: Callable[[str], list[str]],
    ) -> None:
        BaseCache.__init__(self, cache_name=str(path))
        self.responses: Table = Table(
            path, table_name="responses", serializer=serializer, mode=mode, timeout=timeout
        )
        self.redirects: Table = Table(
            path, table_name="redirects", serializer=None, mode=mode, timeout=timeout,
            lock=self.responses._lock,
        )  # fmt: skip
        self._on_error = on_error
        self._scopes_of = scopes_of
        self._in_flight = threading.local()
        self.skipped_saves = 0  # answers not stored: an invalidation came while in flight

    # -- reads in flight ------------------------------------------------------------------

    def snapshot(self, con: sqlite3.Connection, key: str) -> Snapshot:
        """The generations ``key`` depends on, read now (before its request is sent)."""
        return Snapshot(key, read_generations(con, self._scopes_of(key)))

    @contextmanager
    def in_flight(self, snapshot: Snapshot | None) -> Iterator[None]:
        """Saves made by this thread inside the block are checked against ``snapshot``
        (None: the snapshot could not be read, so nothing is saved)."""
        previous = getattr(self._in_flight, "snapshot", None)
        self._in_flight.snapshot = snapshot
        try:
            yield
        finally:
            self._in_flight.snapshot = previous

    # -- requests-cache's calls -----------------------------------------------------------

    def get_response(self, key: str, default: Any = None) -> CachedResponse | None:
        try:
            answer: CachedResponse | None = super().get_response(key, default)
        except sqlite3.Error as exc:
            self._on_error(exc, "read")
            return default  # type: ignore[no-any-return]
        return answer

    def save_response(
        self,
        response: requests.Response,
        cache_key: str | None = None,
        expires: datetime | None = None,
    ) -> None:
        """Store the answer unless an invalidation of what it is about happened since its
        request was sent; a storage error goes to ``on_error`` and the call goes on."""
        key = cache_key or self.create_key(response.request)
        snapshot: Snapshot | None = getattr(self._in_flight, "snapshot", None)
        if snapshot is None or snapshot.key != key:
            self.skipped_saves += 1  # fetched outside a checked read: not provably fresh
            return
        cached = CachedResponse.from_response(response, expires=expires)
        cached = redact_response(cached, self._settings.ignored_parameters)
        value = self.responses.serialize(cached)
        aliases = [self.create_key(r.request) for r in response.history or ()]
        try:
            with self.responses.transaction(SAVE_TIMEOUT) as con:
                if read_generations(con, snapshot.gens) != dict(snapshot.gens):
                    self.skipped_saves += 1
                    log.debug("not stored: invalidated while in flight (%s)", key)
                    return
                con.execute(
                    "INSERT OR REPLACE INTO responses (key, value, expires) VALUES (?, ?, ?)",
                    (key, value, getattr(cached, "expires_unix", None)),
                )
                for alias in aliases if not cached.revalidated else ():
                    con.execute(
                        "INSERT OR REPLACE INTO redirects (key, value) VALUES (?, ?)",
                        (alias, key),
                    )
        except sqlite3.Error as exc:
            self._on_error(exc, "save")

    def delete(self, *keys: str, expired: bool = False, vacuum: bool = False, **kw: Any) -> None:
        try:
            super().delete(*keys, expired=expired, vacuum=False, **kw)
        except sqlite3.Error as exc:
            self._on_error(exc, "delete")

    # -- invalidation ---------------------------------------------------------------------

    def invalidate(self, scopes: Iterable[str], doomed: Callable[[str], bool]) -> int:
        """In one write transaction: bump ``scopes`` and delete every key ``doomed`` names.
        Raises ``sqlite3.Error`` (the caller decides what a failed invalidation means)."""
        bumped = sorted(set(scopes))
        keys: list[str]
        with self.responses.transaction() as con:
            con.executemany(_BUMP, [(scope,) for scope in bumped])
            keys = [k for (k,) in con.execute("SELECT key FROM responses") if doomed(k)]
            for part in _chunks(keys):
                marks = ",".join("?" * len(part))
                con.execute(f"DELETE FROM responses WHERE key IN ({marks})", part)
                con.execute(f"DELETE FROM redirects WHERE value IN ({marks})", part)
        return len(keys)

    def close(self) -> None:
        self.responses.close()
        self.redirects.close()

    def __repr__(self) -> str:
        return f"<GuardedCache {self.responses.db_path} ({self.responses.mode})>"
