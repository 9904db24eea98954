"""Panels: display cost of a 1,000,000-point series in ``HistoryPanel``.

One series of 1,000,000 points (one per second, ~11.6 days) is handed to a
``HistoryPanel`` by a tiny in-memory client, so only the panel's own work is timed:

* build:  ``load()`` minus the fetch: split the long frame into a sorted numeric series,
  thin it to at most 10,000 points (min-max) and put the trace into the FigureWidget;
* thin:   the min-max downsampler alone on 1,000,000 points;
* zoom wide:   ``resample()`` over half the range (500,000 points thinned to 10,000);
* zoom narrow: ``resample()`` over one hour (3,600 points, shown at full detail);
* zoom wide + JSON: the wide zoom plus serialising the new trace, an estimate of the
  kernel-side cost of sending it to the browser (no browser is involved here).

Target: a zoom re-sample under 200 ms. Each figure is the median of ``--repeat`` runs.

    python benchmarks/bench_panels.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.io as pio

from blynkbook.panels import HistoryPanel
from blynkbook.panels._downsample import minmax_indices

POINTS = 1_000_000
START = pd.Timestamp("2026-11-01T00:00:00Z")
RESULTS = Path(__file__).parent / "results" / "panels.json"


class OneSeriesClient:
    """Just enough of a FleetClient to feed one prebuilt history frame to the panel."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def devices(self) -> pd.DataFrame:
        return pd.DataFrame({"device_id": [1], "name": ["Bench"], "template": ["Weather"]})

    def schema(self, device_id: Hashable) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "label": ["Temperature"],
                "type": ["double"],
                "min": [-40.0],
                "max": [60.0],
                "options": [[]],
                "writable": [False],
                "history": [True],
            }
        )

    def history(
        self, devices: Iterable[Hashable], datastreams: Any, start: Any = None, end: Any = None
    ) -> pd.DataFrame:
        return self.frame

    def datastreams(self, device_id: Hashable) -> pd.DataFrame:
        raise NotImplementedError

    def locations(self) -> pd.DataFrame:
        raise NotImplementedError

    def trail(self, device_id: Hashable, start: Any, end: Any) -> pd.DataFrame:
        raise NotImplementedError

    def write(self, device_id: Hashable, values: Any) -> pd.DataFrame:
        raise NotImplementedError


def million_point_frame() -> pd.DataFrame:
    times = pd.date_range(START, periods=POINTS, freq="s", name="time")
    rng = np.random.default_rng(0)
    values = 20 + 5 * np.sin(np.arange(POINTS) / 20_000) + rng.normal(scale=0.3, size=POINTS)
    return pd.DataFrame({"device_id": 1, "datastream": "Temperature", "value": values}, index=times)


def median_ms(action: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        runs.append((time.perf_counter() - began) * 1000)
    return statistics.median(runs)


def shifting(window: tuple[pd.Timestamp, pd.Timestamp]) -> Callable[[], tuple[Any, Any]]:
    """Each call gives ``window`` moved on by one more minute, so no run repeats the last
    (plotly skips assigning a trace the data it already holds)."""
    step = itertools.count()

    def next_window() -> tuple[Any, Any]:
        shift = pd.Timedelta(minutes=next(step))
        return window[0] + shift, window[1] + shift

    return next_window


def zoom_and_serialise(panel: HistoryPanel, window: tuple[Any, Any]) -> str:
    """A wide zoom plus the JSON of the new trace: roughly what goes to the browser."""
    panel.resample(*window)
    return str(pio.to_json(panel.figure.data[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat

    frame = million_point_frame()
    panel = HistoryPanel(OneSeriesClient(frame))
    panel.picker.selected = (1,)

    fetch_ms = median_ms(lambda: panel.client.history([1], "Temperature"), repeat)
    load_ms = median_ms(panel.load, repeat)
    if panel.last_error is not None:
        raise SystemExit(f"load failed: {panel.last_error}")
    series = panel.series[0]
    hour = (START + pd.Timedelta("3D"), START + pd.Timedelta("3D1h"))
    half = (START, START + pd.Timedelta(seconds=POINTS // 2))
    wide, narrow = shifting(half), shifting(hour)
    figures = {
        "points": POINTS,
        "build_display_trace_ms": load_ms - fetch_ms,
        "thin_only_ms": median_ms(lambda: minmax_indices(series.y, 10_000), repeat),
        "zoom_wide_ms": median_ms(lambda: panel.resample(*wide()), repeat),
        "zoom_wide_points": len(panel.figure.data[0].x),
        "zoom_narrow_ms": median_ms(lambda: panel.resample(*narrow()), repeat),
        "zoom_narrow_points": len(panel.figure.data[0].x),
        "zoom_wide_plus_json_ms": median_ms(lambda: zoom_and_serialise(panel, wide()), repeat),
    }
    for name, value in figures.items():
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        print(f"{name:<24} {shown:>10}")
    target = max(figures["zoom_wide_plus_json_ms"], figures["zoom_narrow_ms"]) < 200
    print(f"zoom re-sample < 200 ms: {'yes' if target else 'NO'}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
