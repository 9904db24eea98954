"""The HTTP layer: token auth, retries, an adaptive rate, redaction, error mapping, fan-out.

Everything the facades send goes through one :class:`Session`::

    from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session

    creds = Credentials("https://blynk.cloud", client_id, client_secret)
    with Session(creds.server, auth=OAuth2ClientCredentials(creds)) as session:
        devices = session.get("/api/v1/organization/devices", {"page": 0, "size": 1000}).data

Importing this package attaches a redacting filter to the ``httpx`` and ``httpcore``
loggers, so their request lines never show tokens or secrets.
"""

from __future__ import annotations

from ._adaptive import AdaptiveLimiter, Outcome
from ._auth import Credentials, OAuth2ClientCredentials, ThingseeClientToken, TokenAuth
from ._errors import error_from_response, parse_retry_after, transport_error
from ._fanout import ProgressBar
from ._redact import RedactingFilter, install_log_redaction, redact_text, redact_url
from ._retry import MAX_RETRY_AFTER, RETRY_STATUSES, RetryBudget, RetryTransport
from ._session import (
    DEMO_BASE_URLS,
    PROGRESS_THRESHOLD,
    Failed,
    Reply,
    Session,
    check_base_url,
    wants_progress,
)

__all__ = [
    "DEMO_BASE_URLS",
    "MAX_RETRY_AFTER",
    "PROGRESS_THRESHOLD",
    "RETRY_STATUSES",
    "AdaptiveLimiter",
    "Credentials",
    "Failed",
    "OAuth2ClientCredentials",
    "Outcome",
    "ProgressBar",
    "RedactingFilter",
    "Reply",
    "RetryBudget",
    "RetryTransport",
    "Session",
    "ThingseeClientToken",
    "TokenAuth",
    "check_base_url",
    "error_from_response",
    "install_log_redaction",
    "parse_retry_after",
    "redact_text",
    "redact_url",
    "transport_error",
    "wants_progress",
]

install_log_redaction()
