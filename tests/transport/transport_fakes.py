"""Fakes for the transport tests: a hand-moved clock and a scripted OAuth2 cloud."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

SERVER = "https://blynk.test"
SECRET = "s3cret-CLIENT-secret"

ApiHandler = Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    t: float = 1_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class FakeCloud:
    """An OAuth2 token endpoint plus a scripted API, as a MockTransport handler.

    Access tokens are ``AT1``, ``AT2``...; refresh tokens ``RT1``, ``RT2``... and single use.
    """

    lifetime: int = 86400
    issue_refresh_tokens: bool = True
    api: ApiHandler | None = None
    valid_tokens: set[str] = field(default_factory=set)
    live_refresh: set[str] = field(default_factory=set)
    grants: list[str] = field(default_factory=list)  # grant_type of each token call
    api_calls: list[httpx.Request] = field(default_factory=list)
    bearers: list[str] = field(default_factory=list)  # the token each API call carried
    issued: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return self._token(request)
        self.api_calls.append(request)
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        self.bearers.append(bearer)
        if bearer not in self.valid_tokens:
            message = "Invalid or expired access token."
            return httpx.Response(401, json={"error": {"message": message}})
        if self.api is not None:
            return self.api(request)
        return httpx.Response(200, json={"path": request.url.path, "token": bearer})

    def _token(self, request: httpx.Request) -> httpx.Response:
        expected = base64.b64encode(f"client-1:{SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return _oauth_error("invalid_client", "Bad client credentials")
        grant = request.url.params.get("grant_type", "")
        self.grants.append(grant)
        if grant == "refresh_token":
            refresh = request.url.params.get("refresh_token", "")
            if refresh not in self.live_refresh:
                return _oauth_error("invalid_grant", "Refresh token is invalid or was used")
            self.live_refresh.discard(refresh)
        elif grant != "client_credentials":
            return _oauth_error("unsupported_grant_type", grant)
        return self._issue()

    def _issue(self) -> httpx.Response:
        self.issued += 1
        access = f"AT{self.issued}"
        self.valid_tokens.add(access)
        body: dict[str, object] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.lifetime,
        }
        if self.issue_refresh_tokens:
            refresh = f"RT{self.issued}"
            self.live_refresh.add(refresh)
            body["refresh_token"] = refresh
        return httpx.Response(200, json=body)

    def expire_all(self) -> None:
        self.valid_tokens.clear()


def _oauth_error(code: str, text: str) -> httpx.Response:
    return httpx.Response(400, json={"error": code, "error_description": text})
