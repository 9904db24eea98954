"""The simulator's shared web layer: router, failures, clock, faults, rate limit, servers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from blynkbook.sim import (
    Clock,
    DropConnection,
    Faults,
    HTTPFailure,
    InProcessTransport,
    RateLimiter,
    Request,
    Response,
    Router,
    WSGIApp,
    serve,
)


class EchoApp(WSGIApp):
    """Routes /echo (GET, POST), /fail and /drop; everything else is the router's answer."""

    def __init__(self) -> None:
        super().__init__()
        self.router = Router()
        self.router.add("GET", "/echo", self.echo)
        self.router.add("POST", "/echo", self.echo)
        self.router.add("GET", "/fail", self.fail)
        self.router.add("GET", "/drop", self.drop)
        self.router.add("GET", "/boom", self.boom)

    def handle(self, request: Request) -> Response:
        return self.router.find(request.method, request.path)(request)

    def echo(self, request: Request) -> Response:
        return Response.json(
            {
                "ids": request.args("id"),
                "body": request.json(),
                "auth": request.headers.get("authorization"),
            }
        )

    def fail(self, request: Request) -> Response:
        raise HTTPFailure(400, "requested page size is too big")

    def drop(self, request: Request) -> Response:
        raise DropConnection()

    def boom(self, request: Request) -> Response:
        return Response.json({"n": int("²")})  # a bug: ValueError escapes the handler


@pytest.fixture(params=["loopback", "in-process"])
def client(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    app = EchoApp()
    if request.param == "in-process":
        with httpx.Client(
            transport=InProcessTransport(app), base_url="http://demo.blynk.local"
        ) as c:
            yield c
        return
    with serve(app) as server, httpx.Client(base_url=server.url) as c:
        yield c


def test_query_lists_exploded_and_comma_separated(client: httpx.Client) -> None:
    reply = client.get("/echo?id=1&id=2&id=3,4", headers={"Authorization": "Bearer x"})
    assert reply.json() == {"ids": ["1", "2", "3", "4"], "body": None, "auth": "Bearer x"}


def test_json_body_round_trip(client: httpx.Client) -> None:
    assert client.post("/echo", json={"deviceId": 1}).json()["body"] == {"deviceId": 1}


def test_malformed_json_is_a_400_with_vendor_body(client: httpx.Client) -> None:
    reply = client.post("/echo", content=b"{nope", headers={"Content-Type": "application/json"})
    assert reply.status_code == 400
    assert reply.json() == {"error": {"message": "Invalid request body"}}


def test_failure_renders_platform_error_body(client: httpx.Client) -> None:
    reply = client.get("/fail")
    assert reply.status_code == 400
    assert reply.json() == {"error": {"message": "requested page size is too big"}}


def test_unknown_path_404_and_wrong_method_405(client: httpx.Client) -> None:
    assert client.get("/nowhere").status_code == 404
    assert client.delete("/echo").status_code == 405


def test_any_exception_is_a_500_with_the_vendor_body_and_a_logged_traceback(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("ERROR", logger="blynkbook.sim"):
        reply = client.get("/boom")
    assert reply.status_code == 500
    assert reply.json() == {"error": {"message": "Internal server error"}}
    assert "ValueError" in caplog.text and "Traceback" in caplog.text
    assert client.get("/echo").status_code == 200


def test_405_names_the_allowed_methods(client: httpx.Client) -> None:
    reply = client.request("TRACE", "/echo")
    assert reply.status_code == 405 and reply.headers["allow"] == "GET, POST"
    assert reply.json() == {"error": {"message": "Method TRACE is not allowed for /echo"}}


def _templated_router() -> Router:
    router = Router()
    for method, template in [
        ("GET", "/things/{tuid}"),
        ("GET", "/things/alerts"),
        ("POST", "/things/{tuid}/commands"),
        ("GET", "/things/{tuid}/commands"),
    ]:
        router.add(method, template, lambda request, t=template: Response.json(t))
    return router


def test_templates_bind_parameters_and_literal_segments_win() -> None:
    router = _templated_router()
    handler, params = router.match("GET", "/things/T1/commands")
    assert params == {"tuid": "T1"}
    assert handler(Request("GET", "/", {}, {})).body == b'"/things/{tuid}/commands"'
    handler, params = router.match("GET", "/things/alerts")
    assert params == {}
    assert handler(Request("GET", "/", {}, {})).body == b'"/things/alerts"'


def test_a_template_is_a_405_for_another_method_and_an_empty_segment_binds_nothing() -> None:
    router = _templated_router()
    with pytest.raises(HTTPFailure) as wrong:
        router.match("DELETE", "/things/T1/commands")
    assert wrong.value.status == 405
    assert wrong.value.headers == [("Allow", "GET, POST")]
    with pytest.raises(HTTPFailure) as unknown:
        router.match("GET", "/things//commands")
    assert unknown.value.status == 404


def test_dropped_connection_surfaces_as_httpx_protocol_error(client: httpx.Client) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/drop")
    assert client.get("/echo").status_code == 200  # the server survives


def test_bare_failure_has_no_body_and_keeps_headers() -> None:
    response = HTTPFailure(429, bare=True, headers=[("Retry-After", "3")]).to_response()
    assert (response.status, response.body, response.headers) == (429, b"", [("Retry-After", "3")])


def test_serve_refuses_non_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        serve(EchoApp(), host="0.0.0.0")


def test_frozen_clock_moves_only_by_hand() -> None:
    clock = Clock(now="2026-11-20T12:00:00Z")
    first = clock.now_ms()
    assert clock.now_ms() == first
    clock.advance(60)
    assert clock.now_ms() == first + 60_000
    assert "frozen" in repr(clock)


def test_wall_clock_ticks() -> None:
    clock = Clock()
    assert not clock.frozen
    assert clock.now() <= Clock().now()


def test_faults_are_repeatable_for_a_seed() -> None:
    def outcomes(seed: int) -> list[str]:
        faults = Faults(error_rate=0.3, drop_rate=0.1, throttle_rate=0.1, seed=seed)
        seen = []
        for _ in range(200):
            try:
                faults.apply()
                seen.append("ok")
            except DropConnection:
                seen.append("drop")
            except HTTPFailure as failure:
                seen.append(str(failure.status))
        return seen

    first = outcomes(3)
    assert first == outcomes(3)
    assert {"ok", "drop", "429"} <= set(first)
    assert {"500", "503"} & set(first)


def test_fault_knobs_reject_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown fault knob"):
        Faults().set(error_rat=0.5)


def test_rate_limiter_answers_429_with_retry_after_once_the_burst_is_spent() -> None:
    limiter = RateLimiter(rate=0.5, burst=2)
    limiter.check("client-a")
    limiter.check("client-a")
    with pytest.raises(HTTPFailure) as caught:
        limiter.check("client-a")
    assert caught.value.status == 429
    assert dict(caught.value.headers)["Retry-After"] == "2"
    limiter.check("client-b")  # buckets are per client
    assert limiter.rejected == 1


def test_rate_limiter_can_be_switched_off() -> None:
    limiter = RateLimiter(rate=0.1, burst=1, enabled=False)
    for _ in range(10):
        limiter.check("x")
