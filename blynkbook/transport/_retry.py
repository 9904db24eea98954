"""Retries with backoff and jitter, paced by the adaptive limiter, as an httpx transport.

A call on its own may retry ``retries`` times. Calls made inside a pull
(:meth:`Session.pull`, which :meth:`Session.map` opens when none is open) share the
pull's :class:`RetryBudget` instead: a page may retry as long as the pull has retries
left and it has waited less than ``max_wait`` seconds in all, so one unlucky page out of
a thousand does not end the pull, and a cloud that fails everything does not keep it
going for long.
"""

from __future__ import annotations

import contextvars
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

from blynkbook.errors import InputError

from ._adaptive import AdaptiveLimiter, Outcome
from ._auth import IDEMPOTENT
from ._errors import parse_retry_after

__all__ = [
    "MAX_RETRY_AFTER",
    "MAX_WAIT",
    "RETRY_AFTER_REFUSED",
    "RETRY_STATUSES",
    "RetryBudget",
    "RetryTransport",
    "current_budget",
    "retry_budget",
]

#: Statuses worth another try: throttled, or a server/gateway failure.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: The longest ``Retry-After`` (seconds) a call waits out; beyond it the call fails at once.
MAX_RETRY_AFTER = 60.0

#: Inside a pull, a call stops retrying once its waits between tries add up to this (s).
MAX_WAIT = 60.0

#: Response extension set when the cloud asked for a wait beyond ``max_retry_after``.
RETRY_AFTER_REFUSED = "blynkbook.retry_after_refused"

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

#: Failures that prove the request never reached the server: safe to resend even a POST.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class RetryBudget:
    """Retries shared by the calls of one pull: ``base`` to start with, plus ``ratio``
    for every call the pull makes; each retry takes one. Thread safe.

    >>> budget = RetryBudget(base=1, ratio=0.5)
    >>> budget.add_call(); budget.take(), budget.take(), budget.take()
    (True, False, False)
    >>> budget.used, budget.exhausted
    (1, True)
    """

    def __init__(self, *, base: float = 20.0, ratio: float = 1.0) -> None:
        if base < 0 or ratio < 0:
            raise InputError(f"retry budget base={base}, ratio={ratio} must not be negative")
        self.base = base
        self.ratio = ratio
        self._tokens = float(base)
        self._lock = threading.Lock()
        self.calls = 0
        self.used = 0
        self.exhausted = False

    def __repr__(self) -> str:
        return f"<RetryBudget used={self.used} left={self._tokens:.0f} calls={self.calls}>"

    def add_call(self) -> None:
        """A call of the pull starts: its share of retries joins the budget."""
        with self._lock:
            self.calls += 1
            self._tokens += self.ratio

    def take(self) -> bool:
        """One retry from the budget, if any is left."""
        with self._lock:
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                self.used += 1
                return True
            self.exhausted = True
            return False


_BUDGET: contextvars.ContextVar[RetryBudget | None] = contextvars.ContextVar(
    "blynkbook_retry_budget", default=None
)


def current_budget() -> RetryBudget | None:
    """The retry budget of the pull this context is in, if any."""
    return _BUDGET.get()


@contextmanager
def retry_budget(budget: RetryBudget) -> Iterator[RetryBudget]:
    """Calls made inside the block (and in threads started with a copy of its context)
    retry from ``budget``."""
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


class RetryTransport(httpx.BaseTransport):
    """Wraps ``inner`` and retries 429/5xx answers and connection failures.

    Every attempt waits for its turn at the shared :class:`AdaptiveLimiter` (when given)
    and tells it how it went. Before retry ``n`` it waits ``uniform(0, min(cap,
    base * 2**n))`` (full jitter); when the cloud sent ``Retry-After``, that many seconds
    plus the same jitter, so threads told "1 s" do not all come back at once. A
    ``Retry-After`` above ``max_retry_after`` is not waited out: the answer is returned at
    once, marked with the :data:`RETRY_AFTER_REFUSED` extension.

    A call retries ``retries`` times, or inside a pull (:func:`retry_budget`) while the
    pull's budget lasts and its own waits stay under ``max_wait`` seconds. GET, HEAD, PUT
    and DELETE retry on every retryable outcome; POST and PATCH only when the request
    provably was not processed (a connect failure or a 429), unless marked idempotent
    through the ``blynkbook.idempotent`` extension.

    >>> transport = RetryTransport(httpx.HTTPTransport(), retries=3, sleep=lambda s: None)
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        retries: int = 5,
        base: float = 0.2,
        cap: float = 10.0,
        max_retry_after: float = MAX_RETRY_AFTER,
        max_wait: float = MAX_WAIT,
        limiter: AdaptiveLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner
        self.retries = retries
        self.base = base
        self.cap = cap
        self.max_retry_after = max_retry_after
        self.max_wait = max_wait
        self.limiter = limiter
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self.attempts = 0  # requests that reached the inner transport (cache hits excluded)
        self.retried = 0  # of those, how many were retries

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        budget = _BUDGET.get()
        if budget is not None:
            budget.add_call()
        attempt = 0
        waited = 0.0
        while True:
            try:
                response = self._attempt(request, attempt)
            except httpx.TransportError as exc:
                delay = self.backoff(attempt)
                if not self._may_retry_error(request, exc) or not self._may_retry(
                    attempt, waited + delay, budget
                ):
                    raise
            else:
                status = response.status_code
                if not self._may_retry_status(request, status):
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is not None and retry_after > self.max_retry_after:
                    response.extensions[RETRY_AFTER_REFUSED] = retry_after
                    return response
                delay = self._delay(retry_after, attempt)
                if not self._may_retry(attempt, waited + delay, budget):
                    return response
                response.read()
                response.close()
            self._sleep(delay)
            waited += delay
            attempt += 1

    def close(self) -> None:
        self.inner.close()

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay before retry number ``attempt`` (0-based)."""
        return self._rng.uniform(0.0, min(self.cap, self.base * 2.0**attempt))

    def _attempt(self, request: httpx.Request, attempt: int) -> httpx.Response:
        """One send, paced by the limiter, which then learns how it went."""
        limiter = self.limiter
        ticket = limiter.acquire() if limiter is not None else None
        outcome, from_cache = Outcome.FAILED, False  # until an answer says otherwise
        try:
            response = self.inner.handle_request(request)
            outcome = _outcome(response.status_code)
            from_cache = bool(response.extensions.get("from_cache"))
            return response
        finally:
            if limiter is not None and ticket is not None:
                limiter.release(ticket, outcome)
            self._count(attempt, from_cache=from_cache)

    def _delay(self, retry_after: float | None, attempt: int) -> float:
        """``Retry-After`` (when above 0) plus jitter, else the exponential backoff."""
        return (retry_after or 0.0) + self.backoff(attempt)

    def _may_retry(self, attempt: int, waited: float, budget: RetryBudget | None) -> bool:
        if budget is None:
            return attempt < self.retries
        return waited <= self.max_wait and budget.take()

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


def _outcome(status: int) -> Outcome:
    if status == 429:
        return Outcome.THROTTLED
    return Outcome.FAILED if status >= 500 else Outcome.OK
