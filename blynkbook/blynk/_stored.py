"""History through the series store: fetch only the gaps (and the unsettled tail), keep the
points, answer from the store.

``read_history`` is ``history.pull`` with a store in front: same frame, same order, same
errors. ``fill_store`` is ``cloud.pull()``: it streams page by page into the store (one
series-month in memory per worker) and builds no frame.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from blynkbook._provenance import with_meta
from blynkbook.errors import OfflineError
from blynkbook.store import Range, SeriesKey, SeriesStore
from blynkbook.store._batch import GroupCommit, Pending
from blynkbook.store._ranges import subtract
from blynkbook.transport import Failed, Reply, Session
from blynkbook.transport import ProgressBar as _Progress

from ._paging import MAX_PAGE_SIZE, page_count
from .history import (
    HISTORY_PATH,
    Floats,
    Ints,
    Job,
    Series,
    _ordered,
    _Page,
    _partial,
    _Reader,
    _remaining_pages,
    _stopped,
    decode_history_page,
    frame_of,
)

__all__ = ["PULL_SPEC", "fill_store", "read_history", "series_key"]

#: The report ``cloud.pull()`` returns, one row a series.
PULL_SPEC = {
    "device_id": "int64",
    "datastream": "str",
    "requests": "int64",
    "points_fetched": "int64",
}
_PULL_BATCH = 256  # jobs handed to the session's threads at a time (bounded bookkeeping)


def series_key(series: Series) -> SeriesKey:
    """The store's name for a Blynk series."""
    return SeriesKey("blynk", str(series.device_id), str(series.datastream_id), series.label)


@dataclass(frozen=True)
class _StoreReply:
    """Stands for "answered from the store" in a frame's provenance."""

    from_cache: bool = True
    stale: bool = False


def read_history(
    session: Session,
    store: SeriesStore,
    series: Sequence[Series],
    from_ms: int,
    to_ms: int,
    *,
    now_ms: int,
    refresh: bool = False,
    progress: bool | None = None,
    source: str = "",
    cache: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The frame ``history.pull`` gives, answered from ``store``; only what the store lacks
    (or must re-check) is fetched. ``cache``: the options sent with every page (those that
    keep pages out of the response cache).

    Three things overlap: one thread reads from the store what the plan leaves alone
    while the pages come in on the session's threads (each complete series prepared for
    the store as its last page arrives); then that thread commits the fetched points
    (writing their files) while this one builds the frame from the stored and the fetched
    points (held in memory, not read back). The commit is over before the frame is
    returned."""
    keys = [series_key(s) for s in series]
    if store.offline:
        _check_recorded(store, series, keys, from_ms, to_ms)
    plans = store.plan(keys, from_ms, to_ms, now_ms=now_ms, refresh=refresh)
    if not any(plans):
        frame = frame_of(series, [[p] for p in store.read(keys, from_ms, to_ms)])
        return with_meta(frame, [_StoreReply()], source=source)
    kept = [subtract((from_ms, to_ms), ranges) for ranges in plans]
    fetch = _Fetch(session, store, series, keys, plans, now_ms=now_ms, progress=progress,
                   cache=cache)  # fmt: skip
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="blynkbook-read") as pool:
        early = pool.submit(store.read_ranges, keys, kept)
        committed: Future[None] | None = None
        try:
            replies, failed, total = fetch.run()
            stored = early.result()
            committed = pool.submit(fetch.commit)
            frame = frame_of(
                series, [[old, *new] for old, new in zip(stored, fetch.points(), strict=True)]
            )
        finally:  # what came is stored, even when the read stops half-way
            if committed is None:
                fetch.commit()
            else:
                committed.result()
    frame = with_meta(frame, replies or [_StoreReply()], source=source, warn=not failed)
    if failed:  # what came is stored; the error says what did not, as history.pull does
        raise _partial(frame, failed, total, source)
    return frame


def _check_recorded(
    store: SeriesStore, series: Sequence[Series], keys: Sequence[SeriesKey], lo: int, hi: int
) -> None:
    """Offline, a series the store holds nothing of in the window is an error; parts of
    the window never recorded read as empty."""
    for one, missing in zip(series, store.missing(keys, lo, hi), strict=True):
        if missing == [(lo, hi)]:
            raise OfflineError(
                f"offline: no recorded answer for GET {HISTORY_PATH} (device {one.device_id}, "
                f"{one.label!r}, [{_iso(lo)}, {_iso(hi)}]): the series store holds none of it; "
                "run it once online first"
            )


def _iso(ms: int) -> str:
    return pd.Timestamp(ms, unit="ms", tz="UTC").isoformat()


class _Fetch:
    """Every planned range of one ``history()`` read: all series sharing a range fetched
    together (pages fanned out as ``history.pull`` does). A series is prepared for the
    store (cheap: its points stay in memory) as soon as its last page is in, on the
    thread that fetched it; :meth:`commit` writes the files of all of them and puts them
    into the catalog in one transaction."""

    def __init__(
        self,
        session: Session,
        store: SeriesStore,
        series: Sequence[Series],
        keys: Sequence[SeriesKey],
        plans: Sequence[Sequence[Range]],
        *,
        now_ms: int,
        progress: bool | None,
        cache: Mapping[str, Any] | None,
    ) -> None:
        self.session, self.store, self.series, self.keys = session, store, series, keys
        self.now_ms, self.progress, self.cache = now_ms, progress, cache
        self.by_range: dict[Range, list[int]] = defaultdict(list)
        for position, ranges in enumerate(plans):
            for piece in ranges:
                self.by_range[piece].append(position)
        self.writes: list[_RangeWrites] = []

    def run(self) -> tuple[list[_Page], list[tuple[Job, Failed]], int]:
        """Fetch the ranges in time order (stopping at the first that loses a page: a re-run
        asks for the rest); returns the pages, those that failed, and how many were asked."""
        bar = _Progress(self.progress, "history")
        failed: list[tuple[Job, Failed]] = []
        total = 0
        try:
            with self.session.pull():
                for (lo, hi), positions in sorted(self.by_range.items()):
                    wanted = [self.series[p] for p in positions]
                    done = _RangeWrites(self.store, wanted, [self.keys[p] for p in positions],
                                        lo, hi, self.now_ms)  # fmt: skip
                    self.writes.append(done)
                    reader = _StoringReader(self.session, lo, hi, bar, self.cache, done.arrived)
                    first = reader.read([(s, 0) for s in wanted])
                    jobs = _remaining_pages(wanted, first)
                    stopped = _stopped(first)
                    rest = reader.read(jobs) if not stopped else [Failed(None) for _ in jobs]
                    total += len(first) + len(jobs)
                    outcomes = [*zip([(s, 0) for s in wanted], first, strict=True),
                                *zip(jobs, rest, strict=True)]  # fmt: skip
                    failed += [(job, got) for job, got in outcomes if isinstance(got, Failed)]
                    if failed:
                        break
        finally:
            bar.close()
        return [page for done in self.writes for page in done.replies], failed, total

    def points(self) -> list[list[tuple[Ints, Floats]]]:
        """Per series, the points fetched of each of its complete ranges, in time order."""
        return [
            [done.points[one] for done in self.writes if one in done.points] for one in self.series
        ]

    def commit(self) -> None:
        """Write the files of every complete series and put them into the catalog."""
        self.store.commit([write for done in self.writes for write in done.prepared])


class _StoringReader(_Reader):
    """A page reader that reports every page it fetches (to write a series as soon as it
    is complete)."""

    def __init__(
        self,
        session: Session,
        from_ms: int,
        to_ms: int,
        progress: _Progress,
        cache: Mapping[str, Any] | None,
        arrived: Callable[[Job, _Page], None],
    ) -> None:
        super().__init__(session, from_ms, to_ms, progress, cache)
        self._arrived = arrived

    def _fetch(self, job: Job) -> _Page:
        page = super()._fetch(job)
        self._arrived(job, page)
        return page

    def _cached(self, job: Job) -> _Page | None:
        page = super()._cached(job)
        if page is not None:
            self._arrived(job, page)
        return page


class _RangeWrites:
    """The series of one planned range: their pages as they arrive (from any thread); each
    complete series' points (ascending, inside the range: what the store holds of it once
    committed), prepared for the store."""

    def __init__(
        self,
        store: SeriesStore,
        series: Sequence[Series],
        keys: Sequence[SeriesKey],
        lo: int,
        hi: int,
        now_ms: int,
    ) -> None:
        self.store, self.lo, self.hi, self.now_ms = store, lo, hi, now_ms
        self.keys = dict(zip(series, keys, strict=True))
        self.pages: dict[Series, dict[int, _Page]] = defaultdict(dict)
        self.points: dict[Series, tuple[Ints, Floats]] = {}
        self.prepared: list[Pending] = []
        self.replies: list[_Page] = []
        self._lock = threading.Lock()

    def arrived(self, job: Job, page: _Page) -> None:
        one, number = job
        with self._lock:
            got = self.pages[one]
            got[number] = page
            if 0 not in got or len(got) < page_count(got[0].total, MAX_PAGE_SIZE):
                return
            pages = [got[n] for n in sorted(got)]
            self.replies.extend(pages)
        times, values = _ordered(
            np.concatenate([p.times for p in pages]), np.concatenate([p.values for p in pages])
        )
        a, b = np.searchsorted(times, [self.lo, self.hi + 1])
        write = self.store.prepare(self.keys[one], self.lo, self.hi, times, values,
                                   fetched_at=self.now_ms)  # fmt: skip
        with self._lock:
            self.points[one] = times[a:b], values[a:b]
            self.prepared.append(write)


# cloud.pull() ------------------------------------------------------------------------------------
def fill_store(
    session: Session,
    store: SeriesStore,
    series: Sequence[Series],
    from_ms: int,
    to_ms: int,
    *,
    now_ms: int,
    refresh: bool = False,
    progress: bool | None = None,
    cache: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Fill ``store`` with ``[from_ms, to_ms]`` of every series, page by page, one
    series-month per job; returns the report (:data:`PULL_SPEC`). A re-run after a crash
    fetches only the series-months not yet committed."""
    if store.offline:
        raise OfflineError(
            "offline: pull() fetches from the cloud; connect online to fill the store"
        )
    keys = [series_key(s) for s in series]
    plans = store.plan(keys, from_ms, to_ms, now_ms=now_ms, refresh=refresh)
    jobs = [
        (position, month)
        for position, ranges in enumerate(plans)
        for piece in ranges
        for month in _months(piece)
    ]
    requests = np.zeros(len(series), np.int64)
    points = np.zeros(len(series), np.int64)
    bar = _Progress(progress, "pull")
    bar.expect(len(jobs))

    def run(job: tuple[int, Range]) -> tuple[int, int, int]:
        position, (lo, hi) = job
        sent, fetched = _fetch_range(session, store, committer, series[position],
                                     keys[position], lo, hi, now_ms=now_ms,
                                     cache=cache)  # fmt: skip
        bar.step()
        return position, sent, fetched

    try:
        with store.group_commit() as committer:  # commits off the fetching threads
            for start in range(0, len(jobs), _PULL_BATCH):
                for position, sent, fetched in session.map(run, jobs[start : start + _PULL_BATCH]):
                    requests[position] += sent
                    points[position] += fetched
    finally:
        bar.close()
    return pd.DataFrame(
        {
            "device_id": np.asarray([s.device_id for s in series], np.int64),
            "datastream": pd.array([s.label for s in series], dtype="str"),
            "requests": requests,
            "points_fetched": points,
        }
    )


def _months(piece: Range) -> list[Range]:
    from blynkbook.store._ranges import split_months

    return split_months(piece)


def _fetch_range(
    session: Session,
    store: SeriesStore,
    committer: GroupCommit,
    series: Series,
    key: SeriesKey,
    lo: int,
    hi: int,
    *,
    now_ms: int,
    cache: Mapping[str, Any] | None,
) -> tuple[int, int]:
    """Every page of one series in ``[lo, hi]``, in order, its files written and handed to
    ``committer``; returns (requests sent, points fetched)."""

    def page(number: int) -> Reply:
        params = {"deviceId": series.device_id, "dataStreamId": series.datastream_id,
                  "from": lo, "to": hi, "page": number, "size": MAX_PAGE_SIZE}  # fmt: skip
        return session.get(HISTORY_PATH, params, raw=True, cache=cache)

    times, values, total = decode_history_page(page(0).content)
    parts_t, parts_v = [times], [values]
    pages = page_count(total, MAX_PAGE_SIZE)
    for number in range(1, pages):
        times, values, _total = decode_history_page(page(number).content)
        parts_t.append(times)
        parts_v.append(values)
    all_t, all_v = _ordered(np.concatenate(parts_t), np.concatenate(parts_v))
    committer.submit(store.prepare(key, lo, hi, all_t, all_v, fetched_at=now_ms))
    return pages, int(all_t.size)
