"""The user-facing cache: one SQLite file of responses, per-account keys, offline replay."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, cast
from urllib.parse import urlsplit

import httpx
import platformdirs
import requests
import requests_cache
from requests.adapters import HTTPAdapter
from requests_cache.models.response import CachedResponse

from blynkbook.errors import CacheFileError

from ._files import cache_file, move_aside, open_modes, size_on_disk, unopenable
from ._health import Health
from ._info import CacheInfo
from ._off import NoCache, check_cache_setting
from ._sqlite import GuardedCache, OpenMode, Table, is_damage
from ._storage import JSON_SERIALIZER, read_row, response_is_storable, strip_secret_fields
from .keys import (
    KeyParts,
    account_scope,
    entry_scopes,
    invalidation_scopes,
    parse_key,
    redact_url,
    request_key,
)
from .policy import DEFAULT_POLICY, Invalidation, Policy, ReadRule
from .transport import CachedTransport

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "DEFAULT_CACHE_NAME",
    "OFFLINE_ENV",
    "CacheInfo",
    "CacheSetting",
    "ResponseCache",
    "default_cache_path",
    "offline_from_env",
    "open_cache",
]

DEFAULT_CACHE_NAME: Final = "responses.sqlite"
#: ``BLYNKBOOK_OFFLINE=1`` turns offline replay on for every cache.
OFFLINE_ENV: Final = "BLYNKBOOK_OFFLINE"
IGNORED_PARAMETERS: Final = (*requests_cache.DEFAULT_IGNORED_PARAMS, "authorization", "token")
_READ_MMAP_BYTES: Final = 256 * 2**20
_POOL_SIZE: Final = 32  # above the facade's fan-out, so urllib3 never discards connections
#: Seconds a save or an invalidation waits for another process's write lock.
DEFAULT_BUSY_TIMEOUT: Final = 5.0

# requests-cache logs stale fallbacks as warnings with tracebacks; in a notebook those would
# land on stderr. The cache reports staleness through response extensions instead.
_quiet = logging.getLogger("requests_cache")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


#: What ``connect(cache=...)`` takes: None or True (the default file), False (no cache), a path.
CacheSetting = bool | str | Path | None


def default_cache_path() -> Path:
    """``$BLYNKBOOK_CACHE_DIR/responses.sqlite`` when that is set, else
    ``<user cache dir>/blynkbook/responses.sqlite`` (platformdirs)."""
    chosen = os.environ.get("BLYNKBOOK_CACHE_DIR", "").strip()
    folder = Path(chosen).expanduser() if chosen else platformdirs.user_cache_path("blynkbook")
    return folder / DEFAULT_CACHE_NAME


def offline_from_env(environ: Mapping[str, str] = os.environ) -> bool:
    """True when ``BLYNKBOOK_OFFLINE`` is set to 1/true/yes/on.

    >>> offline_from_env({"BLYNKBOOK_OFFLINE": "1"}), offline_from_env({})
    (True, False)
    """
    return environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def open_cache(
    setting: CacheSetting,
    *,
    server: str,
    client_id: str,
    offline: bool = False,
    policy: Policy = DEFAULT_POLICY,
) -> ResponseCache | NoCache:
    """The cache a ``connect()`` for a real server asks for; a falsy :class:`NoCache` for
    ``cache=False`` (offline replay always needs one: then the default file).

    >>> open_cache(False, server="https://fra1.blynk.cloud", client_id="oa2-x")
    <NoCache: cache=False>
    """
    check_cache_setting(setting)
    if setting is False and not offline:
        return NoCache("cache=False")
    path = None if setting is None or isinstance(setting, bool) else Path(setting).expanduser()
    return ResponseCache(path, server=server, client_id=client_id, offline=offline, policy=policy)


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Stats:
    """Hits and misses this session, per endpoint; safe across threads."""

    hits: Counter[str] = field(default_factory=Counter)
    misses: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, *, from_cache: bool) -> None:
        with self.lock:
            (self.hits if from_cache else self.misses)[endpoint] += 1

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()
            self.misses.clear()


class _ScrubbingAdapter(HTTPAdapter):
    """Removes credential fields from bodies of cacheable reads as they arrive, so the
    caller and the disk see the same (token-free) answer."""

    def __init__(self, should_scrub: Callable[[str], bool]) -> None:
        super().__init__(pool_connections=4, pool_maxsize=_POOL_SIZE)
        self._should_scrub = should_scrub

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        if request.url and self._should_scrub(request.url):
            response._content = strip_secret_fields(response.content or b"")
        return response


class ResponseCache:
    """An on-disk cache of Blynk (and Thingsee) API reads, shared by notebooks.

    ``path=None`` means :func:`default_cache_path`. Entries are keyed per server and OAuth
    client id; device tokens and other credentials never reach the file.
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

    >>> cache = ResponseCache(tmp / "c.sqlite", server=url, client_id="oa2-…")  # doctest: +SKIP
    >>> client = httpx.Client(transport=cache.transport(), base_url=url)         # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | Path | None,
        *,
        server: str,
        client_id: str,
        offline: bool = False,
        policy: Policy = DEFAULT_POLICY,
        now: Callable[[], datetime] | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    ) -> None:
        self.path = cache_file(Path(path) if path is not None else default_cache_path())
        self.server = server
        self.policy = policy
        self._offline = offline or offline_from_env()
        self._scope = account_scope(server, client_id)
        self._now = now or _utcnow
        self._stats = _Stats()
        self._timeout = busy_timeout
        self._health = Health(self.path, self._apply_invalidations)
        self._reopening = threading.RLock()
        self._session, self._rows = self._open_storage()
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
        with self._stats.lock:
            hits, misses = sum(self._stats.hits.values()), sum(self._stats.misses.values())
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

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = " offline" if self._offline else ""
        off = " (off: an invalidation failed)" if self._health.disabled else ""
        return f"<ResponseCache{mode} {self.path} for {redact_url(self.server)}{off}>"

    # -- opening, and starting again -----------------------------------------------------

    def _open_storage(self) -> tuple[requests_cache.CachedSession, Table]:
        """Open the file in the first mode that works (see ``open_modes``); a damaged file
        is moved aside once and a fresh one started."""
        moved = False
        while True:
            failure: sqlite3.Error | None = None
            for mode in open_modes(self.path, offline=self._offline):
                try:
                    return self._open_in(mode)
                except sqlite3.Error as exc:
                    failure = exc
                    if is_damage(exc):
                        break
            assert failure is not None
            if moved or not is_damage(failure):
                raise unopenable(self.path, failure) from None
            move_aside(self.path, failure)
            moved = True

    def _open_in(self, mode: OpenMode) -> tuple[requests_cache.CachedSession, Table]:
        session = self._open_session(mode)
        # the same table, read raw: the warm-read fast path (lookup) parses rows itself
        rows = Table(
            self.path, table_name="responses", serializer=None, mode=mode,
            timeout=self._timeout, create=False, mmap_bytes=_READ_MMAP_BYTES,
        )  # fmt: skip
        try:
            with rows.connection() as con:
                con.execute("SELECT count(*) FROM responses").fetchone()
        except sqlite3.Error:
            rows.close()
            session.close()  # type: ignore[no-untyped-call]
            raise
        self._inode = _inode(self.path)
        return session, rows

    def _recover_from_damage(self, exc: sqlite3.Error) -> None:
        """The file turned out damaged in use: move it aside (unless another thread or
        process did already) and carry on with a fresh one. If even that fails, the cache
        is off for the session: a call never fails because of its cache."""
        with self._reopening:
            backend = self._backend
            backend.close()
            self._rows.close()
            try:
                if _inode(self.path) == self._inode:
                    move_aside(self.path, exc)
                backend.responses.init_db()
                backend.redirects.init_db()
                self._inode = _inode(self.path)
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

        def doomed(key: str) -> bool:
            parts = parse_key(key)
            return (
                parts is not None
                and parts.server == server
                and bool(device_ids.intersection(parts.device_ids) or parts.endpoint in endpoints)
            )

        scopes = invalidation_scopes(server, device_ids, endpoints)
        try:
            return self._backend.invalidate(scopes, doomed)
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
        session = requests_cache.CachedSession(
            backend=backend,
            allowable_methods=("GET", "HEAD"),
            allowable_codes=(200,),
            ignored_parameters=list(IGNORED_PARAMETERS),
            key_fn=self._key,
            filter_fn=response_is_storable,
            expire_after=requests_cache.DO_NOT_CACHE,
            stale_if_error=self._offline,  # online, the transport decides (5xx, no network)
            only_if_cached=self._offline,
            read_only=self._offline,
        )
        adapter = _ScrubbingAdapter(self.cacheable)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.trust_env = False  # proxies and .netrc are httpx's business, not ours
        return session

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
