"""DevicePicker: search, filters, paging and selection, driven through its widgets."""

from __future__ import annotations

from blynkbook.panels import DevicePicker
from blynkbook.panels.picker import ANY


def ids_on_page(picker):
    return [device_id for _, device_id in picker.choice.options]


def test_picker__lists_every_device_with_name_and_id_labels(fleet):
    picker = DevicePicker(fleet)
    assert ids_on_page(picker) == [1, 2, 3, 4, 5, 6]
    assert picker.choice.options[0] == ("Roof Weather (1) · Weather Station", 1)
    assert picker.template.options == (ANY, "GPS Asset Tracker", "Smart Plug", "Weather Station")


def test_picker__search_matches_name_case_insensitively_and_id(fleet):
    picker = DevicePicker(fleet)
    picker.search.value = "TRUCK"
    assert ids_on_page(picker) == [4, 5]
    picker.search.value = "6"
    assert ids_on_page(picker) == [6]


def test_picker__template_filter(fleet):
    picker = DevicePicker(fleet)
    picker.template.value = "Weather Station"
    assert ids_on_page(picker) == [1, 2, 3]
    assert not any("Truck" in label for label, _ in picker.choice.options)


def test_picker__tag_filter_fetches_tags_lazily_once(fleet):
    picker = DevicePicker(fleet)
    assert fleet.count("tags") == 0
    picker.tag.value = "north"
    assert ids_on_page(picker) == [1, 3]
    assert fleet.count("tags") == 6
    picker.tag.value = "fleet"
    assert ids_on_page(picker) == [4, 5]
    assert fleet.count("tags") == 6
    assert "north" in picker.tag.options


def test_picker__online_filter_is_memoised(fleet):
    picker = DevicePicker(fleet)
    picker.online.value = "offline"
    assert ids_on_page(picker) == [2, 5]
    picker.online.value = "online"
    assert ids_on_page(picker) == [1, 3, 4, 6]
    assert fleet.count("online") == 6


def test_picker__without_extras_disables_those_filters(bare_fleet):
    picker = DevicePicker(bare_fleet)
    assert picker.tag.disabled and picker.online.disabled
    picker.online.value = "online"
    assert len(ids_on_page(picker)) == 6


def test_picker__pages_hold_only_page_size_options(fleet):
    picker = DevicePicker(fleet, page_size=4)
    assert ids_on_page(picker) == [1, 2, 3, 4]
    assert picker.prev.disabled and not picker.next.disabled
    picker.next.click()
    assert ids_on_page(picker) == [5, 6]
    assert picker.next.disabled
    assert "page 2/2" in picker.page_info.value
    picker.prev.click()
    assert picker.page == 0


def test_picker__selection_survives_paging_and_fires_on_change(fleet):
    picker = DevicePicker(fleet, page_size=4)
    seen = []
    picker.on_change(seen.append)
    picker.choice.value = (2, 3)
    picker.next.click()
    picker.choice.value = (5,)
    assert picker.selected == (2, 3, 5)
    picker.prev.click()
    assert picker.choice.value == (2, 3)
    picker.choice.value = (3,)
    assert picker.selected == (3, 5)
    assert seen[-1] == (3, 5)


def test_picker__selected_setter_and_clear(fleet):
    picker = DevicePicker(fleet)
    seen = []
    picker.on_change(seen.append)
    picker.selected = (4, 1)
    assert picker.choice.value == picker.selected == (4, 1)  # the order given, not sorted
    assert seen == [(4, 1)]
    picker.selected = (4, 1)
    assert len(seen) == 1
    picker.clear.click()
    assert picker.selected == () and seen[-1] == ()


def test_picker__on_change_remove(fleet):
    picker = DevicePicker(fleet)
    seen = []
    picker.on_change(seen.append)
    picker.on_change(seen.append, remove=True)
    picker.selected = (1,)
    assert seen == []


def test_picker__failing_callback_is_shown_not_raised(fleet):
    picker = DevicePicker(fleet)

    def broken(selected):
        raise RuntimeError("boom")

    picker.on_change(broken)
    picker.selected = (1,)
    assert isinstance(picker.last_error, RuntimeError)
    assert "boom" in picker.status.value


def test_picker__client_error_is_shown_in_status(fleet):
    fleet.fail["devices"] = ConnectionError("cloud unreachable")
    picker = DevicePicker(fleet)
    assert "cloud unreachable" in picker.status.value
    assert picker.choice.options == ()


def test_picker__string_ids(string_fleet):
    picker = DevicePicker(string_fleet)
    picker.choice.value = ("dev-4",)
    assert picker.selected == ("dev-4",)


def test_picker__online_column_in_devices_frame_saves_the_calls(bare_fleet, monkeypatch):
    listing = bare_fleet.devices()
    monkeypatch.setattr(
        bare_fleet, "devices", lambda: listing.assign(online=[True, False, True, True, False, True])
    )
    picker = DevicePicker(bare_fleet)
    assert not picker.online.disabled
    picker.online.value = "offline"
    assert ids_on_page(picker) == [2, 5]


# -- issue 15 ---------------------------------------------------------------------------------
def test_picker__one_choice_control_naming_each_device_in_full(fleet):
    import ipywidgets as widgets

    picker = DevicePicker(fleet)
    choosers = [
        w
        for w in picker.children
        if isinstance(w, widgets.SelectMultiple | widgets.HTML) and w is not picker.status
    ]
    assert choosers == [picker.choice]
    assert picker.choice.layout.width == "auto" and picker.choice.style.description_width
    assert ("Kitchen Plug (6) · Smart Plug", 6) in picker.choice.options


def test_picker__tag_search_ignores_case_and_lists_every_tag(fleet):
    picker = DevicePicker(fleet)
    picker.tag.value = "NORTH"
    assert ids_on_page(picker) == [1, 3]
    assert list(picker.tag.options) == ["field", "fleet", "north", "roof"]
    picker.tag.value = "Fle"
    assert ids_on_page(picker) == [4, 5]
