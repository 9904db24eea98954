"""``Thingsee``: the Open Services API as DataFrames, plus the panels' ``FleetClient`` protocol.

The client is thin: each resource is a module owning its paths, parsers and methods
(:mod:`._client_groups`, :mod:`._client_messages`, :mod:`._client_commands`), the
``FleetClient`` adapter is :mod:`._fleet`, and the shared state is :mod:`._base`.

>>> import blynkbook.thingsee as ts
>>> cloud = ts.connect("demo")
>>> cloud.groups().shape[1]
2
"""

from __future__ import annotations

from ._base import MAX_MESSAGE_LIMIT
from ._client_commands import INSTALLATION_STATUSES
from ._fleet import FleetAdapter

__all__ = ["INSTALLATION_STATUSES", "MAX_MESSAGE_LIMIT", "Thingsee"]


class Thingsee(FleetAdapter):
    """A Haltian Thingsee deployment seen through its Open Services API.

    Build one with :func:`blynkbook.thingsee.connect`. Reads return DataFrames; writes are
    checked before anything is sent. The same object drives every panel
    (:class:`blynkbook.panels.FleetClient`).
    """
