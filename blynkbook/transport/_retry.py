"""Retries with exponential backoff and full jitter, as an httpx transport wrapper."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import httpx

from ._auth import IDEMPOTENT
from ._errors import parse_retry_after

__all__ = ["RETRY_STATUSES", "RetryTransport"]

#: Statuses worth another try: throttled, or a server/gateway failure.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

#: Failures that prove the request never reached the server: safe to resend even a POST.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class RetryTransport(httpx.BaseTransport):
    """Wraps ``inner`` and retries 429/5xx answers and connection failures.

    Up to ``retries`` extra attempts, waiting ``uniform(0, min(cap, base * 2**n))`` before
    retry ``n`` (full jitter), or the ``Retry-After`` the server sent (at most
    ``retry_after_cap``). GET, HEAD, PUT and DELETE retry on every retryable outcome;
    POST and PATCH only when the request provably was not processed (a connect failure or
    a 429), unless marked idempotent through the ``blynkbook.idempotent`` extension.

    >>> transport = RetryTransport(httpx.HTTPTransport(), retries=3, sleep=lambda s: None)
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        retries: int = 5,
        base: float = 0.2,
        cap: float = 10.0,
        retry_after_cap: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner
        self.retries = retries
        self.base = base
        self.cap = cap
        self.retry_after_cap = retry_after_cap
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self.attempts = 0  # requests that reached the inner transport (cache hits excluded)
        self.retried = 0  # of those, how many were retries

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self.inner.handle_request(request)
            except httpx.TransportError as exc:
                self._count(attempt, from_cache=False)
                if attempt >= self.retries or not self._may_retry_error(request, exc):
                    raise
                delay = self.backoff(attempt)
            else:
                self._count(attempt, from_cache=bool(response.extensions.get("from_cache")))
                status = response.status_code
                if attempt >= self.retries or not self._may_retry_status(request, status):
                    return response
                delay = self._delay(response, attempt)
                response.read()
                response.close()
            self._sleep(delay)
            attempt += 1

    def close(self) -> None:
        self.inner.close()

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay before retry number ``attempt`` (0-based)."""
        return self._rng.uniform(0.0, min(self.cap, self.base * 2.0**attempt))

    def _delay(self, response: httpx.Response, attempt: int) -> float:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after:
            return min(retry_after, self.retry_after_cap)
        return self.backoff(attempt)

    def _count(self, attempt: int, *, from_cache: bool) -> None:
        if from_cache:
            return
        with self._lock:
            self.attempts += 1
            self.retried += attempt > 0

    @staticmethod
    def _repeatable(request: httpx.Request) -> bool:
        return request.method in _SAFE_METHODS or bool(request.extensions.get(IDEMPOTENT))

    def _may_retry_error(self, request: httpx.Request, exc: httpx.TransportError) -> bool:
        if isinstance(exc, _NEVER_SENT):
            return True
        retryable = isinstance(exc, httpx.NetworkError | httpx.TimeoutException)
        retryable = retryable or isinstance(exc, httpx.RemoteProtocolError)
        return retryable and self._repeatable(request)

    def _may_retry_status(self, request: httpx.Request, status: int) -> bool:
        if status not in RETRY_STATUSES:
            return False
        return status == 429 or self._repeatable(request)
