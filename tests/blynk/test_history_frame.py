"""history.frame_of: series given as parts (the store's points and the fetched tail) make
the same frame as one ordered run of points each, whether or not the parts come in order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from blynkbook._frames import TIME_DTYPE
from blynkbook.blynk import history
from blynkbook.blynk.history import HISTORY_SPEC, Series, _assemble, frame_of

SERIES = [Series(7, 1, "Temperature"), Series(7, 2, "Humidity"), Series(9, 1, "Temperature")]


def _points(times: list[int]) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(times, np.int64), np.asarray(times, np.float64) / 10


def _reference(runs: list[list[int]]) -> pd.DataFrame:
    """One sorted, repeat-free run a series, assembled directly."""
    ordered = [sorted(set(run)) for run in runs]
    times = np.asarray([t for run in ordered for t in run], np.int64)
    return _assemble(SERIES, times, times / 10, [len(run) for run in ordered])


def _no_sorting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if any series is put in order (the one-pass check should find none to sort)."""

    def refuse(*_: object) -> None:
        raise AssertionError("a series in order was sorted")

    monkeypatch.setattr(history, "_ordered", refuse)


def test_parts_in_order_are_joined_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_sorting(monkeypatch)
    parts = [[_points([1, 2]), _points([5, 6])], [_points([3])], [_points([1]), _points([2, 4])]]
    frame = frame_of(SERIES, parts)
    pd.testing.assert_frame_equal(frame, _reference([[1, 2, 5, 6], [3], [1, 2, 4]]))
    assert frame.index.dtype == TIME_DTYPE
    assert {c: str(frame[c].dtype) for c in HISTORY_SPEC} == HISTORY_SPEC


def test_a_series_whose_parts_are_out_of_order_is_sorted_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tail given before the stored part, a repeated time: that series is put in order
    (first of a repeated time kept, as history.pull does); the others are left as given."""
    sorted_sizes: list[int] = []
    ordered = history._ordered

    def counted(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sorted_sizes.append(times.size)
        return ordered(times, values)

    monkeypatch.setattr(history, "_ordered", counted)
    parts = [[_points([5, 6]), _points([1, 2])], [_points([3, 3])], [_points([8, 9])]]
    frame = frame_of(SERIES, parts)
    pd.testing.assert_frame_equal(frame, _reference([[1, 2, 5, 6], [3], [8, 9]]))
    assert sorted_sizes == [4, 2]  # the first two series only; [8, 9] was left as it came


def test_a_series_starting_below_the_previous_one_is_not_out_of_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Times fall where one series ends and the next begins: that is not disorder."""
    _no_sorting(monkeypatch)
    parts = [[_points([100, 200])], [], [_points([1, 2])]]
    frame = frame_of(SERIES, parts)
    pd.testing.assert_frame_equal(frame, _reference([[100, 200], [], [1, 2]]))


def test_no_points_at_all() -> None:
    frame = frame_of(SERIES, [[], [_points([])], []])
    assert len(frame) == 0 and list(frame.columns) == list(HISTORY_SPEC)
    assert frame.index.dtype == TIME_DTYPE
