"""The user-facing cache: one SQLite file of responses, per-account keys, offline replay."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, cast
from urllib.parse import urlsplit

import httpx
import requests
import requests_cache
from requests_cache.models.response import CachedResponse

from blynkbook.errors import CacheFileError

from ._files import cache_file, size_on_disk
from ._health import Health
from ._info import CacheInfo, Stats
from ._session import IGNORED_PARAMETERS, cached_session, open_storage, start_afresh
from ._setting import default_cache_path, offline_from_env
from ._sqlite import GuardedCache, OpenMode, is_damage
from ._storage import JSON_SERIALIZER, read_row
from .keys import (
    KeyParts,
    account_scope,
    entry_scopes,
    invalidation_scopes,
    parse_key,
    redact_url,
    request_key,
    stale_keys,
)
from .policy import Invalidation, Policy, ReadRule
from .transport import CachedTransport

__all__ = ["DEFAULT_BUSY_TIMEOUT", "CacheInfo", "ResponseCache"]

#: Seconds a save or an invalidation waits for another process's write lock.
DEFAULT_BUSY_TIMEOUT: Final = 5.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ResponseCache:
    """An on-disk cache of Blynk (and Thingsee) API reads, shared by notebooks.

    ``path=None`` means :func:`default_cache_path`. ``policy`` is the cloud's rule tables
    (``blynk/_cache_policy.py``, ``thingsee/_cache_policy.py``). Entries are keyed per
    server and OAuth client id; device tokens and other credentials never reach the file.
    ``offline=True`` (or ``BLYNKBOOK_OFFLINE=1``) answers from the cache only, expired
    entries included, and raises :class:`blynkbook.errors.OfflineError` on a miss; it
    never writes, so a read-only file or folder replays too.
    ``now`` (a callable returning an aware datetime) judges whether a history window is
    closed; default: the wall clock. ``busy_timeout``: seconds a save or an invalidation
    waits for another process's lock on the file.

    The file never serves wrong data: an answer fetched before a write's invalidation is
    not stored after it (threads and processes alike); a save that fails warns once
    (:class:`~blynkbook.errors.CacheWarning`) and the call goes on uncached; an
    invalidation that fails turns the cache off for the session; a damaged file is moved
    aside and a fresh one started; a path that cannot be a file is a
    :class:`~blynkbook.errors.CacheFileError`.

    >>> cache = ResponseCache(tmp / "c.sqlite", server=url, client_id="oa2-…",  # doctest: +SKIP
    ...                       policy=BLYNK_POLICY)
    >>> client = httpx.Client(transport=cache.transport(), base_url=url)         # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | Path | None,
        *,
        server: str,
        client_id: str,
        offline: bool = False,
        policy: Policy,
        now: Callable[[], datetime] | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    ) -> None:
        self.path = cache_file(Path(path) if path is not None else default_cache_path())
        self.server = server
        self.policy = policy
        self._offline = offline or offline_from_env()
        self._scope = account_scope(server, client_id)
        self._now = now or _utcnow
        self._stats = Stats()
        self._timeout = busy_timeout
        self._health = Health(self.path, self._apply_invalidations)
        self._reopening = threading.RLock()
        self._session, self._rows, self._inode = open_storage(
            self.path, offline=self._offline, timeout=busy_timeout, session=self._open_session
        )
        if self.mode != "rw" and not self._offline:
            self._health.warn_once(
                "open",
                0,
                f"the cache file {self.path} is read-only: cached answers are served, nothing "
                "new is stored, and a write turns the cache off for the session (its "
                "invalidation cannot be applied); make it writable, or pass offline=True to "
                "replay it",
            )

    @property
    def _backend(self) -> GuardedCache:
        return cast(GuardedCache, self._session.cache)

    @property
    def mode(self) -> OpenMode:
        """How the file is open: ``rw``, ``ro`` (read-only file) or ``immutable``
        (read-only folder)."""
        return self._rows.mode

    # -- the pieces the transport uses (CacheBackend) ---------------------------------------

    @property
    def session(self) -> requests_cache.CachedSession:
        return self._session

    @property
    def offline(self) -> bool:
        return self._offline

    def expire_after(self, url: str) -> int:
        """The lifetime a fresh answer to a GET of ``url`` gets (policy at ``now``)."""
        return self.policy.expire_after(url, self._now())

    def cacheable(self, url: str) -> bool:
        """Whether the policy caches GETs of ``url`` at all."""
        return self._rule(url).cacheable

    def record(self, url: str, *, from_cache: bool) -> None:
        self._stats.record(self._rule(url).name, from_cache=from_cache)

    def key_for(self, method: str, url: str, body: bytes | None = None) -> str:
        """The cache key of a request (see :mod:`blynkbook.cache.keys`)."""
        return self._key_under(self._rule(url), method, url, body)

    def _rule(self, url: str) -> ReadRule:
        return self.policy.read_rule(urlsplit(url).path)

    def _key_under(self, rule: ReadRule, method: str, url: str, body: bytes | None) -> str:
        return request_key(
            self._scope,
            rule.name,
            method,
            url,
            body,
            device_params=rule.device_params,
            ignored=IGNORED_PARAMETERS,
        )

    def after_write(self, method: str, url: str, body: bytes) -> None:
        """Drop what a write that landed (or may have) made stale. Never raises: a write
        that landed is never reported as failed because of the cache."""
        stale = self.policy.invalidation(method, url, body)
        if stale:
            self._invalidate(stale)

    def enabled(self) -> bool:
        """False while the cache is off (an invalidation could not be applied): reads then
        go to the cloud and nothing is stored."""
        return self._health.enabled()

    @contextmanager
    def fetching(self, method: str, url: str) -> Iterator[None]:
        """Wrap the sending of a read: its answer is stored only if no invalidation of what
        it is about lands while it is in flight (checked at save time, in the save's own
        transaction)."""
        key = self.key_for(method, url)
        snapshot = None  # a read-only file stores nothing
        try:
            if self.mode == "rw":
                with self._rows.connection() as con:
                    snapshot = self._backend.snapshot(con, key)
        except sqlite3.Error as exc:
            self.storage_failed(exc, "read")
        with self._backend.in_flight(snapshot):
            yield

    def usable(self, method: str, url: str) -> CachedResponse | None:
        """The stored answer to a read when it may be served as is (fresh; any age
        offline), else None: the lookup requests-cache makes, without building a
        ``requests`` request. Entries with a ``Vary`` header are left to requests-cache."""
        rule = self._rule(url)
        if not rule.cacheable or not self.enabled():
            return None
        key = self._key_under(rule, method, url, None)
        entry: CachedResponse | None = self._session.cache.get_response(key)
        if entry is None or not self._servable(bool(entry.is_expired), "Vary" in entry.headers):
            return None
        return entry

    def storage_failed(self, exc: sqlite3.Error, doing: str) -> None:
        """What a storage error means: a damaged file is moved aside and a fresh one
        started; any other failure warns once; the call goes on without the cache."""
        if is_damage(exc):
            self._recover_from_damage(exc)
        elif isinstance(exc, sqlite3.ProgrammingError):  # a connection closed by a reopen
            logging.getLogger("blynkbook.cache").debug("cache connection reopened: %s", exc)
        elif doing == "save":
            self._health.save_failed(exc)
        else:
            self._health.read_failed(exc)

    # -- public -----------------------------------------------------------------------------

    def lookup(self, url: str) -> tuple[bytes, bool] | None:
        """A GET's stored ``(body, stale)`` when it may be served with no request at all
        (the rules of :meth:`usable`), counted as a hit; None otherwise. The session's fast
        path for hits (``Session(lookup=cache.lookup)``): no httpx request, no auth, no
        thread, and the row is read as stored, with no ``CachedResponse`` built.
        """
        rule = self._rule(url)  # the URL is parsed once for the rule, key and count
        if not rule.cacheable or not self.enabled():
            return None
        try:
            row = self._rows.get(self._key_under(rule, "GET", url, None))
        except sqlite3.Error as exc:
            self.storage_failed(exc, "read")
            return None
        if row is None:
            return None
        answer = read_row(row)
        stale = answer.expired(_utcnow())
        if not self._servable(stale, answer.varies):
            return None
        self._stats.record(rule.name, from_cache=True)
        return answer.body, stale

    def transport(self, writes: httpx.BaseTransport | None = None) -> httpx.BaseTransport:
        """The httpx transport: GET/HEAD through this cache, other methods to ``writes``
        (default: a fresh ``httpx.HTTPTransport``)."""
        return CachedTransport(self, writes)

    def invalidate_device(self, device_id: int) -> int:
        """Drop every cached read about one device; returns how many entries went."""
        return self._invalidate(Invalidation(device_ids=frozenset({device_id})))

    def info(self) -> CacheInfo:
        """Path, entries (this account), size on disk (the WAL and its index included),
        hits and misses this session, entries per endpoint; ``disabled`` (why the cache
        is off, or None), ``failed_saves`` and ``skipped_saves`` (answers not stored
        because a write invalidated them while in flight)."""
        try:
            endpoints: Counter[str] = Counter(
                parts.endpoint for parts in self._own_keys() if parts is not None
            )
        except sqlite3.Error as exc:
            self.storage_failed(exc, "read")
            endpoints = Counter()
        hits, misses = self._stats.totals()
        return CacheInfo(
            path=str(self.path),
            server=redact_url(self.server),
            offline=self._offline,
            entries=sum(endpoints.values()),
            size_bytes=size_on_disk(self.path),
            hits=hits,
            misses=misses,
            endpoints=dict(endpoints),
            mode=self.mode,
            disabled=self._health.disabled,
            failed_saves=self._health.failed_saves,
            skipped_saves=self._backend.skipped_saves,
        )

    def clear(self, *, all_accounts: bool = False) -> int:
        """Drop this account's entries (every account's with ``all_accounts=True``);
        returns how many entries went. A file that cannot be changed is a
        :class:`~blynkbook.errors.CacheFileError`."""
        mine = self._scope + ":"
        try:
            dropped = self._backend.invalidate((), lambda key: all_accounts or key.startswith(mine))
        except sqlite3.Error as exc:
            raise CacheFileError(
                f"the cache file {self.path} could not be cleared ({exc}); delete the file "
                "by hand, or pass cache=<another path>",
                path=str(self.path),
            ) from None
        self._stats.reset()
        return dropped

    def close(self) -> None:
        """Close the SQLite connections and the connection pool."""
        self._session.close()  # type: ignore[no-untyped-call]
        self._rows.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = " offline" if self._offline else ""
        off = " (off: an invalidation failed)" if self._health.disabled else ""
        return f"<ResponseCache{mode} {self.path} for {redact_url(self.server)}{off}>"

    # -- opening, and starting again -----------------------------------------------------

    def _recover_from_damage(self, exc: sqlite3.Error) -> None:
        """The file turned out damaged in use: move it aside (unless another thread or
        process did already) and carry on with a fresh one. If even that fails, the cache
        is off for the session: a call never fails because of its cache."""
        with self._reopening:
            self._backend.close()
            self._rows.close()
            try:
                self._inode = start_afresh(self.path, self._backend, self._inode, exc)
            except (CacheFileError, sqlite3.Error, OSError) as failed:
                self._health.turn_off(str(failed))
                return
            self._health.forget_pending()

    # -- invalidation ----------------------------------------------------------------------

    def _invalidate(self, stale: Invalidation) -> int:
        try:
            return self._health.invalidate(stale)
        except sqlite3.Error as exc:  # pragma: no cover - Health.invalidate handles its own
            self.storage_failed(exc, "invalidate")
            return 0

    def _apply_invalidations(self, batch: list[Invalidation]) -> int:
        """Bump the generations of, and delete, everything ``batch`` made stale (every
        account on this server), in one transaction. A damaged file is replaced by a fresh
        one, which holds nothing stale."""
        server = self._scope[:8]
        listings = self.policy.listing_endpoints()
        device_ids = frozenset().union(*(s.device_ids for s in batch))
        endpoints = frozenset().union(
            *(s.endpoints | (listings if s.lists_devices else frozenset()) for s in batch)
        )

        scopes = invalidation_scopes(server, device_ids, endpoints)
        try:
            return self._backend.invalidate(scopes, stale_keys(server, device_ids, endpoints))
        except sqlite3.Error as exc:
            if not is_damage(exc):
                raise
            self._recover_from_damage(exc)
            return 0

    def _scopes_of(self, key: str) -> list[str]:
        parts: KeyParts | None = parse_key(key)
        return entry_scopes(parts) if parts is not None else []

    def _open_session(self, mode: OpenMode) -> requests_cache.CachedSession:
        backend = GuardedCache(
            self.path, serializer=JSON_SERIALIZER, mode=mode, timeout=self._timeout,
            on_error=self.storage_failed, scopes_of=self._scopes_of,
        )  # fmt: skip
        return cached_session(
            backend, key_fn=self._key, scrub=self.cacheable, offline=self._offline
        )

    def _servable(self, expired: bool, varies: bool) -> bool:
        """Whether a stored answer is served with no request: fresh (any age offline), and
        without ``Vary`` (those are left to requests-cache's full matching)."""
        return not varies and (self._offline or not expired)

    def _key(self, request: requests.PreparedRequest, **_settings: Any) -> str:
        """requests-cache ``key_fn``: the same key :meth:`key_for` gives."""
        body = request.body
        raw = body.encode() if isinstance(body, str) else body
        return self.key_for(request.method or "GET", request.url or "", raw)

    def _all_keys(self) -> list[str]:
        return list(self._session.cache.responses.keys())

    def _own_keys(self) -> Iterator[Any]:
        prefix = self._scope + ":"
        return (parse_key(k) for k in self._all_keys() if k.startswith(prefix))
