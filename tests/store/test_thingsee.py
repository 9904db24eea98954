"""Thingsee field history through the same store: series per thing and message id (and
body key), the same gaps-only rule, the same frame as without a store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from storekit import NOW

import blynkbook as bb
from blynkbook.store import SeriesKey, SeriesStore
from blynkbook.thingsee import Thingsee

FIELDS = ["temperature", "humidity", "battery"]


@pytest.fixture
def pair() -> Iterator[tuple[Thingsee, Thingsee]]:
    with (
        bb.thingsee.connect("demo", now=NOW, store=True, progress=False) as stored,
        bb.thingsee.connect("demo", now=NOW, progress=False) as plain,
    ):
        yield stored, plain


def test_thingsee_history__gaps_only__same_frame(pair: tuple[Thingsee, Thingsee]) -> None:
    stored, plain = pair
    assert isinstance(stored.store, SeriesStore)
    things = stored.devices()["device_id"].tolist()[:4]
    first = stored.history(things, FIELDS, "-2d")
    pd.testing.assert_frame_equal(first, plain.history(things, FIELDS, "-2d"), check_flags=False)
    for thing in things:  # a header series per message id asked for, a series per body key
        streams = {k.stream for k in stored.store.series_of("thingsee", thing)}
        assert {s for s in streams if "/" not in s} == {"1110", "12100", "13101"}
        assert "1110/batl" in streams
    for sim in (stored.demo, plain.demo):
        assert sim is not None
        sim.clock.advance(600)
    assert stored.demo is not None
    sent = stored.demo.request_count
    again = stored.history(things, FIELDS, "-2d")
    assert stored.demo.request_count - sent == len(things)  # one tail request a thing
    pd.testing.assert_frame_equal(again, plain.history(things, FIELDS, "-2d"), check_flags=False)
    sent = stored.demo.request_count
    past = stored.history(things, FIELDS, "-2d", "-1d")
    assert stored.demo.request_count == sent  # held and settled: no request
    pd.testing.assert_frame_equal(past, plain.history(things, FIELDS, "-2d", "-1d"),
                                  check_flags=False)  # fmt: skip
    files = stored.store.files("thingsee")
    assert files and stored.store.sql("SELECT count(*) FROM messages").fetchall()[0][0] > 0


def test_series_of__names_a_device_s_series_and_creates_nothing_when_empty(
    tmp_path: Path,
) -> None:
    store = SeriesStore(tmp_path / "s", server="https://example.test")
    assert store.series_of("thingsee", "T1") == [] and not (tmp_path / "s").exists()
    times, values = np.array([1000, 2000], np.int64), np.array([1.0, 2.0])
    for stream in ("12100/temp", "12100", "1110"):
        store.put(SeriesKey("thingsee", "T1", stream, "x"), 0, 5000, times, values,
                  fetched_at=10**12)  # fmt: skip
    store.put(SeriesKey("thingsee", "T2", "1110", "y"), 0, 5000, times, values, fetched_at=10**12)
    assert [k.stream for k in store.series_of("thingsee", "T1")] == ["1110", "12100", "12100/temp"]
    assert store.series_of("blynk", "T1") == []
    store.close()
