"""Argument checks of the Thingsee facade: each raises :class:`~blynkbook.errors.InputError`
naming the bad value and the rule, before any request is sent.

>>> check_tuid("TSPD04X2V17999533"), id_list([12100, 1110], "message_ids")
('TSPD04X2V17999533', '12100,1110')
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from typing import Any

from blynkbook.errors import DatastreamNameError, InputError

from ._fields import FIELDS

__all__ = [
    "KNOWN_FIELDS",
    "as_list",
    "check_group_id",
    "check_limit",
    "check_tuid",
    "id_list",
    "id_values",
    "known_fields",
]

_TUID = re.compile(r"[A-Za-z0-9_-]{1,64}")
KNOWN_FIELDS = sorted({s.field for s in FIELDS})


def check_tuid(tuid: object) -> str:
    if not isinstance(tuid, str) or not _TUID.fullmatch(tuid) or tuid == "alerts":
        raise InputError(f"tuid {tuid!r} is not a Thingsee TUID (1-64 letters, digits, '-', '_')")
    return tuid


def check_group_id(group_id: object, *, new: bool = False) -> str:
    if not isinstance(group_id, str) or not group_id:
        raise InputError(f"group_id {group_id!r} must be a non-empty string")
    if new and any(c.isspace() for c in group_id):
        raise InputError(f"group_id {group_id!r} must not contain whitespace")
    if new and group_id == "unassigned":
        raise InputError("group_id 'unassigned' is reserved by Thingsee")
    if not new and ("/" in group_id or any(c.isspace() for c in group_id)):
        raise InputError(f"group_id {group_id!r} must not contain '/' or whitespace")
    return group_id


def check_limit(limit: object, name: str = "limit", high: int | None = None) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InputError(f"{name}={limit!r} must be a whole number of at least 1")
    if high is not None and limit > high:
        raise InputError(f"{name}={limit} is above the maximum of {high}")
    return limit


def id_list(ids: int | Iterable[object] | None, name: str) -> str | None:
    """``[12100, 1110]`` → ``"12100,1110"`` (the API's comma list); checked to be numbers."""
    if ids is None:
        return None
    values = [ids] if isinstance(ids, int) else list(ids)
    if not values or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise InputError(f"{name}={ids!r} must be one or more whole numbers")
    return ",".join(str(v) for v in values)


def known_fields(names: str | Iterable[str]) -> list[str]:
    """Known field names, checked (the datastreams of :meth:`Thingsee.history`)."""
    fields = [str(f) for f in as_list(names)]
    unknown = [f for f in fields if f not in KNOWN_FIELDS]
    if unknown or not fields:
        raise DatastreamNameError(f"unknown field(s) {unknown!r}; known: {', '.join(KNOWN_FIELDS)}")
    return fields


def id_values(ids: int | Iterable[int] | None, name: str) -> list[int] | None:
    """Message or event ids as a sorted list (None stays None), checked to be numbers."""
    text = id_list(ids, name)
    return None if text is None else sorted({int(v) for v in text.split(",")})


def as_list(items: Hashable | Iterable[Hashable]) -> list[Any]:
    if isinstance(items, str) or not isinstance(items, Iterable):
        return [items]
    return list(items)
