"""Datastream history: many series, many pages, one long frame.

Each (device, datastream) series is read in pages of 1000 points. Page 0 of every series
goes out at once (bounded by the session's concurrency); its ``totalElements`` says how
many pages remain, and those go out at once too. Pages decode straight into numpy arrays,
so no per-point Python object outlives its page.

>>> times, values, total = parse_history_page(
...     {"content": [{"value": 1.5, "createdAt": 1000}], "totalElements": 1})
>>> times.tolist(), values.tolist(), total
([1000], [1.5], 1)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from blynkbook.transport import Reply, Session

from ._frames import TIME_DTYPE, with_meta
from ._paging import MAX_PAGE_SIZE, page_count

__all__ = ["HISTORY_PATH", "HISTORY_SPEC", "Series", "empty_history", "parse_history_page", "pull"]

HISTORY_PATH = "/api/v1/organization/device/datastream/history"
HISTORY_SPEC = {"device_id": "int64", "datastream": "str", "value": "float64"}
#: Show a progress bar by default when a pull needs more requests than this.
PROGRESS_THRESHOLD = 20

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


def empty_history() -> pd.DataFrame:
    """The history frame with no rows: index ``time`` and the :data:`HISTORY_SPEC` columns."""
    return _assemble([], np.empty(0, np.int64), np.empty(0, np.float64), [])


def _assemble(
    series: Sequence[Series], times: Ints, values: Floats, counts: Sequence[int]
) -> pd.DataFrame:
    index = pd.DatetimeIndex(times.astype("datetime64[ms]"), name="time").tz_localize("UTC")
    device_ids = np.repeat(np.asarray([s.device_id for s in series], dtype=np.int64), counts)
    labels = np.repeat(np.asarray([s.label for s in series], dtype=object), counts)
    frame = pd.DataFrame(
        {
            "device_id": device_ids,
            "datastream": pd.array(labels, dtype="str"),
            "value": values,
        },
        index=index.astype(TIME_DTYPE),
    )
    return frame


def _ordered(times: Ints, values: Floats) -> tuple[Ints, Floats]:
    """Points ascending by time with no repeated timestamp (a no-op for well-behaved pages)."""
    if times.size < 2 or bool(np.all(np.diff(times) > 0)):
        return times, values
    unique, first = np.unique(times, return_index=True)
    return unique, values[first]


class _Progress:
    """A tqdm.auto bar created only when the pull turns out to be long (or forced on)."""

    def __init__(self, setting: bool | None, desc: str) -> None:
        self.setting = setting
        self.desc = desc
        self.bar: Any = None

    def expect(self, requests: int) -> None:
        wanted = self.setting if self.setting is not None else requests > PROGRESS_THRESHOLD
        if not wanted or requests == 0:
            return
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=requests, desc=self.desc, unit="req", leave=False)
        else:
            self.bar.total += requests
            self.bar.refresh()

    def step(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _fetcher(
    session: Session, from_ms: int, to_ms: int, progress: _Progress
) -> Callable[[tuple[Series, int]], _Page]:
    def fetch(job: tuple[Series, int]) -> _Page:
        series, page = job
        params = {
            "deviceId": series.device_id,
            "dataStreamId": series.datastream_id,
            "from": from_ms,
            "to": to_ms,
            "page": page,
            "size": MAX_PAGE_SIZE,
        }
        reply: Reply = session.get(HISTORY_PATH, params)
        times, values, total = parse_history_page(reply.data)
        progress.step()
        return _Page(times, values, total, reply.from_cache, reply.stale)

    return fetch


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
    is given in that order.
    """
    bar = _Progress(progress, "history")
    try:
        fetch = _fetcher(session, from_ms, to_ms, bar)
        bar.expect(len(series))
        first = session.map(fetch, [(s, 0) for s in series])
        jobs = [(s, n) for s, p in zip(series, first, strict=True) for n in range(1, _pages(p))]
        bar.expect(len(jobs))
        rest = session.map(fetch, jobs)
    finally:
        bar.close()
    pages = _group(series, first, jobs, rest)
    frame = _concat(series, pages)
    return with_meta(frame, [*first, *rest], source=source)


def _pages(page: _Page) -> int:
    return page_count(page.total, MAX_PAGE_SIZE)


def _group(
    series: Sequence[Series],
    first: Sequence[_Page],
    jobs: Sequence[tuple[Series, int]],
    rest: Sequence[_Page],
) -> list[list[_Page]]:
    """Pages per series, in page order (jobs are issued in series-then-page order)."""
    position = {id(s): i for i, s in enumerate(series)}
    grouped = [[page] for page in first]
    for (s, _number), page in zip(jobs, rest, strict=True):
        grouped[position[id(s)]].append(page)
    return grouped


def _concat(series: Sequence[Series], pages: Sequence[Sequence[_Page]]) -> pd.DataFrame:
    parts_t: list[Ints] = []
    parts_v: list[Floats] = []
    counts: list[int] = []
    for group in pages:
        times, values = _ordered(
            np.concatenate([p.times for p in group]), np.concatenate([p.values for p in group])
        )
        parts_t.append(times)
        parts_v.append(values)
        counts.append(times.size)
    if not parts_t:
        return empty_history()
    return _assemble(series, np.concatenate(parts_t), np.concatenate(parts_v), counts)
