"""RetryTransport: which outcomes are retried, backoff bounds, Retry-After, counting."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from blynkbook.errors import RateLimitError, ServerError, TransportError
from blynkbook.transport import (
    MAX_RETRY_AFTER,
    RetryBudget,
    RetryTransport,
    Session,
    parse_retry_after,
)
from blynkbook.transport._retry import retry_budget

Outcome = httpx.Response | Exception


def scripted(outcomes: list[Outcome], calls: list[str]) -> httpx.MockTransport:
    """A transport answering with ``outcomes`` in turn (an exception is raised), then 200."""
    queue: Iterator[Outcome] = iter(outcomes)

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        outcome = next(queue, httpx.Response(200, json={"ok": True}))
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return httpx.MockTransport(handler)


def make_session(
    outcomes: list[Outcome], calls: list[str], sleeps: list[float], retries: int = 5
) -> Session:
    return Session(
        "https://blynk.test",
        auth=None,
        transport=scripted(outcomes, calls),
        retries=retries,
        sleep=sleeps.append,
    )


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_get_retries_retryable_statuses(status: int) -> None:
    calls: list[str] = []
    sleeps: list[float] = []
    session = make_session([httpx.Response(status), httpx.Response(status)], calls, sleeps)
    assert session.get("/x").data == {"ok": True}
    assert len(calls) == 3
    assert session.request_count == 3 and session.retry_count == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 501])
def test_other_statuses_are_not_retried(status: int) -> None:
    calls: list[str] = []
    session = make_session([httpx.Response(status)], calls, [])
    with pytest.raises(Exception) as info:
        session.get("/x")
    assert getattr(info.value, "status", None) == status
    assert len(calls) == 1


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.ReadError("reset"),
    ],
)
def test_get_retries_connection_errors(exc: Exception) -> None:
    calls: list[str] = []
    session = make_session([exc], calls, [])
    assert session.get("/x").status == 200
    assert len(calls) == 2


def test_post_not_retried_on_500() -> None:
    calls: list[str] = []
    session = make_session([httpx.Response(500)], calls, [])
    with pytest.raises(ServerError):
        session.send("POST", "/write", json={"v": 1})
    assert calls == ["POST"]


@pytest.mark.parametrize("exc", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("gone")])
def test_post_not_retried_when_it_may_have_been_processed(exc: Exception) -> None:
    calls: list[str] = []
    session = make_session([exc], calls, [])
    with pytest.raises(TransportError):
        session.send("POST", "/write", json={"v": 1})
    assert calls == ["POST"]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize(
    "outcome", [httpx.Response(429), httpx.ConnectError("refused"), httpx.ConnectTimeout("t")]
)
def test_writes_retried_when_not_processed(method: str, outcome: Outcome) -> None:
    calls: list[str] = []
    session = make_session([outcome], calls, [])
    assert session.send(method, "/write", json={"v": 1}).status == 200
    assert calls == [method, method]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_idempotent_writes_retried_on_5xx(method: str) -> None:
    calls: list[str] = []
    session = make_session([httpx.Response(503)], calls, [])
    assert session.send(method, "/thing").status == 200
    assert calls == [method, method]


def test_gives_up_after_retries_and_maps_the_last_answer() -> None:
    calls: list[str] = []
    sleeps: list[float] = []
    body = {"error": {"message": "still down"}}
    session = make_session([httpx.Response(503, json=body)] * 10, calls, sleeps, retries=3)
    with pytest.raises(ServerError, match="still down"):
        session.get("/x")
    assert len(calls) == 4 and len(sleeps) == 3


def test_gives_up_on_connection_errors_with_transport_error() -> None:
    calls: list[str] = []
    session = make_session([httpx.ConnectError("x")] * 10, calls, [], retries=2)
    with pytest.raises(TransportError, match="could not connect"):
        session.get("/x")
    assert len(calls) == 3


def test_zero_retries_sends_once() -> None:
    calls: list[str] = []
    session = make_session([httpx.Response(503)], calls, [], retries=0)
    with pytest.raises(ServerError):
        session.get("/x")
    assert len(calls) == 1


def test_retry_after_seconds_is_honoured_with_jitter() -> None:
    sleeps: list[float] = []
    throttled = httpx.Response(429, headers={"Retry-After": "3"})
    make_session([throttled] * 3, [], sleeps).get("/x")
    waits = [s for s in sleeps if s >= 3.0]  # the others: pacing at the slowed-down rate
    assert len(waits) == 3
    assert all(3.0 <= s <= 3.0 + min(10.0, 0.2 * 2**n) for n, s in enumerate(waits))
    assert len(set(waits)) == 3  # never the same second for every thread


def test_retry_after_beyond_the_ceiling_fails_at_once_saying_when() -> None:
    calls: list[str] = []
    sleeps: list[float] = []
    throttled = httpx.Response(429, headers={"Retry-After": "3600"})
    session = make_session([throttled] * 5, calls, sleeps)
    with pytest.raises(RateLimitError) as info:
        session.get("/x")
    assert calls == ["GET"] and sleeps == []
    assert info.value.retry_after == 3600.0
    text = str(info.value)
    assert "3600 s" in text and "max_retry_after" in text and "try again after" in text
    assert f"{MAX_RETRY_AFTER:g} s" in text


def test_retry_after_ceiling_is_a_session_setting() -> None:
    sleeps: list[float] = []
    throttled = httpx.Response(429, headers={"Retry-After": "90"})
    session = Session(
        "https://blynk.test",
        auth=None,
        transport=scripted([throttled], []),
        max_retry_after=120,
        sleep=sleeps.append,
    )
    assert session.get("/x").status == 200
    assert 90.0 <= max(sleeps) <= 90.2


@pytest.mark.parametrize("header", [None, "0"])
def test_429_without_a_wait_backs_off_and_slows_the_session(header: str | None) -> None:
    sleeps: list[float] = []
    headers = {} if header is None else {"Retry-After": header}
    session = make_session([httpx.Response(429, headers=headers)] * 3, [], sleeps)
    assert session.limiter.rate is None  # not limited before a 429
    assert session.get("/x").status == 200
    assert session.limiter.rate is not None and session.limiter.rate_cuts >= 1
    assert sum(sleeps) > 0


def test_a_pull_retries_from_its_budget_not_a_fixed_count() -> None:
    calls: list[str] = []
    script = [httpx.Response(503)] * 12 + [httpx.Response(200)] + [httpx.Response(503)] * 3
    session = make_session(script, calls, [], retries=2)
    with session.pull(base=20) as budget:
        assert session.get("/x").status == 200
    assert len(calls) == 13 and budget.used == 12
    with pytest.raises(ServerError):
        session.get("/x")  # outside a pull: retries=2 again


def test_an_exhausted_budget_stops_retrying() -> None:
    calls: list[str] = []
    session = make_session([httpx.Response(503)] * 50, calls, [], retries=2)
    with session.pull(base=3, ratio=0) as budget, pytest.raises(ServerError):
        session.get("/x")
    assert len(calls) == 4 and budget.exhausted


def test_a_page_stops_after_max_wait_of_backoff() -> None:
    calls: list[str] = []
    sleeps: list[float] = []
    transport = RetryTransport(
        scripted([httpx.Response(503)] * 1000, calls), max_wait=30.0, sleep=sleeps.append
    )
    with (
        retry_budget(RetryBudget(base=1000)),
        httpx.Client(transport=transport) as client,
    ):
        assert client.get("https://blynk.test/x").status_code == 503
    assert sum(sleeps) <= 30.0 and len(calls) < 100


def test_retry_after_http_date() -> None:
    now = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=20), usegmt=True)
    assert parse_retry_after(header, now=lambda: now.timestamp()) == pytest.approx(20.0)
    assert (
        parse_retry_after(format_datetime(now, usegmt=True), now=lambda: now.timestamp() + 5) == 0.0
    )
    assert parse_retry_after("later") is None
    assert parse_retry_after(None) is None


def test_backoff_is_full_jitter_within_exponential_bounds() -> None:
    calls: list[str] = []
    sleeps: list[float] = []
    transport = RetryTransport(
        scripted([httpx.Response(503)] * 8, calls),
        retries=8,
        sleep=sleeps.append,
        rng=random.Random(1),
    )
    with httpx.Client(transport=transport) as client:
        assert client.get("https://blynk.test/x").status_code == 200
    bounds = [min(10.0, 0.2 * 2**n) for n in range(8)]
    assert all(0.0 <= s <= b for s, b in zip(sleeps, bounds, strict=True))
    assert len(set(sleeps)) == len(sleeps)  # jittered, not a fixed schedule


def test_backoff_bounds_many_draws() -> None:
    inner = httpx.MockTransport(lambda r: httpx.Response(200))
    transport = RetryTransport(inner, base=0.2, rng=random.Random(3))

    def draws(n: int) -> list[float]:
        return [transport.backoff(n) for _ in range(500)]

    assert max(draws(0)) <= 0.2
    assert max(draws(3)) <= 1.6 and max(draws(3)) > 0.8
    assert max(draws(20)) <= 10.0


def test_exhausted_429_is_rate_limit_error_with_retry_after() -> None:
    throttled = httpx.Response(429, headers={"Retry-After": "7"})
    session = make_session([throttled] * 5, [], [], retries=1)
    with pytest.raises(RateLimitError) as info:
        session.get("/x")
    assert info.value.retry_after == 7.0


def test_cache_hits_are_not_counted() -> None:
    def cached(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[], extensions={"from_cache": True, "stale": True})

    session = Session("https://blynk.test", auth=None, transport=httpx.MockTransport(cached))
    reply = session.get("/x", cache={"expire_after": 60})
    assert (reply.from_cache, reply.stale, session.request_count) == (True, True, 0)
