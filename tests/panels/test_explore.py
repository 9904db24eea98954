"""The dashboard and the panels' public names."""

from __future__ import annotations

import blynkbook.panels as panels
from blynkbook.panels import Dashboard, explore


def test_exports_are_present():  # the order is ruff's RUF022's to check
    for name in panels.__all__:
        assert hasattr(panels, name)
    assert "FleetClient" in panels.__all__


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


def test_explore__shows_a_placeholder_at_once_and_clears_it(fleet, monkeypatch):
    """Point 8: something shows while the first requests run, and goes when done."""
    import IPython
    import IPython.display

    from blynkbook.panels import dashboard

    shown = []

    class Handle:
        def update(self, obj, raw=False):
            shown.append(("update", obj, raw))

    def display(obj, display_id=False):
        shown.append(("display", obj.data, fleet.count("devices")))
        return Handle()

    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", display)
    board = dashboard.explore(fleet)
    assert shown[0] == ("display", dashboard.PLACEHOLDER, 0)  # before the first request
    assert shown[-1] == ("update", {"text/plain": ""}, True)
    assert board.picker.fleet is not None
