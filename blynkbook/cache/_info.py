"""The summary ``cache.info()`` returns (no requests-cache import needed to build one)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from blynkbook._summary import Summary

__all__ = ["CacheInfo", "Stats"]


class CacheInfo(Summary):
    """A read-only summary of the cache (a mapping, with a readable repr)."""

    def __repr__(self) -> str:
        f = self._fields
        if f["path"] is None:
            return f"<CacheInfo: no cache ({f['reason']})>"
        per_endpoint = ", ".join(f"{k} {v}" for k, v in sorted(f["endpoints"].items())) or "none"
        mode = " (offline)" if f["offline"] else ""
        trouble = ""
        if f.get("disabled"):
            trouble += f"\n  off for this session: {f['disabled']}"
        if f.get("failed_saves"):
            trouble += f"\n  {f['failed_saves']} answers could not be stored"
        return (
            f"<CacheInfo{mode} {f['path']}\n"
            f"  {f['entries']} entries for this account, {f['size_bytes'] / 1e6:.1f} MB on disk\n"
            f"  this session: {f['hits']} hits, {f['misses']} misses\n"
            f"  per endpoint: {per_endpoint}{trouble}>"
        )


@dataclass
class Stats:
    """Hits and misses this session, per endpoint; safe across threads."""

    hits: Counter[str] = field(default_factory=Counter)
    misses: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, *, from_cache: bool) -> None:
        with self.lock:
            (self.hits if from_cache else self.misses)[endpoint] += 1

    def totals(self) -> tuple[int, int]:
        """``(hits, misses)`` over every endpoint."""
        with self.lock:
            return sum(self.hits.values()), sum(self.misses.values())

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()
            self.misses.clear()
