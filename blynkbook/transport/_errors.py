"""Error mapping in one place: error responses and httpx failures become blynkbook errors."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import httpx

from blynkbook.errors import APIError, RateLimitError, TransportError, api_error_for_status

from ._redact import redact_text, redact_url

__all__ = ["error_from_response", "parse_retry_after", "transport_error", "vendor_message"]


def _json_body(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content) if response.content else None
    except ValueError:
        return None


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP status {status}"


def vendor_message(body: Any, status: int) -> str:
    """The cloud's own words from an error body, else the status phrase.

    Understands ``{"error": {"message": m}}`` (Blynk Platform API), flat ``{"message": m}``,
    ``{"error_description": d}`` (OAuth) and ``{"error": code}``.

    >>> vendor_message({"error": {"message": "Device not found."}}, 404)
    'Device not found.'
    >>> vendor_message(None, 503)
    'Service Unavailable'
    """
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return redact_text(error["message"])
        for key in ("message", "error_description", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return redact_text(body[key])
    return _status_phrase(status)


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date).

    >>> parse_retry_after("7")
    7.0
    >>> parse_retry_after("soon") is None
    True
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def error_from_response(response: httpx.Response) -> APIError:
    """The :mod:`blynkbook.errors` exception for an error response (already read)."""
    status = response.status_code
    body = _json_body(response)
    request = response.request
    cls = api_error_for_status(status)
    common: dict[str, Any] = {
        "status": status,
        "method": request.method,
        "url": redact_url(request.url),
        "body": body,
    }
    message = vendor_message(body, status)
    if cls is RateLimitError:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimitError(message, retry_after=retry_after, **common)
    return cls(message, **common)


_PHRASES: tuple[tuple[type[httpx.HTTPError], str], ...] = (
    (httpx.ConnectTimeout, "timed out while connecting"),
    (httpx.ReadTimeout, "timed out waiting for the response"),
    (httpx.WriteTimeout, "timed out sending the request"),
    (httpx.PoolTimeout, "timed out waiting for a free connection"),
    (httpx.ConnectError, "could not connect"),
    (httpx.RemoteProtocolError, "the server closed the connection without a valid answer"),
    (httpx.ReadError, "the connection failed while reading the response"),
    (httpx.WriteError, "the connection failed while sending the request"),
    (httpx.ProxyError, "the proxy refused the request"),
    (httpx.UnsupportedProtocol, "unsupported URL scheme"),
    (httpx.DecodingError, "the response body could not be decoded"),
    (httpx.TooManyRedirects, "too many redirects"),
)


def transport_error(request: httpx.Request, exc: httpx.HTTPError) -> TransportError:
    """A :class:`TransportError` naming the method and the redacted URL.

    httpx's own message is not reused: it may carry the full URL.
    """
    phrase = next((text for kind, text in _PHRASES if isinstance(exc, kind)), "request failed")
    url = redact_url(request.url)
    message = f"{phrase} ({type(exc).__name__}) during {request.method} {url}"
    return TransportError(message, method=request.method, url=url)
