"""Token flows: acquisition, proactive refresh, single-use refresh tokens, 401 re-auth."""

from __future__ import annotations

import threading

import httpx
import pytest
from transport_fakes import SECRET, SERVER, FakeClock, FakeCloud

from blynkbook.errors import AuthError, ServerError
from blynkbook.transport import (
    Credentials,
    OAuth2ClientCredentials,
    Session,
    ThingseeClientToken,
)
from blynkbook.transport._auth import MAX_REAUTHS


def test_first_request_fetches_token_with_basic_auth(session: Session, cloud: FakeCloud) -> None:
    reply = session.get("/api/v1/organization")
    assert reply.data == {"path": "/api/v1/organization", "token": "AT1"}
    assert cloud.grants == ["client_credentials"]


def test_token_is_reused_until_near_expiry(
    session: Session, cloud: FakeCloud, clock: FakeClock
) -> None:
    for _ in range(5):
        session.get("/a")
        clock.advance(3600)
    assert cloud.grants == ["client_credentials"]


def test_proactive_refresh_uses_refresh_token_before_expiry(
    session: Session, cloud: FakeCloud, clock: FakeClock
) -> None:
    session.get("/a")
    clock.advance(86400 - 59)  # inside the 60 s renewal margin, still valid on the server
    reply = session.get("/a")
    assert cloud.grants == ["client_credentials", "refresh_token"]
    assert reply.data["token"] == "AT2"
    assert cloud.bearers == ["AT1", "AT2"]


def test_short_lifetime_renews_at_ten_percent(
    session: Session, cloud: FakeCloud, clock: FakeClock
) -> None:
    cloud.lifetime = 100
    session.get("/a")
    clock.advance(89)
    session.get("/a")
    assert cloud.grants == ["client_credentials"]
    clock.advance(2)  # 91 s: within 10 s of expiry
    session.get("/a")
    assert cloud.grants == ["client_credentials", "refresh_token"]


def test_used_refresh_token_falls_back_to_client_credentials(
    session: Session, cloud: FakeCloud, clock: FakeClock
) -> None:
    session.get("/a")
    cloud.live_refresh.clear()  # the server forgot it (or it was used elsewhere)
    clock.advance(86400)
    reply = session.get("/a")
    assert cloud.grants == ["client_credentials", "refresh_token", "client_credentials"]
    assert reply.data["token"] == "AT2"


def test_refresh_token_is_sent_once_only(
    session: Session, cloud: FakeCloud, clock: FakeClock
) -> None:
    session.get("/a")
    clock.advance(86400)
    session.get("/a")
    clock.advance(86400)
    session.get("/a")
    refresh_calls = [g for g in cloud.grants if g == "refresh_token"]
    assert cloud.grants == ["client_credentials", "refresh_token", "refresh_token"]
    assert len(refresh_calls) == 2
    assert cloud.live_refresh == {"RT3"}


def test_401_reauthenticates_once_and_resends(session: Session, cloud: FakeCloud) -> None:
    session.get("/a")
    cloud.expire_all()  # server-side revocation, the client still thinks AT1 is good
    reply = session.get("/a")
    assert reply.data["token"] == "AT2"
    assert cloud.bearers == ["AT1", "AT1", "AT2"]


def test_persistent_401_raises_auth_error_after_bounded_reauths(
    session: Session, cloud: FakeCloud
) -> None:
    cloud.api = lambda request: httpx.Response(401, json={"error": {"message": "Nope."}})
    with pytest.raises(AuthError, match="Nope.") as info:
        session.get("/a")
    assert info.value.status == 401
    assert len(cloud.api_calls) == 1 + MAX_REAUTHS
    assert cloud.grants == ["client_credentials"] + ["refresh_token"] * MAX_REAUTHS


def test_token_revoked_again_during_a_retry_chain_is_renewed_again(
    session: Session, cloud: FakeCloud, sleeps: list[float]
) -> None:
    """401 → new token → 503 → 503 → 401 (revoked again) → new token → 200."""
    script = iter(["revoke", "503", "503", "revoke", "ok"])

    def api(request: httpx.Request) -> httpx.Response:
        step = next(script, "ok")
        if step == "revoke":
            cloud.expire_all()
            return httpx.Response(401, json={"error": {"message": "Invalid token."}})
        if step == "503":
            return httpx.Response(503)
        return httpx.Response(200, json={"token": request.headers["authorization"]})

    session.get("/warm-up")
    cloud.api = api
    assert session.get("/a").data == {"token": "Bearer AT3"}
    assert cloud.grants == ["client_credentials", "refresh_token", "refresh_token"]
    assert len(sleeps) == 2


def test_oauth_error_body_becomes_auth_error_without_secret(cloud: FakeCloud) -> None:
    bad = Credentials(SERVER, "client-1", "wrong-secret")
    session = Session(
        SERVER, auth=OAuth2ClientCredentials(bad), transport=httpx.MockTransport(cloud)
    )
    with pytest.raises(AuthError) as info:
        session.get("/a")
    assert info.value.message == "Bad client credentials"
    assert info.value.status == 400
    assert info.value.method == "POST"
    assert "wrong-secret" not in str(info.value) and "wrong-secret" not in repr(info.value)
    assert cloud.api_calls == []


def test_a_refresh_whose_answer_was_lost_is_resent_then_falls_back_to_a_grant(
    session: Session, cloud: FakeCloud, clock: FakeClock
) -> None:
    session.get("/a")
    lost = iter([True])

    def token_or_drop(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("grant_type") == "refresh_token" and next(lost, False):
            cloud(request)  # the cloud redeemed it, but the answer never arrived
            raise httpx.RemoteProtocolError("dropped")
        return cloud(request)

    session._retry.inner = httpx.MockTransport(token_or_drop)
    clock.advance(86400)  # renew: the refresh's answer is lost, the resent one refused
    assert session.get("/a").data["token"] == "AT3"
    assert cloud.grants == ["client_credentials", "refresh_token", "refresh_token",
                            "client_credentials"]  # fmt: skip


def test_token_endpoint_5xx_is_server_error(credentials: Credentials) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"error": {"message": "maintenance"}})

    auth = OAuth2ClientCredentials(credentials)
    session = Session(
        SERVER, auth=auth, transport=httpx.MockTransport(down), retries=2, sleep=lambda s: None
    )
    with pytest.raises(ServerError, match="maintenance"):
        session.get("/a")
    assert session.request_count == 3  # the client-credentials grant is safe to retry


def test_token_without_access_token_is_auth_error(credentials: Credentials) -> None:
    def empty(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token_type": "Bearer"})

    session = Session(
        SERVER, auth=OAuth2ClientCredentials(credentials), transport=httpx.MockTransport(empty)
    )
    with pytest.raises(AuthError, match="without a token"):
        session.get("/a")


def test_threads_share_one_token(session: Session, cloud: FakeCloud) -> None:
    barrier = threading.Barrier(8)

    def call(i: int) -> str:
        barrier.wait()
        token: str = session.get("/a", {"i": i}).data["token"]
        return token

    assert set(session.map(call, range(8))) == {"AT1"}
    assert cloud.grants == ["client_credentials"]


def test_concurrent_401s_renew_once(session: Session, cloud: FakeCloud) -> None:
    session.get("/a")
    cloud.expire_all()
    barrier = threading.Barrier(8)

    def call(i: int) -> str:
        barrier.wait()
        token: str = session.get("/a", {"i": i}).data["token"]
        return token

    tokens = session.map(call, range(8))
    assert set(tokens) == {"AT2"}
    assert cloud.grants == ["client_credentials", "refresh_token"]


def test_credentials_and_auth_reprs_hide_secret(credentials: Credentials) -> None:
    text = repr(credentials) + repr(OAuth2ClientCredentials(credentials))
    assert SECRET not in text
    assert "client_secret='[secure]'" in text


def test_tokens_not_in_auth_state_repr(session: Session, cloud: FakeCloud) -> None:
    session.get("/a")
    auth = session._client.auth
    assert "AT1" not in repr(auth) and "RT1" not in repr(auth)
    assert "AT1" not in repr(session)


class ThingseeCloud:
    """The Thingsee client-token endpoint: JSON body in, JWT out, no refresh token."""

    def __init__(self) -> None:
        self.issued = 0
        self.valid: set[str] = set()
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/client-token":
            self.bodies.append(request.content)
            if b'"client_secret":"ts-secret"' not in request.content.replace(b" ", b""):
                return httpx.Response(401, json={"message": "invalid client"})
            self.issued += 1
            token = f"eyJ.jwt{self.issued}.sig"
            self.valid.add(token)
            return httpx.Response(200, json={"data": {"token": token}})
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.valid:
            return httpx.Response(401, json={"message": "unauthorized"})
        return httpx.Response(200, json={"data": request.headers["authorization"]})


def _thingsee(cloud: ThingseeCloud, clock: FakeClock, secret: str = "ts-secret") -> Session:
    creds = Credentials("https://api.thingsee.test", "ts-client", secret)
    auth = ThingseeClientToken(creds, now=clock)
    return Session(creds.server, auth=auth, transport=httpx.MockTransport(cloud))


def test_thingsee_token_renews_a_minute_before_fifteen_minutes(clock: FakeClock) -> None:
    cloud = ThingseeCloud()
    session = _thingsee(cloud, clock)
    assert session.get("/v2/devices").data == {"data": "Bearer eyJ.jwt1.sig"}
    clock.advance(13 * 60 + 59)
    session.get("/v2/devices")
    assert cloud.issued == 1
    clock.advance(2)  # 14:01 — inside the last minute
    assert session.get("/v2/devices").data == {"data": "Bearer eyJ.jwt2.sig"}
    assert cloud.issued == 2


def test_thingsee_401_reauths_once(clock: FakeClock) -> None:
    cloud = ThingseeCloud()
    session = _thingsee(cloud, clock)
    session.get("/v2/devices")
    cloud.valid.clear()
    assert session.get("/v2/devices").data == {"data": "Bearer eyJ.jwt2.sig"}


def test_thingsee_bad_secret_is_auth_error(clock: FakeClock) -> None:
    session = _thingsee(ThingseeCloud(), clock, secret="nope-secret")
    with pytest.raises(AuthError, match="invalid client") as info:
        session.get("/v2/devices")
    assert "nope-secret" not in str(info.value)
