"""The records the simulated Blynk cloud stores: organizations, users, templates and their
datastreams, devices and what hangs off them (tags, metafields, timeline, logs).

Plain dataclasses, with the JSON each answers with. :class:`~.world.World` owns them and
:class:`~.history.HistoryStore` keeps their points; neither is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...vendor.blynk import INPUT_MODES

__all__ = [
    "NUMERIC_TYPES",
    "DatastreamDef",
    "Device",
    "LogEntry",
    "MetaField",
    "Org",
    "Tag",
    "Template",
    "TemplateEvent",
    "TimelineEvent",
    "User",
]

NUMERIC_TYPES = frozenset({"INT", "DOUBLE", "ENUM"})


@dataclass
class Org:
    id: int
    name: str
    parent_id: int | None = None
    tz: str = "Europe/Berlin"


@dataclass
class User:
    id: int
    name: str
    email: str
    org_id: int


@dataclass(frozen=True)
class DatastreamDef:
    """One datastream of a template: ``pin`` is ``"v0"``… (``"d5"`` for a digital pin);
    ``kind`` picks the signal generator.

    As on Blynk, only digital and analog pins have a ``pin_mode``; a virtual pin has none
    and can be written through the API. ``control`` marks what users set from their
    dashboards (the seeded actions log writes those).
    """

    id: int
    label: str
    alias: str
    pin: str
    type: str  # INT | DOUBLE | ENUM | STRING | LOCATION
    units: str = ""
    min: float | None = None
    max: float | None = None
    enum_values: tuple[tuple[int, str], ...] = ()
    kind: str = ""
    cadence_ms: int = 300_000
    control: bool = False
    pin_type: str = "VIRTUAL"  # VIRTUAL | DIGITAL | ANALOG
    pin_mode: str | None = None  # digital/analog only: INPUT | OUTPUT | INPUT_PULL_UP | …

    @property
    def keeps_history(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def writable(self) -> bool:
        """False only for a digital or analog pin in an input mode."""
        return not (self.pin_type != "VIRTUAL" and self.pin_mode in INPUT_MODES)

    @property
    def pin_number(self) -> int:
        return int(self.pin[1:])

    def schema(self) -> dict[str, Any]:
        """The JSON the template-datastreams endpoint answers with."""
        out: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "alias": self.alias,
            "pin": self.pin,
            "pinType": self.pin_type,
            "type": self.type,
            "units": self.units,
            "min": self.min,
            "max": self.max,
            "isHistory": self.keeps_history,
        }
        if self.pin_mode is not None:
            out["pinMode"] = self.pin_mode
        if self.enum_values:
            out["enumValues"] = [{"key": k, "value": v} for k, v in self.enum_values]
        return out


@dataclass(frozen=True)
class TemplateEvent:
    id: int
    name: str
    code: str
    type: str  # ONLINE, OFFLINE, INFORMATION, WARNING, CRITICAL, ...


@dataclass
class Template:
    id: int
    template_id: str  # the alphanumeric "TMPL…" id
    name: str
    org_id: int
    datastreams: list[DatastreamDef]
    events: list[TemplateEvent]
    fw_type: str = ""
    board: str = "ESP32"

    def datastream(self, datastream_id: int) -> DatastreamDef | None:
        return next((d for d in self.datastreams if d.id == datastream_id), None)

    def by_label(self, label: str) -> DatastreamDef | None:
        return next((d for d in self.datastreams if d.label == label), None)

    def event(self, code: str) -> TemplateEvent | None:
        return next((e for e in self.events if e.code == code), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "templateIds": [self.template_id],
            "parentId": None,
            "orgId": self.org_id,
            "name": self.name,
        }


@dataclass
class Tag:
    id: int
    name: str
    owner_org_id: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "tagOwnerOrgId": self.owner_org_id}


@dataclass
class MetaField:
    id: int
    name: str
    type: str
    value: str
    is_required: bool = False
    include_in_provisioning: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "isRequired": self.is_required,
            "includeInProvisioning": self.include_in_provisioning,
            "value": {"type": self.type, "value": self.value},
        }


@dataclass
class TimelineEvent:
    id: int
    event_id: int
    org_id: int
    event_type: str
    event_code: str
    description: str
    ts: int
    is_resolved: bool = False
    resolved_at: int = 0
    resolved_comment: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "eventId": self.event_id,
            "orgId": self.org_id,
            "eventType": self.event_type,
            "eventCode": self.event_code,
            "description": self.description,
            "ts": self.ts,
            "isResolved": self.is_resolved,
            "resolvedAt": self.resolved_at,
            "resolvedComment": self.resolved_comment,
        }


@dataclass
class LogEntry:
    trigger_user_email: str
    value: Any
    pin: int
    is_online: bool
    created_at: int
    pin_type: str = "VIRTUAL"

    def to_json(self) -> dict[str, Any]:
        return {
            "triggerUserEmail": self.trigger_user_email,
            "value": self.value,
            "pin": self.pin,
            "pinType": self.pin_type,
            "isOnline": self.is_online,
            "createdAt": self.created_at,
        }


@dataclass
class Device:
    """One device. ``values`` holds current values of datastreams without history
    (STRING, LOCATION); numeric datastreams read their current value from history."""

    id: int
    name: str
    template: Template
    org_id: int
    token: str = field(repr=False)
    activated_at: int
    owner_user_id: int | None = None
    connected: bool = True
    connect_time: int = 0
    disconnect_time: int = 0
    synthetic: bool = True  # has seeded history from history_start on
    upload_every_ms: int = 0  # > 0: buffers readings, uploads them at each multiple of this
    history_start: int = 0
    cleared_at: int = -1
    ip: str = "10.0.0.1"
    fw_version: str = "1.0.0"
    city: str = "Berlin"  # trackers loop around this city
    values: dict[int, tuple[Any, int]] = field(default_factory=dict)
    tags: list[Tag] = field(default_factory=list)
    metafields: list[MetaField] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)
    logs: list[LogEntry] = field(default_factory=list)
    properties: dict[int, dict[str, str]] = field(default_factory=dict)

    def reports_until(self, now_ms: int) -> int:
        """The last instant with seeded readings: now when online, else the disconnect.

        A late reporter (``upload_every_ms``) buffers its readings and uploads them at each
        multiple of that period, so readings since the last upload are not visible yet
        (they arrive later, with their own past timestamps, as the import endpoint allows).
        """
        last = now_ms if self.connected else min(self.disconnect_time, now_ms)
        if self.upload_every_ms > 0:
            last = min(last, now_ms - now_ms % self.upload_every_ms - 1)
        return last

    def seeded_from(self) -> int:
        """The first instant with visible seeded readings (after any clear)."""
        return max(self.history_start, self.cleared_at + 1)
