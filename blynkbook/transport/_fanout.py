"""Fan-out for :meth:`Session.map` and :meth:`Session.map_all`: calls run in turn or on
threads, failures handed back as data, an optional tqdm bar."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any, TypeVar

from ._reply import Failed

__all__ = [
    "PROGRESS_THRESHOLD",
    "ProgressBar",
    "always",
    "progress_bar",
    "run_in_turn",
    "run_on_threads",
    "wants_progress",
]

T = TypeVar("T")
R = TypeVar("R")

#: A pull of more requests than this shows a progress bar unless told otherwise.
PROGRESS_THRESHOLD = 20


def always(error: BaseException) -> bool:
    return True


def run_in_turn(
    fn: Callable[[T], R], work: list[T], stop: Callable[[BaseException], bool]
) -> list[R | Failed]:
    results: list[R | Failed] = []
    for item in work:
        try:
            results.append(fn(item))
        except Exception as error:  # noqa: BLE001 - handed back as data, like the threads'
            results.append(Failed(error))
            if stop(error):
                results.extend(Failed(None) for _ in work[len(results) :])
                break
    return results


def run_on_threads(
    fn: Callable[[T], R],
    work: list[T],
    *,
    workers: int,
    desc: str | None,
    progress: bool,
    stop: Callable[[BaseException], bool],
) -> list[R | Failed]:
    """``fn`` over ``work`` on up to ``workers`` threads, each call in a copy of the
    caller's context; results in order, a failure as :class:`Failed` in its place, and
    an error ``stop`` accepts cancels the calls not yet started (``Failed(None)``)."""
    bar = progress_bar(len(work), desc) if progress else None
    results: list[R | Failed] = [Failed(None)] * len(work)
    workers = max(1, min(workers, len(work)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="blynkbook")
    try:
        index: dict[Future[R], int] = {
            pool.submit(contextvars.copy_context().run, fn, item): i for i, item in enumerate(work)
        }
        for future in as_completed(index):
            error = future.exception()
            results[index[future]] = future.result() if error is None else Failed(error)
            if bar is not None:
                bar.update(1)
            if error is not None and stop(error):
                for pending in index:
                    pending.cancel()
                break
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()
    return results


def wants_progress(setting: bool | None, requests: int) -> bool:
    """Whether a pull of ``requests`` shows a progress bar: ``setting`` when given, else
    only when it has more than :data:`PROGRESS_THRESHOLD` requests.

    >>> wants_progress(None, 21), wants_progress(None, 20), wants_progress(True, 1)
    (True, False, True)
    """
    return setting if setting is not None else requests > PROGRESS_THRESHOLD


def progress_bar(total: int, desc: str | None) -> Any:
    """The one tqdm.auto bar every pull shows (``Session.map`` and :class:`ProgressBar`)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="req", leave=False)


class ProgressBar:
    """A bar for a pull whose size grows as it learns it (history: page 0 of each series
    tells how many pages follow): created only when :func:`wants_progress` says so for
    the requests :meth:`expect`-ed so far, then grown."""

    def __init__(self, setting: bool | None, desc: str) -> None:
        self.setting = setting
        self.desc = desc
        self.bar: Any = None

    def expect(self, requests: int) -> None:
        """Add ``requests`` to the pull (opening the bar if it is now long enough)."""
        if requests == 0 or not wants_progress(self.setting, requests):
            return
        if self.bar is None:
            self.bar = progress_bar(requests, self.desc)
        else:
            self.bar.total += requests
            self.bar.refresh()

    def step(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
