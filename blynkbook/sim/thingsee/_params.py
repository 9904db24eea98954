"""The Thingsee simulator's request checks and answers: the vendor's error shape
(:func:`failure`), the ``{"data": ...}`` wrapper, and the parameter and body checks."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from ...vendor.thingsee import ALLOWED_COMMAND_IDS
from .._http import HTTPFailure, Request, Response

__all__ = [
    "check_command",
    "data",
    "failure",
    "id_set",
    "int_arg",
    "json_object",
    "valid_group_id",
]


def failure(
    status: int, message: str, *, headers: list[tuple[str, str]] | None = None
) -> HTTPFailure:
    """An error in the vendor's shape: ``{"statusCode", "error", "message"}``.

    >>> failure(404, "Thing X not found").body["error"]
    'Not Found'
    """
    body = {"statusCode": status, "error": HTTPStatus(status).phrase, "message": message}
    return HTTPFailure(status, message, body=body, headers=headers or [])


def data(payload: Any) -> Response:
    return Response.json({"data": payload})


def json_object(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise failure(400, "Body must be a JSON object")
    return body


def int_arg(request: Request, name: str, *, low: int, high: int | None = None) -> int | None:
    raw = request.arg(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise failure(400, f"{name} must be an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        limit = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise failure(400, f"{name} must be {limit}, got {value}")
    return value


def id_set(request: Request, name: str) -> set[int] | None:
    values = request.args(name)
    if not values:
        return None
    try:
        return {int(v) for v in values}
    except ValueError:
        raise failure(400, f"{name} must be a comma-separated list of numbers") from None


def valid_group_id(group_id: object) -> str:
    if not isinstance(group_id, str) or not group_id:
        raise failure(400, "group_id is required")
    if any(c.isspace() for c in group_id):
        raise failure(400, "group_id must not contain whitespaces")
    if group_id == "unassigned":
        raise failure(400, "group_id must not be named unassigned")
    return group_id


def check_command(command: dict[str, Any]) -> None:
    for key in ("tsmId", "tsmEv"):
        if not isinstance(command.get(key), int) or isinstance(command.get(key), bool):
            raise failure(400, f"{key} is required and must be a number")
    if command["tsmId"] not in ALLOWED_COMMAND_IDS:
        allowed = ", ".join(map(str, ALLOWED_COMMAND_IDS))
        raise failure(
            400, f"Message id {command['tsmId']} is not allowed; allowed message ids are {allowed}"
        )
