"""Token authentication as ``httpx.Auth``: Blynk OAuth2 client credentials and Thingsee.

Both clouds hand out short-lived bearer tokens for a client id and secret. The shared
:class:`TokenAuth` base does the bookkeeping: fetch on first use, renew shortly before
expiry, re-authenticate when the API answers 401 (a few times at most per request, so a
token revoked again during a retry chain is renewed again), and serialize renewals so that
many threads sharing one client fetch one token, not one each. Tokens live only in memory.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx

from blynkbook.errors import AuthError

from ._errors import error_from_response, vendor_message
from ._redact import SECURE, redact_url

__all__ = [
    "IDEMPOTENT",
    "Credentials",
    "OAuth2ClientCredentials",
    "ThingseeClientToken",
    "TokenAuth",
]

#: Request extension that lets :class:`~blynkbook.transport.RetryTransport` retry a POST
#: that is safe to repeat (a client-credentials token request).
IDEMPOTENT = "blynkbook.idempotent"

#: Renew this many seconds before expiry at most (10 % of the lifetime for short tokens).
RENEW_MARGIN = 60.0

#: A request whose 401 came for a token the API never accepted renews it this many times
#: at most, then the 401 stands (the credentials or the grant are wrong). A 401 for a token
#: that was accepted before is a revocation: renewed again, at any point of a retry chain,
#: up to MAX_RESENDS resends of the request in all.
MAX_REAUTHS = 3
MAX_RESENDS = 10

TokenFlow = Generator[httpx.Request, httpx.Response, None]


@dataclass(frozen=True, repr=False)
class Credentials:
    """An API client: the cloud's base URL, the client id and its secret.

    >>> Credentials("https://blynk.cloud", "id", "s3cret")
    Credentials(server='https://blynk.cloud', client_id='id', client_secret='[secure]')
    """

    server: str
    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return (
            f"Credentials(server={self.server!r}, client_id={self.client_id!r}, "
            f"client_secret={SECURE!r})"
        )


@dataclass(frozen=True, repr=False)
class _Token:
    access: str
    expires_at: float  # on the auth's own clock
    lifetime: float
    refresh: str | None = None


class TokenAuth(httpx.Auth):
    """Base for bearer-token auth: acquisition, expiry, re-auth on 401, locking.

    Subclasses build the grant request (:meth:`_grant_request`) and parse its answer
    (:meth:`_parse_token`); one holding refresh tokens also builds :meth:`_refresh_request`.
    ``now`` is the clock in seconds (inject the simulator's clock in tests).
    """

    def __init__(self, credentials: Credentials, *, now: Callable[[], float] = time.time) -> None:
        self.credentials = credentials
        self._now = now
        self._lock = threading.Lock()
        self._token: _Token | None = None
        self._generation = 0  # bumped on every new token, so a 401 renews only once
        self._proven = 0  # the newest generation the API accepted: later 401s are revocations
        self.token_requests = 0  # token endpoint calls made, for tests and reports

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.credentials!r})"

    # -- subclass hooks -------------------------------------------------------------

    def _grant_request(self, timeout: Any) -> httpx.Request:
        raise NotImplementedError

    def _refresh_request(self, refresh_token: str, timeout: Any) -> httpx.Request:
        raise NotImplementedError

    def _parse_token(self, payload: Any) -> _Token | None:
        raise NotImplementedError

    # -- the flow -------------------------------------------------------------------

    def auth_flow(self, request: httpx.Request) -> TokenFlow:
        timeout = request.extensions.get("timeout")
        with self._lock:
            if self._needs_renewal():
                yield from self._acquire(timeout)
            token, generation = self._bearer(), self._generation
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        refused = 0  # new tokens refused on their first use: a 401 that renewing won't cure
        for _ in range(MAX_RESENDS):
            if response.status_code != 401:
                self._proven = max(self._proven, generation)
                return
            with self._lock:
                if self._generation == generation:  # nobody renewed since we sent it
                    refused += generation > self._proven
                    if refused > MAX_REAUTHS:
                        return  # the 401 stands
                    yield from self._acquire(timeout)
                token, generation = self._bearer(), self._generation
            request.headers["Authorization"] = f"Bearer {token}"
            response = yield request

    def invalidate(self) -> None:
        """Forget the current token; the next request fetches a new one."""
        with self._lock:
            self._token = None

    def _bearer(self) -> str:
        assert self._token is not None  # set by _acquire, under the lock
        return self._token.access

    def _needs_renewal(self) -> bool:
        token = self._token
        if token is None:
            return True
        margin = min(RENEW_MARGIN, token.lifetime * 0.1)
        return self._now() >= token.expires_at - margin

    def _acquire(self, timeout: Any) -> TokenFlow:
        """Renew with the refresh token when one is held (single use), else grant anew."""
        refresh = self._token.refresh if self._token is not None else None
        self._token = None
        if refresh is not None:
            response = yield self._counted(self._refresh_request(refresh, timeout))
            response.read()
            token = self._token_from(response) if response.is_success else None
            if token is not None:
                self._store(token)
                return
        response = yield self._counted(self._grant_request(timeout))
        response.read()
        if not response.is_success:
            raise self._token_error(response)
        token = self._token_from(response)
        if token is None:
            raise AuthError(
                "the token endpoint answered without a token",
                status=response.status_code,
                method=response.request.method,
                url=redact_url(response.request.url),
            )
        self._store(token)

    def _counted(self, request: httpx.Request) -> httpx.Request:
        self.token_requests += 1
        return request

    def _store(self, token: _Token) -> None:
        self._token = token
        self._generation += 1

    def _token_from(self, response: httpx.Response) -> _Token | None:
        try:
            payload = json.loads(response.content)
        except ValueError:
            return None
        return self._parse_token(payload)

    def _token_error(self, response: httpx.Response) -> Exception:
        status = response.status_code
        if status == 429 or status >= 500:
            return error_from_response(response)
        try:
            body = json.loads(response.content) if response.content else None
        except ValueError:
            body = None
        return AuthError(
            vendor_message(body, status),
            status=status,
            method=response.request.method,
            url=redact_url(response.request.url),
            body=body,
        )

    def _expiry(self, lifetime: float) -> float:
        return self._now() + lifetime


def _basic(credentials: Credentials) -> str:
    pair = f"{credentials.client_id}:{credentials.client_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class OAuth2ClientCredentials(TokenAuth):
    """Blynk's OAuth2 client-credentials flow (``POST /oauth2/token``, HTTP Basic).

    >>> auth = OAuth2ClientCredentials(Credentials("https://blynk.cloud", "id", "secret"))
    >>> httpx.Client(auth=auth)  # doctest: +SKIP
    """

    token_path = "/oauth2/token"
    default_lifetime = 3600.0  # used only when the answer has no expires_in

    def _token_url(self) -> str:
        return self.credentials.server.rstrip("/") + self.token_path

    def _post(self, params: dict[str, str], timeout: Any, *, idempotent: bool) -> httpx.Request:
        extensions: dict[str, Any] = {IDEMPOTENT: idempotent}
        if timeout is not None:
            extensions["timeout"] = timeout
        return httpx.Request(
            "POST",
            self._token_url(),
            params=params,
            headers={"Authorization": _basic(self.credentials), "Accept": "application/json"},
            extensions=extensions,
        )

    def _grant_request(self, timeout: Any) -> httpx.Request:
        return self._post({"grant_type": "client_credentials"}, timeout, idempotent=True)

    def _refresh_request(self, refresh_token: str, timeout: Any) -> httpx.Request:
        params = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        # Single use, yet safe to resend after a lost answer or a 5xx: if the first one was
        # redeemed, the second gets invalid_grant and _acquire falls back to a new grant.
        # Not resending would fail the request that needed the token.
        return self._post(params, timeout, idempotent=True)

    def _parse_token(self, payload: Any) -> _Token | None:
        if not isinstance(payload, dict) or not isinstance(payload.get("access_token"), str):
            return None
        try:
            lifetime = float(payload.get("expires_in") or self.default_lifetime)
        except (TypeError, ValueError):
            lifetime = self.default_lifetime
        refresh = payload.get("refresh_token")
        return _Token(
            access=payload["access_token"],
            expires_at=self._expiry(lifetime),
            lifetime=lifetime,
            refresh=refresh if isinstance(refresh, str) and refresh else None,
        )


class ThingseeClientToken(TokenAuth):
    """Haltian Thingsee's client token (``POST /auth/client-token``, JSON body, 15 minutes)."""

    token_path = "/auth/client-token"
    lifetime = 15 * 60.0

    def _grant_request(self, timeout: Any) -> httpx.Request:
        extensions: dict[str, Any] = {IDEMPOTENT: True}
        if timeout is not None:
            extensions["timeout"] = timeout
        body = {
            "client_id": self.credentials.client_id,
            "client_secret": self.credentials.client_secret,
        }
        return httpx.Request(
            "POST",
            self.credentials.server.rstrip("/") + self.token_path,
            json=body,
            headers={"Accept": "application/json"},
            extensions=extensions,
        )

    def _parse_token(self, payload: Any) -> _Token | None:
        data = payload.get("data") if isinstance(payload, dict) else None
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            return None
        return _Token(access=token, expires_at=self._expiry(self.lifetime), lifetime=self.lifetime)
