"""Display-side thinning of long series: min-max buckets and window slicing.

A plot cannot show more points than it has pixels, so a long series is cut into equal
buckets and each bucket keeps its lowest and highest point, in time order. Peaks and dips
survive (unlike taking every n-th point), and the result has at most ``n_out`` points.

>>> import numpy as np
>>> x = np.arange(1_000_000)
>>> y = np.sin(x / 1000.0)
>>> xs, ys = minmax_downsample(x, y, 1000)
>>> len(xs) <= 1000, int(xs[0]), int(xs[-1])
(True, 0, 999999)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["DEFAULT_MAX_POINTS", "minmax_downsample", "minmax_indices", "window"]

DEFAULT_MAX_POINTS = 10_000
"""The most points one trace sends to the browser."""


def minmax_indices(y: npt.NDArray[np.floating], n_out: int) -> npt.NDArray[np.intp]:
    """Ascending indices of the points min-max thinning keeps (all of them when few).

    The first and last point are always kept, so the thinned line spans the same range.

    >>> minmax_indices(np.array([0.0, 5.0, 1.0, 3.0, 2.0, 9.0]), 4).tolist()
    [0, 1, 2, 5]
    """
    n = len(y)
    if n_out < 4:
        raise ValueError(f"n_out must be at least 4, got {n_out}")
    if n <= n_out:
        return np.arange(n)
    inner = _bucket_extremes(y[1:-1], (n_out - 2) // 2) + 1
    return np.concatenate(([0], inner, [n - 1]))


def _bucket_extremes(y: npt.NDArray[np.floating], buckets: int) -> npt.NDArray[np.intp]:
    """Per bucket, the index of its minimum and of its maximum, in ascending order."""
    size = -(-len(y) // buckets)  # ceiling division
    padded = np.pad(y, (0, size * buckets - len(y)), mode="edge").reshape(buckets, size)
    starts = np.arange(buckets) * size
    lows = padded.argmin(axis=1) + starts
    highs = padded.argmax(axis=1) + starts
    pairs = np.sort(np.stack((lows, highs), axis=1), axis=1).ravel()
    pairs = np.minimum(pairs, len(y) - 1)  # a pick inside the padding repeats the last point
    keep = np.concatenate(([True], np.diff(pairs) > 0))
    kept: npt.NDArray[np.intp] = pairs[keep]
    return kept


def minmax_downsample(
    x: npt.NDArray[np.generic], y: npt.NDArray[np.floating], n_out: int = DEFAULT_MAX_POINTS
) -> tuple[npt.NDArray[np.generic], npt.NDArray[np.floating]]:
    """``(x, y)`` thinned to at most ``n_out`` points by min-max buckets.

    >>> xs, ys = minmax_downsample(np.arange(10), np.arange(10.0), 4)
    >>> xs.tolist(), ys.tolist()
    ([0, 1, 8, 9], [0.0, 1.0, 8.0, 9.0])
    """
    idx = minmax_indices(y, n_out)
    return x[idx], y[idx]


def window(x: npt.NDArray[np.int64], x0: int | None, x1: int | None) -> slice:
    """The slice of sorted ``x`` inside ``[x0, x1]``, widened by one point on each side.

    The extra point on each side lets the line run to the plot's edges. ``None`` means
    unbounded.

    >>> window(np.array([0, 10, 20, 30, 40]), 15, 25)
    slice(1, 4, None)
    """
    lo = 0 if x0 is None else max(int(np.searchsorted(x, x0, side="left")) - 1, 0)
    hi = len(x) if x1 is None else min(int(np.searchsorted(x, x1, side="right")) + 1, len(x))
    return slice(lo, max(hi, lo))
