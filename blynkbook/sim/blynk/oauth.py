"""OAuth2 for the simulated cloud: clients, the token endpoint and the token registry.

Tokens are opaque 40-character strings from :mod:`secrets`; access and refresh tokens
expire against the sim's clock; a refresh token works once.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from .._clock import Clock
from .._http import HTTPFailure, Request, Response

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "NARROW_CLIENT_ID",
    "NARROW_CLIENT_SECRET",
    "PERMISSION_AREAS",
    "Grant",
    "OAuthClient",
    "TokenRegistry",
]

DEMO_CLIENT_ID = "oa2-client-id_blynkbook-demo"
DEMO_CLIENT_SECRET = "demo-secret-blynkbook"  # a public demo value, fine to print
#: The least-privilege demo client: devices and datastreams, but no template access.
NARROW_CLIENT_ID = "oa2-client-id_blynkbook-narrow"
NARROW_CLIENT_SECRET = "demo-secret-narrow"  # public too

#: Sim choice: what an OAuth client may be denied, and the words its 403 uses. Only
#: ``PRODUCT_VIEW`` (templates) is a documented name; the others are described.
PERMISSION_AREAS = {
    "templates": "PRODUCT_VIEW (templates and their datastreams)",
    "tags": "the permission to view device tags",
    "metadata": "the permission to view device metadata",
    "timeline": "the permission to view the device timeline",
}


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    secret: str = field(repr=False)
    org_id: int
    platform_scope: bool = True
    denied: frozenset[str] = frozenset()  # areas of PERMISSION_AREAS this client lacks


@dataclass(frozen=True)
class Grant:
    """What an access or refresh token stands for."""

    client_id: str
    org_id: int
    expires_at_ms: int


def _oauth_error(code: str, description: str) -> HTTPFailure:
    return HTTPFailure(400, description, body={"error": code, "error_description": description})


def _new_token() -> str:
    return secrets.token_urlsafe(30)  # 40 characters


class TokenRegistry:
    """The OAuth clients of the cloud and the tokens issued to them."""

    def __init__(self, clock: Clock, lifetime_s: int) -> None:
        self.clock = clock
        self.lifetime_s = lifetime_s
        self.clients: dict[str, OAuthClient] = {}
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}

    def add_client(
        self,
        org_id: int,
        *,
        client_id: str | None = None,
        secret: str | None = None,
        platform_scope: bool = True,
        denied: frozenset[str] | set[str] | tuple[str, ...] = (),
    ) -> OAuthClient:
        unknown = set(denied) - set(PERMISSION_AREAS)
        if unknown:
            raise ValueError(f"unknown areas {sorted(unknown)}; known: {sorted(PERMISSION_AREAS)}")
        client = OAuthClient(
            client_id or f"oa2-client-id_{secrets.token_hex(8)}",
            secret or secrets.token_urlsafe(24),
            org_id,
            platform_scope,
            frozenset(denied),
        )
        self.clients[client.client_id] = client
        return client

    # the endpoint ------------------------------------------------------------
    def token_endpoint(self, request: Request) -> Response:
        """``POST /oauth2/token``: client_credentials or refresh_token."""
        params = _all_params(request)
        grant_type = params.get("grant_type")
        if not grant_type:
            raise _oauth_error("invalid_request", "Missing grant_type parameter.")
        if grant_type not in ("client_credentials", "refresh_token"):
            raise _oauth_error("unsupported_grant_type", f"Unsupported grant type {grant_type}.")
        client = self._authenticate_client(request, params)
        if grant_type == "refresh_token":
            self._redeem_refresh(client, params.get("refresh_token"))
        return Response.json(self._issue(client), headers=[("Cache-Control", "no-store")])

    def _authenticate_client(self, request: Request, params: dict[str, str]) -> OAuthClient:
        client_id, secret = _basic_credentials(request.headers.get("authorization", ""))
        if client_id is None:
            client_id, secret = params.get("client_id"), params.get("client_secret")
        client = self.clients.get(client_id or "")
        if client is None or not secrets.compare_digest(client.secret, secret or ""):
            raise _oauth_error("invalid_client", "Client ID is not found or password is wrong.")
        return client

    def _redeem_refresh(self, client: OAuthClient, token: str | None) -> None:
        if not token:
            raise _oauth_error("invalid_request", "Missing refresh_token parameter.")
        grant = self._refresh.pop(token, None)
        if grant is None or grant.client_id != client.client_id:
            raise _oauth_error("invalid_grant", "Refresh token is invalid or already used.")
        if grant.expires_at_ms <= self.clock.now_ms():
            raise _oauth_error("invalid_grant", "Refresh token is expired.")

    def _issue(self, client: OAuthClient) -> dict[str, object]:
        expires = self.clock.now_ms() + self.lifetime_s * 1000
        grant = Grant(client.client_id, client.org_id, expires)
        access, refresh = _new_token(), _new_token()
        self._access[access] = grant
        self._refresh[refresh] = grant
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.lifetime_s,
            "refresh_token": refresh,
        }

    # bearer checks -------------------------------------------------------------
    def client_of(self, request: Request) -> str | None:
        """The client id behind the request's bearer token (valid or not), for rate limiting."""
        grant = self._access.get(bearer_token(request) or "")
        return grant.client_id if grant else None

    def check_bearer(self, request: Request) -> Grant:
        """The live grant of the request's bearer token; 401 or 403 otherwise."""
        grant = self._access.get(bearer_token(request) or "")
        if grant is None or grant.expires_at_ms <= self.clock.now_ms():
            raise HTTPFailure(401, "Invalid or expired access token.")
        client = self.clients.get(grant.client_id)
        if client is None or not client.platform_scope:
            raise HTTPFailure(403, "Platform API scope is not enabled for this oauth client.")
        return grant

    def check_permission(self, grant: Grant, area: str) -> None:
        """403 naming the permission when the grant's client is denied ``area``."""
        client = self.clients.get(grant.client_id)
        if client is not None and area in client.denied:
            raise HTTPFailure(
                403, f"Access denied: this oauth client lacks {PERMISSION_AREAS[area]}."
            )

    def revoke_all(self) -> None:
        """Forget every issued token (tests: force re-authentication)."""
        self._access.clear()
        self._refresh.clear()


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _basic_credentials(header: str) -> tuple[str | None, str | None]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None, None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else (None, None)


def _all_params(request: Request) -> dict[str, str]:
    """Query parameters, plus a form-encoded body if one was sent."""
    merged = {k: v[0] for k, v in request.query.items() if v}
    if request.body and "form" in request.headers.get("content-type", ""):
        form = parse_qs(request.body.decode("utf-8", "replace"))
        merged.update({k: v[0] for k, v in form.items() if v and k not in merged})
    return merged
