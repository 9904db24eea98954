"""What is cached, for how long, and which writes make which reads stale: policy as data.

Two kinds of tables, each a tuple of rules where the **first match wins**:

* :class:`ReadRule` tables map a GET path to an endpoint name, a lifetime and, for range
  reads, a :class:`ClosedWindow` (a window that ended safely in the past never changes, so
  it never expires).
* :class:`WriteRule` tables say which cached reads a successful write makes stale. Every
  write also invalidates the reads of the devices it names (``deviceId`` in its query or
  JSON body, or the ``deviceId`` column of a batch update).

The tables belong to their cloud (``blynk/_cache_policy.py``, ``thingsee/_cache_policy.py``);
this module holds only the machinery. A policy that names no path caches nothing.

>>> policy = Policy(reads=((ReadRule("history", "/api/history", 60, window=ClosedWindow()),),))
>>> policy.read_rule("/api/history").ttl, policy.read_rule("/api/other").cacheable
(60, False)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from requests_cache import DO_NOT_CACHE, NEVER_EXPIRE

from .keys import device_ids_in_query

__all__ = [
    "DO_NOT_CACHE",
    "NEVER_EXPIRE",
    "ClosedWindow",
    "Invalidation",
    "Policy",
    "ReadRule",
    "WriteRule",
]


@dataclass(frozen=True)
class ClosedWindow:
    """A range read whose answer is final once its end lies ``margin`` in the past.

    ``end_param`` names the query parameter holding the window's end, in ``unit`` seconds
    (Blynk sends milliseconds: 0.001; Thingsee sends seconds: 1).
    """

    end_param: str = "to"
    unit: float = 0.001
    margin: float = 120  # seconds

    def is_closed(self, query: Mapping[str, str], now: datetime) -> bool:
        """True when the query's window ended more than ``margin`` before ``now``."""
        raw = query.get(self.end_param)
        try:
            end = float(raw) * self.unit if raw is not None else None
        except ValueError:
            return False
        return end is not None and end < now.timestamp() - self.margin


@dataclass(frozen=True)
class ReadRule:
    """How one GET endpoint is cached.

    ``path`` is a regular expression matched against the whole URL path. ``ttl`` is in
    seconds, or ``NEVER_EXPIRE`` / ``DO_NOT_CACHE``. ``lists_devices`` marks fleet listings
    that creating, renaming, deleting or transferring a device makes stale.
    """

    name: str
    path: str
    ttl: int
    window: ClosedWindow | None = None
    lists_devices: bool = False
    device_params: tuple[str, ...] = ("deviceId", "deviceIds")
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(self.path))

    @property
    def cacheable(self) -> bool:
        return self.ttl != DO_NOT_CACHE

    def expire_after(self, query: Mapping[str, str], now: datetime) -> int:
        """The lifetime of a fresh answer to this query, judged at ``now``."""
        if (
            self.window is not None
            and self.ttl != DO_NOT_CACHE
            and self.window.is_closed(query, now)
        ):
            return NEVER_EXPIRE
        return self.ttl


@dataclass(frozen=True)
class WriteRule:
    """Which cached reads a successful write to ``path`` (a regex) makes stale.

    ``methods`` empty means any write method. ``lists_devices`` stales every fleet listing;
    ``endpoints`` names further read rules to drop whole (for example ``templates``).
    """

    path: str
    methods: frozenset[str] = frozenset()
    lists_devices: bool = False
    endpoints: tuple[str, ...] = ()
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(self.path))

    def matches(self, method: str, path: str) -> bool:
        return (not self.methods or method in self.methods) and bool(self.pattern.fullmatch(path))


@dataclass(frozen=True)
class Invalidation:
    """The cached reads one write makes stale."""

    device_ids: frozenset[int] = frozenset()
    lists_devices: bool = False
    endpoints: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.device_ids or self.lists_devices or self.endpoints)


_REMEMBERED_PATHS: Final = 4096  # rule lookups remembered per policy

#: Paths no table names: not cached (an unknown body might carry a credential).
UNKNOWN = ReadRule("other", ".*", DO_NOT_CACHE)


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def device_ids_in_body(body: Any) -> set[int]:
    """Device ids a write's JSON body names: ``deviceId``/``deviceIds``, or the
    ``deviceId`` column of a batch update (``{"fields": ["deviceId", ...], "updates": [...]}``).

    >>> sorted(device_ids_in_body({"fields": ["deviceId", "T"], "updates": [[7, 1], [3, 2]]}))
    [3, 7]
    """
    if not isinstance(body, dict):
        return set()
    ids = set(_ints([body.get("deviceId")]))
    ids.update(_ints(body.get("deviceIds") or []))
    fields, updates = body.get("fields"), body.get("updates")
    if isinstance(fields, list) and "deviceId" in fields and isinstance(updates, list):
        column = fields.index("deviceId")
        ids.update(
            _ints(row[column] for row in updates if isinstance(row, list) and len(row) > column)
        )
    return ids


def _ints(values: Iterable[Any]) -> Iterator[int]:
    for value in values:
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            yield value
        elif isinstance(value, str) and value.isdigit():
            yield int(value)


@dataclass(frozen=True)
class Policy:
    """Rule tables, searched in order; the first matching rule wins."""

    reads: Sequence[Sequence[ReadRule]] = ()
    writes: Sequence[Sequence[WriteRule]] = ()
    fallback: ReadRule = UNKNOWN
    _seen: dict[str, ReadRule] = field(default_factory=dict, repr=False, compare=False)

    def read_rule(self, path: str) -> ReadRule:
        """The rule for a GET of ``path`` (the fallback when no table names it)."""
        rule = self._seen.get(path)
        if rule is None:
            rule = self._search(path)
            if len(self._seen) >= _REMEMBERED_PATHS:
                self._seen.clear()
            self._seen[path] = rule
        return rule

    def _search(self, path: str) -> ReadRule:
        for table in self.reads:
            for rule in table:
                if rule.pattern.fullmatch(path):
                    return rule
        return self.fallback

    def expire_after(self, url: str, now: datetime) -> int:
        """Seconds (or ``NEVER_EXPIRE`` / ``DO_NOT_CACHE``) a GET of ``url`` stays fresh."""
        return self.read_rule(urlsplit(url).path).expire_after(_query(url), now)

    def read_device_ids(self, url: str) -> list[int]:
        """The devices a GET of ``url`` is about, per its rule's device parameters."""
        rule = self.read_rule(urlsplit(url).path)
        return device_ids_in_query(url, rule.device_params)

    def invalidation(self, method: str, url: str, body: bytes = b"") -> Invalidation:
        """The cached reads a successful ``method url`` write makes stale."""
        path = urlsplit(url).path
        ids = set(device_ids_in_query(url)) | device_ids_in_body(_json_body(body))
        lists_devices, endpoints = False, set[str]()
        for table in self.writes:
            rule = next((r for r in table if r.matches(method, path)), None)
            if rule is not None:
                lists_devices, endpoints = rule.lists_devices, set(rule.endpoints)
                break
        return Invalidation(frozenset(ids), lists_devices, frozenset(endpoints))

    def listing_endpoints(self) -> frozenset[str]:
        """Names of every rule that lists devices."""
        return frozenset(r.name for table in self.reads for r in table if r.lists_devices)
