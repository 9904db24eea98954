"""WritePanel: inputs by type, preview, explicit confirm, report."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from blynkbook.panels import DevicePicker, WritePanel


@pytest.fixture
def plug_panel(fleet):
    panel = WritePanel(fleet)
    panel.picker.selected = (6,)
    return panel


def test_write__one_input_per_writable_datastream_by_type(fleet):
    panel = WritePanel(fleet)
    panel.picker.selected = (1, 6)
    assert list(panel.fields) == ["Temperature", "Power Switch", "Mode", "Power", "Note"]
    editor = {label: field.editors for label, field in panel.fields.items()}
    assert isinstance(editor["Temperature"][0], widgets.BoundedFloatText)
    assert (editor["Temperature"][0].min, editor["Temperature"][0].max) == (-40.0, 60.0)
    assert isinstance(editor["Power Switch"][0], widgets.ToggleButton)
    assert isinstance(editor["Mode"][0], widgets.Dropdown)
    assert editor["Mode"][0].options == ("eco", "comfort", "boost")
    assert isinstance(editor["Note"][0], widgets.Text)
    assert "(1/2)" in panel.fields["Mode"].row.children[-1].value


def test_write__int_and_location_editors(fleet, monkeypatch, templates):
    monkeypatch.setitem(
        templates,
        "Smart Plug",
        [
            ("Level", "int", 0, 10, [], True, True),
            ("Where", "location", None, None, [], True, False),
            ("Free", "double", None, None, [], True, True),
        ],
    )
    panel = WritePanel(fleet)
    panel.picker.selected = (6,)
    level, where, free = (panel.fields[k] for k in ("Level", "Where", "Free"))
    assert isinstance(level.editors[0], widgets.BoundedIntText) and level.editors[0].max == 10
    assert isinstance(free.editors[0], widgets.FloatText)
    where.editors[0].value, where.editors[1].value = 24.9, 60.2
    assert where.value() == [24.9, 60.2]


def test_write__no_write_without_confirm(plug_panel, fleet):
    plug_panel.fields["Mode"].editors[0].value = "boost"
    plug_panel.fields["Power Switch"].editors[0].value = True
    plug_panel.fields["Note"].editors[0].value = "hello"
    plug_panel.preview_button.click()
    plug_panel.preview_button.click()
    assert fleet.writes == []
    assert fleet.count("write") == 0
    assert not plug_panel.confirm_button.disabled


def test_write__preview_shows_exactly_what_confirm_sends(plug_panel, fleet):
    plug_panel.fields["Mode"].editors[0].value = "boost"
    plug_panel.fields["Power Switch"].editors[0].value = True
    plan = plug_panel.show_preview()
    assert plan[["datastream", "value", "action"]].values.tolist() == [
        ["Power Switch", 1, "send"],
        ["Mode", "boost", "send"],
    ]
    assert "boost" in plug_panel.preview.value
    plug_panel.confirm_button.click()
    assert fleet.writes == [(6, {"Power Switch": 1, "Mode": "boost"})]
    assert plug_panel.report["status"].tolist() == ["written", "written"]
    assert "written" in plug_panel.report_table.value
    assert plug_panel.confirm_button.disabled  # a second click cannot send twice
    plug_panel.confirm_button.click()
    assert len(fleet.writes) == 1


def test_write__changing_a_value_after_preview_withdraws_it(plug_panel, fleet):
    plug_panel.fields["Mode"].editors[0].value = "comfort"
    plug_panel.preview_button.click()
    plug_panel.fields["Mode"].editors[0].value = "boost"
    assert plug_panel.confirm_button.disabled
    assert "preview again" in plug_panel.preview.value
    plug_panel.confirm()
    assert fleet.writes == []


def test_write__unticked_fields_are_not_sent(plug_panel, fleet):
    plug_panel.fields["Mode"].editors[0].value = "comfort"
    plug_panel.fields["Note"].editors[0].value = "x"
    plug_panel.fields["Note"].include.value = False
    plug_panel.preview_button.click()
    plug_panel.confirm_button.click()
    assert fleet.writes == [(6, {"Mode": "comfort"})]


def test_write__default_value_is_sent_when_ticked_by_hand(plug_panel, fleet):
    plug_panel.fields["Mode"].include.value = True
    plug_panel.preview_button.click()
    plug_panel.confirm_button.click()
    assert fleet.writes == [(6, {"Mode": "eco"})]


def test_write__nothing_ticked_is_explained(plug_panel, fleet):
    plug_panel.preview_button.click()
    assert "tick at least one" in plug_panel.status.value
    assert plug_panel.confirm_button.disabled


def test_write__devices_without_the_datastream_are_skipped_with_reason(fleet):
    picker = DevicePicker(fleet)
    panel = WritePanel(fleet, picker)
    picker.selected = (6, 1)
    panel.fields["Mode"].editors[0].value = "comfort"
    panel.preview_button.click()
    panel.confirm_button.click()
    assert fleet.writes == [(6, {"Mode": "comfort"})]
    report = panel.report.set_index("device_id")
    assert report.loc[6, "status"] == "written"
    assert report.loc[1, "status"] == "skipped"
    assert "no writable 'Mode'" in report.loc[1, "reason"]


def test_write__client_refusal_becomes_a_skipped_row(plug_panel, fleet):
    fleet.fail["write"] = ValueError("value 9 is above its maximum 1")
    seen = []
    plug_panel.on_submit(seen.append)
    plug_panel.fields["Mode"].editors[0].value = "comfort"
    plug_panel.preview_button.click()
    plug_panel.confirm_button.click()
    assert plug_panel.report["status"].tolist() == ["skipped"]
    assert "above its maximum" in plug_panel.report["reason"].iloc[0]
    assert "0 written, 1 skipped" in plug_panel.status.value
    assert seen and seen[0] is plug_panel.report


def test_write__selection_change_rebuilds_form_and_withdraws_preview(fleet):
    panel = WritePanel(fleet)
    panel.picker.selected = (6,)
    panel.fields["Mode"].editors[0].value = "comfort"
    panel.preview_button.click()
    panel.picker.selected = (1,)
    assert list(panel.fields) == ["Temperature"]
    assert panel.confirm_button.disabled
    panel.confirm_button.click()
    assert fleet.writes == []


def test_write__one_device_s_inputs_start_at_its_values_now(fleet):
    fleet.values.update(
        {(6, "Power Switch"): 1, (6, "Mode"): "comfort", (6, "Power"): 5000.0, (6, "Note"): "lab"}
    )
    panel = WritePanel(fleet)
    panel.picker.selected = (6,)
    start = {label: field.editors[0].value for label, field in panel.fields.items()}
    assert start == {"Power Switch": True, "Mode": "comfort", "Power": 3000.0, "Note": "lab"}
    assert not any(field.include.value for field in panel.fields.values())  # nothing ticked
    assert "now: lab" in panel.fields["Note"].row.children[-1].value
    panel.picker.selected = (5, 6)  # several devices: neutral defaults, no value reads
    reads = fleet.count("datastreams")
    panel.picker.selected = (1, 6)
    assert fleet.count("datastreams") == reads
    assert panel.fields["Note"].editors[0].value == ""


def test_write__demo_enum_keys_map_to_their_labels(demo_cloud):
    panel = WritePanel(demo_cloud)
    panel.picker.selected = (41,)
    now = demo_cloud.datastreams(41).set_index("label")["value"]
    assert panel.fields["Mode"].editors[0].value == now["Mode"]  # datastreams() gives the label
    assert panel.fields["Power Switch"].editors[0].value == bool(int(now["Power Switch"]))
    assert panel.fields["Note"].editors[0].value == now["Note"]


def test_write__values_that_cannot_be_read_leave_defaults(fleet, monkeypatch):
    def broken(device_id):
        raise RuntimeError("cloud down")

    monkeypatch.setattr(fleet, "datastreams", broken)
    panel = WritePanel(fleet)
    panel.picker.selected = (6,)
    assert panel.fields["Mode"].editors[0].value == "eco" and panel.last_error is None


# -- issue 15 ---------------------------------------------------------------------------------
def test_write__zero_writable_datastreams_says_why(fleet):
    """Point 4: "0 writable datastreams" comes with its reason."""
    panel = WritePanel(fleet)
    assert "select a device" in panel.status.value
    panel.picker.selected = (4,)
    assert "it takes no writes (GPS Asset Tracker), it only reports" in panel.status.value
    panel.picker.selected = (4, 5)
    assert "none of the selected devices takes writes" in panel.status.value


def test_write__an_error_goes_away_once_the_form_changes(fleet):
    panel = WritePanel(fleet)
    panel.picker.selected = (6,)
    panel.preview_button.click()  # nothing ticked
    assert panel.last_error is not None and "tick at least one" in panel.status.value
    panel.fields["Power"].editors[0].value = 100.0
    assert panel.last_error is None and "failed" not in panel.status.value


def test_write__enum_shows_labels_in_report_and_now_is_refreshed(demo_cloud):
    """Point 5: labels, not keys; "now:" follows Confirm."""
    plug = int(demo_cloud.devices().query("template == 'Smart Plug'")["device_id"].iloc[0])
    panel = WritePanel(demo_cloud)
    panel.picker.selected = (plug,)
    target = "boost" if panel.fields["Mode"].editors[0].value != "boost" else "eco"
    panel.fields["Mode"].editors[0].value = target
    panel.preview_button.click()
    panel.confirm_button.click()
    assert panel.report["value"].tolist() == [target]
    assert f"<td>{target}</td>" in panel.report_table.value
    tail = panel.fields["Mode"].row.children[-1].value
    assert tail == f"now: {target}"
    assert panel.fields["Mode"].editors[0].value == target
    assert "1 written, 0 skipped" in panel.status.value


def test_write__now_after_confirm_is_what_the_cloud_reports_not_what_was_sent(fleet):
    """Point 5: after Confirm the form asks the cloud again; a cloud that stores another
    value (a clamp) or answers an enum by its label is shown as it answers."""
    panel = WritePanel(fleet)
    panel.picker.selected = (6,)
    sent = fleet.write

    def clamping_write(device_id, values):
        report = sent(device_id, values)
        fleet.values[(device_id, "Power")] = 99.5  # the device kept a different value
        fleet.values[(device_id, "Mode")] = "boost"  # values() answering labels
        return report

    fleet.write = clamping_write
    panel.fields["Power"].editors[0].value = 100.0
    panel.fields["Power"].include.value = True
    panel.fields["Mode"].editors[0].value = "boost"
    panel.fields["Mode"].include.value = True
    panel.preview_button.click()
    fleet.calls.clear()
    panel.confirm_button.click()
    assert [name for name, _ in fleet.calls][-1] == "datastreams"  # asked after the write
    assert panel.fields["Power"].row.children[-1].value.endswith("now: 99.5")
    assert panel.fields["Mode"].row.children[-1].value.endswith("now: boost")
    assert panel.fields["Power"].editors[0].value == 99.5
