"""Jupyter panels over any FleetClient: pick devices, plot history, map trackers, write.

Every panel takes a client implementing :class:`FleetClient` (``blynkbook.Blynk`` and the
Thingsee client both do) and, optionally, a shared :class:`DevicePicker`.

>>> import blynkbook as bb                     # doctest: +SKIP
>>> explore(bb.connect("demo"))                # doctest: +SKIP
"""

from __future__ import annotations

from ._fast_plotly import defer_nbformat as _defer_nbformat

_defer_nbformat()  # before anything imports plotly's widget (see _fast_plotly)

from ._protocol import FleetClient  # noqa: E402
from .dashboard import Dashboard, explore  # noqa: E402
from .history import HistoryPanel  # noqa: E402
from .picker import DevicePicker  # noqa: E402
from .tracker_map import TrackerMap  # noqa: E402
from .write import WritePanel  # noqa: E402

__all__ = [
    "Dashboard",
    "DevicePicker",
    "FleetClient",
    "HistoryPanel",
    "TrackerMap",
    "WritePanel",
    "explore",
]
