"""The one frame builder: records (or a frame) into exactly a spec's columns and dtypes, for
every facade (the specs themselves come from :mod:`blynkbook.contract` where it states the
frame, else from the facade's resource module).

A spec maps each output column to a dtype name: ``"int64"`` (required ids), ``"Int64"``
(nullable ints), ``"float64"``, ``"str"``, ``"bool"`` (missing is False), ``"boolean"``
(nullable), ``"object"`` (mixed values) and ``"time"`` (``datetime64[ms, UTC]``, from
epoch numbers in the facade's unit, milliseconds for Blynk and seconds for Thingsee, or
from datetimes; an epoch ≤ 0 means "never" and becomes ``NaT``).

>>> frame = coerce(pd.DataFrame({"id": [1], "seen": [1_700_000_000]}), {"id": "int64",
...     "seen": "time", "name": "str"}, epoch="s")
>>> frame.dtypes.astype(str).tolist(), str(frame["seen"][0])
(['int64', 'datetime64[ms, UTC]', 'str'], '2023-11-14 22:13:20+00:00')
>>> frame_from_records([{"id": 1, "token": "x"}], {"device_id": "int64"},
...     {"id": "device_id", "token": "token"}).columns.tolist()
['device_id']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import pandas as pd

__all__ = [
    "SECRET_FIELDS",
    "TIME_DTYPE",
    "Epoch",
    "Spec",
    "coerce",
    "empty_frame",
    "frame_from_records",
    "to_time",
]

Spec = Mapping[str, str]
Epoch = Literal["ms", "s"]
TIME_DTYPE = pd.DatetimeTZDtype(unit="ms", tz="UTC")
#: Fields that carry secrets and never enter a frame, whatever the column map says.
SECRET_FIELDS = frozenset({"token", "authToken", "deviceToken", "secret", "clientSecret"})


def to_time(values: Any, epoch: Epoch = "ms") -> pd.Series:
    """Epoch numbers (ints, floats or None; ≤ 0 means never) or datetimes as
    ``datetime64[ms, UTC]``."""
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype="object")
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.astype(TIME_DTYPE)
    numbers = pd.to_numeric(series.astype("object"), errors="coerce")
    numbers = numbers.where(numbers > 0)
    return pd.to_datetime(numbers, unit=epoch, utc=True).astype(TIME_DTYPE)


def _coerce_column(values: pd.Series, dtype: str, epoch: Epoch) -> pd.Series:
    if dtype == "time":
        return to_time(values, epoch)
    if dtype == "str":
        return values.astype("object").where(values.notna(), None).astype("str")
    if dtype == "object":
        return values.astype("object")
    if dtype == "Int64":
        return pd.to_numeric(values, errors="coerce").astype("Int64")
    if dtype == "float64":
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if dtype == "bool":
        return values.astype("object").where(values.notna(), False).astype(bool)
    if dtype == "boolean":
        return values.astype("boolean")
    out: pd.Series = values.astype(dtype)  # type: ignore[call-overload]
    return out


def coerce(frame: pd.DataFrame, spec: Spec, *, epoch: Epoch = "ms") -> pd.DataFrame:
    """``frame`` with exactly the spec's columns, in order, each in its dtype (missing
    columns are all-missing), on a fresh ``RangeIndex``."""
    columns = {}
    for name, dtype in spec.items():
        values = frame[name] if name in frame.columns else pd.Series([None] * len(frame))
        columns[name] = _coerce_column(values.reset_index(drop=True), dtype, epoch)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))


def empty_frame(spec: Spec) -> pd.DataFrame:
    """A frame with no rows and the spec's columns and dtypes."""
    return coerce(pd.DataFrame(), spec)


def frame_from_records(
    records: Iterable[Mapping[str, Any]],
    spec: Spec,
    column_map: Mapping[str, str] | None = None,
    *,
    epoch: Epoch = "ms",
) -> pd.DataFrame:
    """Records (vendor JSON objects, or rows already named as the spec) → a frame typed by
    ``spec``: fields renamed by ``column_map`` (None: the spec's own names), the rest
    dropped at parse time, secrets (:data:`SECRET_FIELDS`) always."""
    names = column_map if column_map is not None else {name: name for name in spec}
    rows = [
        {column: record.get(field) for field, column in names.items() if field not in SECRET_FIELDS}
        for record in records
    ]
    if not rows:
        return empty_frame(spec)
    return coerce(pd.DataFrame.from_records(rows), spec, epoch=epoch)
