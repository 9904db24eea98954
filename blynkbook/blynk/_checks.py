"""Checks of the arguments the :class:`~blynkbook.blynk.Blynk` calls take, before any request."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from blynkbook.errors import InputError
from blynkbook.vendor.blynk import EVENT_TYPES, MAX_QUERY

from . import admin

if TYPE_CHECKING:
    pass

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
