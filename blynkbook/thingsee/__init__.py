"""Haltian Thingsee through the same facade and panels as Blynk.

Reads are DataFrames, writes are checked before sending, and the client token (15 minutes)
renews itself. With no credentials the embedded Thingsee cloud runs in-process::

    import blynkbook.thingsee as ts
    cloud = ts.connect()                  # THINGSEE_* env variables, else the demo cloud
    cloud.things()                        # every group → its things, with battery and location
    cloud.messages(tuid, [12100], start="-7d")    # long tidy frame, decoded per message id
    cloud.send_command(tuid, 1500, report_interval=600)
"""

from __future__ import annotations

from ._client import INSTALLATION_STATUSES, Thingsee
from ._commands import ALLOWED_COMMAND_IDS, PARAMS
from ._connect import DEMO_BASE_URL, connect
from ._fields import FIELDS, decode_message, family_of

__all__ = [
    "ALLOWED_COMMAND_IDS",
    "DEMO_BASE_URL",
    "FIELDS",
    "INSTALLATION_STATUSES",
    "PARAMS",
    "Thingsee",
    "connect",
    "decode_message",
    "family_of",
]
