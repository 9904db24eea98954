"""Session: base-URL policy, params, replies, map() ordering/bounds/errors, public names."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from transport_fakes import SERVER

import blynkbook.transport as transport
from blynkbook.errors import AuthError, InputError, NotFoundError, ServerError, TransportError
from blynkbook.transport import Failed, Reply, Session, check_base_url


def echo(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/empty":
        return httpx.Response(204)
    if request.url.path == "/text":
        return httpx.Response(200, text="42")
    body = {"method": request.method, "query": request.url.query.decode(), "json": None}
    if request.content:
        body["json"] = request.content.decode()
    return httpx.Response(200, json=body)


@pytest.fixture
def plain() -> Session:
    return Session(SERVER, auth=None, transport=httpx.MockTransport(echo))


@pytest.mark.parametrize(
    "url",
    [
        "https://blynk.cloud",
        "https://fra1.blynk.cloud/",
        "http://127.0.0.1:8080",
        "http://127.5.0.1",
        "http://localhost:9",
        "http://[::1]:8000",
        "http://demo.blynk.local",
        "http://demo.thingsee.local",
    ],
)
def test_allowed_base_urls(url: str) -> None:
    assert check_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url", ["http://blynk.cloud", "http://demo.blynk.local.evil.com", "ftp://x", "blynk.cloud"]
)
def test_plain_http_elsewhere_is_refused(url: str) -> None:
    with pytest.raises(InputError, match="must use https"):
        Session(url, auth=None, transport=httpx.MockTransport(echo))


def test_bad_limits_raise_input_error() -> None:
    with pytest.raises(InputError, match="max_concurrency=0"):
        Session(SERVER, auth=None, max_concurrency=0)
    with pytest.raises(InputError, match="retries=-1"):
        Session(SERVER, auth=None, retries=-1)


def test_list_params_are_exploded_and_none_dropped(plain: Session) -> None:
    reply = plain.get("/x", {"deviceIds": [1, 2], "size": 10, "skip": None, "flag": True})
    assert reply.data["query"] == "deviceIds=1&deviceIds=2&size=10&flag=true"


def test_send_posts_json(plain: Session) -> None:
    reply = plain.send("post", "/write", params={"deviceId": 3}, json={"v": [1, 2]})
    assert reply.data["method"] == "POST"
    assert reply.data["query"] == "deviceId=3"
    assert reply.data["json"] == '{"v":[1,2]}'


def test_reply_shapes(plain: Session) -> None:
    assert plain.get("/empty") == Reply(None, 204)
    assert plain.get("/text").data == 42  # JSON scalars decode too
    raw = plain.get("/x", raw=True)
    assert raw.data is None and raw.content.startswith(b"{")
    assert "content" not in repr(raw)


def test_non_json_body_is_text() -> None:
    s = Session(
        SERVER, auth=None, transport=httpx.MockTransport(lambda r: httpx.Response(200, text="ok!"))
    )
    assert s.get("/x").data == "ok!"


def test_cache_options_reach_the_transport() -> None:
    seen: list[object] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions.get("cache"))
        return httpx.Response(200, json={})

    session = Session(SERVER, auth=None, transport=httpx.MockTransport(handler))
    session.get("/x", cache={"expire_after": 60})
    session.get("/y")
    assert seen == [{"expire_after": 60}, None]


def test_request_count_starts_at_zero(plain: Session) -> None:
    assert plain.request_count == 0
    plain.get("/x")
    assert plain.request_count == 1


def test_map_keeps_input_order(plain: Session) -> None:
    def slow_for_small(i: int) -> int:
        time.sleep(0.001 * (20 - i))
        return i * i

    assert plain.map(slow_for_small, range(20)) == [i * i for i in range(20)]


def test_map_empty_and_single(plain: Session) -> None:
    assert plain.map(str, []) == []
    assert plain.map(str, [5]) == ["5"]


def test_map_respects_the_concurrency_bound() -> None:
    session = Session(SERVER, auth=None, transport=httpx.MockTransport(echo), max_concurrency=3)
    lock = threading.Lock()
    running = 0
    peak = 0
    gate = threading.Event()

    def work(i: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            if running == 3:
                gate.set()
        gate.wait(timeout=5)
        with lock:
            running -= 1
        return i

    assert session.map(work, range(12)) == list(range(12))
    assert peak == 3


def test_map_reraises_the_first_error_and_cancels_the_rest() -> None:
    session = Session(SERVER, auth=None, transport=httpx.MockTransport(echo), max_concurrency=2)
    started: list[int] = []

    def work(i: int) -> int:
        started.append(i)
        if i == 1:
            raise NotFoundError("no device 1", status=404)
        time.sleep(0.01)
        return i

    with pytest.raises(NotFoundError, match="no device 1"):
        session.map(work, range(50))
    assert len(started) < 50


def test_map_all_keeps_going_past_transient_failures() -> None:
    session = Session(SERVER, auth=None, transport=httpx.MockTransport(echo), max_concurrency=4)

    def work(i: int) -> int:
        if i % 5 == 0:
            raise ServerError("down", status=503)
        if i == 7:
            raise TransportError("dropped")
        return i

    outcomes = session.map_all(work, range(20))
    failed = [i for i, o in enumerate(outcomes) if isinstance(o, Failed)]
    assert failed == [0, 5, 7, 10, 15]
    assert all(isinstance(outcomes[i], Failed) and outcomes[i].error for i in failed)  # type: ignore[union-attr]
    assert [o for o in outcomes if not isinstance(o, Failed)] == [
        i for i in range(20) if i not in failed
    ]


@pytest.mark.parametrize("workers", [1, 3])
def test_map_all_stops_on_an_error_every_call_would_meet(workers: int) -> None:
    session = Session(
        SERVER, auth=None, transport=httpx.MockTransport(echo), max_concurrency=workers
    )

    def work(i: int) -> int:
        if i == 2:
            raise AuthError("refused", status=401)
        time.sleep(0.01)
        return i

    outcomes = session.map_all(work, range(40))
    errors = [o.error for o in outcomes if isinstance(o, Failed) and o.error is not None]
    assert len(errors) == 1 and isinstance(errors[0], AuthError)
    assert any(isinstance(o, Failed) and o.error is None for o in outcomes)  # never ran


def test_map_shares_one_retry_budget_across_threads() -> None:
    session = Session(SERVER, auth=None, transport=httpx.MockTransport(echo))
    with session.pull() as budget:
        session.map(lambda i: session.get("/x", {"i": i}).status, range(10))
        with session.pull() as inner:
            assert inner is budget  # a pull inside a pull is the same pull
    assert budget.calls == 10


def test_map_with_progress_bar(plain: Session, capsys: pytest.CaptureFixture[str]) -> None:
    result = plain.map(
        lambda i: plain.get("/x", {"i": i}).data["query"], range(3), desc="pull", progress=True
    )
    assert result == ["i=0", "i=1", "i=2"]
    assert "pull" in capsys.readouterr().err


def test_context_manager_closes_the_client() -> None:
    with Session(SERVER, auth=None, transport=httpx.MockTransport(echo)) as session:
        session.get("/x")
    assert session._client.is_closed


def test_public_names_are_sorted_and_exported() -> None:
    names = transport.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    for name in names:
        assert hasattr(transport, name)
    expected = {"Credentials", "OAuth2ClientCredentials", "RetryTransport", "Reply", "Session"}
    assert expected <= set(names)
    assert {"ThingseeClientToken", "TokenAuth", "redact_url"} <= set(names)


def test_recording__collects_replies_from_map_threads_and_nests(plain: Session) -> None:
    other = Session(SERVER, auth=None, transport=httpx.MockTransport(echo))
    assert not plain.recording_now()
    with plain.recording() as outer:
        assert plain.recording_now() and not other.recording_now()
        plain.get("/", {"n": "a"})
        other.get("/", {"n": "not-ours"})  # another session's replies are not collected
        with plain.recording() as inner:
            plain.map(lambda n: plain.get("/", {"n": n}), range(5))
        plain.get("/", {"n": "c"})
    plain.get("/", {"n": "after"})  # the block is closed: not collected
    assert sorted(r.data["query"] for r in outer) == sorted(
        ["n=a", "n=c", *(f"n={n}" for n in range(5))]
    )
    assert sorted(r.data["query"] for r in inner) == [f"n={n}" for n in range(5)]
    assert not plain.recording_now()
