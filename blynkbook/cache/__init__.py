"""The on-disk response cache: instant re-runs, offline notebooks, no secrets on disk.

requests-cache owns the SQLite file and the expiry mechanics; blynkbook adds the policy
per endpoint (:mod:`.policy`), per-account keys (:mod:`.keys`), token scrubbing, write
invalidation, offline replay and stale-on-error, behind one httpx transport::

    from blynkbook.cache import ResponseCache
    cache = ResponseCache(None, server="https://fra1.blynk.cloud", client_id="oa2-…")
    client = httpx.Client(transport=cache.transport(), base_url=cache.server)
    cache.info()
"""

from __future__ import annotations

from ._cache import (
    DEFAULT_CACHE_NAME,
    OFFLINE_ENV,
    CacheInfo,
    CacheSetting,
    ResponseCache,
    default_cache_path,
    offline_from_env,
    open_cache,
)
from .policy import (
    BLYNK_READS,
    BLYNK_WRITES,
    DEFAULT_POLICY,
    DO_NOT_CACHE,
    NEVER_EXPIRE,
    ClosedWindow,
    Policy,
    ReadRule,
    WriteRule,
)
from .transport import CACHE_OPTIONS, CachedTransport

__all__ = [
    "BLYNK_READS",
    "BLYNK_WRITES",
    "CACHE_OPTIONS",
    "DEFAULT_CACHE_NAME",
    "DEFAULT_POLICY",
    "DO_NOT_CACHE",
    "NEVER_EXPIRE",
    "OFFLINE_ENV",
    "CacheInfo",
    "CacheSetting",
    "CachedTransport",
    "ClosedWindow",
    "Policy",
    "ReadRule",
    "ResponseCache",
    "WriteRule",
    "default_cache_path",
    "offline_from_env",
    "open_cache",
]
