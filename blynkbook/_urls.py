"""The embedded demo clouds' base URLs (defined here once), and the query-string encoding
shared by the session's cache lookups and the cache's keys."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final
from urllib.parse import quote_plus

__all__ = ["BLYNK_DEMO_URL", "DEMO_BASE_URLS", "THINGSEE_DEMO_URL", "form_encoded"]

BLYNK_DEMO_URL: Final = "http://demo.blynk.local"
THINGSEE_DEMO_URL: Final = "http://demo.thingsee.local"
#: Plain-http hosts a session accepts besides loopback: the in-process demo clouds.
DEMO_BASE_URLS: Final = frozenset({BLYNK_DEMO_URL, THINGSEE_DEMO_URL})


def _quote(text: str) -> str:
    """``quote_plus(text)``, skipping the call for ASCII letters and digits (left as is)."""
    return text if text.isalnum() and text.isascii() else quote_plus(text)


def form_encoded(pairs: Iterable[tuple[str, str]]) -> str:
    """``urlencode(pairs)`` for string pairs, built in one join (the cache's hot path).

    >>> form_encoded([("deviceIds", "1,2"), ("from", "0")])
    'deviceIds=1%2C2&from=0'
    """
    return "&".join([f"{_quote(k)}={_quote(v)}" for k, v in pairs])
