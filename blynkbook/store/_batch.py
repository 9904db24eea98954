"""Writes in two halves: segment files first (:class:`Pending`, on any thread), catalog
rows after (one transaction for many), so the slow half runs off the fetch path and the
catalog's write lock is taken once per batch instead of once per series.

A pending write is invisible until its transaction commits: a process killed before that
leaves files no segment names (never read), and loses only the writes not yet committed.
:class:`GroupCommit` is the committer of ``cloud.pull()``: workers hand it prepared writes
and go on fetching; one thread commits whatever has queued up, in one transaction.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType

from ._catalog import SeriesKey
from ._ranges import Range

__all__ = ["GroupCommit", "Pending"]


@dataclass(frozen=True)
class Pending:
    """A write whose files exist but which the catalog does not list yet: ``[lo, hi]`` of
    ``key`` fetched at ``fetched_at``, as ``pieces`` of (range, rows, file or None)."""

    key: SeriesKey
    lo: int
    hi: int
    fetched_at: int
    pieces: list[tuple[Range, int, str | None]]


_DONE = object()


class GroupCommit:
    """A thread that commits prepared writes in batches (all that queued up while the
    previous transaction ran). Use as a context manager: leaving it commits what is
    queued, stops the thread, and raises the first commit error, if any. A write whose
    commit failed is dropped with its files (``commit`` does that); the ones queued after
    it are still committed."""

    def __init__(self, commit: Callable[[Sequence[Pending]], None]) -> None:
        self._commit = commit
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._errors: list[BaseException] = []
        self.batches = 0
        self._thread = threading.Thread(target=self._run, name="blynkbook-store", daemon=True)

    def __enter__(self) -> GroupCommit:
        self._thread.start()
        return self

    def submit(self, pending: Pending) -> None:
        """Queue one prepared write (thread safe; returns at once)."""
        self._queue.put(pending)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._queue.put(_DONE)
        self._thread.join()
        if self._errors and error is None:
            raise self._errors[0]

    def _run(self) -> None:
        done = False
        while not done:
            batch = [self._queue.get()]
            while True:  # everything queued meanwhile goes in the same transaction
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            done = _DONE in batch
            writes = [p for p in batch if isinstance(p, Pending)]
            if not writes:
                continue
            try:
                self._commit(writes)
                self.batches += 1
            except BaseException as exc:  # noqa: BLE001 - handed to the caller at exit
                self._errors.append(exc)
