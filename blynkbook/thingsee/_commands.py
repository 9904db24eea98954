"""Commands a thing accepts, checked before anything is sent.

The Open Services API takes only message ids 1500, 1501, 12200 and 13200. The panel protocol's
``write()`` speaks in datastream-like labels; :data:`PARAMS` maps those labels to command fields.

>>> check_command(1500, {"reportInterval": 600})
>>> check_command(17110, {})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
blynkbook.errors.InputError: tsm_id 17110 is not an allowed command id (allowed: 1500, ...)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from blynkbook.errors import InputError
from blynkbook.vendor.thingsee import ALLOWED_COMMAND_IDS

__all__ = ["ALLOWED_COMMAND_IDS", "PARAMS", "Param", "camel_case", "check_command", "params_for"]


@dataclass(frozen=True)
class Param:
    """One writable setting: its label, the command (``tsm_id``) and field that carry it."""

    label: str
    tsm_id: int
    key: str
    kind: str  # "int" or "enum"
    low: int
    high: int
    options: tuple[str, ...] = ()
    unit: str = ""

    def encode(self, value: Any) -> int:
        """The wire value for ``value``: an enum label or index, or an int within the range."""
        if self.kind == "enum" and isinstance(value, str):
            if value not in self.options:
                raise InputError(f"{self.label}={value!r} is not one of {list(self.options)}")
            return self.options.index(value)
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
            raise InputError(
                f"{self.label}={value!r} must be a whole number in {self.low}..{self.high}"
            )
        if not self.low <= value <= self.high:
            raise InputError(f"{self.label}={value!r} is outside {self.low}..{self.high}")
        return int(value)


PARAMS: tuple[Param, ...] = (
    Param("report_interval", 1500, "reportInterval", "int", 60, 86_400, unit="s"),
    Param("measurement_interval", 1500, "measurementInterval", "int", 1, 86_400, unit="s"),
    Param("pir_threshold", 13200, "threshold", "int", 60, 1100),
    Param("pir_mode", 13200, "mode", "enum", 0, 2, ("count", "occupancy", "event")),
    Param("pir_passive_report_interval", 13200, "passiveReportInterval", "int", 60, 86_400),
)


def params_for(family: str) -> list[Param]:
    """Writable settings of a product family (every sensor has report intervals)."""
    if family in ("gateway", "unknown"):
        return []
    return [p for p in PARAMS if p.tsm_id == 1500 or (family == "presence" and p.tsm_id == 13200)]


def camel_case(name: str) -> str:
    """``"report_interval"`` → ``"reportInterval"``; camelCase passes through."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def check_command(tsm_id: int, fields: Mapping[str, Any]) -> None:
    """Raise :class:`InputError` for a command the cloud would refuse or that is out of range."""
    if isinstance(tsm_id, bool) or not isinstance(tsm_id, int) or tsm_id not in ALLOWED_COMMAND_IDS:
        allowed = ", ".join(map(str, ALLOWED_COMMAND_IDS))
        raise InputError(f"tsm_id {tsm_id!r} is not an allowed command id (allowed: {allowed})")
    for key, value in fields.items():
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", key):
            raise InputError(f"command field {key!r} is not a valid field name")
        if not isinstance(value, str | int | float | bool):
            raise InputError(f"command field {key}={value!r} must be a number, bool or string")
        for param in PARAMS:
            if param.tsm_id == tsm_id and param.key == key:
                param.encode(value)
