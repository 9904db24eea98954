"""Over a real loopback socket: the Blynk simulator and a tiny scripted fault app."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from blynkbook.errors import AuthError, ServerError, TransportError
from blynkbook.sim import BlynkSim, DropConnection, HTTPFailure, Request, Response, WSGIApp, serve
from blynkbook.sim._server import LoopbackServer
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session

DEVICES = "/api/v1/organization/devices"


@pytest.fixture
def sim() -> BlynkSim:
    return BlynkSim(now="2026-11-20T12:00:00Z", token_lifetime=3600)


@pytest.fixture
def server(sim: BlynkSim) -> Iterator[LoopbackServer]:
    with serve(sim) as running:
        yield running


def sim_session(sim: BlynkSim, server: LoopbackServer, *, sim_clock: bool = True) -> Session:
    creds = Credentials(server.url, sim.client_id, sim.client_secret)
    now = (lambda: sim.clock.now_ms() / 1000) if sim_clock else (lambda: 0.0)
    auth = OAuth2ClientCredentials(creds, now=now)
    return Session(server.url, auth=auth, sleep=lambda s: None)


def test_devices_over_loopback(sim: BlynkSim, server: LoopbackServer) -> None:
    with sim_session(sim, server) as session:
        reply = session.get(DEVICES, {"page": 0, "size": 5})
    assert reply.status == 200 and reply.data
    assert session.request_count == 2  # one token call, one read


def test_token_expiry_mid_sequence_is_renewed_proactively(
    sim: BlynkSim, server: LoopbackServer
) -> None:
    with sim_session(sim, server) as session:
        session.get(DEVICES, {"page": 0, "size": 1})
        sim.clock.advance(3600 - 30)  # inside the renewal margin
        session.get(DEVICES, {"page": 0, "size": 1})
        assert sim.requests_by_path["/oauth2/token"] == 2  # grant, then refresh
        sim.clock.advance(3600 * 5)  # long past expiry: the refresh token is dead too
        session.get(DEVICES, {"page": 0, "size": 1})
    assert sim.requests_by_path["/oauth2/token"] == 4  # refused refresh, then a new grant
    assert session.request_count == 3 + 4


def test_server_side_expiry_triggers_one_reauth(sim: BlynkSim, server: LoopbackServer) -> None:
    with sim_session(sim, server, sim_clock=False) as session:  # the client never sees time pass
        session.get(DEVICES, {"page": 0, "size": 1})
        sim.clock.advance(7200)
        reply = session.get(DEVICES, {"page": 0, "size": 1})
    assert reply.status == 200


def test_wrong_secret_over_loopback(sim: BlynkSim, server: LoopbackServer) -> None:
    creds = Credentials(server.url, sim.client_id, "not-the-secret")
    with (
        Session(server.url, auth=OAuth2ClientCredentials(creds)) as session,
        pytest.raises(AuthError) as info,
    ):
        session.get(DEVICES)
    assert "not-the-secret" not in str(info.value)
    assert info.value.status in (400, 401)


def test_concurrent_map_over_loopback(sim: BlynkSim, server: LoopbackServer) -> None:
    with sim_session(sim, server) as session:
        pages = session.map(
            lambda p: session.get(DEVICES, {"page": p, "size": 2}).status, range(30)
        )
    assert pages == [200] * 30
    assert sim.requests_by_path["/oauth2/token"] == 1


class Flaky(WSGIApp):
    """Answers each path with a scripted list of failures, then 200 with a count."""

    def __init__(self, script: dict[str, list[str]]) -> None:
        super().__init__()
        self.script = script
        self.hits: dict[str, int] = {}
        self._hits_lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        with self._hits_lock:
            n = self.hits.get(request.path, 0)
            self.hits[request.path] = n + 1
        plan = self.script.get(request.path, [])
        step = plan[n] if n < len(plan) else "ok"
        if step == "drop":
            raise DropConnection()
        if step == "503":
            raise HTTPFailure(503, "injected")
        if step == "429":
            raise HTTPFailure(429, bare=True, headers=[("Retry-After", "2")])
        return Response.json({"hits": n + 1})


@pytest.fixture
def flaky() -> Iterator[tuple[Flaky, str]]:
    app = Flaky({"/get": ["drop", "503", "429"], "/post": ["503"], "/post429": ["429", "drop"]})
    with serve(app) as running:
        yield app, running.url


def test_get_survives_drop_503_and_429_on_a_socket(flaky: tuple[Flaky, str]) -> None:
    app, url = flaky
    sleeps: list[float] = []
    with Session(url, auth=None, sleep=sleeps.append) as session:
        assert session.get("/get").data == {"hits": 4}
    assert session.retry_count == 3
    assert 2.0 <= sleeps[-1] <= 2.8  # the 429's Retry-After, plus jitter


def test_post_is_not_retried_on_503_on_a_socket(flaky: tuple[Flaky, str]) -> None:
    app, url = flaky
    with Session(url, auth=None, sleep=lambda s: None) as session, pytest.raises(ServerError):
        session.send("POST", "/post", json={})
    assert app.hits["/post"] == 1


def test_post_is_retried_on_429_but_not_after_a_drop(flaky: tuple[Flaky, str]) -> None:
    app, url = flaky
    with (
        Session(url, auth=None, sleep=lambda s: None) as session,
        pytest.raises(TransportError, match="POST"),
    ):
        session.send("POST", "/post429", json={})
    assert app.hits["/post429"] == 2
