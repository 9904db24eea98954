"""Pure functions that name cache entries and keep secrets out of what is stored or shown.

A cache key reads ``<scope>:<endpoint>:<device ids>:<digest>``, for example
``3f2a9c1d0b7e6a55:values:101:9e1c0f3b2a4d5e6f``:

* ``scope``: 8 hex digits for the server, 8 for the OAuth client id, so two accounts
  (or two servers) never share an entry; :func:`account_scope`;
* ``endpoint``: the policy rule's name, so ``info()`` can count per endpoint;
* ``device ids``: the devices the request is about (``-`` for none), so a write can
  invalidate one device's reads without decoding every entry;
* ``digest``: :func:`request_digest` (method, canonical URL without ignored parameters,
  body) mixed with a digest of any ``token`` query parameter, so two device tokens never
  share an entry while the token itself is never stored. The same URL written by httpx or
  by requests gives the same digest, so the transport can look a hit up directly.

Keys hold only hex digits, letters, ``_``, ``,`` and ``:``: requests-cache interpolates
them into SQL.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from .._urls import form_encoded
from ..transport import redact_url  # one redactor for the whole package

__all__ = [
    "KeyParts",
    "account_scope",
    "device_ids_in_query",
    "entry_scopes",
    "invalidation_scopes",
    "parse_key",
    "redact_url",
    "request_digest",
    "request_key",
    "server_tag",
    "stale_keys",
    "token_digest",
]

NO_DEVICES = "-"
_ENDPOINT_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _short_digest(text: str, size: int = 4) -> str:
    return hashlib.blake2b(text.encode(), digest_size=size).hexdigest()


def server_tag(server: str) -> str:
    """8 hex digits naming a server; trailing slashes and case do not matter.

    >>> server_tag("https://fra1.blynk.cloud/") == server_tag("HTTPS://fra1.blynk.cloud")
    True
    """
    return _short_digest(server.strip().rstrip("/").lower())


def account_scope(server: str, client_id: str) -> str:
    """16 hex digits: the server's tag followed by the client id's.

    >>> account_scope("https://x", "a")[:8] == server_tag("https://x")
    True
    >>> account_scope("https://x", "a") != account_scope("https://x", "b")
    True
    """
    return server_tag(server) + _short_digest(client_id)


QueryPairs = Sequence[tuple[str, str]]


def _pairs(url: str) -> list[tuple[str, str]]:
    """``parse_qsl(query, keep_blank_values=True)``; a query with nothing to unquote (no
    ``%``, no ``+``, the common case) is split directly, to the same pairs."""
    query = urlsplit(url).query
    if "%" in query or "+" in query:
        return parse_qsl(query, keep_blank_values=True)
    return [(name, value) for name, eq, value in map(_split_pair, query.split("&")) if name or eq]


def _split_pair(pair: str) -> tuple[str, str, str]:
    return pair.partition("=")


def _token_digest(pairs: QueryPairs) -> str:
    tokens = [v for k, v in pairs if k.lower() == "token"]
    if not tokens:
        return ""
    return hashlib.sha256("\x00".join(tokens).encode()).hexdigest()


def _device_ids(pairs: QueryPairs, names: Sequence[str]) -> list[int]:
    ids: set[int] = set()
    for key, value in pairs:
        if key in names:
            ids.update(int(part) for part in value.split(",") if part.strip().isdigit())
    return sorted(ids)


def _request_digest(
    method: str, url: str, pairs: QueryPairs, body: bytes | None, ignored: Iterable[str]
) -> str:
    parts = urlsplit(url)
    skip = {name.lower() for name in ignored}
    query = sorted((k, v) for k, v in pairs if k.lower() not in skip)
    canonical = "\n".join(
        (method.upper(), parts.scheme.lower(), parts.netloc.lower(), unquote(parts.path))
    )
    digest = hashlib.blake2b(canonical.encode(), digest_size=8)
    digest.update(form_encoded(query).encode())
    digest.update(b"\n" + (body or b""))
    return digest.hexdigest()


def token_digest(url: str) -> str:
    """A digest of the URL's ``token`` query parameters ("" when there are none).

    >>> token_digest("https://x/api?token=abc") == token_digest("https://x/api?pin=v1&token=abc")
    True
    >>> token_digest("https://x/api?pin=v1")
    ''
    """
    return _token_digest(_pairs(url))


def device_ids_in_query(url: str, names: Sequence[str] = ("deviceId", "deviceIds")) -> list[int]:
    """The sorted device ids a URL's query names (``a=1&a=2`` and ``a=1,2`` both count).

    >>> device_ids_in_query("/x?deviceIds=3&deviceIds=1,2")
    [1, 2, 3]
    """
    return _device_ids(_pairs(url), names)


def request_digest(
    method: str, url: str, body: bytes | None = None, ignored: Iterable[str] = ()
) -> str:
    """16 hex digits for a request: method, canonical URL (sorted, decoded query without
    the ``ignored`` parameters), body. Spelling differences between clients do not matter.

    >>> a = request_digest("GET", "http://H:1/p?b=a%40b.c&a=1,2&token=x", ignored={"token"})
    >>> a == request_digest("get", "http://h:1/p?a=1%2C2&b=a@b.c")
    True
    """
    return _request_digest(method, url, _pairs(url), body, ignored)


def request_key(
    scope: str,
    endpoint: str,
    method: str,
    url: str,
    body: bytes | None = None,
    *,
    device_params: Sequence[str] = ("deviceId", "deviceIds"),
    ignored: Iterable[str] = ("token",),
) -> str:
    """The cache key of a request (format in the module docstring); the query is parsed once.

    >>> key = request_key("ab" * 8, "values", "GET", "https://x/a?deviceId=101&token=t")
    >>> parse_key(key).device_ids
    (101,)
    >>> "token" in key or "=t" in key
    False
    """
    if not _ENDPOINT_NAME.fullmatch(endpoint):
        raise ValueError(f"endpoint names are lower-case identifiers, not {endpoint!r}")
    pairs = _pairs(url)
    ids = ",".join(str(i) for i in _device_ids(pairs, device_params)) or NO_DEVICES
    digest = _request_digest(method, url, pairs, body, ignored) + _token_digest(pairs) + scope
    return f"{scope}:{endpoint}:{ids}:{_short_digest(digest, size=8)}"


@dataclass(frozen=True)
class KeyParts:
    """The readable fields of a cache key (see the module docstring)."""

    scope: str
    endpoint: str
    device_ids: tuple[int, ...]
    digest: str

    @property
    def server(self) -> str:
        """The server half of the scope."""
        return self.scope[:8]


def parse_key(key: str) -> KeyParts | None:
    """Split a key made by :func:`request_key`; None for any other key.

    >>> parse_key("0123456789abcdef:history:-:00").endpoint
    'history'
    >>> parse_key("not-ours") is None
    True
    """
    parts = key.split(":")
    if len(parts) != 4:
        return None
    scope, endpoint, ids, digest = parts
    if ids == NO_DEVICES:
        return KeyParts(scope, endpoint, (), digest)
    try:
        return KeyParts(scope, endpoint, tuple(int(i) for i in ids.split(",")), digest)
    except ValueError:
        return None


def entry_scopes(parts: KeyParts) -> list[str]:
    """The generations a cached entry depends on: one per device it is about, one for its
    endpoint, on its server. A save is refused if any moved while the read was in flight.

    >>> entry_scopes(KeyParts("0123456789abcdef", "values", (7,), "00"))
    ['01234567:d:7', '01234567:e:values']
    """
    return [
        *(f"{parts.server}:d:{i}" for i in parts.device_ids),
        f"{parts.server}:e:{parts.endpoint}",
    ]


def invalidation_scopes(
    server: str, device_ids: Iterable[int], endpoints: Iterable[str]
) -> list[str]:
    """The generations a write bumps: those of the devices it names and of the endpoints it
    stales, on one server (8 hex digits). They meet :func:`entry_scopes` exactly where the
    write deletes an entry.

    >>> invalidation_scopes("01234567", [7], ["devices"])
    ['01234567:d:7', '01234567:e:devices']
    """
    return [
        *(f"{server}:d:{i}" for i in sorted(device_ids)),
        *(f"{server}:e:{e}" for e in sorted(endpoints)),
    ]


def stale_keys(
    server: str, device_ids: frozenset[int], endpoints: frozenset[str]
) -> Callable[[str], bool]:
    """Which keys an invalidation drops: those of ``server`` (every account on it) that
    name one of ``device_ids`` or belong to one of ``endpoints``.

    >>> stale_keys("0123456789abcdef", frozenset({7}), frozenset())("unrelated")
    False
    """

    def doomed(key: str) -> bool:
        parts = parse_key(key)
        return (
            parts is not None
            and parts.server == server
            and bool(device_ids.intersection(parts.device_ids) or parts.endpoint in endpoints)
        )

    return doomed
