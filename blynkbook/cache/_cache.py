"""The user-facing cache: one SQLite file of responses, per-account keys, offline replay."""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
import platformdirs
import requests
import requests_cache
from requests.adapters import HTTPAdapter
from requests_cache.backends.sqlite import SQLiteDict
from requests_cache.models.response import CachedResponse

from ._info import CacheInfo
from ._off import NoCache, check_cache_setting
from ._storage import JSON_SERIALIZER, read_row, response_is_storable, strip_secret_fields
from .keys import account_scope, parse_key, redact_url, request_key
from .policy import DEFAULT_POLICY, Invalidation, Policy, ReadRule
from .transport import CachedTransport

__all__ = [
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

# requests-cache logs stale fallbacks as warnings with tracebacks; in a notebook those would
# land on stderr. The cache reports staleness through response extensions instead.
_quiet = logging.getLogger("requests_cache")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


#: What ``connect(cache=...)`` takes: None or True (the default file), False (no cache), a path.
CacheSetting = bool | str | Path | None


def default_cache_path() -> Path:
    """``<user cache dir>/blynkbook/responses.sqlite`` (platformdirs)."""
    return platformdirs.user_cache_path("blynkbook") / DEFAULT_CACHE_NAME


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
    entries included, and raises :class:`blynkbook.errors.OfflineError` on a miss.
    ``now`` (a callable returning an aware datetime) judges whether a history window is
    closed; default: the wall clock.

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
    ) -> None:
        self.path = Path(path).expanduser() if path is not None else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.server = server
        self.policy = policy
        self._offline = offline or offline_from_env()
        self._scope = account_scope(server, client_id)
        self._now = now or _utcnow
        self._stats = _Stats()
        self._session = self._open_session()
        # the same table, read raw: the warm-read fast path (lookup) parses rows itself
        self._rows = SQLiteDict(self.path, table_name="responses", serializer=None, wal=True)
        with self._rows.connection() as rows:
            rows.execute(f"PRAGMA mmap_size={_READ_MMAP_BYTES}")  # fewer copies per large row

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
        self._drop(self.policy.invalidation(method, url, body))

    def usable(self, method: str, url: str) -> CachedResponse | None:
        """The stored answer to a read when it may be served as is (fresh; any age
        offline), else None: the lookup requests-cache makes, without building a
        ``requests`` request. Entries with a ``Vary`` header are left to requests-cache."""
        rule = self._rule(url)
        if not rule.cacheable:
            return None
        key = self._key_under(rule, method, url, None)
        entry: CachedResponse | None = self._session.cache.get_response(key)
        if entry is None or not self._servable(bool(entry.is_expired), "Vary" in entry.headers):
            return None
        return entry

    # -- public -----------------------------------------------------------------------------

    def lookup(self, url: str) -> tuple[bytes, bool] | None:
        """A GET's stored ``(body, stale)`` when it may be served with no request at all
        (the rules of :meth:`usable`), counted as a hit; None otherwise. The session's fast
        path for hits (``Session(lookup=cache.lookup)``): no httpx request, no auth, no
        thread, and the row is read as stored, with no ``CachedResponse`` built.
        """
        rule = self._rule(url)  # the URL is parsed once for the rule, key and count
        if not rule.cacheable:
            return None
        row = self._rows.get(self._key_under(rule, "GET", url, None))
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
        return self._drop(Invalidation(device_ids=frozenset({device_id})))

    def info(self) -> CacheInfo:
        """Path, entries (this account), size on disk, hits and misses this session,
        entries per endpoint."""
        endpoints: Counter[str] = Counter(
            parts.endpoint for parts in self._own_keys() if parts is not None
        )
        with self._stats.lock:
            hits, misses = sum(self._stats.hits.values()), sum(self._stats.misses.values())
        return CacheInfo(
            path=str(self.path),
            server=redact_url(self.server),
            offline=self._offline,
            entries=sum(endpoints.values()),
            size_bytes=self.path.stat().st_size if self.path.exists() else 0,
            hits=hits,
            misses=misses,
            endpoints=dict(endpoints),
        )

    def clear(self, *, all_accounts: bool = False) -> int:
        """Drop this account's entries (every account's with ``all_accounts=True``);
        returns how many entries went."""
        keys = [k for k in self._all_keys() if all_accounts or k.startswith(self._scope + ":")]
        self._delete(keys)
        self._stats.reset()
        return len(keys)

    def close(self) -> None:
        """Close the SQLite connection and the connection pool."""
        self._session.close()  # type: ignore[no-untyped-call]
        self._rows.close()  # type: ignore[no-untyped-call]

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
        return f"<ResponseCache{mode} {self.path} for {redact_url(self.server)}>"

    # -- internals --------------------------------------------------------------------------

    def _open_session(self) -> requests_cache.CachedSession:
        session = requests_cache.CachedSession(
            str(self.path),
            backend="sqlite",
            serializer=JSON_SERIALIZER,
            allowable_methods=("GET", "HEAD"),
            allowable_codes=(200,),
            ignored_parameters=list(IGNORED_PARAMETERS),
            key_fn=self._key,
            filter_fn=response_is_storable,
            expire_after=requests_cache.DO_NOT_CACHE,
            stale_if_error=self._offline,  # online, the transport decides (5xx, no network)
            only_if_cached=self._offline,
            read_only=self._offline,
            wal=True,
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

    def _drop(self, stale: Invalidation) -> int:
        """Delete the entries a write made stale, for every account on this server."""
        if not stale:
            return 0
        listings = self.policy.listing_endpoints() if stale.lists_devices else frozenset()
        server = self._scope[:8]
        doomed = []
        for key in self._all_keys():
            parts = parse_key(key)
            if parts is None or parts.server != server:
                continue
            if (
                stale.device_ids.intersection(parts.device_ids)
                or parts.endpoint in listings
                or parts.endpoint in stale.endpoints
            ):
                doomed.append(key)
        self._delete(doomed)
        return len(doomed)

    def _delete(self, keys: list[str]) -> None:
        if keys:
            self._session.cache.delete(*keys)
