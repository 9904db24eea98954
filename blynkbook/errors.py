"""The exceptions blynkbook raises, one small tree::

    BlynkbookError
    ├── InputError (also a ValueError)        bad argument; raised before any request is sent
    │   ├── DatastreamNameError               a datastream name that is unknown or ambiguous
    │   └── WriteValueError                   values a write refuses; ``refused`` lists them
    ├── TransportError                        no usable HTTP response (connect, timeout, dropped)
    ├── OfflineError                          offline mode and the cache has no answer
    ├── CacheFileError                        the cache file cannot be opened where it is;
    │                                         the message names the file and the way out
    ├── PartialWriteError                     a write sent in chunks stopped part-way;
    │                                         ``report`` says which chunks landed
    ├── PartialReadError                      a read of many pages lost some of them;
    │                                         ``frame`` has what came, ``missing`` the rest
    └── APIError                              the cloud answered with an error status
        ├── BadRequestError        400
        ├── AuthError              401, and OAuth errors from the token endpoint
        ├── ForbiddenError         403
        ├── NotFoundError          404
        ├── RateLimitError         429 (``retry_after`` in seconds, when sent)
        └── ServerError            5xx

Every message names the request by method and *redacted* URL: tokens, secrets and
passwords never appear in an exception text.

Three warnings, all ``UserWarning``: :class:`StaleDataWarning`, when the cloud could not
be reached and cached data was served instead (the frame's ``attrs["stale"]`` says so
too); :class:`PermissionWarning`, once per client, when the OAuth client lacks an optional
permission (templates) and the facade works with less (names NA, schema inferred);
:class:`CacheWarning`, when the cache file could not be used as asked (a save failed, an
invalidation could not be applied, a damaged file was moved aside); it names the file, and
the call it concerns went on without the cache.

>>> from blynkbook.errors import InputError
>>> issubclass(InputError, ValueError)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIError",
    "AuthError",
    "BadRequestError",
    "BlynkbookError",
    "CacheFileError",
    "CacheWarning",
    "DatastreamNameError",
    "ForbiddenError",
    "InputError",
    "NotFoundError",
    "OfflineError",
    "PartialReadError",
    "PartialWriteError",
    "PermissionWarning",
    "RateLimitError",
    "ServerError",
    "StaleDataWarning",
    "TransportError",
    "WriteValueError",
    "api_error_for_status",
]


class StaleDataWarning(UserWarning):
    """The cloud could not be reached, so cached (possibly outdated) data was served."""


class PermissionWarning(UserWarning):
    """The OAuth client lacks an optional permission; the facade goes on with less
    (the message names the permission and what is reduced)."""


class CacheWarning(UserWarning):
    """The cache file could not be used as asked; the call went on without it (no wrong
    data is served). The message names the file, what failed and what to do."""


class BlynkbookError(Exception):
    """Root of every exception blynkbook raises on purpose."""


class InputError(BlynkbookError, ValueError):
    """An argument is out of range or malformed; nothing was sent."""


class DatastreamNameError(InputError):
    """A datastream named by id, label, alias or pin matched none, or more than one."""


class WriteValueError(InputError):
    """A write refused values before sending anything: the message names every bad value,
    its datastream and the limit or allowed values; ``refused`` maps datastream → reason."""

    def __init__(self, message: str, *, refused: Mapping[str, str]) -> None:
        super().__init__(message)
        self.refused = dict(refused)


class TransportError(BlynkbookError):
    """The request got no usable HTTP response (refused, timed out, dropped)."""

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class OfflineError(BlynkbookError):
    """Offline mode is on and the cache holds no answer for this request."""

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class CacheFileError(BlynkbookError):
    """The cache file cannot be opened where it is (a folder in its place, a file where its
    folder should be, no permission). ``path`` is the file; the message says the way out."""

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class PartialWriteError(BlynkbookError):
    """A write sent in several requests stopped part-way. ``report`` (a DataFrame, one row
    per chunk) says which chunks landed, which one failed (``status == "failed"``) and which
    were never sent (``"not sent"``); the error that stopped it is the ``__cause__``."""

    def __init__(self, message: str, *, report: Any) -> None:
        super().__init__(message)
        self.report = report


class PartialReadError(BlynkbookError):
    """A read of many pages (a history pull) got some of them and not others, even after
    retries. ``frame`` holds every point that did come, in the shape the read returns;
    ``missing`` (a DataFrame, one row per page) says what did not; the first error that
    lost a page is the ``__cause__``. A read that got nothing raises that error instead."""

    def __init__(self, message: str, *, frame: Any, missing: Any) -> None:
        super().__init__(message)
        self.frame = frame
        self.missing = missing


class APIError(BlynkbookError):
    """The cloud answered with an error status.

    Attributes: ``status`` (HTTP status), ``message`` (the vendor's own words),
    ``method`` and ``url`` (redacted), ``body`` (the parsed error body, if any).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str = "",
        url: str = "",
        body: object = None,
    ) -> None:
        where = f" ({method} {url})" if method else ""
        super().__init__(f"HTTP {status}: {message}{where}")
        self.status = status
        self.message = message
        self.method = method
        self.url = url
        self.body = body


class BadRequestError(APIError):
    """400: the cloud rejected the request's parameters or body."""


class AuthError(APIError):
    """401, or an OAuth error: the credentials or the access token were refused."""


class ForbiddenError(APIError):
    """403: the OAuth client may not do this."""


class NotFoundError(APIError):
    """404: the device, datastream or organization does not exist or is not visible."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` says how long the cloud asked to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the cloud failed; retried automatically before this is raised."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthError,
    403: ForbiddenError,
    404: NotFoundError,
    429: RateLimitError,
}


def api_error_for_status(status: int) -> type[APIError]:
    """The exception class for an HTTP error status.

    >>> api_error_for_status(404).__name__
    'NotFoundError'
    >>> api_error_for_status(503).__name__
    'ServerError'
    """
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIError)
