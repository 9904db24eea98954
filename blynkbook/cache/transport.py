"""The httpx transport that answers GET/HEAD through requests-cache and sends writes on.

One ``httpx.Client`` stays the facade's only HTTP surface
(docs/vendor/notes-stack-facts.md §7, option d): reads travel through a
``requests_cache.CachedSession``, every other method goes straight to an httpx transport,
and a successful write invalidates the reads it makes stale.

Per-request options travel as ``extensions={"cache": {...}}`` with any of
``only_if_cached``, ``force_refresh``, ``refresh`` and ``expire_after``. Every answer
carries ``extensions["from_cache"]`` and ``extensions["stale"]`` (an expired entry served
because the network failed, or in offline mode), plus ``cached_at`` and ``expires``
(``datetime`` or None).

>>> client = httpx.Client(transport=cache.transport(), base_url=server)     # doctest: +SKIP
>>> client.get("/api/v1/organization/devices").extensions["from_cache"]    # doctest: +SKIP
False
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Final, Protocol

import httpx
import requests
import requests_cache
import urllib3.exceptions
from requests_cache.models.response import CachedResponse

from ..errors import InputError, OfflineError
from ._storage import strip_secret_fields
from .keys import redact_url

__all__ = ["CACHE_OPTIONS", "CacheBackend", "CachedTransport"]

#: Keys accepted in ``request.extensions["cache"]``.
CACHE_OPTIONS: Final = frozenset({"only_if_cached", "force_refresh", "refresh", "expire_after"})
READ_METHODS: Final = frozenset({"GET", "HEAD"})
# requests has already decoded and de-chunked the body; these headers no longer describe it.
_STALE_HEADERS: Final = frozenset({"content-encoding", "content-length", "transfer-encoding"})
# httpx's own hop-by-hop and encoding headers; requests sets its own.
_DROPPED_REQUEST_HEADERS: Final = frozenset(
    {"host", "accept-encoding", "connection", "content-length", "transfer-encoding"}
)

# An only-if-cached lookup with this directive accepts an entry however long ago it expired.
_ANY_STALENESS: Final = {"Cache-Control": f"stale-if-error={100 * 365 * 24 * 3600}"}


class CacheBackend(Protocol):
    """What :class:`CachedTransport` needs from the cache that owns it."""

    @property
    def session(self) -> requests_cache.CachedSession: ...

    @property
    def offline(self) -> bool: ...

    def expire_after(self, url: str) -> int: ...

    def cacheable(self, url: str) -> bool: ...

    def usable(self, method: str, url: str) -> CachedResponse | None: ...

    def record(self, url: str, *, from_cache: bool) -> None: ...

    def after_write(self, method: str, url: str, body: bytes) -> None: ...

    def enabled(self) -> bool: ...

    def fetching(self, method: str, url: str) -> AbstractContextManager[None]: ...


class CachedTransport(httpx.BaseTransport):
    """GET/HEAD through the cache's ``CachedSession``; other methods to ``writes``."""

    def __init__(self, cache: CacheBackend, writes: httpx.BaseTransport | None = None) -> None:
        self._cache = cache
        self._writes = writes if writes is not None else httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method in READ_METHODS:
            return self._read(request)
        return self._write(request)

    def close(self) -> None:
        self._writes.close()

    def __repr__(self) -> str:
        return f"<CachedTransport offline={self._cache.offline}>"

    # -- writes -------------------------------------------------------------------------

    def _write(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if self._cache.offline:
            raise OfflineError(
                f"offline mode: {request.method} {redact_url(url)} was not sent",
                method=request.method,
                url=redact_url(url),
            )
        body = request.read()
        try:
            response = self._writes.handle_request(request)
        except httpx.TransportError:
            self._cache.after_write(request.method, url, body)  # it may have landed
            raise
        if not 400 <= response.status_code < 500:  # landed (2xx), or may have (5xx)
            self._cache.after_write(request.method, url, body)
        return response

    # -- reads --------------------------------------------------------------------------

    def _read(self, request: httpx.Request) -> httpx.Response:
        options = self._options(request)
        if not self._cache.offline and (
            not self._cache.enabled() or self._never_kept(request, options)
        ):
            if options["only_if_cached"]:  # nothing may be answered from the cache
                raise _offline_miss(request, offline=False)
            return self._uncached(request)
        entry = self._usable_entry(request, options)
        answer = entry if entry is not None else self._fetch(request, options)
        from_cache = _came_from_cache(answer)
        self._cache.record(str(request.url), from_cache=from_cache)
        return _to_httpx(answer, request, from_cache=from_cache)

    def _fetch(self, request: httpx.Request, options: dict[str, Any]) -> requests.Response:
        """The full requests-cache path: misses, expired entries, refreshes, offline misses;
        the stale entry when the network fails or the cloud answers 5xx."""
        if options["expire_after"] is None:
            options["expire_after"] = self._cache.expire_after(str(request.url))
        try:
            with self._cache.fetching(request.method, str(request.url)):
                answer = self._ask_session(request, **options)
        except requests.exceptions.RequestException as exc:
            stale = self._stale_copy(request)
            if stale is None:
                raise _as_httpx_error(exc, request) from exc
            return stale
        if options["only_if_cached"] and _is_cache_miss(answer):
            raise _offline_miss(request, offline=self._cache.offline)
        if answer.status_code >= 500 and not _came_from_cache(answer):
            stale = self._stale_copy(request)
            return stale if stale is not None else answer
        return answer

    def _never_kept(self, request: httpx.Request, options: Mapping[str, Any]) -> bool:
        """Whether the answer to this read would be neither served nor kept: the request
        says ``expire_after=DO_NOT_CACHE`` (history pages a series store keeps) or the
        policy never caches its path (token endpoints). Such reads skip requests-cache,
        whose per-request work (a ``requests`` request, the generation snapshot, urllib3)
        would buy nothing."""
        expire = options["expire_after"]
        if expire is None:
            return not self._cache.cacheable(str(request.url))
        return bool(expire == requests_cache.DO_NOT_CACHE)

    def _uncached(self, request: httpx.Request) -> httpx.Response:
        """Straight to the cloud, nothing stored: the cache is off (an invalidation failed),
        or the read is never kept (:meth:`_never_kept`). Credential fields of a path the
        policy caches are still stripped, so the answer looks as a cached one would."""
        response = self._writes.handle_request(request)
        url = str(request.url)
        self._cache.record(url, from_cache=False)
        if not self._cache.cacheable(url):
            return response
        body = strip_secret_fields(response.read())
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _STALE_HEADERS]
        response.close()
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=body,
            request=request,
            extensions={"from_cache": False, "stale": False, "cached_at": None, "expires": None},
        )

    def _usable_entry(
        self, request: httpx.Request, options: Mapping[str, Any]
    ) -> CachedResponse | None:
        """The stored answer when it may be served as is (fresh, or offline), else None.

        The fast path for hits: the same lookup requests-cache makes, without building a
        ``requests`` request. Misses, expired entries, refreshes and ``Vary`` answers take
        the full ``CachedSession`` path.
        """
        if options["force_refresh"] or options["refresh"]:
            return None
        if options["expire_after"] == requests_cache.DO_NOT_CACHE:
            return None
        return self._cache.usable(request.method, str(request.url))

    def _ask_session(
        self,
        request: httpx.Request,
        *,
        extra_headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> requests.Response:
        return self._cache.session.request(
            request.method,
            str(request.url),
            headers={**_forward_headers(request), **(extra_headers or {})},
            timeout=_timeouts(request),
            allow_redirects=True,
            **options,
        )

    def _stale_copy(self, request: httpx.Request) -> requests.Response | None:
        """The cached answer, expired or not, when the network failed; None if there is none."""
        answer = self._ask_session(
            request,
            only_if_cached=True,
            expire_after=requests_cache.NEVER_EXPIRE,  # any lifetime but DO_NOT_CACHE: read
            extra_headers=_ANY_STALENESS,
        )
        return None if _is_cache_miss(answer) else answer

    def _options(self, request: httpx.Request) -> dict[str, Any]:
        given: Mapping[str, Any] = request.extensions.get("cache") or {}
        unknown = set(given) - CACHE_OPTIONS
        if unknown:
            raise InputError(
                f"unknown cache options {sorted(unknown)}; use {sorted(CACHE_OPTIONS)}"
            )
        return {
            "only_if_cached": bool(given.get("only_if_cached")) or self._cache.offline,
            "force_refresh": bool(given.get("force_refresh")) and not self._cache.offline,
            "refresh": bool(given.get("refresh")) and not self._cache.offline,
            "expire_after": given.get("expire_after"),  # None: the policy's, when sending
        }


def _forward_headers(request: httpx.Request) -> dict[str, str]:
    return {k: v for k, v in request.headers.items() if k.lower() not in _DROPPED_REQUEST_HEADERS}


def _timeouts(request: httpx.Request) -> tuple[float | None, float | None]:
    timeout: Mapping[str, float | None] = request.extensions.get("timeout") or {}
    return timeout.get("connect"), timeout.get("read")


def _came_from_cache(answer: requests.Response) -> bool:
    return bool(getattr(answer, "from_cache", False))


def _is_cache_miss(answer: requests.Response) -> bool:
    # requests-cache answers an only-if-cached miss with a synthetic "504 Not Cached";
    # a real 504 is never stored (allowable_codes is 200 only).
    return answer.status_code == 504 and _came_from_cache(answer)


def _offline_miss(request: httpx.Request, *, offline: bool) -> OfflineError:
    url = redact_url(str(request.url))
    why = "offline mode" if offline else "only_if_cached"
    return OfflineError(
        f"{why}: the cache holds no answer for {request.method} {url}",
        method=request.method,
        url=url,
    )


def _to_httpx(
    answer: requests.Response, request: httpx.Request, *, from_cache: bool
) -> httpx.Response:
    headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in _STALE_HEADERS]
    expires: datetime | None = getattr(answer, "expires", None)
    return httpx.Response(
        answer.status_code,
        headers=headers,
        content=answer.content or b"",
        request=request,
        extensions={
            "from_cache": from_cache,
            "stale": from_cache and bool(getattr(answer, "is_expired", False)),
            "cached_at": getattr(answer, "created_at", None) if from_cache else None,
            "expires": expires,
        },
    )


def _as_httpx_error(
    exc: requests.exceptions.RequestException, request: httpx.Request
) -> httpx.TransportError:
    """The httpx exception a socket transport would raise; the text names no secret."""
    where = f"{request.method} {redact_url(str(request.url))}"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return httpx.ConnectTimeout(f"connect timeout: {where}", request=request)
    if isinstance(exc, requests.exceptions.Timeout):
        return httpx.ReadTimeout(f"read timeout: {where}", request=request)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or _was_dropped(exc):
        return httpx.RemoteProtocolError(
            f"server disconnected without a complete response: {where}", request=request
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        return httpx.ConnectError(f"connection failed: {where}", request=request)
    return httpx.TransportError(f"{type(exc).__name__}: {where}", request=request)


def _was_dropped(exc: requests.exceptions.RequestException) -> bool:
    """True when the connection was made and then closed without an answer."""
    cause: object = exc.args[0] if exc.args else None
    if isinstance(cause, urllib3.exceptions.MaxRetryError):
        cause = cause.reason
    return isinstance(cause, urllib3.exceptions.ProtocolError)
