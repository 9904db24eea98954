"""The stand-in ``cloud.cache`` of a client with no cache: the in-process demo, ``cache=False``.

It answers the same calls as :class:`~blynkbook.cache.ResponseCache` (nothing to report,
nothing to clear) and is falsy, so ``if cloud.cache:`` reads naturally.

>>> cache = NoCache("the in-process demo cloud is not cached")
>>> bool(cache), cache.clear(), cache.info()["entries"]
(False, 0, 0)
>>> cache.info()
<CacheInfo: no cache (the in-process demo cloud is not cached)>
"""

from __future__ import annotations

import os
from pathlib import PurePath

from blynkbook._summary import Absent
from blynkbook.errors import InputError

from ._info import CacheInfo

__all__ = ["DEMO_NOT_CACHED", "NoCache", "check_cache_setting", "demo_cache"]

DEMO_NOT_CACHED = (
    "the in-process demo cloud is not cached; serve it with `blynkbook sim` and connect to "
    "its URL to try the cache"
)


class NoCache(Absent):
    """No on-disk cache; ``reason`` says why (shown by :meth:`info` and the repr)."""

    path = None

    def info(self) -> CacheInfo:
        """All zero, with the reason there is no cache."""
        return CacheInfo(
            path=None,
            reason=self.reason,
            offline=False,
            entries=0,
            size_bytes=0,
            hits=0,
            misses=0,
            endpoints={},
            mode=None,
            disabled=None,
            failed_saves=0,
            skipped_saves=0,
        )

    def clear(self, *, all_accounts: bool = False) -> int:
        """Nothing to drop: 0."""
        return 0

    def invalidate_device(self, device_id: int) -> int:
        """Nothing to drop: 0."""
        return 0

    def close(self) -> None:
        """Nothing to close."""


def check_cache_setting(setting: object) -> None:
    """Refuse a ``connect(cache=...)`` that is not None, True, False, a path string or an
    ``os.PathLike``, before anything is opened or sent.

    >>> check_cache_setting(123)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    blynkbook.errors.InputError: cache=123 (int) is not understood: pass None or True ...
    """
    if setting is None or isinstance(setting, bool | PurePath | os.PathLike):
        return
    if isinstance(setting, str) and setting.strip():
        return
    raise InputError(
        f"cache={setting!r} ({type(setting).__name__}) is not understood: pass None or True "
        "(the default file), False (no cache) or a file path"
    )


def demo_cache(setting: object) -> NoCache:
    """The cache of an in-process demo client: none. Asking for one (a path, True) is an
    :class:`~blynkbook.errors.InputError`."""
    check_cache_setting(setting)
    if setting not in (None, False):
        raise InputError(f"cache={setting!r}: {DEMO_NOT_CACHED}")
    return NoCache(DEMO_NOT_CACHED)
