"""What a Blynk datastream accepts: a raw value coerced to its stored form, or refused
with the reason (:class:`BadValue`), and the checks of a datastream property's value."""

from __future__ import annotations

import math
import re
from typing import Any

from ...vendor.blynk import MAX_STRING_BYTES
from .._http import HTTPFailure
from .records import DatastreamDef

__all__ = ["BadValue", "check_property", "coerce_value", "json_number"]

COLOR_PROPERTIES = frozenset(
    {"color", "onBackColor", "offBackColor", "onColor", "offColor", "backColor"}
)
NUMERIC_PROPERTIES = frozenset(
    {"min", "max", "step", "maximumFractionDigits", "opacity", "scale", "rotation"}
)
COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


class BadValue(ValueError):
    """A value that does not fit its datastream; the text says why."""


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise BadValue(f"{raw!r} is not a number")
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        if not _DECIMAL.fullmatch(raw):  # float() would take "1_0", " 1" and "١"
            raise BadValue(f"{raw!r} is not a number")
        value = float(raw)
    else:
        raise BadValue(f"{raw!r} is not a number")
    if not math.isfinite(value):
        raise BadValue(f"{raw!r} is not a finite number")
    return value


def _in_range(ds: DatastreamDef, value: float) -> float:
    low = -math.inf if ds.min is None else ds.min
    high = math.inf if ds.max is None else ds.max
    if not low <= value <= high:
        raise BadValue(f"{value:g} is outside {ds.label}'s range {low:g}..{high:g}")
    return value


def coerce_value(ds: DatastreamDef, raw: Any) -> Any:
    """The stored form of ``raw`` for ``ds``, or :class:`BadValue`.

    >>> from blynkbook.sim.blynk.records import DatastreamDef
    >>> coerce_value(DatastreamDef(1, "T", "t", "v0", "DOUBLE", min=0, max=50), "21.5")
    21.5
    """
    if ds.type == "STRING":
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise BadValue(f"{raw!r} is not a string")
        text = str(raw)
        if len(text.encode()) > MAX_STRING_BYTES:
            raise BadValue(f"string value is longer than {MAX_STRING_BYTES} bytes")
        return text
    if ds.type == "LOCATION":
        if not isinstance(raw, list | tuple) or len(raw) != 2:
            raise BadValue(f"{raw!r} is not a [longitude, latitude] pair")
        lon, lat = _number(raw[0]), _number(raw[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BadValue(f"[{lon:g}, {lat:g}] is not a valid [longitude, latitude]")
        return [lon, lat]
    if ds.type == "ENUM":
        by_label = {label: key for key, label in ds.enum_values}
        if isinstance(raw, str) and raw in by_label:
            return float(by_label[raw])
        names = ", ".join(f"{k}={v}" for k, v in ds.enum_values)
        try:
            value = _number(raw)
        except BadValue:
            value = math.nan
        if value not in {float(k) for k, _ in ds.enum_values}:
            raise BadValue(f"{raw!r} is not one of {ds.label}'s values ({names})")
        return value
    value = _in_range(ds, _number(raw))
    if ds.type == "INT" and not value.is_integer():
        raise BadValue(f"{raw!r} is not an integer")
    return value


def json_number(ds: DatastreamDef, value: float) -> float | int:
    return int(value) if ds.type in ("INT", "ENUM") and value.is_integer() else value


def check_property(name: str, value: str) -> None:
    if name in COLOR_PROPERTIES and not COLOR.fullmatch(value):
        raise HTTPFailure(400, f"Invalid color {value!r} for {name}: #RRGGBB expected.")
    if name in NUMERIC_PROPERTIES:
        try:
            _number(value)
        except BadValue:
            raise HTTPFailure(400, f"Invalid number {value!r} for {name}.") from None
