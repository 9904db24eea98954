"""The dashboard and the panels' public names."""

from __future__ import annotations

import blynkbook.panels as panels
from blynkbook.panels import Dashboard, explore


def test_exports_are_sorted_and_present():
    assert panels.__all__ == sorted(panels.__all__)
    for name in panels.__all__:
        assert hasattr(panels, name)
    assert "FleetClient" in panels.__all__


def test_fake_client_satisfies_the_protocol(fleet):
    assert isinstance(fleet, panels.FleetClient)


def test_explore__one_picker_drives_every_panel(fleet):
    board = explore(fleet)
    assert isinstance(board, Dashboard)
    assert board.children == (board.picker, board.tabs)
    assert board.tabs.titles == ("History", "Map", "Write")
    for panel in (board.history, board.map, board.write):
        assert panel.picker is board.picker
        assert board.picker not in panel.children
    board.picker.selected = (4, 6)
    assert "Speed" in board.history.streams.options
    assert any(trace.name.startswith("trail: Truck 1") for trace in board.map.figure.data)
    assert "Mode" in board.write.fields


def test_explore__page_size_reaches_the_picker(fleet):
    board = explore(fleet, page_size=2)
    assert len(board.picker.choice.options) == 2
