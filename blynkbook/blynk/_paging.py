"""Read every page of a paginated list endpoint: page 0 first, then the rest concurrently.

Paginated answers look like ``{"content": [...], "totalElements": n}`` with ``page``
counted from 0 and ``size`` at most 1000.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from blynkbook.transport import Reply, Session
from blynkbook.vendor.blynk import MAX_PAGE_SIZE

__all__ = ["MAX_PAGE_SIZE", "fetch_all_pages", "page_count"]


def page_count(total: int, size: int = MAX_PAGE_SIZE) -> int:
    """How many pages of ``size`` hold ``total`` elements (at least one).

    >>> page_count(2001), page_count(0)
    (3, 1)
    """
    return max(1, math.ceil(total / size))


def _content(reply: Reply) -> list[Any]:
    data = reply.data
    if isinstance(data, Mapping):
        return list(data.get("content") or [])
    return list(data or [])


def _total(reply: Reply) -> int:
    data = reply.data
    if isinstance(data, Mapping):
        return int(data.get("totalElements") or 0)
    return len(data or [])


def fetch_all_pages(
    session: Session, path: str, params: Mapping[str, Any] | None = None
) -> tuple[list[Any], list[Reply]]:
    """Every item of a paginated list, in server order, and the replies that carried them.

    >>> items, replies = fetch_all_pages(session, "/api/v1/organization/devices")  # doctest: +SKIP
    """
    base = dict(params or {})

    def page(number: int) -> Reply:
        return session.get(path, {**base, "page": number, "size": MAX_PAGE_SIZE})

    first = page(0)
    rest = session.map(page, range(1, page_count(_total(first))))
    replies = [first, *rest]
    items = [item for reply in replies for item in _content(reply)]
    return items, replies
