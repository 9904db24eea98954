"""Column specs of every Thingsee frame, so empty results have the same columns and dtypes
(dtype names as in :mod:`blynkbook._frames`; Thingsee times are epoch seconds).

>>> empty = frame([], GROUPS)
>>> list(empty.columns), len(empty)
(['group_id', 'description'], 0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import pandas as pd

from blynkbook import contract
from blynkbook._frames import Spec, coerce, frame_from_records

__all__ = [
    "ALERTS",
    "COMMANDS",
    "DATASTREAMS",
    "DEVICES",
    "GROUPS",
    "HISTORY",
    "INSTALLATIONS",
    "LOCATIONS",
    "MESSAGES",
    "PULL_REPORT",
    "SCHEMA",
    "THINGS",
    "TIME",
    "TRAIL",
    "WRITE_REPORT",
    "conform",
    "frame",
]

TIME: Final = "time"

GROUPS: Spec = {"group_id": "str", "description": "str"}
THINGS: Spec = {
    "tuid": "str",
    "group_id": "str",
    "product": "str",
    "battery_level": "float64",
    "last_seen": TIME,
    "lat": "float64",
    "lon": "float64",
    "gateway_tuid": "str",
    "version": "str",
}
MESSAGES: Spec = contract.MESSAGES.spec(id_dtype="str")
ALERTS: Spec = {"tuid": "str", "alert_type": "str", "start": TIME, "end": TIME, "active": "bool"}
COMMANDS: Spec = {
    "time": TIME,
    "tuid": "str",
    "tsm_id": "int64",
    "tsm_ev": "int64",
    "responsible": "str",
    "params": "object",
}
INSTALLATIONS: Spec = {"time": TIME, "tuid": "str", "status": "str", "responsible": "str"}
DEVICES: Spec = {
    "device_id": "str",
    "name": "str",
    "template": "str",
    "online": "bool",
    "group_id": "str",
    "battery_level": "float64",
    "last_seen": TIME,
}
DATASTREAMS: Spec = {
    "device_id": "str",
    "label": "str",
    "value": "float64",
    "unit": "str",
    "updated_at": TIME,
}
SCHEMA: Spec = {
    "label": "str",
    "type": "str",
    "min": "float64",
    "max": "float64",
    "options": "object",
    "writable": "bool",
    "history": "bool",
    "units": "str",
}
HISTORY: Spec = contract.HISTORY.spec(id_dtype="str")
LOCATIONS: Spec = contract.LOCATIONS.spec(id_dtype="str")
TRAIL: Spec = contract.TRAIL.spec(id_dtype="str")
#: What ``Thingsee.pull()`` returns, one row a thing.
PULL_REPORT: Spec = {"device_id": "str", "requests": "int64", "messages_fetched": "int64"}
WRITE_REPORT: Spec = contract.WRITE_REPORT.spec(id_dtype="str")


def frame(rows: Sequence[Mapping[str, Any]], spec: Spec) -> pd.DataFrame:
    """A frame with exactly ``spec``'s columns and dtypes; time columns hold epoch seconds
    (:func:`blynkbook._frames.frame_from_records`, Thingsee's epoch)."""
    return frame_from_records(rows, spec, epoch="s")


def conform(data: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """``data`` reduced to ``spec``'s columns in order, each cast to its dtype, on a fresh
    index; time columns may hold epoch seconds or datetimes already
    (:func:`blynkbook._frames.coerce`, Thingsee's epoch)."""
    return coerce(data, spec, epoch="s")
