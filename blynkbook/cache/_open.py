"""``connect(cache=...)`` → the cache it asks for: a :class:`~._cache.ResponseCache`, or a
falsy :class:`~._off.NoCache`."""

from __future__ import annotations

from pathlib import Path

from ._cache import ResponseCache
from ._off import NoCache, check_cache_setting
from ._setting import CacheSetting
from .policy import Policy

__all__ = ["open_cache"]


def open_cache(
    setting: CacheSetting,
    *,
    server: str,
    client_id: str,
    offline: bool = False,
    policy: Policy,
) -> ResponseCache | NoCache:
    """The cache a ``connect()`` for a real server asks for, with its cloud's ``policy``; a
    falsy :class:`NoCache` for ``cache=False`` (offline replay always needs one: then the
    default file).

    >>> open_cache(False, server="https://fra1.blynk.cloud", client_id="oa2-x", policy=Policy())
    <NoCache: cache=False>
    """
    check_cache_setting(setting)
    if setting is False and not offline:
        return NoCache("cache=False")
    path = None if setting is None or isinstance(setting, bool) else Path(setting).expanduser()
    return ResponseCache(path, server=server, client_id=client_id, offline=offline, policy=policy)
