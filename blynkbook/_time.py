"""Turn the many ways a notebook names an instant into epoch milliseconds (UTC).

Accepted: ``datetime`` / ``pd.Timestamp`` (naive means UTC), ISO strings, ``"now"``,
relative offsets such as ``"-7d"``, ``"-2h"``, ``"-30min"``, ``"-90s"``, ``"-1w"``, and
numbers, which are always epoch **milliseconds** (the cloud's own unit): 0 (the epoch, "from
the beginning") or an instant from 2000 to 2100. Any other number is refused with the reason
(epoch seconds, a ``20261101``-style date), never silently read in another unit. Instants
must lie between 1970 and 2100.

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

__all__ = [
    "EPOCH_MS_RANGE",
    "INSTANT_RANGE_MS",
    "Clock",
    "time_window",
    "to_epoch_ms",
    "wall_clock_ms",
]

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
#: Numbers are epoch milliseconds from 2000-01-01 to 2100-01-01 (or exactly 0).
EPOCH_MS_RANGE = (946_684_800_000, 4_102_444_800_000)
#: Every instant, whatever its form, lies in 1970-01-01 .. 2100-01-01.
INSTANT_RANGE_MS = (0, EPOCH_MS_RANGE[1])
_EPOCH_SECONDS = (946_684_800, 4_102_444_800)
_YYYYMMDD = re.compile(r"(19|20|21)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")


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
    try:
        ms = int(stamp.value // 1_000_000)  # .value counts nanoseconds whatever the unit
    except OverflowError:  # outside pandas' nanosecond range (years 1677..2262)
        ms = -1 if stamp.year < 1970 else INSTANT_RANGE_MS[1]
    return _in_instant_range(value, ms)


def _in_instant_range(value: Any, ms: int) -> int:
    low, high = INSTANT_RANGE_MS
    if not low <= ms < high:
        raise InputError(
            f"time {value!r} is outside 1970-01-01 .. 2100-01-01, the range of instants the "
            "cloud keeps"
        )
    return ms


def _epoch_ms(value: Any) -> int:
    """A number as epoch milliseconds: 0, or 2000..2100; anything else is refused with the
    likely mistake named."""
    number = float(value)
    if not np.isfinite(number):
        raise InputError(f"time {value!r} is not a finite epoch number")
    low, high = EPOCH_MS_RANGE
    if number == 0 or low <= number < high:
        return int(number)
    text = str(int(number)) if number.is_integer() else str(value)
    if _YYYYMMDD.fullmatch(text):
        hint = f"it looks like a date: pass '{text[:4]}-{text[4:6]}-{text[6:]}'"
    elif _EPOCH_SECONDS[0] <= number < _EPOCH_SECONDS[1]:
        hint = (
            f"it looks like epoch seconds: pass {int(number * 1000)} (milliseconds) or "
            f"pd.Timestamp({value!r}, unit='s')"
        )
    else:
        hint = "pass a date string, a datetime or an offset like '-7d'"
    raise InputError(
        f"time {value!r}: numbers are epoch milliseconds, and {value!r} ms is "
        f"{_iso_any(number)}, outside 2000-01-01 .. 2100-01-01 (0 means the epoch); {hint}"
    )


def _iso_any(ms: float) -> str:
    try:
        return _iso(int(ms))
    except (OverflowError, ValueError):
        return "beyond any calendar date"


def to_epoch_ms(value: Any, *, now_ms: int) -> int:
    """``value`` as epoch milliseconds; relative strings count from ``now_ms``.

    >>> to_epoch_ms(pd.Timestamp("2026-01-01"), now_ms=0)
    1767225600000
    """
    if isinstance(value, bool):
        raise InputError(f"time {value!r} is a bool, not an instant")
    if isinstance(value, int | float | np.integer | np.floating):
        return _epoch_ms(value)
    if isinstance(value, str):
        relative = _relative_ms(value, now_ms)
        if relative is not None:
            return _in_instant_range(value, relative)
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
