"""Where a frame's data came from: ``frame.attrs`` and the stale-data warning, for every facade.

>>> from blynkbook.transport import Reply
>>> with_meta(pd.DataFrame(), [Reply(None, 200, from_cache=True)], source="s").attrs
{'source': 's', 'from_cache': True, 'stale': False}
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from blynkbook.errors import StaleDataWarning

__all__ = ["with_meta"]


def with_meta(
    frame: pd.DataFrame,
    replies: Sequence[Any],
    *,
    source: str,
    warn: bool = True,
    stacklevel: int = 3,
) -> pd.DataFrame:
    """Record where the data came from in ``frame.attrs``; warn when any of it is stale.

    ``attrs``: ``source`` (server and path, never a token), ``from_cache`` (every reply
    came from the cache), ``stale`` (some reply was served from the cache after a failure).
    ``warn=False`` only records (for a read inside another read, which warns once).
    """
    from_cache = bool(replies) and all(getattr(r, "from_cache", False) for r in replies)
    stale = any(getattr(r, "stale", False) for r in replies)
    frame.attrs.update({"source": source, "from_cache": from_cache, "stale": stale})
    if stale and warn:
        warnings.warn(
            f"served cached data for {source}: the cloud could not be reached, it may be outdated",
            StaleDataWarning,
            stacklevel=stacklevel,
        )
    return frame
