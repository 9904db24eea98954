"""Panels: a fresh kernel's first dashboard, the browser's zoom round trip, and the
display cost of a 1,000,000-point series in ``HistoryPanel``.

**Fresh kernel** (``--kernel``, on by default): a new ipykernel (started by
jupyter_client, its own start-up not counted) runs
``bb.explore(bb.connect())`` against the demo cloud, then selects three stations (the
first plot). Timed inside the kernel, wall clock and the kernel's CPU time (the CPU
figure is what a busy shared machine cannot inflate): connect (with the pandas / httpx
imports it triggers: ``import blynkbook`` itself is lazy), explore (with the plotly /
ipywidgets imports), first plot. Target: a usable dashboard (connect + explore) under 3 s.

**Browser zoom** (``--browser``): JupyterLab and headless Debian Chromium (the browser
test's own set-up, software WebGL), notebook 05 run, range 30d (3 traces of 4,321
points); each run drags a new zoom box and times mouse-up → the trace's new data drawn
(next animation frame), in the page's clock. Target: under 300 ms.

One series of 1,000,000 points (one per second, ~11.6 days) is handed to a
``HistoryPanel`` by a tiny in-memory client, so only the panel's own work is timed:

* build:  ``load()`` minus the fetch: split the long frame into a sorted numeric series,
  thin it to at most 10,000 points (min-max) and put the trace into the FigureWidget;
* thin:   the min-max downsampler alone on 1,000,000 points;
* zoom wide:   ``resample()`` over half the range (500,000 points thinned to 10,000);
* zoom narrow: ``resample()`` over one hour (3,600 points, shown at full detail);
* zoom wide + JSON: the wide zoom plus serialising the new trace, an estimate of the
  kernel-side cost of sending it to the browser (no browser is involved here).

**Re-sample**: target a zoom re-sample under 200 ms. Each figure is the median of
``--repeat`` runs.

**From the store** (``--store-points``, default 2,000,000; ``--store-100m`` for the
issue's 100,000,000): one 1 Hz series written into a series store with the store's own
``put()``, one calendar month at a time (synthetic points, no HTTP; kept under
``$TMPDIR/blynkbook-bench-store-<points>`` or ``--store-dir`` and reused), then, in a
fresh process, ``HistoryPanel`` over a client whose ``store`` is it: load, reset, zooms
to half the range, a day and an hour, and the process's RSS. Targets: zoom under 200 ms,
kernel memory under 500 MB.

    python benchmarks/bench_panels.py [--repeat 7] [--no-kernel] [--browser]
                                      [--store-points N | --store-100m] [--store-dir D]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.io as pio
from _timing import median_ms

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


REPO = Path(__file__).resolve().parents[1]
DEMO_NOW = "2026-11-20T12:00:00Z"
KERNEL_CODE = """
import json as _json, time as _time
_c0, _t0 = _time.process_time(), _time.perf_counter()
import blynkbook as _bb
_cloud = _bb.connect()
_c1, _t1 = _time.process_time(), _time.perf_counter()
_board = _bb.explore(_cloud)
_c2, _t2 = _time.process_time(), _time.perf_counter()
_board.picker.selected = (1, 2, 3)
_c3, _t3 = _time.process_time(), _time.perf_counter()
assert _board.history.last_error is None, _board.history.status.value
print(_json.dumps({
    "connect_s": _t1 - _t0, "explore_s": _t2 - _t1, "first_plot_s": _t3 - _t2,
    "usable_dashboard_s": _t2 - _t0, "usable_dashboard_cpu_s": _c2 - _c0,
    "first_plot_cpu_s": _c3 - _c2,
}))
"""


def demo_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLYNK_", "THINGSEE_"))}
    return {**env, "BLYNKBOOK_DEMO_NOW": DEMO_NOW}


def fresh_kernel_figures() -> dict[str, float]:
    """Import → connect → explore → first plot, timed inside a brand-new kernel."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", env=demo_env())
    printed: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
            printed.append(message["content"]["text"])

    try:
        reply = client.execute_interactive(KERNEL_CODE, timeout=300, output_hook=keep)
        if reply["content"]["status"] != "ok":
            raise SystemExit(f"the kernel failed: {reply['content']}")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    line = [text for text in "".join(printed).splitlines() if text.startswith("{")][-1]
    figures: dict[str, float] = json.loads(line)
    return figures


ARM = """() => {
    const el = document.querySelectorAll('.widget-tab .js-plotly-plot')[0];
    window.__bbFirst = el.data[0].x[0];
    window.__bbUp = null;
    document.addEventListener('mouseup', () => { window.__bbUp = performance.now(); },
                              {capture: true, once: true});
}"""
ANSWERED = """async () => {
    const el = document.querySelectorAll('.widget-tab .js-plotly-plot')[0];
    const start = performance.now();
    while (!el.data[0] || el.data[0].x[0] === window.__bbFirst) {
        if (performance.now() - start > 30000) return null;
        await new Promise(r => setTimeout(r, 1));
    }
    await new Promise(r => requestAnimationFrame(r));
    return performance.now() - window.__bbUp;
}"""


def zoom_once(page: Any, left: float, right: float) -> float | None:
    """Drag a zoom box from ``left`` to ``right`` (fractions of the plot's width)."""
    area = page.locator(".widget-tab .js-plotly-plot").first.locator(".nsewdrag").first
    box = area.bounding_box()
    y = box["y"] + box["height"] * 0.5
    page.evaluate(ARM)
    page.mouse.move(box["x"] + box["width"] * left, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * (left + right) / 2, y, steps=3)
    page.mouse.move(box["x"] + box["width"] * right, y, steps=3)
    page.mouse.up()
    took = page.evaluate(ANSWERED)
    return None if took is None else float(took)


def browser_zoom_figures(runs: int) -> dict[str, float]:
    """Mouse-up → redrawn trace in JupyterLab + headless Chromium, median of ``runs``."""
    sys.path.insert(0, str(REPO / "tests" / "browser"))
    import conftest as lab  # the browser test's JupyterLab and Chromium set-up
    from playwright.sync_api import sync_playwright

    os.environ.update(demo_env())
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "notebooks"
        import shutil

        shutil.copytree(REPO / "notebooks", root)
        (Path(scratch) / "state").mkdir()
        server = lab.JupyterLab(root, Path(scratch) / "state")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(lab.CHROMIUM), headless=True, args=lab.CHROMIUM_ARGS
                )
                page = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
                report = lab.run_notebook(page, server, "05-explore-dashboard.ipynb")
                if report["errors"]:
                    raise SystemExit(f"notebook 05 failed: {report['errors']}")
                page.locator(".widget-tab button", has_text="30d").first.click()
                page.wait_for_function(
                    "() => { const d = document.querySelector('.widget-tab .js-plotly-plot')"
                    ".data; return d.length > 0 && d[0].x && d[0].x.length > 1000; }",
                    timeout=120_000,
                )
                page.locator(".widget-tab .js-plotly-plot").first.scroll_into_view_if_needed()
                times = []
                for _ in range(runs):
                    took = zoom_once(page, 0.2, 0.8)  # each box zooms further in
                    if took is None:
                        raise SystemExit("the zoom was not answered within 30 s")
                    times.append(took)
                browser.close()
        finally:
            server.stop()
    return {
        "zoom_round_trip_median_ms": statistics.median(times),
        "zoom_round_trip_max_ms": max(times),
        "zoom_round_trip_runs": float(runs),
    }


STORE_START_MS = int(pd.Timestamp("2023-01-01T00:00:00Z").value // 1_000_000)
STORE_KEY = ("blynk", "1", "1", "Temperature")


class StoredClient(OneSeriesClient):
    """A client whose history lives in a series store already filled (pull() finds
    nothing to fetch), so only the panel's store reads are timed."""

    def __init__(self, store: Any, now_ms: int) -> None:
        super().__init__(pd.DataFrame())
        self.store, self._now_ms = store, now_ms

    def now(self) -> pd.Timestamp:
        return pd.Timestamp(self._now_ms, unit="ms", tz="UTC")

    def pull(self, devices: Any, datastreams: Any, start: Any = None, end: Any = None) -> None:
        return None

    def history(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        raise AssertionError("a store-backed load this large must not build a frame")


def fill_store(folder: Path, points: int) -> Any:
    """``points`` synthetic points at 1 Hz from 2023-01-01, written with the store's own
    ``put()`` one calendar month at a time (no HTTP: the store API directly)."""
    from blynkbook.store import SeriesKey, SeriesStore
    from blynkbook.store._ranges import split_months

    store = SeriesStore(folder, server="https://bench.invalid")
    last_ms = STORE_START_MS + (points - 1) * 1000
    if store.extent(1, "Temperature", STORE_START_MS, last_ms)[0] == points:
        return store  # filled by an earlier run
    store.clear()
    key, rng = SeriesKey(*STORE_KEY), np.random.default_rng(0)
    for lo, hi in split_months((STORE_START_MS, last_ms)):
        times = np.arange(lo, hi + 1, 1000, dtype=np.int64)
        step = (times - STORE_START_MS) // 1000
        values = 20 + 5 * np.sin(step / 20_000) + rng.normal(scale=0.3, size=times.size)
        store.put(key, lo, hi, times, values, fetched_at=last_ms + 86_400_000)
    return store


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process, MB."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    current = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return current / 2**20, peak


def store_zoom_figures(folder: Path, points: int, repeat: int) -> dict[str, float]:
    """Load and zoom a ``points``-point stored series in HistoryPanel (run in a fresh
    process so its memory is the panel's and the store reads', not the fill's)."""
    from blynkbook.store import SeriesStore

    before, _ = rss_mb()
    store = SeriesStore(folder, server="https://bench.invalid")
    span_ms = (points - 1) * 1000
    panel = HistoryPanel(StoredClient(store, STORE_START_MS + span_ms + 1000))
    panel.range_choice.value = "dates"
    first = pd.Timestamp(STORE_START_MS, unit="ms", tz="UTC")
    panel.start.value = first.date()
    panel.end.value = (first + pd.Timedelta(milliseconds=span_ms)).date()
    began = time.perf_counter()
    panel.picker.selected = (1,)
    load_ms = (time.perf_counter() - began) * 1000
    if panel.last_error is not None or len(panel.series[0]) != points:
        raise SystemExit(f"store load failed: {panel.last_error} {panel.status.value}")
    mid = first + pd.Timedelta(milliseconds=span_ms // 2)
    windows = {
        "half": (first, mid),
        "day": (mid, mid + pd.Timedelta("1D")),
        "hour": (mid, mid + pd.Timedelta("1h")),
    }
    figures: dict[str, float] = {"store_points": float(points), "store_load_ms": load_ms}
    figures["store_reset_ms"] = median_ms(lambda: panel.resample(None, None), repeat)
    for name, window in windows.items():
        moved = shifting(window)
        figures[f"store_zoom_{name}_ms"] = median_ms(
            lambda moved=moved: panel.resample(*moved()),  # type: ignore[misc]
            repeat,
        )
        figures[f"store_zoom_{name}_points"] = float(len(panel.figure.data[0].x))
    now, peak = rss_mb()
    figures.update(store_rss_before_mb=before, store_rss_mb=now, store_rss_peak_mb=peak)
    return figures


def store_figures(points: int, folder: Path | None, repeat: int) -> dict[str, float]:
    """Fill (or reuse) the store, then time the panel over it in a fresh process."""
    import multiprocessing

    folder = folder or Path(tempfile.gettempdir()) / f"blynkbook-bench-store-{points}"
    began = time.perf_counter()
    fill_store(folder, points).close()
    fill_s = time.perf_counter() - began
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        figures: dict[str, float] = pool.apply(store_zoom_figures, (folder, points, repeat))
    return {"store_fill_or_reuse_s": fill_s, **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-kernel", action="store_true", help="skip the fresh-kernel run")
    parser.add_argument("--browser", action="store_true", help="time zooms in Chromium")
    parser.add_argument(
        "--store-points",
        type=int,
        default=2_000_000,
        help="points of the stored series (0: skip the store run)",
    )
    parser.add_argument(
        "--store-100m",
        action="store_true",
        help="the store run with 100,000,000 points (~1 GB on disk)",
    )
    parser.add_argument("--store-dir", type=Path, help="keep the bench store here")
    args = parser.parse_args()
    repeat = args.repeat
    extra: dict[str, float] = {}
    if not args.no_kernel:
        extra.update(fresh_kernel_figures())
        print(json.dumps(extra))
    if args.browser:
        extra.update(browser_zoom_figures(max(repeat, 5)))
    store_points = 100_000_000 if args.store_100m else args.store_points
    if store_points:
        extra.update(store_figures(store_points, args.store_dir, repeat))
        print(json.dumps(extra))

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
    figures.update(extra)
    for name, value in figures.items():
        shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
        print(f"{name:<28} {shown:>12}")
    target = max(figures["zoom_wide_plus_json_ms"], figures["zoom_narrow_ms"]) < 200
    print(f"zoom re-sample < 200 ms: {'yes' if target else 'NO'}")
    if "store_zoom_half_ms" in figures:
        zooms = [v for k, v in figures.items() if k.startswith("store_zoom_") and k.endswith("_ms")]
        quick, small = max(zooms) < 200, figures["store_rss_peak_mb"] < 500
        print(
            f"store zoom re-sample < 200 ms: {'yes' if quick else 'NO'}; "
            f"kernel memory < 500 MB: {'yes' if small else 'NO'}"
        )
    if "usable_dashboard_s" in figures:
        print(f"usable dashboard < 3 s: {'yes' if figures['usable_dashboard_s'] < 3 else 'NO'}")
    if "zoom_round_trip_median_ms" in figures:
        quick = figures["zoom_round_trip_median_ms"] < 300
        print(f"browser zoom round trip < 300 ms: {'yes' if quick else 'NO'}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
