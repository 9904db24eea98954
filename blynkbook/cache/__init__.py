"""The on-disk response cache: instant re-runs, offline notebooks, no secrets on disk.

requests-cache owns the SQLite file and the expiry mechanics; blynkbook adds the policy
per endpoint (:mod:`.policy`, the machinery; each cloud's rule tables live with its facade,
in ``blynk/_cache_policy.py`` and ``thingsee/_cache_policy.py``), per-account keys
(:mod:`.keys`), token scrubbing, write invalidation, offline replay and stale-on-error,
behind one httpx transport::

    from blynkbook.cache import ResponseCache
    cache = ResponseCache(None, server="https://fra1.blynk.cloud", client_id="oa2-…",
                          policy=BLYNK_POLICY)
    client = httpx.Client(transport=cache.transport(), base_url=cache.server)
    cache.info()

The names load on first use: a client with no cache (the in-process demo) gets
:class:`NoCache` without importing requests-cache.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._cache import ResponseCache
    from ._info import CacheInfo
    from ._off import DEMO_NOT_CACHED, NoCache, check_cache_setting, demo_cache
    from ._open import open_cache
    from ._setting import (
        DEFAULT_CACHE_NAME,
        OFFLINE_ENV,
        CacheSetting,
        default_cache_path,
        offline_from_env,
    )
    from .policy import (
        DO_NOT_CACHE,
        NEVER_EXPIRE,
        ClosedWindow,
        Policy,
        ReadRule,
        WriteRule,
    )
    from .transport import CACHE_OPTIONS, CachedTransport

__all__ = [
    "CACHE_OPTIONS",
    "DEFAULT_CACHE_NAME",
    "DEMO_NOT_CACHED",
    "DO_NOT_CACHE",
    "NEVER_EXPIRE",
    "OFFLINE_ENV",
    "CacheInfo",
    "CacheSetting",
    "CachedTransport",
    "ClosedWindow",
    "NoCache",
    "Policy",
    "ReadRule",
    "ResponseCache",
    "WriteRule",
    "check_cache_setting",
    "default_cache_path",
    "demo_cache",
    "offline_from_env",
    "open_cache",
]

_HOME_OF = {  # name → the submodule that defines it
    "DEFAULT_CACHE_NAME": "._setting",
    "OFFLINE_ENV": "._setting",
    "CacheSetting": "._setting",
    "ResponseCache": "._cache",
    "default_cache_path": "._setting",
    "offline_from_env": "._setting",
    "open_cache": "._open",
    "CacheInfo": "._info",
    "NoCache": "._off",
    "DEMO_NOT_CACHED": "._off",
    "demo_cache": "._off",
    "check_cache_setting": "._off",
    "DO_NOT_CACHE": ".policy",
    "NEVER_EXPIRE": ".policy",
    "ClosedWindow": ".policy",
    "Policy": ".policy",
    "ReadRule": ".policy",
    "WriteRule": ".policy",
    "CACHE_OPTIONS": ".transport",
    "CachedTransport": ".transport",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME_OF[name], __name__), name)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME_OF])
