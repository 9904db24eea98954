"""Turn the many ways a notebook names an instant into epoch milliseconds (UTC).

Accepted: ``datetime`` / ``pd.Timestamp`` (naive means UTC), ISO strings, epoch numbers
(seconds, or milliseconds when larger than 10**11), ``"now"`` and relative offsets such
as ``"-7d"``, ``"-2h"``, ``"-30min"``, ``"-90s"``, ``"-1w"``.

>>> to_epoch_ms("-2h", now_ms=7_200_000)
0
>>> to_epoch_ms("1970-01-01T00:00:01Z", now_ms=0)
1000
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from blynkbook.errors import InputError

__all__ = ["Clock", "time_window", "to_epoch_ms", "wall_clock_ms"]

#: Returns "now" in epoch milliseconds.
Clock = Callable[[], int]

_RELATIVE = re.compile(r"^\s*(?P<sign>[-+])\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>[a-z]+)\s*$")
_UNIT_MS = {
    "ms": 1,
    "s": 1_000,
    "sec": 1_000,
    "min": 60_000,
    "m": 60_000,
    "h": 3_600_000,
    "hour": 3_600_000,
    "hours": 3_600_000,
    "d": 86_400_000,
    "day": 86_400_000,
    "days": 86_400_000,
    "w": 7 * 86_400_000,
    "week": 7 * 86_400_000,
    "weeks": 7 * 86_400_000,
}
_EPOCH_MS_THRESHOLD = 10**11  # numbers above this are already milliseconds


def wall_clock_ms() -> int:
    """The wall clock in epoch milliseconds."""
    return int(pd.Timestamp.now(tz="UTC").value // 1_000_000)


def _relative_ms(text: str, now_ms: int) -> int | None:
    if text.strip().lower() == "now":
        return now_ms
    match = _RELATIVE.match(text.lower())
    if match is None:
        return None
    unit = _UNIT_MS.get(match["unit"])
    if unit is None:
        units = ", ".join(sorted(_UNIT_MS))
        raise InputError(f"time {text!r}: unknown unit {match['unit']!r} (use one of {units})")
    offset = round(float(match["num"]) * unit)
    return now_ms - offset if match["sign"] == "-" else now_ms + offset


def _timestamp_ms(value: Any) -> int:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"time {value!r} is not a date, an ISO string, an epoch number, 'now' or an "
            "offset like '-7d'"
        ) from exc
    if pd.isna(stamp):
        raise InputError(f"time {value!r} is missing (NaT)")
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return int(stamp.value // 1_000_000)  # .value counts nanoseconds whatever the unit


def to_epoch_ms(value: Any, *, now_ms: int) -> int:
    """``value`` as epoch milliseconds; relative strings count from ``now_ms``.

    >>> to_epoch_ms(pd.Timestamp("2026-01-01"), now_ms=0)
    1767225600000
    """
    if isinstance(value, bool):
        raise InputError(f"time {value!r} is a bool, not an instant")
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if not np.isfinite(number):
            raise InputError(f"time {value!r} is not a finite epoch number")
        return int(number if abs(number) >= _EPOCH_MS_THRESHOLD else number * 1000)
    if isinstance(value, str):
        relative = _relative_ms(value, now_ms)
        if relative is not None:
            return relative
    if isinstance(value, str | datetime | date | pd.Timestamp | np.datetime64):
        return _timestamp_ms(value)
    raise InputError(f"time {value!r} of type {type(value).__name__} is not understood")


def time_window(start: Any, end: Any, *, now_ms: int) -> tuple[int, int]:
    """``(from_ms, to_ms)``; ``start`` must come before ``end``.

    >>> time_window("-1h", "now", now_ms=3_600_000)
    (0, 3600000)
    """
    from_ms = to_epoch_ms(start, now_ms=now_ms)
    to_ms = to_epoch_ms(end, now_ms=now_ms)
    if from_ms >= to_ms:
        raise InputError(
            f"start {start!r} ({_iso(from_ms)}) must be before end {end!r} ({_iso(to_ms)})"
        )
    return from_ms, to_ms


def _iso(ms: int) -> str:
    return pd.Timestamp(ms, unit="ms", tz="UTC").isoformat()
