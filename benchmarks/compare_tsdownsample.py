"""blynkbook's numpy min-max thinning next to tsdownsample's MinMax and MinMaxLTTB.

Run it with a Python that has numpy and ``tsdownsample`` (not a project dependency):

    uv venv /tmp/tsd && uv pip install --python /tmp/tsd tsdownsample==0.1.5.1 numpy==2.4.6
    /tmp/tsd/bin/python benchmarks/compare_tsdownsample.py [--points 1000000 10000000]

``panels/_downsample.py`` is loaded from its file (it needs numpy only), so blynkbook
need not be installed there. For each size and ``n_out`` (2,000: a 1,000-pixel-wide plot;
10,000: the panel's default) it prints the median time of ``--repeat`` runs and a
fidelity figure: the thinned line and the full series are drawn into ``--width`` pixel
columns and, per column, the drawn low and high are compared with the true ones
(``envelope error``: mean absolute difference as % of the y range; 0 is exact).
"""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from _timing import median_ms
from tsdownsample import MinMaxDownsampler, MinMaxLTTBDownsampler

SOURCE = Path(__file__).resolve().parents[1] / "blynkbook" / "panels" / "_downsample.py"


def ours() -> Any:
    spec = importlib.util.spec_from_file_location("bb_downsample", SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def series(points: int) -> tuple[np.ndarray, np.ndarray]:
    """1 Hz times (int64 ms) and a noisy sine with rare spikes and a random walk."""
    rng = np.random.default_rng(0)
    x = np.arange(points, dtype=np.int64) * 1000 + 1_700_000_000_000
    y = 20 + 5 * np.sin(np.arange(points) / 20_000) + rng.normal(scale=0.3, size=points)
    y += np.cumsum(rng.normal(scale=0.002, size=points))
    spikes = rng.choice(points, size=max(points // 200_000, 1), replace=False)
    y[spikes] += rng.choice([-8.0, 8.0], size=spikes.size)
    return x, y


def envelope(x: np.ndarray, y: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel column, the lowest and highest y the polyline through (x, y) reaches."""
    lo = np.full(len(edges) - 1, np.inf)
    hi = np.full(len(edges) - 1, -np.inf)
    column = np.clip(np.searchsorted(edges, x, "right") - 1, 0, len(lo) - 1)
    np.minimum.at(lo, column, y)
    np.maximum.at(hi, column, y)
    for i in np.flatnonzero(np.diff(column) > 1):  # a segment crossing empty columns
        for c in range(column[i] + 1, column[i + 1]):
            at = np.interp(edges[c : c + 2], x[i : i + 2], y[i : i + 2])
            lo[c], hi[c] = min(lo[c], at.min()), max(hi[c], at.max())
    return lo, hi


def envelope_error(x: np.ndarray, y: np.ndarray, idx: np.ndarray, width: int) -> float:
    edges = np.linspace(x[0], x[-1] + 1, width + 1)
    true_lo, true_hi = envelope(x, y, edges)
    lo, hi = envelope(x[idx], y[idx], edges)
    shown = np.isfinite(lo) & np.isfinite(true_lo)
    error = np.abs(lo - true_lo)[shown] + np.abs(hi - true_hi)[shown]
    return float(error.mean() / 2 / (y.max() - y.min()) * 100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--n-out", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--width", type=int, default=1_000)
    args = parser.parse_args()
    numpy_minmax = ours().minmax_indices
    methods: dict[str, Callable[[np.ndarray, np.ndarray, int], np.ndarray]] = {
        "blynkbook numpy min-max": lambda x, y, n: numpy_minmax(y, n),
        "tsdownsample MinMax": lambda x, y, n: MinMaxDownsampler().downsample(x, y, n_out=n),
        "tsdownsample MinMax parallel": lambda x, y, n: MinMaxDownsampler().downsample(
            x, y, n_out=n, parallel=True
        ),
        "tsdownsample MinMaxLTTB": lambda x, y, n: MinMaxLTTBDownsampler().downsample(
            x, y, n_out=n
        ),
        "tsdownsample MinMaxLTTB parallel": lambda x, y, n: MinMaxLTTBDownsampler().downsample(
            x, y, n_out=n, parallel=True
        ),
    }
    print(f"{'points':>11} {'n_out':>6}  {'method':<34} {'median ms':>9} {'envelope err %':>14}")
    for points in args.points:
        x, y = series(points)
        for n_out in args.n_out:
            for name, method in methods.items():
                took = median_ms(partial(method, x, y, n_out), args.repeat)
                idx = np.asarray(method(x, y, n_out))
                error = envelope_error(x, y, idx, args.width)
                print(f"{points:>11,} {n_out:>6,}  {name:<34} {took:>9.1f} {error:>14.4f}")


if __name__ == "__main__":
    main()
