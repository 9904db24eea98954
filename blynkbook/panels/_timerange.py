"""HistoryPanel's time range: presets and dates to ``history()`` bounds, and the words
the status line and the notice use about a range.

>>> time_range("24h", None, None)
('-24h', 'now')
>>> time_range(DATES, dt.date(2026, 9, 1), dt.date(2026, 9, 30))[1]
Timestamp('2026-10-01 00:00:00+0000', tz='UTC')
>>> range_text("-7d", "now")
'the last 7d'
"""

from __future__ import annotations

import datetime as dt
import html
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from ._common import RANGE_PRESETS
from ._figure import UTC, Zone
from ._source import Series

__all__ = [
    "DATES",
    "LIVE_RANGES",
    "LiveTimer",
    "kernel_zone",
    "late_start_note",
    "notice",
    "range_text",
    "requested_start",
    "time_range",
]

DATES = "dates"
"""The range choice that uses the explicit start and end dates."""

LIVE_RANGES = ("1h", "24h")
"""Ranges short enough to refresh live."""


def time_range(choice: str, start: dt.date | None, end: dt.date | None) -> tuple[Any, Any]:
    """``(start, end)`` for ``client.history``: presets are relative (``"-24h"``,
    ``"now"``) so the client's own clock decides; dates are UTC midnights, the end date
    included."""
    if choice != DATES:
        return RANGE_PRESETS[choice], "now"
    if start is None or end is None:
        raise ValueError("choose a start and an end date")
    first = pd.Timestamp(start, tz=UTC)
    after = pd.Timestamp(end + dt.timedelta(days=1), tz=UTC)
    if after <= first:
        raise ValueError(f"the end date {end} is before the start date {start}")
    return first, after


def kernel_zone() -> dt.tzinfo | None:
    """The kernel's local time zone."""
    return dt.datetime.now().astimezone().tzinfo


def range_text(start: Any, end: Any) -> str:
    """``"the last 24h"`` or ``"2026-09-01 … 2026-11-30"``."""
    if isinstance(start, str):
        return f"the last {start.lstrip('-')}"
    if start is None:
        return "this range"
    return f"{start:%Y-%m-%d} … {end - pd.Timedelta('1D'):%Y-%m-%d}"


def requested_start(client: Any, start: Any) -> pd.Timestamp | None:
    """The start asked for, as a time (relative starts against ``client.now()``)."""
    if isinstance(start, pd.Timestamp):
        return start
    now = getattr(client, "now", None)
    if not callable(now):
        return None
    try:
        return pd.Timestamp(now()) - _offset(str(start))
    except (TypeError, ValueError):
        return None


def late_start_note(
    requested: pd.Timestamp | None, series: Sequence[Series], zone: Zone, zone_label: str
) -> str:
    """A note when the data begins well after the requested start (nothing earlier)."""
    bounds = [b for b in (s.bounds() for s in series) if b is not None]
    if requested is None or not bounds:
        return ""
    first = pd.Timestamp(min(b[0] for b in bounds), tz=UTC)
    span = max(pd.Timestamp(max(b[1] for b in bounds), tz=UTC) - requested, _offset("1h"))
    if first - requested <= max(span * 0.05, _offset("1h")):
        return ""
    shown = zone or UTC
    return (
        f"data starts {first.tz_convert(shown):%Y-%m-%d %H:%M} {zone_label}, later than "
        f"the requested {requested.tz_convert(shown):%Y-%m-%d %H:%M}: there is none earlier"
    )


def notice(text: str) -> str:
    """An amber line above the plot."""
    return f'<span style="color:#9a6700">⚠ {html.escape(text)}</span>'


class LiveTimer:
    """Calls ``tick()`` every ``interval`` seconds (on a daemon timer thread) until stopped."""

    def __init__(self, interval: float, tick: Callable[[], None]) -> None:
        if interval <= 0:
            raise ValueError(f"live_interval must be positive seconds, got {interval}")
        self.interval, self.tick = interval, tick
        self._timer: threading.Timer | None = None

    @property
    def running(self) -> bool:
        """Whether a tick is scheduled."""
        return self._timer is not None

    def schedule(self) -> None:
        """(Re)start the wait for the next tick."""
        self.stop()
        self._timer = threading.Timer(self.interval, self.tick)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        """Cancel the next tick."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _offset(text: str) -> pd.Timedelta:
    """``"-24h"`` → 24 hours."""
    return pd.Timedelta(text.lstrip("-").replace("d", "D"))
