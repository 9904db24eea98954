"""Writes in two halves: a prepared write (:class:`Pending`, on any thread) holds its
points in memory, cut into the pieces its files will hold; a commit writes the files of a
whole batch (one a kind, month and settled/tail part, holding every series of the batch)
and then puts the catalog rows in, one transaction for all, so the catalog's write lock is
taken once per batch instead of once per series, and a batch of 100 series is a few files.

A pending write is invisible until its transaction commits: a process killed before that
leaves at most files no segment names (never read), and loses only the writes not yet
committed. :class:`GroupCommit` is the committer of ``cloud.pull()``: workers hand it
prepared writes and go on fetching; one thread commits whatever has queued up, in one
transaction. Its queue holds at most :data:`MAX_QUEUED_POINTS` points (a worker handing
it more waits), so memory stays bounded however large the pull.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Final

import numpy as np
import numpy.typing as npt

from ._catalog import SeriesKey
from ._ranges import Range

__all__ = ["MAX_QUEUED_POINTS", "GroupCommit", "Pending"]

#: Points a :class:`GroupCommit` holds at most, queued or being committed (16 bytes each:
#: 32 MB); a single larger write is taken when it holds nothing else.
MAX_QUEUED_POINTS: Final = 2_000_000


@dataclass(frozen=True)
class Pending:
    """A write the catalog does not list yet: ``[lo, hi]`` of ``key`` fetched at
    ``fetched_at`` holds exactly ``times``/``values``; ``pieces`` are its ranges cut at
    month boundaries and at the settle edge, each with whether it is the unsettled tail."""

    key: SeriesKey
    lo: int
    hi: int
    fetched_at: int
    pieces: list[tuple[Range, bool]]
    times: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]


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
        self._room = threading.Condition()
        self._queued = 0
        self._errors: list[BaseException] = []
        self.batches = 0
        self._thread = threading.Thread(target=self._run, name="blynkbook-store", daemon=True)

    def __enter__(self) -> GroupCommit:
        self._thread.start()
        return self

    def submit(self, pending: Pending) -> None:
        """Queue one prepared write (thread safe; waits while the queue is full)."""
        size = int(pending.times.size)
        with self._room:
            self._room.wait_for(
                lambda: not self._queued or self._queued + size <= MAX_QUEUED_POINTS
            )
            self._queued += size
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
            finally:
                with self._room:
                    self._queued -= sum(int(p.times.size) for p in writes)
                    self._room.notify_all()
