"""Datastream history: many series, many pages, one long frame.

Each (device, datastream) series is read in pages of 1000 points. Page 0 of every series
goes out at once (bounded by the session's concurrency); its ``totalElements`` says how
many pages remain, and those go out at once too. Pages decode straight into numpy arrays,
so no per-point Python object outlives its page.

The whole pull is one :meth:`Session.pull <blynkbook.transport.Session.pull>`: its pages
share one retry budget and the session's adaptive rate. A page that still fails does not
stop the others; when the pull ends, :class:`~blynkbook.errors.PartialReadError` carries
the frame of every page that came and the list of those that did not (see
:func:`missing_pages`).

>>> times, values, total = parse_history_page(
...     {"content": [{"value": 1.5, "createdAt": 1000}], "totalElements": 1})
>>> times.tolist(), values.tolist(), total
([1000], [1.5], 1)
>>> decode_history_page(b'{"content":[{"value":null,"createdAt":2000}],"totalElements":1}')[1]
array([nan])
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
import pandas as pd

from blynkbook import contract
from blynkbook._provenance import with_meta
from blynkbook.errors import BlynkbookError, PartialReadError
from blynkbook.transport import Failed, ProgressBar, Reply, Session

from ._paging import MAX_PAGE_SIZE, page_count

__all__ = [
    "HISTORY_PATH",
    "HISTORY_SPEC",
    "MISSING_SPEC",
    "Series",
    "decode_history_page",
    "empty_history",
    "missing_pages",
    "parse_history_page",
    "pull",
]

HISTORY_PATH = "/api/v1/organization/device/datastream/history"
HISTORY_SPEC = {  # the contract's columns; the time index is built apart
    c: d for c, d in contract.HISTORY.spec(id_dtype="int64").items() if c != "time"
}
#: Columns of :attr:`PartialReadError.missing`: one row per page that did not come. A
#: missing page 0 means the series' length is unknown, so all of that series is missing.
MISSING_SPEC = {
    "device_id": "int64",
    "datastream": "str",
    "datastream_id": "int64",
    "page": "int64",
    "error": "str",
}

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Series:
    """One history series: a device's datastream, by id, with the label it is shown as."""

    device_id: int
    datastream_id: int
    label: str


@dataclass(frozen=True)
class _Page:
    times: Ints
    values: Floats
    total: int
    from_cache: bool
    stale: bool


def parse_history_page(payload: Mapping[str, Any] | None) -> tuple[Ints, Floats, int]:
    """``{"content": [{"value", "createdAt"}…], "totalElements"}`` → (times ms, values, total).

    Missing values (``null``) become NaN.
    """
    content = (payload or {}).get("content") or []
    count = len(content)
    times = np.fromiter((point["createdAt"] for point in content), dtype=np.int64, count=count)
    values = np.fromiter(
        (np.nan if point.get("value") is None else point["value"] for point in content),
        dtype=np.float64,
        count=count,
    )
    return times, values, int((payload or {}).get("totalElements") or 0)


class _Point(msgspec.Struct, gc=False):
    createdAt: int  # noqa: N815 (the cloud's field name)
    value: float | None = None


class _PageBody(msgspec.Struct, gc=False):
    content: list[_Point] = []
    totalElements: int = 0  # noqa: N815


_PAGE_DECODER = msgspec.json.Decoder(_PageBody)


def decode_history_page(body: bytes) -> tuple[Ints, Floats, int]:
    """A history page's JSON body → (times ms, values, total), as
    ``parse_history_page(json.loads(body))`` gives, about 3x faster.

    The body is decoded by msgspec straight into typed points (integer times, numeric or
    ``null`` values), then into two numpy arrays. A body that does not fit that shape
    (strings, booleans, ``NaN``, fractional times) is decoded by ``json.loads`` and
    :func:`parse_history_page`, which raises the same errors it always does.
    """
    try:
        page = _PAGE_DECODER.decode(body)
    except msgspec.DecodeError:  # also ValidationError: not the usual shape
        return parse_history_page(json.loads(body) if body.strip() else None)
    points = page.content
    times = np.array([p.createdAt for p in points], dtype=np.int64)
    values = np.array([p.value for p in points], dtype=np.float64)  # None → NaN
    return times, values, page.totalElements


def empty_history() -> pd.DataFrame:
    """The history frame with no rows: index ``time`` and the :data:`HISTORY_SPEC` columns."""
    return _assemble([], np.empty(0, np.int64), np.empty(0, np.float64), [])


def _assemble(
    series: Sequence[Series], times: Ints, values: Floats, counts: Sequence[int]
) -> pd.DataFrame:
    """The frame of ``times``/``values`` (``counts[i]`` points of ``series[i]`` in turn),
    sharing their memory (callers hand over fresh arrays: no further copy of a million
    points)."""
    index = pd.DatetimeIndex(times.view("datetime64[ms]"), name="time").tz_localize("UTC")
    device_ids = np.repeat(np.asarray([s.device_id for s in series], dtype=np.int64), counts)
    columns = {
        "device_id": device_ids,
        "datastream": _repeated_labels([s.label for s in series], counts),
        "value": values,
    }
    return pd.DataFrame(columns, index=index, copy=False)


def _repeated_labels(labels: Sequence[str], counts: Sequence[int]) -> Any:
    """``labels[i]`` repeated ``counts[i]`` times as a "str" array, built in Arrow from a
    few distinct strings and integer codes (not a million Python strings: 12x faster)."""
    import pyarrow as pa  # no stubs (mypy: ignore_missing_imports in pyproject.toml)

    distinct, codes = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    repeated = np.repeat(codes.astype(np.int32), np.asarray(counts, dtype=np.int64))
    strings = pa.DictionaryArray.from_arrays(pa.array(repeated), pa.array(distinct.tolist()))
    return pd.array(strings.cast(pa.large_string()), dtype="str")


def _ordered(times: Ints, values: Floats) -> tuple[Ints, Floats]:
    """Points ascending by time with no repeated timestamp (a no-op for well-behaved pages)."""
    if times.size < 2 or bool(np.all(np.diff(times) > 0)):
        return times, values
    unique, first = np.unique(times, return_index=True)
    return unique, values[first]


def frame_of(
    series: Sequence[Series], parts: Sequence[Sequence[tuple[Ints, Floats]]]
) -> pd.DataFrame:
    """The history frame of ``series``, each given as parts of its points (its pages,
    or the disjoint ranges the store and the network gave): one concatenation into the
    frame's columns; only a series whose points are not strictly rising in time is
    sorted and rid of repeated times (:func:`_ordered`)."""
    if not series:
        return empty_history()
    counts = np.asarray([sum(t.size for t, _ in one) for one in parts], np.int64)
    flat = [part for one in parts for part in one]
    times = np.concatenate([t for t, _ in flat]) if flat else np.empty(0, np.int64)
    values = np.concatenate([v for _, v in flat]) if flat else np.empty(0, np.float64)
    times, values, counts = _in_order(times, values, counts)
    return _assemble(series, times, values, counts.tolist())


def _in_order(times: Ints, values: Floats, counts: Ints) -> tuple[Ints, Floats, Ints]:
    """Each series' run of points ascending with no repeated time (one pass over the
    times; a series that is not is put in order by :func:`_ordered`)."""
    if times.size < 2:
        return times, values, counts
    rising = np.diff(times) > 0
    ends = np.cumsum(counts)
    rising[ends[(ends > 0) & (ends < times.size)] - 1] = True  # a new series starts
    if bool(rising.all()):
        return times, values, counts
    starts = ends - counts
    unordered = set(np.searchsorted(ends, np.flatnonzero(~rising), "right").tolist())
    ordered = [
        _ordered(times[a:b], values[a:b]) if n in unordered else (times[a:b], values[a:b])
        for n, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True))
    ]
    return (
        np.concatenate([t for t, _ in ordered]),
        np.concatenate([v for _, v in ordered]),
        np.asarray([t.size for t, _ in ordered], np.int64),
    )


Job = tuple[Series, int]  # a series and a page number


class _Reader:
    """Reads history pages: cache hits in this thread, the misses on the session's threads
    (for hits the threads would only contend for the GIL). A page that fails is handed
    back as :class:`Failed`. ``cache`` options, when given, go with every request and no
    page is looked up in the cache first (the series store passes the options that keep
    pages out of the response cache)."""

    def __init__(
        self,
        session: Session,
        from_ms: int,
        to_ms: int,
        progress: ProgressBar,
        cache: Mapping[str, Any] | None = None,
    ) -> None:
        self.session = session
        self.window = {"from": from_ms, "to": to_ms}
        self.progress = progress
        self.cache = cache

    def read(self, jobs: Sequence[Job]) -> list[_Page | Failed]:
        found = [self._cached(job) for job in jobs]
        misses = [job for job, page in zip(jobs, found, strict=True) if page is None]
        self.progress.expect(len(misses))
        fetched = iter(self.session.map_all(self._fetch, misses))
        return [page if page is not None else next(fetched) for page in found]

    def _params(self, job: Job) -> dict[str, Any]:
        series, page = job
        return {
            "deviceId": series.device_id,
            "dataStreamId": series.datastream_id,
            **self.window,
            "page": page,
            "size": MAX_PAGE_SIZE,
        }

    def _cached(self, job: Job) -> _Page | None:
        if self.cache is not None:
            return None
        reply = self.session.cached(HISTORY_PATH, self._params(job), raw=True)
        return None if reply is None else _page(reply)

    def _fetch(self, job: Job) -> _Page:
        try:
            reply = self.session.get(HISTORY_PATH, self._params(job), raw=True, cache=self.cache)
            return _page(reply)
        finally:
            self.progress.step()


def _page(reply: Reply) -> _Page:
    times, values, total = decode_history_page(reply.content)
    return _Page(times, values, total, reply.from_cache, reply.stale)


def pull(
    session: Session,
    series: Sequence[Series],
    from_ms: int,
    to_ms: int,
    *,
    progress: bool | None = None,
    source: str = "",
) -> pd.DataFrame:
    """Every point of every series in ``[from_ms, to_ms]`` as one long frame.

    Index ``time`` (datetime64[ms, UTC]); columns ``device_id`` int64, ``datastream`` str
    (the label), ``value`` float64; sorted by (device_id, datastream, time) when ``series``
    is given in that order. Pages that fail even after retries raise
    :class:`~blynkbook.errors.PartialReadError` once every other page is in (its
    ``frame`` is this frame without them, ``missing`` lists them); when no page came at
    all, the first page's error is raised instead.
    """
    bar = ProgressBar(progress, "history")
    try:
        with session.pull():
            reader = _Reader(session, from_ms, to_ms, bar)
            first = reader.read([(s, 0) for s in series])
            jobs = _remaining_pages(series, first)
            rest = reader.read(jobs) if not _stopped(first) else [Failed(None) for _ in jobs]
    finally:
        bar.close()
    outcomes = [*zip([(s, 0) for s in series], first, strict=True), *zip(jobs, rest, strict=True)]
    pages = [(job, got) for job, got in outcomes if isinstance(got, _Page)]
    failed = [(job, got) for job, got in outcomes if isinstance(got, Failed)]
    frame = with_meta(_concat(series, pages), [got for _, got in pages], source=source)
    if failed:
        raise _partial(frame, failed, len(outcomes), source)
    return frame


def _remaining_pages(series: Sequence[Series], first: Sequence[_Page | Failed]) -> list[Job]:
    """Pages 1.. of every series whose page 0 came, in series-then-page order."""
    return [
        (s, n)
        for s, page in zip(series, first, strict=True)
        if isinstance(page, _Page)
        for n in range(1, page_count(page.total, MAX_PAGE_SIZE))
    ]


def _stopped(outcomes: Sequence[_Page | Failed]) -> bool:
    """Whether an error stopped the fan-out (some calls were never made)."""
    return any(isinstance(o, Failed) and o.error is None for o in outcomes)


def _partial(
    frame: pd.DataFrame, failed: Sequence[tuple[Job, Failed]], total: int, source: str
) -> BaseException:
    """The error for a pull that lost pages: the first error itself when nothing came,
    else a PartialReadError carrying ``frame`` and the missing pages."""
    errors = [got.error for _, got in failed if got.error is not None]
    first = errors[0] if errors else None
    if first is not None and not isinstance(first, BlynkbookError):
        return first  # not a failure of the cloud: a bug, raised as it is
    if first is not None and len(failed) == total:
        return first
    missing = missing_pages(failed)
    where = f" of {source}" if source else ""
    error = PartialReadError(
        f"history{where}: {total - len(failed)} of {total} pages came, {len(failed)} did not "
        f"({first}); .frame holds what came ({len(frame)} points), .missing lists the rest",
        frame=frame,
        missing=missing,
    )
    error.__cause__ = first
    return error


def missing_pages(failed: Sequence[tuple[Job, Failed]]) -> pd.DataFrame:
    """The :data:`MISSING_SPEC` frame of pages that did not come (``error``: what stopped
    each; "not sent" when an earlier error stopped the pull before it was asked for)."""
    rows = {
        "device_id": [s.device_id for (s, _), _ in failed],
        "datastream": [s.label for (s, _), _ in failed],
        "datastream_id": [s.datastream_id for (s, _), _ in failed],
        "page": [n for (_, n), _ in failed],
        "error": [_describe(got.error) for _, got in failed],
    }
    return pd.DataFrame(rows).astype(MISSING_SPEC)


def _describe(error: BaseException | None) -> str:
    return "not sent" if error is None else f"{type(error).__name__}: {error}"


def _concat(series: Sequence[Series], pages: Sequence[tuple[Job, _Page]]) -> pd.DataFrame:
    """One frame of the pages that came, series in ``series`` order, pages in page order."""
    grouped: dict[int, list[tuple[int, _Page]]] = {}
    for (s, number), page in pages:
        grouped.setdefault(id(s), []).append((number, page))
    present = [s for s in series if id(s) in grouped]
    return frame_of(
        present,
        [[(p.times, p.values) for _, p in sorted(grouped[id(s)], key=lambda i: i[0])]
         for s in present],
    )  # fmt: skip
