"""AdaptiveLimiter: multiplicative cuts on 429s and failure bursts, additive recovery."""

from __future__ import annotations

import threading

import pytest
from transport_fakes import FakeClock

from blynkbook.transport import AdaptiveLimiter, Outcome


def limiter(clock: FakeClock, sleeps: list[float], **kw: float) -> AdaptiveLimiter:
    return AdaptiveLimiter(16, clock=clock, sleep=sleeps.append, **kw)  # type: ignore[arg-type]


def answer(lim: AdaptiveLimiter, outcome: Outcome, times: int = 1) -> None:
    for _ in range(times):
        lim.release(lim.acquire(), outcome)


def test_unlimited_until_the_first_429(clock: FakeClock) -> None:
    sleeps: list[float] = []
    lim = limiter(clock, sleeps)
    answer(lim, Outcome.OK, 100)
    assert lim.rate is None and sleeps == []


def test_first_429_paces_at_beta_times_what_was_answered_in_the_last_second(
    clock: FakeClock,
) -> None:
    sleeps: list[float] = []
    lim = limiter(clock, sleeps)
    answer(lim, Outcome.OK, 10)  # ten answers in this second
    clock.advance(0.5)
    answer(lim, Outcome.THROTTLED)
    assert lim.rate == pytest.approx(0.7 * 10)
    answer(lim, Outcome.THROTTLED, 3)  # 429s inside the cooldown cut nothing more
    assert lim.rate_cuts == 1


def test_pacing_spaces_requests_at_the_rate(clock: FakeClock) -> None:
    sleeps: list[float] = []
    lim = limiter(clock, sleeps, recovery=0.0)
    answer(lim, Outcome.OK, 10)
    answer(lim, Outcome.THROTTLED)  # 7 requests a second from now on
    sleeps.clear()
    tickets = [lim.acquire() for _ in range(8)]
    assert len(tickets) == 8
    assert sleeps == pytest.approx([(n + 1) / 7 for n in range(7)], rel=1e-6)


def test_later_429s_cut_multiplicatively_once_per_cooldown(clock: FakeClock) -> None:
    lim = limiter(clock, [])
    answer(lim, Outcome.OK, 20)
    answer(lim, Outcome.THROTTLED)
    first = lim.rate
    assert first is not None
    clock.advance(1.0)
    answer(lim, Outcome.THROTTLED)
    assert lim.rate == pytest.approx(first * 0.7)
    assert lim.rate_cuts == 2


def test_successes_recover_additively(clock: FakeClock) -> None:
    lim = limiter(clock, [], recovery=5.0)
    answer(lim, Outcome.OK, 10)
    answer(lim, Outcome.THROTTLED)
    assert lim.rate == pytest.approx(7.0)
    answer(lim, Outcome.OK, 7)  # one second's worth of answers at 7/s
    assert lim.rate == pytest.approx(7.0 + 5.0, abs=1.0)  # about +5/s a second


def test_a_429_with_nothing_answered_falls_to_the_floor(clock: FakeClock) -> None:
    lim = limiter(clock, [], min_rate=1.0)
    answer(lim, Outcome.THROTTLED)
    assert lim.rate == 1.0


def test_a_burst_of_failures_narrows_the_window_and_successes_widen_it(
    clock: FakeClock,
) -> None:
    lim = limiter(clock, [], burst=5)
    answer(lim, Outcome.FAILED, 4)
    answer(lim, Outcome.OK)  # a success breaks the run
    answer(lim, Outcome.FAILED, 4)
    assert lim.window == 16 and lim.window_cuts == 0
    answer(lim, Outcome.FAILED)  # five in a row
    assert lim.window == pytest.approx(16 * 0.7) and lim.rate is None
    answer(lim, Outcome.OK, 200)
    assert lim.window == 16


def test_the_window_bounds_requests_in_flight() -> None:
    lim = AdaptiveLimiter(2)
    first, second = lim.acquire(), lim.acquire()
    entered = threading.Event()

    def third() -> None:
        lim.acquire()
        entered.set()

    worker = threading.Thread(target=third)
    worker.start()
    assert not entered.wait(0.2)  # two in flight: the third waits
    lim.release(first, Outcome.OK)
    assert entered.wait(5)
    worker.join()
    lim.release(second, Outcome.OK)
    assert lim.in_flight == 1
