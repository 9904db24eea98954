"""HistoryPanel: datastream choice, loading, thinning, zoom re-sampling and publishing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from plotly.serializers import _py_to_js

from blynkbook.panels import DevicePicker, HistoryPanel
from blynkbook.panels.history import DATES

MILLION = 1_000_000


def million_point_series(start="2026-11-01T00:00:00Z"):
    times = pd.date_range(start, periods=MILLION, freq="s")
    values = np.sin(np.arange(MILLION) / 5_000.0) + np.random.default_rng(3).normal(
        scale=0.1, size=MILLION
    )
    return pd.Series(values, index=times)


def as_utc(axis_text):
    """Trace x values (naive UTC ISO text on a date axis) as UTC timestamps."""
    return pd.to_datetime(axis_text, utc=True)


def history_calls(fleet):
    return [args for name, args in fleet.calls if name == "history"]


def test_history__streams_come_from_schema_with_history_only(fleet):
    panel = HistoryPanel(fleet)
    assert panel.streams.options == ()
    panel.picker.selected = (1, 6)
    assert panel.streams.options == (
        "Temperature",
        "Humidity",
        "Battery",
        "Power Switch",
        "Mode",
        "Power",
    )
    assert "Note" not in panel.streams.options
    assert panel.streams.value == ("Temperature",)


def test_history__schema_is_fetched_once_per_device(fleet):
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1,)
    panel.picker.selected = (1, 2)
    panel.picker.selected = (2,)
    assert fleet.count("schema") == 2


def test_history__own_picker_is_shown_shared_picker_is_not(fleet):
    own = HistoryPanel(fleet)
    assert own.children[0] is own.picker
    shared = DevicePicker(fleet)
    panel = HistoryPanel(fleet, shared)
    assert panel.picker is shared and shared not in panel.children


def test_history__load_draws_one_trace_per_device_and_datastream(fleet):
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1, 2, 6)
    panel.streams.value = ("Temperature", "Power")
    panel.load_button.click()
    assert panel.last_error is None
    names = [trace.name for trace in panel.data_traces]
    assert names == [
        "Roof Weather (1) · Temperature",
        "Field Weather (2) · Temperature",
        "Kitchen Plug (6) · Power",
    ]
    assert set(panel.data["device_id"]) == {1, 2, 6}
    # each datastream is asked only of the devices that have it
    assert history_calls(fleet)[-2:] == [
        ((1, 2), ("Temperature",), "-24h", "now"),
        ((6,), ("Power",), "-24h", "now"),
    ]


def test_history__presets_and_explicit_dates(fleet):
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1,)
    panel.range_choice.value = "7d"
    panel.load_button.click()
    assert history_calls(fleet)[-1][2:] == ("-7d", "now")
    assert panel.start.disabled
    panel.range_choice.value = DATES
    assert not panel.start.disabled
    panel.start.value = dt.date(2026, 11, 18)
    panel.end.value = dt.date(2026, 11, 19)
    panel.load_button.click()
    start, end = history_calls(fleet)[-1][2:]
    assert start == pd.Timestamp("2026-11-18T00:00:00Z")
    assert end == pd.Timestamp("2026-11-20T00:00:00Z")


def test_history__reversed_dates_are_an_error_in_the_panel(fleet):
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1,)
    panel.range_choice.value = DATES
    panel.start.value = dt.date(2026, 11, 19)
    panel.end.value = dt.date(2026, 11, 10)
    before = len(history_calls(fleet))
    panel.load_button.click()
    assert isinstance(panel.last_error, ValueError)
    assert "before the start" in panel.status.value
    assert len(history_calls(fleet)) == before
    assert not panel.load_button.disabled


def test_history__nothing_selected_is_explained(fleet):
    panel = HistoryPanel(fleet)
    panel.load_button.click()
    assert "select at least one device" in panel.status.value


def test_history__client_error_is_shown_not_raised(fleet):
    fleet.fail["history"] = RuntimeError("HTTP 429: slow down")
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1,)
    panel.load_button.click()
    assert "slow down" in panel.status.value
    assert panel.publish_button.disabled


@pytest.fixture
def big_panel(fleet):
    fleet.series[(1, "Temperature")] = million_point_series()
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1,)
    panel.range_choice.value = "30d"
    panel.load_button.click()
    assert panel.last_error is None
    return panel


def test_history__million_points_are_thinned_for_display(big_panel):
    (trace,) = big_panel.data_traces
    assert len(big_panel.data) == MILLION
    assert len(trace.x) <= 10_000 and len(trace.y) == len(trace.x)
    full = big_panel.series[0]
    assert trace.y.max() == full.y.max() and trace.y.min() == full.y.min()


def test_history__zoom_resample_shows_full_detail_in_window(big_panel):
    full = big_panel.series[0]
    x0, x1 = "2026-11-03 00:00:00", "2026-11-03 01:00:00"
    big_panel.resample(x0, x1)
    (trace,) = big_panel.data_traces
    expected = big_panel.data.loc["2026-11-02T23:59:59Z":"2026-11-03T01:00:01Z", "value"]
    assert len(trace.y) == len(expected) == 3_603
    np.testing.assert_array_equal(trace.y, expected.to_numpy())
    assert len(full.x) == MILLION  # the full data is kept


def test_history__zoom_on_the_figure_layout_calls_resample(big_panel):
    big_panel.figure.layout.xaxis.range = ["2026-11-05 00:00:00", "2026-11-05 00:10:00"]
    (trace,) = big_panel.data_traces
    assert len(trace.x) == 603
    assert as_utc(trace.x[1]) == pd.Timestamp("2026-11-05T00:00:00Z")
    big_panel.figure.layout.xaxis.range = ["2026-11-01 00:00:00", "2026-11-13 00:00:00"]
    assert 9_000 < len(big_panel.data_traces[0].x) <= 10_000


def test_history__time_axis_is_a_date_axis_of_iso_text(fleet):
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1,)
    panel.load_button.click()
    assert panel.figure.layout.xaxis.type == "date"
    (trace,) = panel.data_traces
    full = panel.series[0]
    # ISO text, which plotly.js always types as dates (numbers let it re-type the axis)
    assert all(isinstance(x, str) and "T" in x for x in trace.x[:5])
    expected = pd.DatetimeIndex(panel.data.index).tz_convert("UTC").sort_values()
    assert len(trace.x) == len(full.x) == len(expected) > 0
    assert list(as_utc(trace.x)) == list(expected)
    # what the widget sends to the browser: the same text, not a buffer of numbers
    sent = _py_to_js(trace.x, None)
    assert list(sent) == list(trace.x)


def test_history__zoom_reads_the_date_axis_range_forms(big_panel):
    """The browser reports a date axis range as naive UTC text; epoch ms also works."""
    start, end = pd.Timestamp("2026-11-04T06:00:00Z"), pd.Timestamp("2026-11-04T06:00:30Z")
    forms = [
        ("2026-11-04 06:00:00", "2026-11-04 06:00:30"),
        ("2026-11-04 06:00:00.000", "2026-11-04 06:00:30.000"),
        (start.value / 1e6, end.value / 1e6),
        (int(start.value // 1_000_000), int(end.value // 1_000_000)),
        (start, end),
    ]
    for x0, x1 in forms:
        big_panel.figure.layout.xaxis.range = [x0, x1]
        (trace,) = big_panel.data_traces
        assert big_panel.last_error is None
        got = as_utc(trace.x)
        # every second in the window plus one point either side
        assert len(got) == 33, (x0, x1)
        assert got[1] == start and got[-2] == end
    big_panel.resample("2026-11-04 06:00:00.500", "2026-11-04 06:00:01.500")
    assert list(as_utc(big_panel.data_traces[0].x)) == [
        start,
        start + pd.Timedelta("1s"),
        start + pd.Timedelta("2s"),
    ]


def test_history__publish_stores_the_full_frame_and_fires_hook(fleet):
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1, 2)
    panel.load_button.click()
    got = []
    panel.on_publish(got.append)
    assert not panel.publish_button.disabled
    panel.publish_button.click()
    assert panel.last_frame is not None
    pd.testing.assert_frame_equal(panel.last_frame, panel.data)
    assert got and got[0] is panel.last_frame
    assert f"{len(panel.data):,} rows × 3 columns" in panel.status.value


def test_history__string_ids(string_fleet):
    panel = HistoryPanel(string_fleet)
    panel.picker.selected = ("dev-4",)
    panel.streams.value = ("Speed",)
    panel.load_button.click()
    assert [t.name for t in panel.data_traces] == ["Truck 1 (dev-4) · Speed"]
