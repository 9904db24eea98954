"""What is cached, for how long, and which writes make which reads stale: policy as data.

Two kinds of tables, each a tuple of rules where the **first match wins**:

* :class:`ReadRule` tables map a GET path to an endpoint name, a lifetime and, for range
  reads, a :class:`ClosedWindow` (a window that ended safely in the past never changes, so
  it never expires).
* :class:`WriteRule` tables say which cached reads a successful write makes stale. Every
  write also invalidates the reads of the devices it names (``deviceId`` in its query or
  JSON body, or the ``deviceId`` column of a batch update).

Add a cloud by adding a table: ``Policy(reads=(BLYNK_READS, THINGSEE_READS))``.

>>> rule = DEFAULT_POLICY.read_rule("/api/v1/organization/device/datastream/history")
>>> rule.name, rule.ttl
('history', 60)
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
    "BLYNK_READS",
    "BLYNK_WRITES",
    "DEFAULT_POLICY",
    "DO_NOT_CACHE",
    "NEVER_EXPIRE",
    "ClosedWindow",
    "Invalidation",
    "Policy",
    "ReadRule",
    "WriteRule",
]

SECONDS: Final = 1
MINUTES: Final = 60
#: Current values and anything else that moves while you look at it.
LIVE: Final = 60 * SECONDS
#: Connection state moves faster still.
PRESENCE: Final = 30 * SECONDS
#: Device lists, search results, metadata, tags, timelines.
FLEET: Final = 5 * MINUTES
#: Templates and organization settings change rarely.
SETTINGS: Final = 15 * MINUTES


@dataclass(frozen=True)
class ClosedWindow:
    """A range read whose answer is final once its end lies ``margin`` in the past.

    ``end_param`` names the query parameter holding the window's end, in ``unit`` seconds
    (Blynk sends milliseconds: 0.001; Thingsee sends seconds: 1).
    """

    end_param: str = "to"
    unit: float = 0.001
    margin: float = 2 * MINUTES

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


_ORG = "/api/v[12]/organization"

#: Blynk Platform API reads (paths: docs/vendor/notes-blynk-platform-api.md §2).
BLYNK_READS: tuple[ReadRule, ...] = (
    ReadRule("history", f"{_ORG}/device/datastream/history", LIVE, window=ClosedWindow()),
    ReadRule("values", f"{_ORG}/device/datastreams", LIVE),
    ReadRule("values_batch", f"{_ORG}/device/datastreams/batch", LIVE),
    ReadRule("online", f"{_ORG}/device/online", PRESENCE),
    ReadRule("activated", f"{_ORG}/device/last-activated", PRESENCE, lists_devices=True),
    ReadRule("device", f"{_ORG}/device", LIVE),  # DeviceDetails carry current values
    ReadRule("device_base", f"{_ORG}/device/baseInfo", FLEET),
    ReadRule("device_tags", f"{_ORG}/device/tags", FLEET),
    ReadRule("timeline", f"{_ORG}/device/timeline", FLEET),
    ReadRule("logs", f"{_ORG}/device/logs", FLEET),
    ReadRule("metadata", f"{_ORG}/device/metafield", FLEET),
    ReadRule("devices", f"{_ORG}/devices", FLEET, lists_devices=True),
    ReadRule("search", f"{_ORG}/search/devices", FLEET, lists_devices=True),
    ReadRule("by_owner", f"{_ORG}/device/by-owner", FLEET, lists_devices=True),
    ReadRule("by_user_org", f"{_ORG}/device/by-user-org", FLEET, lists_devices=True),
    ReadRule("templates", f"{_ORG}/templates?", SETTINGS),
    ReadRule("template_parts", f"{_ORG}/template/(datastreams|events|metafields)", SETTINGS),
    ReadRule("tags", f"{_ORG}/tags", SETTINGS),
    ReadRule("organization", f"{_ORG}(/profile|/sub-organizations)?", SETTINGS),
    # Credentials in the body: static device tokens, OAuth clients, token endpoints.
    ReadRule("static_tokens", f"{_ORG}/static-tokens.*", DO_NOT_CACHE),
    ReadRule("oauth", r"/oauth2/.*|.*/oauth/.*|/auth/.*", DO_NOT_CACHE),
)

#: Blynk writes that stale more than the devices they name.
BLYNK_WRITES: tuple[WriteRule, ...] = (
    WriteRule(f"{_ORG}/device/create", lists_devices=True),
    WriteRule(f"{_ORG}/device", frozenset({"PUT", "DELETE"}), lists_devices=True),
    WriteRule(f"{_ORG}/device/transfer/.*", lists_devices=True),
    WriteRule(f"{_ORG}/device/owner", frozenset({"DELETE"}), lists_devices=True),
    WriteRule(f"{_ORG}/template.*", endpoints=("templates", "template_parts")),
    WriteRule(f"{_ORG}/tags?.*", endpoints=("tags", "device_tags")),
)

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

    reads: Sequence[Sequence[ReadRule]] = (BLYNK_READS,)
    writes: Sequence[Sequence[WriteRule]] = (BLYNK_WRITES,)
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


DEFAULT_POLICY = Policy()
