"""Checks of the arguments the :class:`~blynkbook.blynk.Blynk` calls take, before any request."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from blynkbook.errors import InputError, WriteValueError
from blynkbook.vendor.blynk import EVENT_TYPES, MAX_QUERY

from . import admin

T = TypeVar("T")


#: Friendly snake_case names for ``search_devices(sort_by=...)`` → the vendor's own.
SORT_FIELDS = {
    "device_id": "Device Id",
    "name": "Name",
    "owner_id": "Owner Id",
    "owner_name": "Device Owner Name",
    "owner_email": "Device Owner",
    "last_reported_at": "Last Reported At",
    "activated_at": "Activated At",
    "activated_by": "Activated By",
    "model": "Model",
    "template": "Template Name",
    "template_name": "Template Name",
    "template_id": "Template Id",
    "firmware_version": "Firmware Version",
    "org_id": "Organization Id",
    "status": "Status",
}


# small pure helpers ------------------------------------------------------------------------------
def datastream_names(datastreams: Any) -> list[Any]:
    """One datastream (a label, alias, pin or id) or several, as a non-empty list."""
    if isinstance(datastreams, str | int | np.integer) and not isinstance(datastreams, bool):
        return [datastreams]
    if (
        datastreams is None
        or isinstance(datastreams, bool | bytes | Mapping)
        or not isinstance(datastreams, Iterable)
    ):
        raise InputError(
            f"datastreams={datastreams!r} is not understood: pass a name, pin or id like "
            "'Temperature', or a list of them"
        )
    names = list(datastreams)
    if not names:
        raise InputError("no datastreams given: pass a name or a list of names")
    return names


def sort_field(sort_by: str) -> str:
    if sort_by in SORT_FIELDS.values():
        return sort_by
    key = str(sort_by).strip().lower().replace(" ", "_")
    if key in SORT_FIELDS:
        return SORT_FIELDS[key]
    raise InputError(f"sort_by={sort_by!r} is not one of {', '.join(sorted(SORT_FIELDS))}")


def check_order(order: str) -> str:
    upper = str(order).upper()
    if upper not in {"ASC", "DESC"}:
        raise InputError(f"order={order!r} must be 'ASC' or 'DESC'")
    return upper


def check_event_type(event_type: str) -> str:
    upper = str(event_type).upper()
    if upper not in EVENT_TYPES:
        raise InputError(
            f"event_type={event_type!r} is not one of {', '.join(sorted(EVENT_TYPES))}"
        )
    return upper


def check_email(email: Any) -> str:
    text = admin.check_text(email, what="email", limit=MAX_QUERY)
    if "@" not in text:
        raise InputError(f"email {email!r} has no '@'")
    return text.strip()


def check_positive(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InputError(f"{what}={value!r} must be a positive whole number")
    return int(value)


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def plain(value: Any) -> Any:
    """numpy scalars as Python numbers (JSON can't carry numpy types)."""
    return value.item() if isinstance(value, np.generic) else value


#: How many bad values one :class:`InputError` names before it counts the rest.
MAX_NAMED_PROBLEMS = 20


def check_all(checks: Iterable[Callable[[], T]]) -> list[T]:
    """Run every check and return their results; when some fail, one
    :class:`~blynkbook.errors.InputError` naming every bad value (the first
    :data:`MAX_NAMED_PROBLEMS`, then a count), raised before anything is sent. A single
    failure is raised as it is.

    >>> check_all([lambda: 1, lambda: 2])
    [1, 2]
    """
    results: list[T] = []
    problems: list[InputError] = []
    for check in checks:
        try:
            results.append(check())
        except InputError as problem:
            problems.append(problem)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        named = "; ".join(str(p) for p in problems[:MAX_NAMED_PROBLEMS])
        more = len(problems) - MAX_NAMED_PROBLEMS
        rest = f"; and {more} more" if more > 0 else ""
        raise InputError(
            f"{len(problems)} values are not valid, nothing was sent: {named}{rest}"
        ) from problems[0]
    return results


def check_write_values(checks: Mapping[str, Callable[[], T]]) -> list[T]:
    """:func:`check_all` for a write's values, keyed by the datastream asked for: when some
    are refused, one :class:`~blynkbook.errors.WriteValueError` (an ``InputError``) whose
    ``refused`` maps each refused datastream to why, raised before anything is sent; the
    same rule as Thingsee's writes.

    >>> check_write_values({"Mode": lambda: 1})
    [1]
    """
    refused: dict[str, str] = {}
    try:
        return check_all(_noting(name, check, refused) for name, check in checks.items())
    except InputError as problem:
        raise WriteValueError(str(problem), refused=refused) from problem


def _noting(name: str, check: Callable[[], T], refused: dict[str, str]) -> Callable[[], T]:
    def noted() -> T:
        try:
            return check()
        except InputError as problem:
            refused[name] = str(problem)
            raise

    return noted
