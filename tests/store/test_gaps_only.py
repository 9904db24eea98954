"""Gaps only: a read answers from the store and fetches only what it lacks, with the same
frame as a client with no store (columns, dtypes, order, exact values), faults included."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from storekit import HOUR_MS, history_requests, the_store

from blynkbook.blynk import Blynk
from blynkbook.errors import ServerError
from blynkbook.sim.blynk import BlynkSim

DEVICES = [1, 2, 3, 4, 5]
LABELS = ["Temperature", "Humidity"]
SERIES = len(DEVICES) * len(LABELS)


def test_first_read__same_frame_as_without_a_store(
    connect: Callable[..., Blynk], plain: Blynk
) -> None:
    stored = connect().history(DEVICES, LABELS, start="-7d")
    expected = plain.history(DEVICES, LABELS, start="-7d")
    pd.testing.assert_frame_equal(stored, expected, check_flags=False)
    assert stored.index.dtype == "datetime64[ms, UTC]"
    assert stored.attrs["from_cache"] is False


def test_rerun_of_a_relative_window__one_request_a_series__the_new_tail(
    connect: Callable[..., Blynk], plain: Blynk, sim: BlynkSim
) -> None:
    connect().history(DEVICES, LABELS, start="-7d")
    for minutes in (2, 45, 24 * 60):  # later the same day, and the next day
        sim.clock.advance(minutes * 60)
        before = history_requests(sim)
        client = connect()  # a new kernel each time
        held = set(the_store(client).files())
        rerun = client.history(DEVICES, LABELS, start="-7d")
        assert history_requests(sim) - before == SERIES
        new_files = set(the_store(client).files()) - held
        assert len(new_files) <= 2  # one settled file and one tail for every series
        expected = plain.history(DEVICES, LABELS, start="-7d")
        pd.testing.assert_frame_equal(rerun, expected, check_flags=False)


def test_rerun_of_a_closed_past_window__no_request_at_all(
    connect: Callable[..., Blynk], sim: BlynkSim
) -> None:
    window = {"start": "2026-11-10", "end": "2026-11-12"}
    first = connect().history(DEVICES, LABELS, **window)
    sim.clock.advance(3600)
    before = history_requests(sim)
    again = connect().history(DEVICES, LABELS, **window)
    assert history_requests(sim) == before
    pd.testing.assert_frame_equal(again, first, check_flags=False)
    assert again.attrs["from_cache"] is True


def test_a_window_inside_what_is_held__no_request__and_wider_fetches_only_the_edges(
    connect: Callable[..., Blynk], plain: Blynk, sim: BlynkSim
) -> None:
    client = connect()
    client.history(DEVICES, LABELS, start="2026-11-05", end="2026-11-08")
    before = history_requests(sim)
    inner = client.history(DEVICES, LABELS, start="2026-11-06", end="2026-11-07")
    assert history_requests(sim) == before
    wider = client.history(DEVICES, LABELS, start="2026-11-04", end="2026-11-09")
    assert history_requests(sim) - before == 2 * SERIES  # the day before and the day after
    answers = {("2026-11-06", "2026-11-07"): inner, ("2026-11-04", "2026-11-09"): wider}
    for window, frame in answers.items():
        expected = plain.history(DEVICES, LABELS, *window)
        pd.testing.assert_frame_equal(frame, expected, check_flags=False)


def test_many_pages__stored_once__and_a_long_window_rerun_is_still_one_request_a_series(
    connect: Callable[..., Blynk], plain: Blynk, sim: BlynkSim
) -> None:
    client = connect()
    first = client.history([1, 2], LABELS, start="-50d")  # 14,400 points a series: 15 pages
    assert len(first) == len(plain.history([1, 2], LABELS, start="-50d"))
    assert the_store(client).info()["points"] == len(first)
    sim.clock.advance(600)
    before = history_requests(sim)
    client.history([1, 2], LABELS, start="-50d")
    assert history_requests(sim) - before == 4


def test_a_failing_page__raises_as_without_a_store__and_nothing_half_is_kept(
    connect: Callable[..., Blynk], plain: Blynk, sim: BlynkSim
) -> None:
    client = connect()
    sim.faults.set(error_rate=1.0)
    with pytest.raises(ServerError):
        client.history(DEVICES, LABELS, start="-2d")
    sim.faults.reset()
    assert the_store(client).info()["segments"] == 0
    sim.faults.set(error_rate=0.1, throttle_rate=0.05, drop_rate=0.03)
    flaky = client.history(DEVICES, LABELS, start="-2d")
    sim.faults.reset()
    pd.testing.assert_frame_equal(flaky, plain.history(DEVICES, LABELS, start="-2d"),
                                  check_flags=False)  # fmt: skip


def test_empty_windows_and_series__same_shape(
    connect: Callable[..., Blynk], plain: Blynk, sim: BlynkSim
) -> None:
    window = {"start": "2030-01-01", "end": "2030-01-02"}  # the future: nothing there yet
    stored = connect().history(DEVICES, LABELS, **window)
    pd.testing.assert_frame_equal(stored, plain.history(DEVICES, LABELS, **window),
                                  check_flags=False)  # fmt: skip
    assert stored.empty


def test_coverage_stops_at_now__a_window_ending_in_the_future_is_fetched_again_later(
    connect: Callable[..., Blynk], plain: Blynk, sim: BlynkSim
) -> None:
    client = connect()
    client.history(1, "Temperature", start="-1d", end="+1d")
    sim.clock.advance(2 * HOUR_MS // 1000)
    later = client.history(1, "Temperature", start="-1d", end="+1d")
    pd.testing.assert_frame_equal(
        later, plain.history(1, "Temperature", start="-1d", end="+1d"), check_flags=False
    )
