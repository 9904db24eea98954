"""The simulator's clock: real time, or a fixed "now" that is frozen or ticks from there."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

__all__ = ["Clock", "parse_instant"]


def parse_instant(value: str | datetime | float | int) -> float:
    """Seconds since the epoch for an ISO string, aware/naive (UTC) datetime or epoch seconds.

    >>> parse_instant("2026-11-20T12:00:00Z")
    1795176000.0
    """
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


class Clock:
    """Tells the simulated cloud what time it is.

    ``Clock()`` follows the wall clock. ``Clock(now=...)`` starts at that instant and
    stays there (``ticking=False``, the default: reproducible notebooks and tests) or
    moves on with real time (``ticking=True``). :meth:`advance` moves it forward by hand.

    >>> c = Clock(now="2026-11-20T12:00:00Z")
    >>> c.advance(90); c.now_ms()
    1795176090000
    """

    def __init__(self, now: str | datetime | float | None = None, *, ticking: bool = False) -> None:
        self._lock = threading.Lock()
        self._real = now is None
        self._ticking = ticking or self._real
        self._anchor = time.time() if now is None else parse_instant(now)
        self._started = time.monotonic()
        self._offset = 0.0

    @property
    def frozen(self) -> bool:
        return not self._ticking

    def now(self) -> float:
        """Seconds since the epoch."""
        with self._lock:
            elapsed = time.monotonic() - self._started if self._ticking else 0.0
            return self._anchor + elapsed + self._offset

    def now_ms(self) -> int:
        return int(round(self.now() * 1000))

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def __repr__(self) -> str:
        mode = "real time" if self._real else ("ticking" if self._ticking else "frozen")
        return f"Clock({self.now_datetime().isoformat()}, {mode})"
