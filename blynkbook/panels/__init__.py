"""Jupyter panels over any FleetClient: pick devices, plot history, map trackers, write.

>>> import blynkbook as bb                     # doctest: +SKIP
>>> bb.panels.explore(bb.connect("demo"))      # doctest: +SKIP
"""

from __future__ import annotations

from ._protocol import FleetClient
from .history import HistoryPanel
from .picker import DevicePicker
from .tracker_map import TrackerMap
from .write import WritePanel

__all__ = ["DevicePicker", "FleetClient", "HistoryPanel", "TrackerMap", "WritePanel"]
