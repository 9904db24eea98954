"""Min-max thinning and window slicing."""

from __future__ import annotations

import numpy as np
import pytest

from blynkbook.panels._downsample import minmax_downsample, minmax_indices, window


def test_minmax__short_series_is_kept_whole():
    assert minmax_indices(np.arange(10.0), 10).tolist() == list(range(10))


def test_minmax__million_points_fit_the_budget_and_keep_the_ends():
    rng = np.random.default_rng(1)
    y = rng.normal(size=1_000_000)
    idx = minmax_indices(y, 10_000)
    assert len(idx) <= 10_000
    assert idx[0] == 0 and idx[-1] == len(y) - 1
    assert np.all(np.diff(idx) > 0)


def test_minmax__keeps_global_extremes():
    y = np.zeros(100_000)
    y[12_345] = 50.0
    y[67_890] = -7.0
    x, ys = minmax_downsample(np.arange(len(y)), y, 100)
    assert ys.max() == 50.0 and ys.min() == -7.0
    assert 12_345 in x and 67_890 in x


def test_minmax__every_bucket_keeps_its_min_and_max():
    rng = np.random.default_rng(2)
    y = rng.normal(size=10_002)
    idx = minmax_indices(y, 202)  # 100 buckets of 100 inner points
    inner = y[1:-1].reshape(100, 100)
    kept = set(idx.tolist())
    for b in range(100):
        assert inner[b].argmin() + 1 + 100 * b in kept
        assert inner[b].argmax() + 1 + 100 * b in kept


def test_minmax__uneven_length_stays_in_bounds():
    y = np.arange(1_003.0)
    idx = minmax_indices(y, 10)
    assert idx.max() == 1_002 and len(idx) <= 10


def test_minmax__rejects_tiny_budget():
    with pytest.raises(ValueError, match="at least 4"):
        minmax_indices(np.arange(10.0), 3)


def test_window__includes_one_neighbour_each_side_and_clamps():
    x = np.array([0, 10, 20, 30, 40])
    assert window(x, 15, 25) == slice(1, 4)
    assert window(x, None, None) == slice(0, 5)
    assert window(x, -100, 5) == slice(0, 2)
    assert window(x, 100, 200) == slice(4, 5)
