"""Keep secrets out of URLs, exception texts and log lines.

>>> redact_url("https://blynk.cloud/oauth2/token?grant_type=refresh_token&refresh_token=abc")
'https://blynk.cloud/oauth2/token?grant_type=refresh_token&refresh_token=[secure]'
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

__all__ = ["SECURE", "SENSITIVE_PARAMS", "RedactingFilter", "install_log_redaction", "redact_url"]

SECURE = "[secure]"

#: Query parameter names whose values never leave this package (compared case-insensitively).
SENSITIVE_PARAMS = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "client_secret",
        "clientsecret",
        "secret",
        "password",
        "api_key",
        "apikey",
    }
)

_PARAM_IN_TEXT = re.compile(
    r"(?i)([?&;](?:" + "|".join(sorted(SENSITIVE_PARAMS)) + r")=)[^&#\s\"'<>]*"
)
_AUTH_IN_TEXT = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_USERINFO_IN_TEXT = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]+):[^/\s@]+@")

#: Loggers whose records may carry request URLs or headers. Filters attach per logger (they do
#: not inherit), so httpcore's child loggers are named one by one.
_NOISY_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)


def _redact_pair(pair: str) -> str:
    name, sep, _value = pair.partition("=")
    if sep and unquote(name).lower() in SENSITIVE_PARAMS:
        return f"{name}={SECURE}"
    return pair


def redact_url(url: str | httpx.URL) -> str:
    """``url`` with secret query values replaced by ``[secure]`` and any userinfo dropped.

    >>> redact_url("https://u:pw@example.com/p?token=t0k&page=2")
    'https://example.com/p?token=[secure]&page=2'
    """
    parts = urlsplit(str(url))
    netloc = parts.netloc.rpartition("@")[2]
    query = "&".join(_redact_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Free text with secret query values, Authorization values and URL passwords masked."""
    text = _PARAM_IN_TEXT.sub(rf"\g<1>{SECURE}", text)
    text = _AUTH_IN_TEXT.sub(rf"\g<1> {SECURE}", text)
    return _USERINFO_IN_TEXT.sub(rf"\g<1>:{SECURE}@", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with :func:`redact_text`; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Attach the redacting filter to the httpx and httpcore loggers (idempotent)."""
    for name in _NOISY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
