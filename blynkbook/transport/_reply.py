"""What a :class:`~._session.Session` hands back: a :class:`Reply`, or, from
``map_all``, a :class:`Failed` in the place of a call that gave none."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["Failed", "Reply", "decode"]


@dataclass(frozen=True)
class Reply:
    """One successful answer: parsed JSON (None when empty), status and cache flags.

    ``content`` holds the raw body for callers that decode it themselves.
    """

    data: Any
    status: int
    from_cache: bool = False
    stale: bool = False
    content: bytes = field(default=b"", repr=False)

    @classmethod
    def from_response(cls, response: httpx.Response, *, raw: bool = False) -> Reply:
        content = response.content
        return cls(
            data=None if raw else decode(content, response.status_code),
            status=response.status_code,
            from_cache=bool(response.extensions.get("from_cache", False)),
            stale=bool(response.extensions.get("stale", False)),
            content=content,
        )


@dataclass(frozen=True)
class Failed:
    """A call of :meth:`Session.map_all` that did not give a result: the error it raised,
    or None when it never ran because an earlier call's error stopped the rest."""

    error: BaseException | None


def decode(content: bytes, status: int) -> Any:
    """JSON body as Python; None for 204 or an empty body; text when it is not JSON."""
    if status == 204 or not content.strip():
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace")
