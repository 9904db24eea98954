"""The dashboard: one device picker driving history, map and writes.

>>> import blynkbook as bb                 # doctest: +SKIP
>>> board = explore(bb.connect("demo"))     # doctest: +SKIP
>>> board.picker.selected = (1, 25)         # doctest: +SKIP
>>> board.tabs.selected_index = 1           # doctest: +SKIP
"""

from __future__ import annotations

import ipywidgets as widgets

from ._protocol import FleetClient
from .history import HistoryPanel
from .picker import DevicePicker
from .tracker_map import TrackerMap
from .write import WritePanel

__all__ = ["TAB_TITLES", "Dashboard", "explore"]

TAB_TITLES = ("History", "Map", "Write")


class Dashboard(widgets.VBox):  # type: ignore[misc]
    """The picker on top, then tabs for history, the tracker map and writes.

    All three panels follow the same picker, so one selection drives them all.

    **Attributes:** ``picker``, ``history``, ``map``, ``write``, ``tabs``.
    """

    def __init__(self, client: FleetClient, *, page_size: int = 50) -> None:
        self.client = client
        self.picker = DevicePicker(client, page_size=page_size)
        self.history = HistoryPanel(client, self.picker)
        self.map = TrackerMap(client, self.picker)
        self.write = WritePanel(client, self.picker)
        self.tabs = widgets.Tab(children=(self.history, self.map, self.write), titles=TAB_TITLES)
        super().__init__(children=(self.picker, self.tabs))


def explore(client: FleetClient, *, page_size: int = 50) -> Dashboard:
    """The whole kit in one widget: pick devices, plot history, see trackers, send writes.

    >>> board = explore(bb.connect("demo"))     # doctest: +SKIP
    """
    return Dashboard(client, page_size=page_size)
