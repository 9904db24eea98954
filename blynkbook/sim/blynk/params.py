"""Request parsing shared by the endpoints: typed query/body fields, pages, the caller."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ...vendor.blynk import MAX_PAGE_SIZE
from .._http import HTTPFailure, Request, Response
from .records import Device
from .world import World

__all__ = [
    "MAX_PAGE_SIZE",
    "Caller",
    "body_int",
    "body_object",
    "caller",
    "check_name",
    "int_arg",
    "int_list_arg",
    "json_int",
    "optional_int_arg",
    "page_args",
    "paged",
    "parse_int",
    "visible_device",
]

DEFAULT_PAGE_SIZE = 50
NAME_PATTERN = re.compile(r"[A-Za-z0-9 '_\-]{1,50}")
T = TypeVar("T")


@dataclass(frozen=True)
class Caller:
    """Who is asking: the OAuth client and the organization its token belongs to."""

    client_id: str
    org_id: int


def caller(request: Request) -> Caller:
    found = request.state.get("caller")
    if not isinstance(found, Caller):
        raise HTTPFailure(401, "Invalid or expired access token.")
    return found


#: ``format: int64`` parameters and body fields; every other integer is an int32.
INT64_NAMES = frozenset({"from", "to", "ts", "ownerId", "newUserId", "logEventId"})
_ASCII_INTEGER = re.compile(r"-?[0-9]+")


def int_range(name: str) -> tuple[int, int]:
    """The vendor's range for an integer named ``name``: int64 or int32."""
    bits = 64 if name in INT64_NAMES else 32
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _bad_int(raw: object, name: str) -> HTTPFailure:
    low, high = int_range(name)
    bits = 64 if high > 2**31 else 32
    if name == "deviceId":
        return HTTPFailure(
            400, f"Invalid device ID {raw!r}: 'deviceId' must be a {bits}-bit integer."
        )
    return HTTPFailure(
        400, f"Invalid value {raw!r} for parameter '{name}': a {bits}-bit integer expected."
    )


def parse_int(raw: str, name: str) -> int:
    """``raw`` as the vendor reads an integer: ASCII digits with an optional minus sign,
    within int32 (int64 for :data:`INT64_NAMES`), else a 400 naming the parameter.

    ``int()`` alone is far more lenient (``"1_0"``, ``" 1"``, ``"٣"``), and those must
    not select a device.
    """
    if not _ASCII_INTEGER.fullmatch(raw):
        raise _bad_int(raw, name)
    value = int(raw)
    low, high = int_range(name)
    if not low <= value <= high:
        raise _bad_int(raw, name)
    return value


def int_arg(request: Request, name: str) -> int:
    """A required integer query parameter; 400 when missing or not an integer."""
    raw = request.arg(name)
    if raw is None or raw == "":
        raise HTTPFailure(400, f"Required parameter '{name}' is missing.")
    return parse_int(raw, name)


def optional_int_arg(request: Request, name: str) -> int | None:
    raw = request.arg(name)
    return None if raw is None or raw == "" else parse_int(raw, name)


def int_list_arg(request: Request, name: str) -> list[int]:
    """Every value of an integer array parameter (exploded or comma-separated); an empty
    item (``?dataStreamIds=``, ``1,,2``) is no integer either."""
    return [parse_int(part, name) for raw in request.query.get(name, []) for part in raw.split(",")]


def bool_arg(request: Request, name: str, default: bool = False) -> bool:
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise HTTPFailure(400, f"Invalid value {raw!r} for parameter '{name}' (true or false).")


def page_args(request: Request) -> tuple[int, int]:
    """``(page, size)``: page ≥ 0 (default 0), size 1..1000 (default 50)."""
    page = optional_int_arg(request, "page")
    size = optional_int_arg(request, "size")
    page = 0 if page is None else page
    size = DEFAULT_PAGE_SIZE if size is None else size
    if page < 0:
        raise HTTPFailure(400, f"Page number must be 0 or more, got {page}.")
    if size > MAX_PAGE_SIZE:
        raise HTTPFailure(400, "requested page size is too big")
    if size < 1:
        raise HTTPFailure(400, f"Page size must be between 1 and {MAX_PAGE_SIZE}, got {size}.")
    return page, size


def paged(items: Sequence[T], request: Request, render: Any) -> Response:
    """``{content, totalElements}`` for one page of ``items`` (each passed through ``render``)."""
    page, size = page_args(request)
    chunk = items[page * size : (page + 1) * size]
    return Response.json({"content": [render(i) for i in chunk], "totalElements": len(items)})


def body_object(request: Request) -> dict[str, Any]:
    data = request.json()
    if not isinstance(data, dict):
        raise HTTPFailure(400, "Invalid request body")
    return data


def json_int(value: Any, name: str) -> int | None:
    """A JSON integer (an integral float counts, as in JSON Schema) within the vendor's
    range for ``name``, else None. Strings, booleans and fractions are not integers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if not isinstance(value, int):
        return None
    low, high = int_range(name)
    return value if low <= value <= high else None


def body_int(body: dict[str, Any], name: str) -> int:
    """A required integer field of a JSON body; 400 naming the field otherwise."""
    value = json_int(body.get(name), name)
    if value is None:
        low, high = int_range(name)
        raise HTTPFailure(
            400,
            f"Invalid request body: '{name}' must be an integer in {low}..{high}, "
            f"got {body.get(name)!r}.",
        )
    return value


def check_name(name: Any) -> str:
    """A device name: letters, digits, spaces, apostrophes, underscores, hyphens; 1..50."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise HTTPFailure(
            400,
            f"Invalid device name {name!r}: 1 to 50 letters, digits, spaces, apostrophes, "
            "underscores or hyphens.",
        )
    return name


def not_found_device(device_id: int) -> HTTPFailure:
    return HTTPFailure(
        404,
        f"Device with identifier {device_id} is not found or belong to another organization.",
    )


def visible_device(world: World, who: Caller, device_id: int) -> Device:
    """The device if the caller's organization (or one below it) holds it, else 404."""
    device = world.devices.get(device_id)
    if device is None or device.org_id not in world.descendants(who.org_id):
        raise not_found_device(device_id)
    return device


def visible_org(world: World, who: Caller, org_id: int | None) -> int:
    """``org_id`` (default: the caller's) if the caller may see it, else 404."""
    if org_id is None:
        return who.org_id
    if org_id not in world.orgs or org_id not in world.descendants(who.org_id):
        raise HTTPFailure(404, "Organization is not found or you don't have access to it.")
    return org_id
