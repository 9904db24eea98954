"""The panels against the embedded demo clouds (Blynk, and Thingsee for the protocol)."""

from __future__ import annotations

import pytest

from blynkbook.panels import DevicePicker, HistoryPanel, TrackerMap, WritePanel, explore
from blynkbook.panels._common import _COLOURS


def first_of(cloud, template):
    fleet = cloud.devices()
    return fleet.loc[fleet["template"] == template, "device_id"].iloc[0]


def current(cloud, device_id, label):
    frame = cloud.datastreams(device_id)
    return frame.set_index("label").loc[label, "value"]


def test_demo__picker_filters_the_fleet(demo_cloud):
    picker = DevicePicker(demo_cloud, page_size=25)
    assert len(picker.matches) == len(demo_cloud.devices())
    assert len(picker.choice.options) == 25
    picker.template.value = "GPS Asset Tracker"
    assert set(picker.matches["template"]) == {"GPS Asset Tracker"}
    tags = demo_cloud.tags(first_of(demo_cloud, "Smart Plug"))["name"].tolist()
    picker.template.value = "(any)"
    picker.tag.value = tags[0]
    assert first_of(demo_cloud, "Smart Plug") in set(picker.matches["device_id"])


def test_demo__history_of_a_weather_station(demo_cloud):
    panel = HistoryPanel(demo_cloud)
    station = first_of(demo_cloud, "Weather Station")
    panel.picker.selected = (station,)
    assert "Temperature" in panel.streams.options
    panel.streams.value = ("Temperature", "Humidity")
    panel.range_choice.value = "7d"
    panel.load_button.click()
    assert panel.last_error is None, panel.status.value
    assert len(panel.data_traces) == 2
    assert len(panel.data_traces[0].y) == (panel.data["datastream"] == "Temperature").sum() > 0


def test_demo__map_shows_every_located_tracker_and_a_trail(demo_cloud):
    tracker_map = TrackerMap(demo_cloud, map_style="white-bg")
    located = demo_cloud.locations()
    shown = [device for t in tracker_map.figure.data for device in t.customdata]
    assert sorted(shown) == sorted(located["device_id"].astype(str))  # every one, once
    tracker = located["device_id"].iloc[0]
    tracker_map.picker.selected = (tracker,)
    trails = [t for t in tracker_map.figure.data if t.name.startswith("trail: ")]
    assert len(trails) == 1 and len(trails[0].lat) > 10


def test_demo__write_is_sent_only_on_confirm_and_reads_back(demo_cloud):
    plug = first_of(demo_cloud, "Smart Plug")
    panel = WritePanel(demo_cloud)
    panel.picker.selected = (plug,)
    before = current(demo_cloud, plug, "Note")
    panel.fields["Note"].editors[0].value = "written from the panel"
    panel.fields["Mode"].editors[0].value = (
        "comfort" if current(demo_cloud, plug, "Mode") != 1 else "boost"
    )
    panel.preview_button.click()
    assert current(demo_cloud, plug, "Note") == before  # preview sends nothing
    wanted_mode = panel.fields["Mode"].editors[0].value
    panel.confirm_button.click()
    assert panel.report["status"].tolist() == ["written", "written"], panel.report
    assert current(demo_cloud, plug, "Note") == "written from the panel"
    assert current(demo_cloud, plug, "Mode") == wanted_mode  # datastreams() answers labels
    mode_key = {"eco": 0, "comfort": 1, "boost": 2}[wanted_mode]
    raw = demo_cloud.datastreams(plug, labels=False).set_index("label").loc["Mode", "value"]
    assert int(raw) == mode_key


def test_demo__out_of_range_write_is_reported_not_raised(demo_cloud):
    plug = first_of(demo_cloud, "Smart Plug")
    panel = WritePanel(demo_cloud)
    panel.picker.selected = (plug,)
    panel.fields["Note"].editors[0].value = "x" * 2000  # over the 1024-byte limit
    panel.preview_button.click()
    panel.confirm_button.click()
    assert panel.report["status"].tolist() == ["skipped"]
    assert "1024" in panel.report["reason"].iloc[0]


def test_demo__thingsee_client_drives_the_same_panels():
    thingsee = pytest.importorskip("blynkbook.thingsee")
    cloud = thingsee.connect("demo")
    board = explore(cloud)
    sensor = first_of(cloud, "environment")
    board.picker.selected = (sensor,)
    assert "temperature" in board.history.streams.options
    board.history.streams.value = ("temperature",)
    board.history.load_button.click()
    assert board.history.last_error is None, board.history.status.value
    assert len(board.history.data_traces) == 1
    assert sum(len(t.lat) for t in board.map.figure.data) >= len(cloud.locations())
    board.tabs.selected_index = board.tabs.titles.index("Write")
    assert list(board.write.fields) == ["report_interval", "measurement_interval"]
    tail = board.write.fields["report_interval"].row.children[-1].value
    assert tail.split()[0] == "s", tail  # the unit, from the schema's units column


def test_demo__thingsee_write_tab_shows_a_refused_value_as_an_error_and_sends_nothing():
    thingsee = pytest.importorskip("blynkbook.thingsee")
    cloud = thingsee.connect("demo", now="2026-11-20T12:00:00Z")
    sensor = first_of(cloud, "environment")
    panel = WritePanel(cloud)
    panel.picker.selected = (sensor,)
    editor = panel.fields["report_interval"].editors[0]
    editor.min = 1  # an editor that lets a value below the setting's 60 s through
    editor.value = 5
    panel.preview_button.click()
    sent = len(cloud.commands(sensor))
    panel.confirm_button.click()
    assert panel.report["status"].tolist() == ["skipped"]
    reason = panel.report["reason"].iloc[0]
    assert "WriteValueError" in reason and "report_interval=5" in reason and "60..86400" in reason
    assert _COLOURS["error"] in panel.status.value and "1 skipped" in panel.status.value
    assert len(cloud.commands(sensor)) == sent  # the client refused before sending
