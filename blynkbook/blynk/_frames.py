"""Blynk frames from vendor JSON: fields renamed and typed by a spec (see
:mod:`blynkbook._frames` for the dtype names; Blynk times are epoch milliseconds).

>>> spec = {"device_id": "int64", "name": "str", "activated_at": "time"}
>>> names = {"id": "device_id", "name": "name", "activatedAt": "activated_at"}
>>> frame = frame_from_records([{"id": 1, "name": "a", "activatedAt": 0}], spec, names)
>>> frame.dtypes.astype(str).tolist()
['int64', 'str', 'datetime64[ms, UTC]']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from blynkbook._frames import Spec, coerce, empty_frame

__all__ = ["SECRET_FIELDS", "frame_from_records"]

#: Fields that carry secrets and never enter a frame, whatever the column map says.
SECRET_FIELDS = frozenset({"token", "authToken", "deviceToken", "secret", "clientSecret"})


def _pick(record: Mapping[str, Any], column_map: Mapping[str, str]) -> dict[str, Any]:
    return {
        column: record.get(field)
        for field, column in column_map.items()
        if field not in SECRET_FIELDS
    }


def frame_from_records(
    records: Iterable[Mapping[str, Any]],
    spec: Spec,
    column_map: Mapping[str, str],
) -> pd.DataFrame:
    """Vendor JSON objects → a frame: fields renamed by ``column_map``, typed by ``spec``.

    Fields not in the map (device tokens among them) are dropped here, at parse time.
    """
    rows = [_pick(record, column_map) for record in records]
    if not rows:
        return empty_frame(spec)
    return coerce(pd.DataFrame.from_records(rows), spec)
