"""Adaptive send rate and concurrency, shared by every thread of a session (AIMD).

Like the AWS SDKs' adaptive retry mode and TCP congestion control, the client learns what
the cloud takes instead of being told:

* **rate**: off (unlimited) until the first 429. Then the session paces its requests at
  ``beta`` times what the cloud answered successfully in the last second; each later 429
  cuts the rate by ``beta`` again (multiplicative decrease, at most once per
  ``cooldown``), and each success adds ``recovery / rate``, so a second of successes
  gives ``recovery`` requests/s back (additive increase). The rate never falls below
  ``min_rate``.
* **concurrency window**: starts at the session's ``max_concurrency``; a burst of failures
  (``burst`` 5xx answers or dropped connections in a row) cuts it by ``beta`` (at least 1,
  at most one cut per ``cooldown``) and each success adds ``1 / window`` back, up to the
  maximum again.

A 429 says "too fast", so it slows the rate; a run of 5xx or drops says "overloaded", so
it narrows the window. Isolated failures change nothing.

>>> limiter = AdaptiveLimiter(16, clock=lambda: 100.0)
>>> limiter.rate is None, limiter.window
(True, 16.0)
>>> ticket = limiter.acquire()
>>> limiter.release(ticket, Outcome.THROTTLED)
>>> limiter.rate   # nothing succeeded in the last second: the floor
1.0
"""

from __future__ import annotations

import enum
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["AdaptiveLimiter", "Outcome", "Ticket"]


class Outcome(enum.Enum):
    """What an attempt told the limiter."""

    OK = "ok"  # any answer that is neither a 429 nor a 5xx
    THROTTLED = "throttled"  # 429
    FAILED = "failed"  # 5xx, or no answer at all


@dataclass(frozen=True)
class Ticket:
    """One attempt's slot in the window, taken by :meth:`AdaptiveLimiter.acquire`."""

    sent_at: float


class AdaptiveLimiter:
    """The session-wide rate and concurrency window; thread safe.

    ``clock`` and ``sleep`` are injectable (tests); pacing sleeps happen outside the lock.
    """

    def __init__(
        self,
        max_concurrency: int,
        *,
        beta: float = 0.7,
        recovery: float = 5.0,
        min_rate: float = 1.0,
        burst: int = 5,
        cooldown: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_concurrency = max_concurrency
        self.beta = beta
        self.recovery = recovery
        self.min_rate = min_rate
        self.burst = burst
        self.cooldown = cooldown
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Condition()
        self.rate: float | None = None  # requests a second; None: not limited (yet)
        self.window = float(max_concurrency)
        self.in_flight = 0
        self._next_send = 0.0
        self._successes: deque[float] = deque()  # times of the last second's successes
        self._failures_in_row = 0
        self._last_rate_cut = -float("inf")
        self._last_window_cut = -float("inf")
        self.rate_cuts = 0
        self.window_cuts = 0

    def __repr__(self) -> str:
        rate = "unlimited" if self.rate is None else f"{self.rate:.1f}/s"
        return f"<AdaptiveLimiter rate={rate} window={self.window:.1f}/{self.max_concurrency}>"

    def acquire(self) -> Ticket:
        """Wait for a place in the window and, when the rate is limited, for this
        request's turn; returns the ticket to hand to :meth:`release`."""
        with self._lock:
            while self.in_flight >= max(1, int(self.window)):
                self._lock.wait(timeout=0.5)
            self.in_flight += 1
            delay = self._reserve_turn()
        if delay > 0:
            self._sleep(delay)
        return Ticket(sent_at=self._clock())

    def release(self, ticket: Ticket, outcome: Outcome) -> None:
        """Free the ticket's place and learn from the attempt's outcome."""
        with self._lock:
            self.in_flight -= 1
            now = self._clock()
            if outcome is Outcome.OK:
                self._on_success(now)
            elif outcome is Outcome.THROTTLED:
                self._failures_in_row = 0
                self._cut_rate(now)
            else:
                self._failures_in_row += 1
                if self._failures_in_row >= self.burst:
                    self._failures_in_row = 0
                    self._cut_window(now)
            self._lock.notify_all()

    # -- under the lock ---------------------------------------------------------------

    def _reserve_turn(self) -> float:
        """Seconds this request must wait for its turn at the current rate (0: go)."""
        if self.rate is None:
            return 0.0
        now = self._clock()
        turn = max(now, self._next_send)
        self._next_send = turn + 1.0 / self.rate
        return turn - now

    def _on_success(self, now: float) -> None:
        self._failures_in_row = 0
        self._successes.append(now)
        self._forget_before(now - 1.0)
        if self.rate is not None:
            self.rate += self.recovery / max(self.rate, 1.0)
        if self.window < self.max_concurrency:
            self.window = min(float(self.max_concurrency), self.window + 1.0 / self.window)

    def _cut_rate(self, now: float) -> None:
        if now - self._last_rate_cut < self.cooldown:
            return
        self._forget_before(now - 1.0)
        answered = float(len(self._successes))  # successes in the last second
        self.rate = max(self.min_rate, self.beta * self._sending_rate(answered))
        self._last_rate_cut = now
        self.rate_cuts += 1

    def _sending_rate(self, answered: float) -> float:
        """The rate to cut from: the first time, what the cloud answered in the last second
        (the pull may have started far above its limit); after that, the current rate."""
        return answered if self.rate is None else self.rate

    def _cut_window(self, now: float) -> None:
        if now - self._last_window_cut < self.cooldown:
            return
        self.window = max(1.0, self.window * self.beta)
        self._last_window_cut = now
        self.window_cuts += 1

    def _forget_before(self, horizon: float) -> None:
        while self._successes and self._successes[0] < horizon:
            self._successes.popleft()
