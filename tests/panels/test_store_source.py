"""HistoryPanel over the series store: the trace is computed in the store, window by
window, and matches the in-memory trace on a series small enough to show whole."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import blynkbook as bb
from blynkbook.panels import HistoryPanel
from blynkbook.panels._common import SchemaBook
from blynkbook.panels._source import ClientSource
from blynkbook.panels._store_source import StoreSeries, StoreSource, store_of

NOW = "2026-11-20T12:00:00Z"
ZOOM = ["2026-11-20 00:00:00", "2026-11-20 06:00:00"]


@pytest.fixture
def stored() -> Any:
    cloud = bb.connect("demo", now=NOW, store=True)
    yield cloud
    cloud.close()


def traces(panel: HistoryPanel) -> dict[str, tuple[list[str], list[float]]]:
    return {t.name: (list(t.x), list(t.y)) for t in panel.data_traces}


def plotted(cloud: Any) -> HistoryPanel:
    panel = HistoryPanel(cloud)
    panel.picker.selected = (1, 2)
    panel.streams.value = ("Temperature", "Pressure")
    return panel


class Recorder:
    """Counts the calls of a few methods of an object, then calls them."""

    def __init__(self, target: Any, names: tuple[str, ...], monkeypatch: Any) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        for name in names:
            method = getattr(target, name)
            monkeypatch.setattr(target, name, self._wrap(name, method))

    def _wrap(self, name: str, method: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args))
            return method(*args, **kwargs)

        return call

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [args for called, args in self.calls if called == name]


def test_store__picked_when_the_client_has_one_and_draws_what_memory_draws(stored):
    memory = plotted(bb.connect("demo", now=NOW))
    panel = plotted(stored)
    assert isinstance(memory.source, ClientSource) and isinstance(panel.source, StoreSource)
    assert traces(panel) == traces(memory)  # small series: every point, both ways
    assert [len(t.x) for t in panel.data_traces] == [289] * 4
    assert [panel.figure.layout[k].title.text for k in ("yaxis", "yaxis2")] == [
        "Temperature (°C)",
        "Pressure (hPa)",
    ]
    pd.testing.assert_frame_equal(panel.data.sort_index(), memory.data.sort_index())
    for view in (memory, panel):
        view.figure.layout.xaxis.range = ZOOM
    for name, (x, y) in traces(panel).items():
        mx, my = traces(memory)[name]
        assert (x, y) == (mx[1:-1], my[1:-1])  # memory adds one point beyond each edge
        assert x[0] == "2026-11-20T00:00:00.000" and x[-1] == "2026-11-20T06:00:00.000"


def test_store__zoom_reads_only_the_window_from_the_store(stored, monkeypatch):
    panel = plotted(stored)
    store = Recorder(stored.store, ("minmax", "extent", "read"), monkeypatch)
    client = Recorder(stored, ("history", "pull"), monkeypatch)
    panel.figure.layout.xaxis.range = ZOOM
    lo = pd.Timestamp(ZOOM[0], tz="UTC").value // 1_000_000
    hi = pd.Timestamp(ZOOM[1], tz="UTC").value // 1_000_000
    windows = {(args[2], args[3]) for args in store.named("minmax")}
    assert windows == {(lo, hi)} and len(store.named("minmax")) == 4
    assert store.named("read") == [] and client.calls == []
    store.calls.clear()
    panel.figure.layout.xaxis.autorange = True  # reset: the whole loaded range again
    first = min(args[2] for args in store.named("minmax"))
    assert first == pd.Timestamp("2026-11-19T12:00:00Z").value // 1_000_000
    assert [len(t.x) for t in panel.data_traces] == [289] * 4


def test_store__a_series_larger_than_the_display_is_thinned_in_the_store(stored):
    panel = HistoryPanel(stored, max_points=40)
    panel.picker.selected = (1,)
    panel.range_choice.value = "7d"
    (trace,) = panel.data_traces
    assert 20 <= len(trace.x) <= 40 and len(panel.series[0]) == 2017
    full = stored.history(1, "Temperature", "-7d")["value"]
    assert max(trace.y) == full.max() and min(trace.y) == full.min()  # peaks survive


def test_store__a_load_too_big_for_a_frame_stays_in_the_store_and_says_so(stored):
    schemas = SchemaBook(stored)
    source = StoreSource(stored, schemas, dict, frame_points=100)
    panel = HistoryPanel(stored, source=source)
    panel.picker.selected = (1,)
    assert len(panel.data_traces) == 1 and panel.data.empty
    assert "289 points stay in the series store" in panel.notice.value
    assert panel.publish_button.disabled and panel.csv_button.disabled


def test_store__thingsee_string_ids_through_the_store():
    thingsee = pytest.importorskip("blynkbook.thingsee")
    memory, cloud = thingsee.connect("demo"), thingsee.connect("demo", store=True)
    try:
        views = [HistoryPanel(c) for c in (memory, cloud)]
        for view in views:
            view.picker.selected = tuple(view.picker.fleet["device_id"][:2])
        assert isinstance(views[1].source, StoreSource)
        assert traces(views[1]) == traces(views[0]) and traces(views[1])
    finally:
        cloud.close()


def test_store__no_store_means_the_in_memory_source():
    plain = bb.connect("demo", now=NOW)
    assert not plain.store and store_of(plain) is None
    with pytest.raises(ValueError, match="has no series store"):
        StoreSource(plain, SchemaBook(plain), dict)


class FakeStore:
    """Answers extent with a fixed count and records the buckets minmax is asked for."""

    def __init__(self, count: int) -> None:
        self.count, self.buckets = count, []

    def extent(self, device, datastream, start, end):
        return self.count, start, end

    def minmax(self, device, datastream, start, end, buckets):
        self.buckets.append(buckets)
        return pd.DataFrame({"value": []}, index=pd.DatetimeIndex([], tz="UTC", name="time"))


@pytest.mark.parametrize(
    ("points", "span_ms", "expected"),
    [
        (100, 10_000, 10_000),  # few points: one bucket a millisecond, every point
        (100, 10**12, 4_500_000),  # ... capped so DuckDB's BIGINT bucket maths never overflows
        (10**8, 10**12, 500),  # many: n_out // 2 buckets of two points
    ],
)
def test_store__bucket_count(points, span_ms, expected):
    store = FakeStore(points)
    series = StoreSeries(store, 1, "T", "n", "", points, 0, span_ms - 1)
    series.display(None, None, 1000)
    assert store.buckets == [expected]
    with pytest.raises(ValueError, match="n_out must be at least 4"):
        series.display(None, None, 3)
    assert series.display(10**18, None, 1000)[0].size == 0 and np.all(store.buckets)


def test_store__a_wide_window_is_thinned_from_the_overview_a_narrow_one_read(stored, monkeypatch):
    source = StoreSource(stored, SchemaBook(stored), dict, overview_buckets=200)
    panel = HistoryPanel(stored, source=source, max_points=40)
    panel.picker.selected = (1,)
    panel.range_choice.value = "7d"  # 2,017 points > 2 × 200 buckets: an overview is kept
    (series,) = panel.series
    assert series.overview is not None and len(series.overview[0]) <= 400
    store = Recorder(stored.store, ("minmax", "extent"), monkeypatch)
    panel.figure.layout.xaxis.autorange = True  # reset: the whole range, from the overview
    assert store.calls == []
    full = stored.history(1, "Temperature", "-7d")["value"]
    (trace,) = panel.data_traces
    assert max(trace.y) == full.max() and min(trace.y) == full.min() and len(trace.x) <= 40
    panel.figure.layout.xaxis.range = ZOOM  # 73 points: fewer overview points than 40
    assert len(store.named("minmax")) == 1 and len(panel.data_traces[0].x) == 40
