"""The FleetClient contract as data: the frame each method the panels and notebooks use returns.

:class:`blynkbook.panels.FleetClient` names the methods; this module states what comes
back, so that a test can hold every client to it (``tests/test_contract.py`` runs over the
Blynk demo, the Thingsee demo and the panels' fake). It lives at the package root, not in
``panels/``, because both facades answer to it and a facade never imports the panels.

Dtype names are those of :mod:`blynkbook._frames` (``"int64"``, ``"str"``, ``"float64"``,
``"bool"``, ``"object"``, ``"time"`` for ``datetime64[ms, UTC]``) plus two of the contract's
own: ``"id"`` (a device id: int64 on Blynk, str on Thingsee, the same in every frame of one
client) and ``"any"`` (no dtype promised).

>>> frame = pd.DataFrame({"lon": [1.5], "lat": [2.5]}, index=pd.DatetimeIndex(
...     ["2026-11-20"], name="time").as_unit("ms").tz_localize("UTC"))
>>> differences(frame, TRAIL)
[]
>>> differences(frame.reset_index(), TRAIL)  # doctest: +NORMALIZE_WHITESPACE
['trail: index is a RangeIndex, not a DatetimeIndex named time',
 "trail: unexpected column 'time' (the contract lists exactly lon, lat)"]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import pandas as pd

from blynkbook._frames import TIME_DTYPE

__all__ = [
    "DATASTREAMS",
    "DEVICES",
    "HISTORY",
    "LOCATIONS",
    "MESSAGES",
    "METHODS",
    "ONLINE",
    "SCHEMA",
    "SCHEMA_TYPES",
    "TAGS",
    "TRAIL",
    "WRITE_REPORT",
    "WRITE_STATUSES",
    "FrameContract",
    "conforms",
    "differences",
    "write_report_differences",
]

_Index = Literal["range", "time"]

SCHEMA_TYPES: Final = frozenset({"double", "int", "enum", "switch", "string", "location"})
WRITE_STATUSES: Final = frozenset({"written", "failed"})


@dataclass(frozen=True)
class FrameContract:
    """What one method's frame looks like, with data and when empty.

    - ``columns``: required columns → dtype name; with ``exact`` no other column may
      appear, else a facade may add its own after them (Blynk's ``alias``, ``pin``, …).
    - ``index``: ``"range"`` (a fresh ``RangeIndex``) or ``"time"`` (a ``DatetimeIndex``
      named ``time`` in ``datetime64[ms, UTC]``).
    - ``sort``: the keys the rows are sorted by, ascending (``"time"`` may be the index).
    - ``allowed``: column → the only values it may hold.
    - ``not_null``: columns that never hold a missing value.
    - An empty result has the same columns, dtypes and index kind, and no rows.
    """

    name: str
    columns: Mapping[str, str]
    index: _Index = "range"
    sort: tuple[str, ...] = ()
    exact: bool = False
    allowed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    not_null: tuple[str, ...] = ()
    rows: str = ""

    def spec(self, *, id_dtype: str) -> dict[str, str]:
        """The :mod:`blynkbook._frames` spec a facade builds this frame from: ``"id"``
        columns as ``id_dtype``, a ``"time"`` index as the first column (set as the index
        once the frame is built).

        >>> TRAIL.spec(id_dtype="int64")
        {'time': 'time', 'lon': 'float64', 'lat': 'float64'}
        """
        columns = {c: id_dtype if d == "id" else d for c, d in self.columns.items()}
        return {"time": "time", **columns} if self.index == "time" else columns


DEVICES = FrameContract(
    "devices",
    {"device_id": "id", "name": "str", "template": "str"},
    sort=("device_id",),
    not_null=("device_id",),
    rows="one row per device the client can see",
)
DATASTREAMS = FrameContract(
    "datastreams",
    {"device_id": "id", "label": "str", "value": "any", "updated_at": "time"},
    rows="one row per datastream of the device that has a current value",
)
SCHEMA = FrameContract(
    "schema",
    {
        "label": "str",
        "type": "str",
        "units": "str",
        "min": "float64",
        "max": "float64",
        "options": "object",
        "writable": "bool",
        "history": "bool",
    },
    allowed={"type": SCHEMA_TYPES},
    not_null=("label", "type", "units"),
    rows="one row per datastream; units '' when none; options a list of labels (enums)",
)
HISTORY = FrameContract(
    "history",
    {"device_id": "id", "datastream": "str", "value": "float64"},
    index="time",
    sort=("device_id", "datastream", "time"),
    exact=True,
    rows="one row per point; the datastream column holds the label",
)
LOCATIONS = FrameContract(
    "locations",
    {
        "device_id": "id",
        "name": "str",
        "template": "str",
        "online": "bool",
        "lon": "float64",
        "lat": "float64",
        "updated_at": "time",
    },
    sort=("device_id",),
    exact=True,
    not_null=("device_id", "lon", "lat"),
    rows="one row per device that has a position, and only those",
)
TRAIL = FrameContract(
    "trail",
    {"lon": "float64", "lat": "float64"},
    index="time",
    sort=("time",),
    exact=True,
    not_null=("lon", "lat"),
    rows="one row per position of one device; empty when it keeps no position history",
)
WRITE_REPORT = FrameContract(
    "write",
    {"device_id": "id", "datastream": "str", "value": "object", "status": "str", "reason": "str"},
    exact=True,
    allowed={"status": WRITE_STATUSES},
    not_null=("status", "reason"),
    rows=(
        "one row per value asked for, in the order given, 'written' or 'failed' (the cloud "
        "did not accept it; reason says why), 'written' rows may carry a note. A value a "
        "client refuses before sending (unknown, read-only, out of range) is never a row: "
        "the write raises an InputError (WriteValueError) naming every bad value, its "
        "datastream and the limit or allowed values, and nothing is sent"
    ),
)
TAGS = FrameContract(
    "tags",
    {"device_id": "id", "name": "str"},
    rows="optional method; one row per tag of the device",
)
ONLINE = FrameContract(
    "online",
    {"device_id": "id", "online": "bool"},
    rows="optional method; one row per device asked about",
)
MESSAGES = FrameContract(
    "messages",
    {
        "tuid": "str",
        "tsm_id": "int64",
        "tsm_ev": "int64",
        "group_id": "str",
        "field": "str",
        "value": "float64",
        "unit": "str",
    },
    index="time",
    sort=("tuid", "time", "tsm_id", "field"),
    exact=True,
    rows="Thingsee's own series (not a FleetClient method): one row per message and field",
)

#: FleetClient method → its contract; ``tags`` and ``online`` are optional.
METHODS: Final[Mapping[str, FrameContract]] = {
    c.name: c for c in (DEVICES, DATASTREAMS, SCHEMA, HISTORY, LOCATIONS, TRAIL, WRITE_REPORT)
} | {"tags": TAGS, "online": ONLINE}


def _dtype_difference(column: str, dtype: Any, wanted: str, id_dtype: str | None) -> str | None:
    got = str(dtype)
    if wanted == "any":
        return None
    if wanted == "id":
        if got not in ("int64", "str"):
            return f"column {column!r} is {got}, not a device id (int64 or str)"
        if id_dtype is not None and got != id_dtype:
            return f"column {column!r} is {got}, but this client's device ids are {id_dtype}"
        return None
    expected = str(TIME_DTYPE) if wanted == "time" else wanted
    if got != expected:
        return f"column {column!r} is {got}, not {expected}"
    return None


def _index_differences(frame: pd.DataFrame, contract: FrameContract) -> list[str]:
    index = frame.index
    if contract.index == "range":
        if not isinstance(index, pd.RangeIndex) or index.start != 0 or index.step != 1:
            return [f"index is {index!r:.60}, not a fresh RangeIndex"]
        return []
    if not isinstance(index, pd.DatetimeIndex) or index.name != "time":
        return [f"index is a {type(index).__name__}, not a DatetimeIndex named time"]
    if str(index.dtype) != str(TIME_DTYPE):
        return [f"index time is {index.dtype}, not {TIME_DTYPE}"]
    return []


def _column_differences(
    frame: pd.DataFrame, contract: FrameContract, id_dtype: str | None
) -> list[str]:
    found = []
    for column, wanted in contract.columns.items():
        if column not in frame.columns:
            found.append(f"missing column {column!r}")
            continue
        problem = _dtype_difference(column, frame[column].dtype, wanted, id_dtype)
        if problem:
            found.append(problem)
    if contract.exact:
        listed = ", ".join(contract.columns)
        for column in frame.columns:
            if column not in contract.columns:
                found.append(f"unexpected column {column!r} (the contract lists exactly {listed})")
    return found


def _value_differences(frame: pd.DataFrame, contract: FrameContract) -> list[str]:
    found = []
    for column, allowed in contract.allowed.items():
        if column in frame.columns:
            extra = sorted({str(v) for v in frame[column]} - allowed)
            if extra:
                found.append(f"column {column!r} holds {extra}, allowed: {sorted(allowed)}")
    for column in contract.not_null:
        if column in frame.columns and frame[column].isna().any():
            found.append(f"column {column!r} has missing values")
    return found


def _sort_differences(frame: pd.DataFrame, contract: FrameContract) -> list[str]:
    keys = list(contract.sort)
    if not keys or len(frame) < 2 or any(k not in frame.columns and k != "time" for k in keys):
        return []
    flat = frame.reset_index() if contract.index == "time" else frame
    key_frame = flat[keys].reset_index(drop=True)
    ordered = key_frame.sort_values(keys, kind="stable").reset_index(drop=True)
    if not key_frame.equals(ordered):
        return [f"rows are not sorted by {' → '.join(keys)}"]
    return []


def differences(frame: Any, contract: FrameContract, *, id_dtype: str | None = None) -> list[str]:
    """Every way ``frame`` departs from ``contract``, one sentence each (empty: it conforms).

    ``id_dtype`` (``"int64"`` or ``"str"``) pins the device-id dtype a client uses elsewhere.
    """
    if not isinstance(frame, pd.DataFrame):
        return [f"{contract.name}: returned a {type(frame).__name__}, not a DataFrame"]
    found = [
        *_index_differences(frame, contract),
        *_column_differences(frame, contract, id_dtype),
        *_value_differences(frame, contract),
        *_sort_differences(frame, contract),
    ]
    return [f"{contract.name}: {text}" for text in found]


def conforms(frame: Any, contract: FrameContract, *, id_dtype: str | None = None) -> bool:
    """Whether ``frame`` is what ``contract`` promises (see :func:`differences` for why not)."""
    return not differences(frame, contract, id_dtype=id_dtype)


def write_report_differences(
    report: Any, device_id: Any, asked: Sequence[str] | Mapping[str, Any]
) -> list[str]:
    """How a write report departs from :data:`WRITE_REPORT` for a write of ``asked`` (the
    datastream names, in order) to ``device_id``: beyond the frame itself, one row per value
    in the order given, each naming the device, and every failed row saying why."""
    found = differences(report, WRITE_REPORT)
    if found:
        return found
    names = list(asked)
    if len(report) != len(names):
        found.append(f"write: {len(report)} report rows for {len(names)} values")
    if len(report) and (report["device_id"] != device_id).any():
        found.append(f"write: report rows name another device than {device_id!r}")
    failed = report[report["status"] == "failed"]
    if (failed["reason"].str.strip() == "").any():
        found.append("write: a failed row gives no reason")
    return found
