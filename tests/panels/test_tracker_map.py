"""TrackerMap: positions, colouring, trails following the picker."""

from __future__ import annotations

import pandas as pd
import pytest

from blynkbook.panels import DevicePicker, TrackerMap
from blynkbook.panels.tracker_map import ONLINE_COLOURS, SELECTED, TRAIL_PREFIX


def traces_by_name(tracker_map):
    return {trace.name: trace for trace in tracker_map.figure.data}


def test_map__positions_coloured_by_template(fleet):
    tracker_map = TrackerMap(fleet)
    traces = traces_by_name(tracker_map)
    assert list(traces) == ["GPS Asset Tracker"]
    trace = traces["GPS Asset Tracker"]
    assert trace.type == "scattermap"
    assert list(trace.lat) == [60.17, 65.01] and list(trace.lon) == [24.94, 25.47]
    assert trace.hovertext[0] == "Truck 1 (4)<br>updated 2026-11-20 12:00 UTC"
    assert tracker_map.figure.layout.map.style == "open-street-map"


def test_map__colour_toggle_splits_by_online_state(fleet):
    tracker_map = TrackerMap(fleet)
    tracker_map.colour_by.value = "online"
    traces = traces_by_name(tracker_map)
    assert sorted(traces) == ["offline", "online"]
    assert list(traces["online"].lat) == [60.17]
    assert list(traces["offline"].lon) == [25.47]


def test_map__trail_follows_picker_selection(fleet):
    picker = DevicePicker(fleet)
    tracker_map = TrackerMap(fleet, picker)
    assert fleet.count("trail") == 0
    picker.selected = (4,)
    trail = traces_by_name(tracker_map)[f"{TRAIL_PREFIX}Truck 1 (4)"]
    assert len(trail.lat) == 4 and trail.lat[-1] == pytest.approx(60.17)
    assert fleet.calls[-1] == ("trail", (4, "-24h", "now"))
    picker.selected = ()
    assert not any(name.startswith(TRAIL_PREFIX) for name in traces_by_name(tracker_map))


def test_map__trail_window_refetches_and_memoises(fleet):
    tracker_map = TrackerMap(fleet)
    tracker_map.picker.selected = (4,)
    tracker_map.picker.selected = (4, 5)
    assert fleet.count("trail") == 2
    tracker_map.trail_window.value = "7d"
    assert fleet.count("trail") == 4
    assert fleet.calls[-1] == ("trail", (5, "-7d", "now"))


def test_map__non_trackers_get_no_trail_call(fleet):
    tracker_map = TrackerMap(fleet)
    tracker_map.picker.selected = (1, 6)
    assert fleet.count("trail") == 0
    assert tracker_map.trails == {}


def test_map__refresh_button_refetches_positions(fleet):
    tracker_map = TrackerMap(fleet)
    tracker_map.refresh_button.click()
    assert fleet.count("locations") == 2


def test_map__errors_are_shown(fleet):
    fleet.fail["locations"] = RuntimeError("HTTP 503: down")
    tracker_map = TrackerMap(fleet)
    assert "down" in tracker_map.status.value
    assert tracker_map.figure.data == ()


def test_map__rejects_token_styles(fleet):
    with pytest.raises(ValueError, match="map_style"):
        TrackerMap(fleet, map_style="satellite")


def test_zoom_for__wider_extent_zooms_out_and_stays_in_bounds():
    import pandas as pd

    from blynkbook.panels.tracker_map import zoom_for

    city = zoom_for(pd.Series([24.90, 24.95]), pd.Series([60.15, 60.18]))
    europe = zoom_for(pd.Series([-3.7, 13.4]), pd.Series([40.0, 52.5]))
    one_point = zoom_for(pd.Series([24.9]), pd.Series([60.1]))
    assert 1 <= europe < city <= one_point <= 15


def test_map__selection_changes_restyle_traces_and_never_empty_the_map(fleet, monkeypatch):
    """plotly.js destroys the MapLibre map when a figure loses all its traces, and the one
    it rebuilds stays blank; so redraws change traces in place and never empty the map."""
    tracker_map = TrackerMap(fleet)
    figure = tracker_map.figure
    first_uid = figure.data[0].uid
    emptied = []  # per deleteTraces message sent to the browser: did it empty the map?
    original = figure._send_deleteTraces_msg

    def watch(delete_inds):
        emptied.append(len(figure.data) == 0)
        original(delete_inds)

    monkeypatch.setattr(figure, "_send_deleteTraces_msg", watch)
    tracker_map.picker.selected = (4, 5)
    assert [t.name for t in figure.data] == [
        "GPS Asset Tracker",
        f"{TRAIL_PREFIX}Truck 1 (4)",
        f"{TRAIL_PREFIX}Truck 2 (5)",
        SELECTED,
    ]
    assert figure.data[0].uid == first_uid  # the positions trace was kept, not replaced
    tracker_map.colour_by.value = "online"
    # the first trail trace became a positions trace: its trail-only line style is cleared
    assert [t.name for t in figure.data][:2] == ["offline", "online"]
    assert figure.data[1].line.width is None and figure.data[1].mode == "markers"
    tracker_map.picker.selected = ()
    assert [t.name for t in figure.data] == ["offline", "online"]
    assert emptied and not any(emptied)
    assert figure.data[0].uid == first_uid


def test_map__nothing_to_show_keeps_an_empty_placeholder_trace(fleet):
    tracker_map = TrackerMap(fleet)
    tracker_map.positions = tracker_map.positions.iloc[0:0]
    tracker_map.redraw()
    (trace,) = tracker_map.figure.data
    assert trace.type == "scattermap" and len(trace.lon) == 0 and trace.showlegend is False


# -- issue 15 ---------------------------------------------------------------------------------
def test_map__selected_devices_are_drawn_on_top_and_zoomed_to(fleet):
    tracker_map = TrackerMap(fleet)
    whole_fleet_zoom = tracker_map.figure.layout.map.zoom
    tracker_map.picker.selected = (4,)
    traces = traces_by_name(tracker_map)
    assert list(traces)[-1] == SELECTED  # drawn last: above markers and trails
    assert list(traces[SELECTED].text) == ["Truck 1"] and traces[SELECTED].marker.size == 18
    assert tracker_map.figure.layout.map.zoom > whole_fleet_zoom
    centre = tracker_map.figure.layout.map.center
    assert centre.lat == pytest.approx(60.17, abs=0.05)


def test_map__devices_at_one_spot_are_drawn_apart(fleet, monkeypatch):
    original = fleet.locations

    def same_spot():
        frame = original()
        return frame.assign(lon=24.94, lat=60.17)

    monkeypatch.setattr(fleet, "locations", same_spot)
    tracker_map = TrackerMap(fleet)
    (trace,) = traces_by_name(tracker_map).values()
    assert len(set(zip(trace.lon, trace.lat, strict=True))) == 2
    assert all("2 devices share this spot" in text for text in trace.hovertext)


def test_map__online_is_green_offline_grey(fleet):
    tracker_map = TrackerMap(fleet)
    tracker_map.colour_by.value = "online"
    traces = traces_by_name(tracker_map)
    assert traces["online"].marker.color == ONLINE_COLOURS["online"] == "#1a7f37"
    assert traces["offline"].marker.color == ONLINE_COLOURS["offline"]


def test_map__own_picker_lists_only_drawable_devices_and_says_devices(fleet):
    tracker_map = TrackerMap(fleet)
    assert [i for _, i in tracker_map.picker.choice.options] == [4, 5]
    assert "2 devices with a position" in tracker_map.status.value
    assert "tracker" not in tracker_map.status.value


def test_map__a_located_device_without_a_trail_is_said_fixed(string_fleet, monkeypatch):
    monkeypatch.setattr(string_fleet, "trail", lambda *a: pd.DataFrame({"lon": [], "lat": []}))
    tracker_map = TrackerMap(string_fleet)
    tracker_map.picker.selected = ("dev-4",)
    assert "1 selected without a trail (fixed position" in tracker_map.status.value
