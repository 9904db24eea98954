"""The dashboard: one device picker driving history, map and writes.

>>> import blynkbook as bb                 # doctest: +SKIP
>>> board = explore(bb.connect("demo"))     # doctest: +SKIP
>>> board.picker.selected = (1, 25)         # doctest: +SKIP
>>> board.tabs.selected_index = 1           # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from ._protocol import FleetClient
from .history import HistoryPanel
from .picker import DevicePicker
from .tracker_map import TrackerMap
from .write import WritePanel

__all__ = ["TAB_TITLES", "Dashboard", "explore"]

TAB_TITLES = ("History", "Map", "Write")
HTML_EMPTY = {"text/plain": ""}


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


PLACEHOLDER = "<i>blynkbook: building the dashboard (devices, schemas, positions)…</i>"


def _placeholder() -> Any:
    """A line shown at once in the running notebook while the dashboard is built (None
    outside IPython)."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    if get_ipython() is None:
        return None
    return display(HTML(PLACEHOLDER), display_id=True)  # type: ignore[no-untyped-call]


def explore(client: FleetClient, *, page_size: int = 50) -> Dashboard:
    """The whole kit in one widget: pick devices, plot history, see trackers, send writes.

    In a notebook a placeholder line shows while the first requests run.

    >>> board = explore(bb.connect("demo"))     # doctest: +SKIP
    """
    shown = _placeholder()
    try:
        return Dashboard(client, page_size=page_size)
    finally:
        if shown is not None:
            shown.update(HTML_EMPTY, raw=True)
