"""Thingsee message profiles: which fields each message id carries, their names and units.

Messages arrive as flat JSON objects (``{"tsmId": 12100, "temp": 21.4, ...}``);
:func:`decode_message` turns one of them into a row per numeric field, with a readable
snake_case field name and its unit. Known spelling variants are folded together: ``co2`` and
``carbonDioxide`` (both seen in vendor sources), and ``airp`` in Pa (profile spec) or hPa (demo
page) is always reported in hPa.

>>> [(r.field, r.value, r.unit) for r in decode_message({"tsmId": 12100, "airp": 101325.0})]
[('pressure', 1013.25, 'hPa')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from blynkbook.vendor.thingsee import PRODUCT_PREFIXES

__all__ = [
    "FAMILY_MESSAGES",
    "FIELDS",
    "HEADER_KEYS",
    "Decoded",
    "FieldSpec",
    "decode_message",
    "family_of",
    "fields_of_family",
    "message_ids_for_fields",
]

HEADER_KEYS = frozenset(
    {"tsmId", "tsmEv", "tsmTs", "tsmTuid", "tsmGw", "tsmDstTuid", "deploymentGroupId", "profileId"}
)
PASCALS_ABOVE = 2000.0  # an ``airp`` above this is in Pa (sea level is ~101 325 Pa, ~1013 hPa)


@dataclass(frozen=True)
class FieldSpec:
    """A known message field: ``raw`` key in the message, ``field`` name in frames, ``unit``."""

    tsm_id: int
    raw: str
    field: str
    unit: str = ""
    kind: str = "double"  # the panel schema type: "double" | "int" | "switch"


def _specs(tsm_id: int, *rows: tuple[str, str, str, str]) -> list[FieldSpec]:
    return [FieldSpec(tsm_id, raw, field, unit, kind) for raw, field, unit, kind in rows]


FIELDS: tuple[FieldSpec, ...] = (
    *_specs(1110, ("batl", "battery", "%", "int"), ("chrg", "charging", "", "switch")),
    *_specs(1111, ("accx", "acc_x", "mg", "int"), ("accy", "acc_y", "mg", "int")),
    *_specs(1111, ("accz", "acc_z", "mg", "int")),
    *_specs(1112, ("uptime", "uptime", "s", "int")),
    *_specs(2100, ("state", "occupied", "", "switch")),
    *_specs(2101, ("state", "jammed", "", "switch")),
    *_specs(12100, ("temp", "temperature", "°C", "double"), ("humd", "humidity", "%", "double")),
    *_specs(12100, ("airp", "pressure", "hPa", "double"), ("lght", "light", "lx", "double")),
    *_specs(12101, ("hall", "hall", "", "switch"), ("hallCount", "hall_count", "", "int")),
    *_specs(12102, ("resistance", "leak_resistance", "Ω", "double")),
    *_specs(13100, ("moveCount", "move_count", "", "int")),
    *_specs(13101, ("temp", "temperature", "°C", "double")),
    *_specs(13102, ("count", "occupant_count", "", "int"), ("duration", "duration", "s", "int")),
    *_specs(13103, ("in", "people_in", "", "int"), ("out", "people_out", "", "int")),
    *_specs(13103, ("totalIn", "total_in", "", "int"), ("totalOut", "total_out", "", "int")),
    *_specs(16100, ("activityLevel", "activity_level", "%", "double")),
    *_specs(16100, ("energyLevel", "energy_level", "", "double")),
    *_specs(17100, ("dist", "distance", "mm", "int")),
    *_specs(18100, ("angle", "angle", "°", "double")),
    *_specs(24100, ("carbonDioxide", "co2", "ppm", "int"), ("co2", "co2", "ppm", "int")),
    *_specs(24100, ("status", "co2_status", "", "int")),
    *_specs(24101, ("tvoc", "tvoc", "ppb", "int")),
)
_BY_KEY = {(s.tsm_id, s.raw): s for s in FIELDS}

#: TUID prefix (first 6 characters) → product family.
_FAMILY_BY_PREFIX = {p: family for family, prefixes in PRODUCT_PREFIXES.items() for p in prefixes}

#: The message ids each family reports (what the panels offer before any data is read).
FAMILY_MESSAGES: dict[str, tuple[int, ...]] = {
    "gateway": (),
    "environment": (12100, 1110),
    "presence": (13100, 2100, 1110),
    "distance": (17100, 1110),
    "angle": (18100, 1110),
    "leakage": (12102, 1110),
    "air": (24100, 24101, 12100, 1110),
    "count": (13103, 1110),
}


def family_of(tuid: str) -> str:
    """The product family from a TUID's prefix, or ``"unknown"``.

    >>> family_of("TSPD04X2V17999533"), family_of("ABC")
    ('environment', 'unknown')
    """
    return _FAMILY_BY_PREFIX.get(tuid[:6], "unknown")


def fields_of_family(family: str) -> list[FieldSpec]:
    """Known fields of a family, one per field name, in message-id order."""
    seen: dict[str, FieldSpec] = {}
    for tsm_id in FAMILY_MESSAGES.get(family, ()):
        for spec in FIELDS:
            if spec.tsm_id == tsm_id and spec.raw != "co2":
                seen.setdefault(spec.field, spec)
    return list(seen.values())


def message_ids_for_fields(fields: Iterable[str]) -> set[int]:
    """Message ids that can carry any of ``fields`` (known names only).

    >>> sorted(message_ids_for_fields(["temperature"]))
    [12100, 13101]
    """
    wanted = set(fields)
    return {s.tsm_id for s in FIELDS if s.field in wanted}


@dataclass(frozen=True)
class Decoded:
    field: str
    value: float
    unit: str


def snake_case(name: str) -> str:
    """``"moveCount"`` → ``"move_count"``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):  # the spec types some numbers as strings
        try:
            return float(value)
        except ValueError:
            return None
    return None


def decode_message(message: dict[str, Any]) -> list[Decoded]:
    """The numeric fields of one message, named and in their unit; headers are left out."""
    tsm_id = message.get("tsmId")
    out: list[Decoded] = []
    for raw, value in message.items():
        number = _number(value)
        if raw in HEADER_KEYS or number is None:
            continue
        spec = _BY_KEY.get((tsm_id, raw)) if isinstance(tsm_id, int) else None
        if spec is None:
            out.append(Decoded(snake_case(raw), number, ""))
            continue
        if spec.raw == "airp" and number > PASCALS_ABOVE:
            number = number / 100.0
        out.append(Decoded(spec.field, number, spec.unit))
    return out
