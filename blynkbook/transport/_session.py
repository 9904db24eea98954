"""The facade's only HTTP surface: one shared httpx client, JSON replies, bounded fan-out."""

from __future__ import annotations

import contextvars
import ipaddress
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx

from blynkbook.errors import InputError, RateLimitError, ServerError, TransportError

from .._urls import DEMO_BASE_URLS, form_encoded
from ._adaptive import AdaptiveLimiter
from ._errors import error_from_response, transport_error
from ._fanout import PROGRESS_THRESHOLD, always, run_in_turn, run_on_threads, wants_progress
from ._redact import install_log_redaction, redact_url
from ._reply import Failed, Reply, decode
from ._retry import (
    MAX_RETRY_AFTER,
    MAX_WAIT,
    RETRY_AFTER_REFUSED,
    RetryBudget,
    RetryTransport,
    current_budget,
    retry_budget,
)

__all__ = [
    "DEMO_BASE_URLS",
    "PROGRESS_THRESHOLD",
    "CacheLookup",
    "Failed",
    "Reply",
    "Session",
    "check_base_url",
    "wants_progress",
]

T = TypeVar("T")
R = TypeVar("R")

# DEMO_BASE_URLS (from blynkbook._urls): plain http is fine there, nothing leaves the process.
USER_AGENT = "blynkbook/0.1"

Params = Mapping[str, Any]
#: A cache's fast path: a GET URL → its stored ``(body, stale)`` when that may be served
#: with no request, else None (``ResponseCache.lookup``).
CacheLookup = Callable[[str], "tuple[bytes, bool] | None"]

# The recordings open in this context (see Session.recording): (session, replies) pairs.
_RECORDINGS: contextvars.ContextVar[tuple[tuple[Session, list[Reply]], ...]] = (
    contextvars.ContextVar("blynkbook_recordings", default=())
)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash, if it is HTTPS, loopback or an in-process demo.

    >>> check_base_url("https://blynk.cloud/")
    'https://blynk.cloud'
    >>> check_base_url("http://example.com")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    blynkbook.errors.InputError: base URL 'http://example.com' must use https ...
    """
    cleaned = str(base_url).rstrip("/")
    try:
        url = httpx.URL(cleaned)
    except httpx.InvalidURL as exc:
        raise InputError(f"base URL {redact_url(cleaned)!r} is not a valid URL") from exc
    if url.scheme == "https" and url.host:
        return cleaned
    if url.scheme == "http" and (_is_loopback(url.host) or cleaned in DEMO_BASE_URLS):
        return cleaned
    raise InputError(
        f"base URL {redact_url(cleaned)!r} must use https (plain http is allowed only for "
        "loopback hosts and the demo clouds)"
    )


def _clean_params(params: Params | None) -> dict[str, Any] | None:
    """Drop None values; lists stay lists, which httpx sends exploded (``a=1&a=2``)."""
    if not params:
        return None
    return {key: value for key, value in params.items() if value is not None}


class Session:
    """One authenticated httpx client with retries, error mapping and bounded fan-out.

    >>> from blynkbook.transport import Credentials, OAuth2ClientCredentials
    >>> creds = Credentials("https://blynk.cloud", "id", "secret")
    >>> with Session(creds.server, auth=OAuth2ClientCredentials(creds)) as s:  # doctest: +SKIP
    ...     s.get("/api/v1/organization/devices", {"page": 0, "size": 100}).data
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None,
        transport: httpx.BaseTransport | None = None,
        max_concurrency: int = 16,
        timeout: float = 30.0,
        retries: int = 5,
        max_retry_after: float = MAX_RETRY_AFTER,
        max_wait: float = MAX_WAIT,
        sleep: Callable[[float], None] = time.sleep,
        lookup: CacheLookup | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise InputError(f"max_concurrency={max_concurrency} must be at least 1")
        if retries < 0:
            raise InputError(f"retries={retries} must be 0 or more")
        for name, seconds in (("max_retry_after", max_retry_after), ("max_wait", max_wait)):
            if not seconds >= 0:
                raise InputError(f"{name}={seconds} must be 0 or more seconds")
        self.base_url = check_base_url(base_url)
        self.max_concurrency = max_concurrency
        self.max_retry_after = max_retry_after
        self._lookup = lookup
        limits = httpx.Limits(
            max_connections=max_concurrency, max_keepalive_connections=max_concurrency
        )
        inner = transport if transport is not None else httpx.HTTPTransport(limits=limits)
        #: The send rate and concurrency window all of this session's threads share.
        self.limiter = AdaptiveLimiter(max_concurrency, sleep=sleep)
        self._retry = RetryTransport(
            inner,
            retries=retries,
            max_retry_after=max_retry_after,
            max_wait=max_wait,
            limiter=self.limiter,
            sleep=sleep,
        )
        self._client = httpx.Client(
            base_url=self.base_url,
            auth=auth,
            transport=self._retry,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            trust_env=False,  # env proxies would bypass the retry transport
        )
        install_log_redaction()

    def __repr__(self) -> str:
        return f"<Session {self.base_url} max_concurrency={self.max_concurrency}>"

    @property
    def request_count(self) -> int:
        """Requests that went out (retries and token calls included, cache hits not)."""
        return self._retry.attempts

    @property
    def retry_count(self) -> int:
        """How many of :attr:`request_count` were retries."""
        return self._retry.retried

    def get(
        self,
        path: str,
        params: Params | None = None,
        *,
        cache: Mapping[str, Any] | None = None,
        raw: bool = False,
    ) -> Reply:
        """GET ``path``; ``cache`` is handed to the cache transport as an extension.

        A fresh cache hit (see :meth:`cached`) is answered with no request."""
        if cache is None:
            hit = self.cached(path, params, raw=raw)
            if hit is not None:
                return hit
        extensions = {"cache": dict(cache)} if cache is not None else None
        return self._request("GET", path, params=params, extensions=extensions, raw=raw)

    def cached(self, path: str, params: Params | None = None, *, raw: bool = False) -> Reply | None:
        """The cache's answer to ``get(path, params)`` when it may be served as is (a fresh
        hit; any hit offline), read in this thread with no HTTP request and no auth; None
        on a miss, an expired entry or without a cache (``lookup``)."""
        if self._lookup is None or "?" in path:
            return None
        url = f"{self.base_url}/{path.lstrip('/')}"
        query = form_encoded(httpx.QueryParams(_clean_params(params)).multi_items())
        hit = self._lookup(f"{url}?{query}" if query else url)
        if hit is None:
            return None
        content, stale = hit
        data = None if raw else decode(content, 200)
        return self._noted(Reply(data, 200, from_cache=True, stale=stale, content=content))

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        raw: bool = False,
    ) -> Reply:
        """Send a write (POST, PUT, PATCH, DELETE) with an optional JSON body."""
        return self._request(method.upper(), path, params=params, json=json, raw=raw)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None,
        json: Any = None,
        extensions: dict[str, Any] | None = None,
        raw: bool,
    ) -> Reply:
        request = self._client.build_request(
            method, path, params=_clean_params(params), json=json, extensions=extensions
        )
        try:
            response = self._client.send(request)
        except httpx.HTTPError as exc:
            raise transport_error(request, exc) from exc
        if response.is_error:
            error = error_from_response(response)
            refused = response.extensions.get(RETRY_AFTER_REFUSED)
            if isinstance(error, RateLimitError) and refused is not None:
                raise _wait_refused(error, float(refused), self.max_retry_after)
            raise error
        return self._noted(Reply.from_response(response, raw=raw))

    @contextmanager
    def recording(self) -> Iterator[list[Reply]]:
        """Collect the replies this session hands out inside the block, on this thread and
        on the threads of :meth:`map` it starts; blocks may nest (each sees its own and
        its inner blocks' replies).

        >>> with session.recording() as replies:   # doctest: +SKIP
        ...     session.get("/groups")
        >>> any(r.stale for r in replies)           # doctest: +SKIP
        False
        """
        replies: list[Reply] = []
        token = _RECORDINGS.set((*_RECORDINGS.get(), (self, replies)))
        try:
            yield replies
        finally:
            _RECORDINGS.reset(token)

    def recording_now(self) -> bool:
        """Whether a :meth:`recording` block of this session is open in this context."""
        return any(session is self for session, _ in _RECORDINGS.get())

    def _noted(self, reply: Reply) -> Reply:
        for session, replies in _RECORDINGS.get():
            if session is self:
                replies.append(reply)
        return reply

    @contextmanager
    def pull(self, *, base: float = 20.0, ratio: float = 1.0) -> Iterator[RetryBudget]:
        """Calls made inside the block (on this thread and on the threads of :meth:`map`
        it starts) share one :class:`RetryBudget` (``base`` retries plus ``ratio`` per
        call) instead of ``retries`` each; inside a pull already, that pull's budget.

        >>> with session.pull() as budget:        # doctest: +SKIP
        ...     pages = session.map(fetch, jobs)
        >>> budget.used                           # doctest: +SKIP
        3
        """
        open_budget = current_budget()
        if open_budget is not None:
            yield open_budget
            return
        with retry_budget(RetryBudget(base=base, ratio=ratio)) as budget:
            yield budget

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        desc: str | None = None,
        progress: bool = False,
    ) -> list[R]:
        """``[fn(item) for item in items]`` on up to ``max_concurrency`` threads, in order,
        inside a :meth:`pull` (one retry budget for all the calls).

        The first exception is re-raised after the calls not yet started are cancelled.

        >>> session.map(lambda d: session.get(f"/devices/{d}").data, [1, 2, 3])  # doctest: +SKIP
        """
        outcomes = self._fan_out(fn, items, desc=desc, progress=progress, stop=always)
        for outcome in outcomes:
            if isinstance(outcome, Failed) and outcome.error is not None:
                raise outcome.error  # the first failure, which stopped the rest
        return [outcome for outcome in outcomes if not isinstance(outcome, Failed)]

    def map_all(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        desc: str | None = None,
        progress: bool = False,
    ) -> list[R | Failed]:
        """Like :meth:`map`, but a call that fails does not stop the others: its place in
        the list holds :class:`Failed`. Only an error that would fail every other call as
        well (refused credentials or access, a bad request, a ``Retry-After`` beyond
        ``max_retry_after``, an error that is not blynkbook's) stops the calls not yet
        started (``Failed(None)``); a lost connection, a 5xx or a 429 does not.

        >>> outcomes = session.map_all(fetch, pages)                 # doctest: +SKIP
        >>> [o.error for o in outcomes if isinstance(o, Failed)]     # doctest: +SKIP
        [ServerError('HTTP 503: ...')]
        """
        return self._fan_out(fn, items, desc=desc, progress=progress, stop=self._stops_the_rest)

    def _stops_the_rest(self, error: BaseException) -> bool:
        if isinstance(error, RateLimitError):
            return error.retry_after is not None and error.retry_after > self.max_retry_after
        return not isinstance(error, TransportError | ServerError)

    def _fan_out(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        desc: str | None,
        progress: bool,
        stop: Callable[[BaseException], bool],
    ) -> list[R | Failed]:
        work = list(items)
        with self.pull():
            if len(work) <= 1 and not progress:
                return run_in_turn(fn, work, stop)
            return run_on_threads(
                fn, work, workers=self.max_concurrency, desc=desc, progress=progress, stop=stop
            )

    def close(self) -> None:
        """Close the client and its connection pool."""
        self._client.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _wait_refused(error: RateLimitError, retry_after: float, ceiling: float) -> RateLimitError:
    """The 429 whose ``Retry-After`` is longer than blynkbook waits, saying when to retry."""
    when = datetime.now(UTC) + timedelta(seconds=retry_after)
    message = (
        f"{error.message}: the cloud asked to wait {retry_after:g} s before the next request, "
        f"longer than blynkbook waits ({ceiling:g} s, Session(max_retry_after=...)); "
        f"try again after {when:%Y-%m-%d %H:%M:%S} UTC"
    )
    return RateLimitError(
        message,
        retry_after=retry_after,
        status=error.status,
        method=error.method,
        url=error.url,
        body=error.body,
    )
