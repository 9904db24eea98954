"""The exception tree: shape, status mapping, and the ValueError contract for input errors."""

from __future__ import annotations

import pytest

from blynkbook import errors


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthError),
        (403, errors.ForbiddenError),
        (404, errors.NotFoundError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (418, errors.APIError),
    ],
)
def test_status_maps_to_its_class(status: int, cls: type[errors.APIError]) -> None:
    assert errors.api_error_for_status(status) is cls


def test_every_exception_shares_one_root_and_the_warnings_are_user_warnings() -> None:
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Warning):
            assert obj in (errors.StaleDataWarning, errors.PermissionWarning, errors.CacheWarning)
            assert issubclass(obj, UserWarning)
        elif isinstance(obj, type):
            assert issubclass(obj, errors.BlynkbookError)


def test_input_errors_are_value_errors() -> None:
    assert issubclass(errors.DatastreamNameError, ValueError)
    with pytest.raises(ValueError):
        raise errors.InputError("size 2000 is above the limit of 1000")


def test_api_error_text_names_status_message_and_request() -> None:
    exc = errors.NotFoundError(
        "Device with identifier 7 is not found or belong to another organization.",
        status=404,
        method="GET",
        url="https://fra1.blynk.cloud/api/v1/organization/device?deviceId=7",
    )
    assert str(exc).startswith("HTTP 404: Device with identifier 7")
    assert "GET https://fra1.blynk.cloud" in str(exc)
    assert exc.status == 404


def test_rate_limit_error_keeps_retry_after() -> None:
    exc = errors.RateLimitError("Too many requests", status=429, retry_after=2.0)
    assert exc.retry_after == 2.0
