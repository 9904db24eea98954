"""Administrative device calls: create, rename, delete, transfer, clear, events, metadata.

Names are checked with the vendor's charset before sending: letters, digits, spaces,
apostrophes, underscores and hyphens, 1 to 50 characters.

>>> check_name("Pump 7 - Hall 'B'")
"Pump 7 - Hall 'B'"
"""

from __future__ import annotations

from typing import Any

from blynkbook.errors import InputError
from blynkbook.vendor.blynk import MAX_EVENT_DESCRIPTION

__all__ = [
    "MAX_EVENT_DESCRIPTION",
    "MAX_NAME",
    "check_device_id",
    "check_event",
    "check_minutes",
    "check_name",
    "check_text",
]

CREATE_PATH = "/api/v1/organization/device/create"
DEVICE_PATH = "/api/v1/organization/device"
OWNER_PATH = "/api/v1/organization/device/owner"
CLEAR_PATH = "/api/v1/organization/device/clear"
TO_OWNER_PATH = "/api/v1/organization/device/transfer/to-owner"
TO_ORG_PATH = "/api/v1/organization/device/transfer/to-organization"
EVENT_PATH = "/api/v1/organization/device/trigger-event"
METAFIELD_PATH = "/api/v1/organization/device/metafield"

MAX_NAME = 50
MAX_EVENT_TOTAL = 1024
INT32_MAX = 2**31 - 1
_NAME_EXTRA = frozenset(" '_-")


def check_name(name: Any, *, what: str = "name") -> str:
    """A device name in the vendor's charset, 1..50 characters."""
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{what} {name!r} must be a non-empty string")
    if len(name) > MAX_NAME:
        raise InputError(f"{what} {name!r} has {len(name)} characters; the limit is {MAX_NAME}")
    bad = sorted({c for c in name if not (c.isalnum() or c in _NAME_EXTRA)})
    if bad:
        raise InputError(
            f"{what} {name!r} contains {''.join(bad)!r}; allowed are letters, digits, spaces, "
            "apostrophes, underscores and hyphens"
        )
    return name


def check_device_id(device: Any) -> int:
    """A device id as a positive int32.

    >>> check_device_id("12")
    12
    """
    try:
        if isinstance(device, bool) or float(device) != int(device):
            raise ValueError
        number = int(device)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"device id {device!r} is not a whole number") from None
    if not 0 < number <= INT32_MAX:
        raise InputError(f"device id {device!r} is outside 1..{INT32_MAX}")
    return number


def check_text(text: Any, *, what: str, limit: int) -> str:
    """A non-empty string of at most ``limit`` characters."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{what} {text!r} must be a non-empty string")
    if len(text) > limit:
        raise InputError(f"{what} has {len(text)} characters; the limit is {limit}")
    return text


def check_event(code: Any, description: Any) -> tuple[str, str]:
    """An event code and a description of at most 300 characters (1024 together)."""
    code = check_text(code, what="event code", limit=MAX_EVENT_TOTAL)
    description = "" if description is None else str(description)
    if len(description) > MAX_EVENT_DESCRIPTION:
        raise InputError(
            f"event description has {len(description)} characters; the limit is "
            f"{MAX_EVENT_DESCRIPTION}"
        )
    if len(code) + len(description) > MAX_EVENT_TOTAL:
        raise InputError(
            f"event code and description have {len(code) + len(description)} characters "
            f"together; the limit is {MAX_EVENT_TOTAL}"
        )
    return code, description


def check_minutes(minutes: Any) -> int:
    """``minutes`` for the recently-activated list: a whole number 1..60."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 60:
        raise InputError(f"minutes={minutes!r} must be a whole number from 1 to 60")
    return minutes
