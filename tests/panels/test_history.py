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


# -- issue 15: panels an analyst trusts -------------------------------------------------------
def extent_of(panel):
    (extent,) = [t for t in panel.figure.data if t.name == "extent"]
    return as_utc(extent.x)


def test_history__reset_axes_returns_from_a_zoom_to_the_whole_series(big_panel):
    """Point 1: double-click / Reset / Autoscale come back from a zoom."""
    full = big_panel.series[0]
    # the invisible extent trace spans every series, so the browser's autorange does too
    assert list(extent_of(big_panel)) == list(pd.to_datetime(full.bounds(), utc=True))
    # a drag-zoom in the browser sends only the new range
    big_panel.figure.plotly_relayout(
        {"xaxis.range[0]": "2026-11-05 00:00:00", "xaxis.range[1]": "2026-11-05 00:10:00"}
    )
    assert len(big_panel.data_traces[0].x) == 603
    assert big_panel.figure.layout.xaxis.autorange is False
    big_panel.figure.plotly_relayout({"xaxis.autorange": True})  # what a double-click sends
    (trace,) = big_panel.data_traces
    assert 9_000 < len(trace.x) <= 10_000
    assert as_utc(trace.x[0]) == pd.Timestamp(full.bounds()[0], tz="UTC")
    assert as_utc(trace.x[-1]) == pd.Timestamp(full.bounds()[1], tz="UTC")
    assert "whole range" in big_panel.status.value


def test_history__one_y_axis_per_unit_titled_with_unit_and_hover_says_unit_and_zone(fleet):
    """Point 2: units on every axis and in hover; mixed units never share an axis."""
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1, 6)
    panel.streams.value = ("Temperature", "Humidity", "Mode")
    layout = panel.figure.layout
    assert layout.yaxis.title.text == "Temperature (°C)"
    assert layout.yaxis2.title.text == "Humidity (%)"
    assert layout.yaxis3.title.text == "Mode (no unit)"
    assert layout.xaxis.title.text == "time (UTC)"
    assert [t.yaxis for t in panel.data_traces] == ["y", "y2", "y3"]
    # stacked, not overlapping, one shared time axis anchored under the bottom plot
    assert layout.yaxis.domain[0] > layout.yaxis2.domain[1] > layout.yaxis3.domain[1]
    assert layout.xaxis.anchor == "y3"
    hover = panel.data_traces[0].hovertemplate
    assert "°C" in hover and "UTC" in hover
    panel.streams.value = ("Temperature",)
    assert layout.yaxis2.visible is False and len(panel.data_traces) == 1


def test_history__units_with_string_ids(string_fleet):
    panel = HistoryPanel(string_fleet)
    panel.picker.selected = ("dev-4",)
    panel.streams.value = ("Speed",)
    assert panel.figure.layout.yaxis.title.text == "Speed (km/h)"
    assert "km/h" in panel.data_traces[0].hovertemplate


def test_history__text_series_are_named_not_silently_dropped(fleet):
    times = pd.date_range("2026-11-20T00:00:00Z", periods=3, freq="h")
    fleet.series[(1, "Temperature")] = pd.Series(["warm", "cold", "warm"], index=times)
    fleet.series[(2, "Temperature")] = pd.Series([True, False, True], index=times)
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1, 2)
    assert panel.not_drawn == {"Roof Weather (1) · Temperature": "text values, not numbers"}
    assert "not drawn: Roof Weather (1) · Temperature" in panel.notice.value
    (trace,) = panel.data_traces  # booleans are drawn as 1 / 0
    assert list(trace.y) == [1.0, 0.0, 1.0]


def test_history__auto_load_follows_selection_streams_and_presets(fleet):
    """Point 3: no stale plot: every change reloads by itself."""
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1,)
    assert [t.name for t in panel.data_traces] == ["Roof Weather (1) · Temperature"]
    panel.picker.selected = (1, 2)
    assert len(panel.data_traces) == 2
    panel.streams.value = ("Humidity",)
    assert [t.name for t in panel.data_traces][0].endswith("Humidity")
    panel.range_choice.value = "7d"
    assert history_calls(fleet)[-1][2:] == ("-7d", "now")


def test_history__without_auto_load_the_plot_says_it_shows_the_previous_choice(fleet):
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1,)
    panel.auto_load.value = False
    calls = len(history_calls(fleet))
    panel.picker.selected = (1, 2)
    assert len(history_calls(fleet)) == calls
    assert "previous selection" in panel.notice.value
    panel.load_button.click()
    assert panel.notice.value == "" and len(panel.data_traces) == 2


def test_history__empty_states_show_no_axis_and_say_why(fleet):
    """Point 4: no empty 2000-dated axis; the reason instead."""
    panel = HistoryPanel(fleet)
    layout = panel.figure.layout
    assert layout.xaxis.visible is False and layout.yaxis.visible is False
    assert "pick a device" in layout.annotations[0].text
    fleet.series[(1, "Temperature")] = pd.Series(
        [], dtype=float, index=pd.DatetimeIndex([], tz="UTC")
    )
    panel.picker.selected = (1,)
    assert panel.data_traces == ()
    assert layout.xaxis.visible is False
    assert "no Temperature data in the last 24h" in layout.annotations[0].text


def test_history__data_that_starts_late_is_pointed_out(fleet):
    times = pd.date_range("2026-10-02T00:00:00Z", "2026-11-30T00:00:00Z", freq="6h")
    fleet.series[(1, "Temperature")] = pd.Series(np.arange(len(times), dtype=float), index=times)
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1,)
    panel.range_choice.value = DATES
    panel.start.value = dt.date(2026, 9, 1)
    panel.end.value = dt.date(2026, 11, 30)
    assert "data starts 2026-10-02 00:00 UTC" in panel.notice.value
    assert "requested 2026-09-01" in panel.notice.value


def test_history__download_csv_and_parquet_of_the_current_data(fleet):
    """Point 9: the current data goes home as CSV or Parquet."""
    import base64
    import io
    import re

    panel = HistoryPanel(fleet)
    panel.picker.selected = (1,)
    for fmt, read in (("csv", pd.read_csv), ("parquet", pd.read_parquet)):
        link = panel.offer_download(fmt)
        assert f'download="history.{fmt}"' in link
        payload = base64.b64decode(re.search(r"base64,([^\"]+)", link).group(1))
        assert len(read(io.BytesIO(payload))) == len(panel.data) > 0


def test_history__publish_names_the_frame_and_copy_as_code_reproduces_it(fleet):
    panel = HistoryPanel(fleet)
    panel.picker.selected = (1, 2)
    panel.publish_name.value = "temps"
    panel.publish()
    assert "panel.last_frame" in panel.status.value  # no notebook here: the attribute
    panel.publish_name.value = "not a name"
    panel.publish()
    assert "not a Python variable name" in panel.status.value
    code = panel.show_code()
    assert code == 'frame = cloud.history([1, 2], ["Temperature"], "-24h", "now")'
    assert panel.code_box.value == code
    namespace = {"cloud": fleet}
    exec(code, namespace)
    assert len(namespace["frame"]) == len(panel.data)


def test_history__live_refresh_only_for_short_ranges(fleet):
    panel = HistoryPanel(fleet, live_interval=3600)
    panel.picker.selected = (1,)
    panel.live.value = True
    assert panel.live_timer.running and panel.live_timer._timer.daemon
    calls = len(history_calls(fleet))
    panel.live_tick()
    assert len(history_calls(fleet)) == calls + 1
    assert "live:" in panel.status.value
    panel.range_choice.value = "7d"
    assert panel.live.disabled and panel.live.value is False and not panel.live_timer.running
    panel.close()


def test_history__local_time_toggle_redraws_and_zooms_in_that_zone(fleet):
    panel = HistoryPanel(fleet, local_tz="Europe/Helsinki")
    panel.picker.selected = (1,)
    utc_first = as_utc(panel.data_traces[0].x[0])
    panel.time_zone.value = "local"
    assert panel.figure.layout.xaxis.title.text == "time (Europe/Helsinki)"
    assert "Europe/Helsinki" in panel.data_traces[0].hovertemplate
    local_first = pd.Timestamp(panel.data_traces[0].x[0])
    assert local_first == utc_first.tz_convert("Europe/Helsinki").tz_localize(None)
    panel.figure.layout.xaxis.range = ["2026-11-20 10:00:00", "2026-11-20 11:00:00"]
    shown = pd.to_datetime(panel.data_traces[0].x).tz_localize("Europe/Helsinki")
    assert shown[1] == pd.Timestamp("2026-11-20T10:00:00", tz="Europe/Helsinki")


def test_history__store_can_plug_in_behind_the_source_seam(fleet):
    """A source hands the panel series that draw themselves; nothing else is needed."""
    from blynkbook.panels._source import Loaded, MemorySeries

    class OneSeries:
        def __init__(self):
            self.asked = []

        def load(self, devices, labels, start, end):
            self.asked.append((tuple(devices), tuple(labels), start, end))
            x = pd.date_range("2026-11-19", periods=100, freq="min", tz="UTC").asi8
            series = MemorySeries(1, "Temperature", "store", "°C", x, np.arange(100.0))
            return Loaded(pd.DataFrame(columns=["device_id", "datastream", "value"]), [series])

    source = OneSeries()
    panel = HistoryPanel(fleet, source=source)
    panel.picker.selected = (1,)
    assert source.asked == [((1,), ("Temperature",), "-24h", "now")]
    assert [t.name for t in panel.data_traces] == ["store"]
    assert history_calls(fleet) == []
