"""Pull a long message history through an API with only ``limit`` + ``from``/``to`` (no cursor).

``[start, end]`` is cut into windows (``from`` and ``to`` are inclusive seconds). A window that
comes back full (``limit`` messages) may hide more, so it is split in two and both halves are
asked again, until every window answers with fewer than ``limit`` messages. Messages are then
de-duplicated by ``(tsmTuid, tsmId, tsmTs)``.

>>> data = [{"tsmTuid": "T", "tsmId": 1, "tsmTs": t} for t in range(100)]
>>> def fetch(lo, hi):
...     return [m for m in data if lo <= m["tsmTs"] <= hi][::-1][:10]
>>> len(pull_window(fetch, 0, 99, limit=10))
100
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["Message", "dedupe", "pull_window", "split_range"]

Message = dict[str, Any]
Fetch = Callable[[int, int], list[Message]]


def split_range(start: int, end: int, width: int) -> list[tuple[int, int]]:
    """``[start, end]`` as consecutive inclusive windows at most ``width`` seconds wide.

    >>> split_range(0, 9, 4)
    [(0, 3), (4, 7), (8, 9)]
    """
    return [(lo, min(lo + width - 1, end)) for lo in range(start, end + 1, width)]


def pull_window(fetch: Fetch, lo: int, hi: int, *, limit: int) -> list[Message]:
    """Every message in ``[lo, hi]``: windows answering ``limit`` messages are halved again.

    A one-second window that is still full cannot be split further; its answer is kept.
    """
    found: list[Message] = []
    pending = [(lo, hi)]
    while pending:
        a, b = pending.pop()
        batch = fetch(a, b)
        if len(batch) >= limit and b > a:
            middle = (a + b) // 2
            pending.extend([(middle + 1, b), (a, middle)])
        else:
            found.extend(batch)
    return found


def dedupe(messages: Iterable[Message]) -> list[Message]:
    """Drop repeats of ``(tsmTuid, tsmId, tsmTs)``, keeping the first; oldest first."""
    unique: dict[tuple[Any, Any, Any], Message] = {}
    for message in messages:
        unique.setdefault(
            (message.get("tsmTuid"), message.get("tsmId"), message.get("tsmTs")), message
        )
    return sorted(unique.values(), key=lambda m: (m.get("tsmTs") or 0, m.get("tsmId") or 0))
