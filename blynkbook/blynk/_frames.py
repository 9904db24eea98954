"""Column specs, dtype coercion and empty frames for every facade frame.

A spec maps each output column to a dtype name:

``"int64"`` (required ids), ``"Int64"`` (nullable ints), ``"float64"``, ``"str"``,
``"bool"``, ``"boolean"`` (nullable), ``"object"`` (mixed values) and ``"time"``
(``datetime64[ms, UTC]``; epoch milliseconds ≤ 0 mean "never" and become ``NaT``).

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

__all__ = [
    "TIME_DTYPE",
    "Spec",
    "coerce",
    "empty_frame",
    "frame_from_records",
    "ms_to_time",
]

Spec = Mapping[str, str]
TIME_DTYPE = pd.DatetimeTZDtype(unit="ms", tz="UTC")

#: Fields that carry secrets and never enter a frame, whatever the column map says.
SECRET_FIELDS = frozenset({"token", "authToken", "deviceToken", "secret", "clientSecret"})


def ms_to_time(values: Any) -> pd.Series:
    """Epoch milliseconds (ints, floats or None; ≤ 0 means never) as ``datetime64[ms, UTC]``."""
    numbers = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce")
    numbers = numbers.where(numbers > 0)
    out = pd.to_datetime(numbers, unit="ms", utc=True)
    return out.astype(TIME_DTYPE)


def _coerce_column(values: pd.Series, dtype: str) -> pd.Series:
    if dtype == "time":
        return ms_to_time(values)
    if dtype == "str":
        return values.astype("object").where(values.notna(), None).astype("str")
    if dtype == "object":
        return values.astype("object")
    if dtype == "Int64":
        return pd.to_numeric(values, errors="coerce").astype("Int64")
    if dtype == "float64":
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if dtype == "boolean":
        return values.astype("boolean")
    out: pd.Series = values.astype(dtype)  # type: ignore[call-overload]
    return out


def coerce(frame: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """``frame`` with exactly the spec's columns, in order, each in its dtype."""
    columns = {}
    for name, dtype in spec.items():
        values = frame[name] if name in frame.columns else pd.Series([None] * len(frame))
        columns[name] = _coerce_column(values.reset_index(drop=True), dtype)
    out = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
    return out


def empty_frame(spec: Spec) -> pd.DataFrame:
    """A frame with no rows and the spec's columns and dtypes."""
    return coerce(pd.DataFrame(), spec)


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
