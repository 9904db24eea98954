"""Rate limiting and fault injection, shared by every simulated cloud.

Both are per app instance and can be changed while it runs::

    sim.faults.error_rate = 0.1      # 10 % of requests answer 500 (or 503)
    sim.faults.latency = 0.05        # 50 ms before every answer
    sim.faults.drop_rate = 0.02      # 2 % of connections closed with no answer
    sim.faults.revoke_rate = 0.01    # 1 % of requests find every token revoked first
    sim.rate_limit.configure(rate=20, burst=40)   # 429 + Retry-After beyond that
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ._http import DropConnection, HTTPFailure

__all__ = ["FAULT_KNOBS", "Faults", "RateLimiter"]

#: The knobs :meth:`Faults.set` accepts.
FAULT_KNOBS = frozenset(
    {"error_rate", "throttle_rate", "drop_rate", "latency", "retry_after", "revoke_rate"}
)


@dataclass
class Faults:
    """Fault-injection knobs. All off by default; ``seed`` makes the draws repeatable.

    ``retry_after`` is the ``Retry-After`` header of injected 429s; None sends none.
    ``revoke_rate`` is drawn apart from the others: a hit calls ``revoker`` (the cloud sets
    it to revoke every token it issued) before the request goes on, so that request and
    every other one in flight meet a 401 as if an administrator had revoked the client.
    """

    error_rate: float = 0.0  # share of requests answered with a 5xx
    throttle_rate: float = 0.0  # share of requests answered with a 429
    drop_rate: float = 0.0  # share of connections dropped without an answer
    latency: float = 0.0  # seconds added before every answer
    retry_after: int | None = 0  # Retry-After sent with injected 429s (None: no header)
    revoke_rate: float = 0.0  # share of requests before which every token is revoked
    seed: int | None = None
    revoker: Callable[[], None] | None = field(default=None, repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    injected: dict[str, int] = field(
        default_factory=lambda: {"error": 0, "throttle": 0, "drop": 0, "revoke": 0}
    )

    def __post_init__(self) -> None:
        if self.seed is not None:
            self._rng.seed(self.seed)

    def set(self, **knobs: float | None) -> None:
        """Change several knobs at once: ``faults.set(error_rate=0.1, latency=0.05)``."""
        for name, value in knobs.items():
            if name not in FAULT_KNOBS:
                raise ValueError(f"unknown fault knob {name!r}; known: {sorted(FAULT_KNOBS)}")
            setattr(self, name, value)

    def reset(self) -> None:
        self.set(
            error_rate=0.0,
            throttle_rate=0.0,
            drop_rate=0.0,
            latency=0.0,
            retry_after=0,
            revoke_rate=0.0,
        )

    def apply(self) -> None:
        """Sleep for the latency, maybe revoke every token, then maybe raise a drop, a 5xx
        or a 429."""
        if self.latency > 0:
            time.sleep(self.latency)
        with self._lock:
            draw = self._rng.random()
            revoke = self.revoke_rate > 0 and self._rng.random() < self.revoke_rate
        if revoke and self.revoker is not None:
            self._count("revoke")
            self.revoker()
        if draw < self.drop_rate:
            self._count("drop")
            raise DropConnection()
        draw -= self.drop_rate
        if draw < self.error_rate:
            self._count("error")
            status = 503 if self._rng.random() < 0.5 else 500
            raise HTTPFailure(status, "Internal server error (injected fault)")
        draw -= self.error_rate
        if draw < self.throttle_rate:
            self._count("throttle")
            headers = [] if self.retry_after is None else [("Retry-After", str(self.retry_after))]
            raise HTTPFailure(429, bare=True, headers=headers)

    def _count(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] += 1


class RateLimiter:
    """A token bucket per client key; an empty bucket answers 429 with ``Retry-After``.

    The vendor documents 429 on every operation but publishes no number, so the
    default (``rate`` requests a second, ``burst`` at once) is generous; tests
    configure a small one.
    """

    def __init__(self, rate: float = 500.0, burst: int = 1000, *, enabled: bool = True) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}
        self.rate = rate
        self.burst = burst
        self.enabled = enabled
        self.rejected = 0

    def configure(
        self, *, rate: float | None = None, burst: int | None = None, enabled: bool | None = None
    ) -> None:
        with self._lock:
            if rate is not None:
                self.rate = rate
            if burst is not None:
                self.burst = burst
            if enabled is not None:
                self.enabled = enabled
            self._buckets.clear()

    def check(self, key: str) -> None:
        """Take one token for ``key`` or raise a 429 failure."""
        if not self.enabled:
            return
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return
            self._buckets[key] = (tokens, now)
            self.rejected += 1
            wait = math.ceil((1.0 - tokens) / self.rate) if self.rate > 0 else 60
        raise HTTPFailure(429, bare=True, headers=[("Retry-After", str(max(1, wait)))])
