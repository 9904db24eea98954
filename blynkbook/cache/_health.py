"""What a cache session knows about its file's failures: warnings given once, saves that
failed, and whether the cache is off because an invalidation could not be applied.

Rules (issue 16):

* a failed save (disk full, read-only, locked past the timeout) warns once per kind,
  naming the file; that call goes on uncached, the next one tries again;
* an invalidation that cannot be applied turns the cache **off** for the session (reads go
  to the network, nothing is stored), so no stale answer is served; the invalidations are
  kept and retried every :data:`RETRY_SECONDS`, and the cache comes back on once they land
  (a later session would otherwise find the stale entries still there).
"""

from __future__ import annotations

import sqlite3
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Final

from blynkbook.errors import CacheWarning

from ._sqlite import error_code
from .policy import Invalidation

__all__ = ["RETRY_SECONDS", "Health", "explain"]

#: How often a disabled cache retries its pending invalidations.
RETRY_SECONDS: Final = 5.0

_WHY: Final = {
    13: "the disk (or the file's size limit) is full: free some space, or pass cache=False",
    8: (
        "the file is read-only: make it writable, pass offline=True to replay it as it is, "
        "or pass cache=<another path>"
    ),
    5: "another process held the file locked for longer than the timeout",
    6: "another process held the file locked for longer than the timeout",
    14: "the file cannot be opened: check the path and its permissions, or pass cache=False",
    3: "permission denied: check the file's permissions, or pass cache=<another path>",
    10: "the disk reported an I/O error: check the disk, or pass cache=<another path>",
}


def explain(exc: sqlite3.Error) -> str:
    """What a storage error means for the user, and the way out.

    >>> explain(sqlite3.OperationalError("database or disk is full"))[:8]
    'database'
    """
    why = _WHY.get(error_code(exc))
    return f"{exc} ({why})" if why else str(exc)


class Health:
    """Failure bookkeeping of one :class:`~blynkbook.cache.ResponseCache`; thread-safe.

    ``apply`` applies a list of pending invalidations in one transaction (raising
    ``sqlite3.Error`` when it cannot).
    """

    def __init__(self, path: Path, apply: Callable[[list[Invalidation]], int]) -> None:
        self.path = path
        self._apply = apply
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one flush at a time: none is applied twice or lost
        self._warned: set[tuple[str, int]] = set()
        self._pending: list[Invalidation] = []
        self._retry_at = 0.0
        self.disabled: str | None = None  # why the cache is off, or None
        self._gave_up = False  # off for good: the file cannot be used at all
        self.failed_saves = 0

    def warn_once(self, kind: str, code: int, message: str) -> None:
        """Warn with :class:`CacheWarning`, once per ``(kind, code)`` this session."""
        with self._lock:
            if (kind, code) in self._warned:
                return
            self._warned.add((kind, code))
        warnings.warn(message, CacheWarning, stacklevel=3)

    def save_failed(self, exc: sqlite3.Error) -> None:
        with self._lock:
            self.failed_saves += 1
        self.warn_once(
            "save",
            error_code(exc),
            f"blynkbook could not store an answer in the cache file {self.path}: "
            f"{explain(exc)}; the call went on without the cache",
        )

    def read_failed(self, exc: sqlite3.Error) -> None:
        self.warn_once(
            "read",
            error_code(exc),
            f"blynkbook could not read the cache file {self.path}: {explain(exc)}; the "
            "call went to the cloud instead",
        )

    def invalidate(self, stale: Invalidation) -> int:
        """Apply ``stale`` (with any still pending); on failure turn the cache off, warn,
        and keep them for the next retry. Returns how many entries went."""
        with self._lock:
            self._pending.append(stale)
        try:
            return self._flush()
        except sqlite3.Error as exc:
            self._disable(exc)
            return 0

    def enabled(self) -> bool:
        """True when the cache may be used; a disabled cache retries its pending
        invalidations at most every :data:`RETRY_SECONDS` and comes back once they land."""
        if self.disabled is None:
            return True
        with self._lock:
            if time.monotonic() < self._retry_at:
                return False
            self._retry_at = time.monotonic() + RETRY_SECONDS
        try:
            self._flush()
        except sqlite3.Error:
            return False
        return True

    def turn_off(self, why: str) -> None:
        """The file cannot be used at all any more (a damaged file that cannot be moved
        aside): off for the rest of the session, with one warning saying why."""
        with self._lock:
            first = not self._gave_up
            self.disabled = why
            self._gave_up = True
            self._retry_at = float("inf")
        if first:
            warnings.warn(
                f"{why}; the cache is off for this session, every read goes to the cloud",
                CacheWarning,
                stacklevel=3,
            )

    def forget_pending(self) -> None:
        """A fresh file replaced the old one: nothing left to invalidate, cache back on."""
        with self._lock:
            self._pending.clear()
            if not self._gave_up:
                self.disabled = None

    def _flush(self) -> int:
        with self._flushing:
            with self._lock:
                batch = list(self._pending)
            dropped = self._apply(batch) if batch else 0
            with self._lock:
                del self._pending[: len(batch)]
                if not self._pending and not self._gave_up:
                    self.disabled = None
            return dropped

    def _disable(self, exc: sqlite3.Error) -> None:
        with self._lock:
            if self._gave_up:
                return
            first = self.disabled is None
            self.disabled = f"an invalidation could not be applied: {exc}"
            self._retry_at = time.monotonic() + RETRY_SECONDS
        if first:
            warnings.warn(
                f"blynkbook could not drop the cached reads a write made stale from the cache "
                f"file {self.path}: {explain(exc)}. The write itself went through. The cache "
                "is off for this session so that no stale answer is served; blynkbook "
                f"retries the invalidation every {RETRY_SECONDS:g} s and turns the cache back "
                "on once it lands",
                CacheWarning,
                stacklevel=3,
            )
