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
    _assemble,
    _ordered,
    _Page,
    _partial,
    _Reader,
    _remaining_pages,
    _stopped,
    decode_history_page,
    empty_history,
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
    (or must re-check) is fetched, and stored before it is read back. ``cache``: the
    options sent with every page (those that keep pages out of the response cache)."""
    keys = [series_key(s) for s in series]
    if store.offline:
        _check_recorded(store, series, keys, from_ms, to_ms)
    plans = store.plan(keys, from_ms, to_ms, now_ms=now_ms, refresh=refresh)
    replies: list[Any] = []
    failed: list[tuple[Job, Failed]] = []
    total = 0
    if not any(plans):
        points = store.read(keys, from_ms, to_ms)
    else:  # what the plan leaves alone is read while the rest is fetched
        kept = [subtract((from_ms, to_ms), ranges) for ranges in plans]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="blynkbook-read") as pool:
            early = pool.submit(store.read_ranges, keys, kept)
            replies, failed, total = _fetch_into(
                session, store, series, keys, plans, now_ms=now_ms, progress=progress,
                cache=cache,
            )  # fmt: skip
            points = _combined(early.result(), store.read_ranges(keys, plans))
    frame = _frame(series, points)
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


def _fetch_into(
    session: Session,
    store: SeriesStore,
    series: Sequence[Series],
    keys: Sequence[SeriesKey],
    plans: Sequence[Sequence[Range]],
    *,
    now_ms: int,
    progress: bool | None,
    cache: Mapping[str, Any] | None,
) -> tuple[list[Any], list[tuple[Job, Failed]], int]:
    """Fetch every planned range (all series sharing a range together, pages fanned out
    as ``history.pull`` does). A series' files are written on a writer thread as soon as
    its last page is in (while the other pages are still on their way); all of them go
    into the catalog in one transaction at the end."""
    by_range: dict[Range, list[int]] = defaultdict(list)
    for position, ranges in enumerate(plans):
        for piece in ranges:
            by_range[piece].append(position)
    bar = _Progress(progress, "history")
    failed: list[tuple[Job, Failed]] = []
    total = 0
    with ThreadPoolExecutor(max_workers=_WRITERS, thread_name_prefix="blynkbook-store") as pool:
        writes: list[_RangeWrites] = []
        try:
            with session.pull():
                for (lo, hi), positions in sorted(by_range.items()):
                    wanted = [series[p] for p in positions]
                    done = _RangeWrites(store, pool, wanted, [keys[p] for p in positions],
                                        lo, hi, now_ms)  # fmt: skip
                    writes.append(done)
                    reader = _StoringReader(session, lo, hi, bar, cache, done.arrived)
                    first = reader.read([(s, 0) for s in wanted])
                    jobs = _remaining_pages(wanted, first)
                    stopped = _stopped(first)
                    rest = reader.read(jobs) if not stopped else [Failed(None) for _ in jobs]
                    total += len(first) + len(jobs)
                    outcomes = [*zip([(s, 0) for s in wanted], first, strict=True),
                                *zip(jobs, rest, strict=True)]  # fmt: skip
                    failed += [(job, got) for job, got in outcomes if isinstance(got, Failed)]
                    if failed:
                        break  # the rest stays unfetched: a re-run asks for it
        finally:  # what came is stored, even when the read stops half-way
            bar.close()
            store.commit([write for done in writes for write in done.results()])
    return [page for done in writes for page in done.replies], failed, total


_WRITERS = 2  # threads writing segment files while pages arrive (pyarrow releases the GIL)


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
    """The series of one planned range: their pages as they arrive (from any thread), and
    each complete series' files written on ``pool``."""

    def __init__(
        self,
        store: SeriesStore,
        pool: ThreadPoolExecutor,
        series: Sequence[Series],
        keys: Sequence[SeriesKey],
        lo: int,
        hi: int,
        now_ms: int,
    ) -> None:
        self.store, self.pool, self.lo, self.hi, self.now_ms = store, pool, lo, hi, now_ms
        self.keys = dict(zip(series, keys, strict=True))
        self.pages: dict[Series, dict[int, _Page]] = defaultdict(dict)
        self.futures: list[Future[Pending]] = []
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
            self.futures.append(self.pool.submit(self._prepare, one, pages))

    def _prepare(self, one: Series, pages: Sequence[_Page]) -> Pending:
        times, values = _ordered(
            np.concatenate([p.times for p in pages]), np.concatenate([p.values for p in pages])
        )
        return self.store.prepare(self.keys[one], self.lo, self.hi, times, values,
                                  fetched_at=self.now_ms)  # fmt: skip

    def results(self) -> list[Pending]:
        """The prepared writes (waiting for those still being written)."""
        return [future.result() for future in self.futures]


def _combined(
    first: Sequence[tuple[Ints, Floats]], second: Sequence[tuple[Ints, Floats]]
) -> list[tuple[Ints, Floats]]:
    """Per series, the points of two disjoint sets of ranges, ascending by time."""
    out = []
    for (t1, v1), (t2, v2) in zip(first, second, strict=True):
        times, values = np.concatenate([t1, t2]), np.concatenate([v1, v2])
        order = np.argsort(times, kind="stable")
        out.append((times[order], values[order]))
    return out


def _frame(series: Sequence[Series], points: Sequence[tuple[Ints, Floats]]) -> pd.DataFrame:
    if not series:
        return empty_history()
    ordered = [_ordered(t, v) for t, v in points]
    return _assemble(
        series,
        np.concatenate([t for t, _ in ordered]),
        np.concatenate([v for _, v in ordered]),
        [t.size for t, _ in ordered],
    )


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
