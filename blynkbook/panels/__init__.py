"""Jupyter panels over any FleetClient: pick devices, plot history, map trackers, write.

Every panel takes a client implementing :class:`FleetClient` (``blynkbook.Blynk`` and the
Thingsee client both do) and, optionally, a shared :class:`DevicePicker`.

>>> import blynkbook as bb                     # doctest: +SKIP
>>> explore(bb.connect("demo"))                # doctest: +SKIP
"""

from __future__ import annotations

from ._protocol import FleetClient
from .dashboard import Dashboard, explore
from .history import HistoryPanel
from .picker import DevicePicker
from .tracker_map import TrackerMap
from .write import WritePanel

__all__ = [
    "Dashboard",
    "DevicePicker",
    "FleetClient",
    "HistoryPanel",
    "TrackerMap",
    "WritePanel",
    "explore",
]
