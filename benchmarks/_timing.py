"""Wall-clock timing shared by the benchmark scripts (standard library only, so the
throwaway-venv comparison can use it too)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """``(seconds, result)`` of one call of ``fn``."""
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


def median_ms(action: Callable[[], object], repeat: int) -> float:
    """The median of ``repeat`` calls of ``action``, in milliseconds."""
    return statistics.median(timed(action)[0] * 1000 for _ in range(repeat))
