"""The simulated cloud's mutable world: organizations, users, templates, devices.

Plain dataclasses plus :class:`World`, which owns them, answers "who may see what"
and offers a small read-only introspection API for tests (see the package docstring).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .._clock import Clock
from .history import HistoryStore

__all__ = [
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
    "World",
]

NUMERIC_TYPES = frozenset({"INT", "DOUBLE", "ENUM"})
INPUT_MODES = frozenset({"INPUT", "INPUT_PULL_UP", "INPUT_PULL_DOWN"})


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


class World:
    """Everything the simulated cloud knows, guarded by the app's lock.

    Read-only introspection for tests of other rooms (ground truth)::

        sim.world.device_ids()                       # every device id, sorted
        sim.world.device_ids(org_id=101)             # one organization's (no sub-orgs)
        sim.world.current_value(1, 1)                # (value, updated_at_ms) or None
        sim.world.history_points(1, 1, t0, t1)       # [(ts_ms, value), ...] ascending
        sim.world.device_tokens()                    # every device token (secret-grep tests)
    """

    def __init__(self, clock: Clock, seed: int) -> None:
        self.clock = clock
        self.seed = seed
        self.orgs: dict[int, Org] = {}
        self.users: dict[int, User] = {}
        self.templates: dict[int, Template] = {}
        self.tags: dict[int, Tag] = {}
        self.devices: dict[int, Device] = {}
        self.history = HistoryStore(seed)
        self._next_ids: dict[str, int] = {}
        self.import_counts: dict[tuple[int, int], int] = {}  # (device, utc day) -> points

    # ids -----------------------------------------------------------------
    def next_id(self, kind: str, start: int = 1) -> int:
        value = self._next_ids.get(kind, start)
        self._next_ids[kind] = value + 1
        return value

    def now_ms(self) -> int:
        return self.clock.now_ms()

    # organizations and visibility ------------------------------------------
    def descendants(self, org_id: int) -> set[int]:
        """``org_id`` and every organization below it."""
        out = {org_id}
        changed = True
        while changed:
            more = {o.id for o in self.orgs.values() if o.parent_id in out} - out
            out |= more
            changed = bool(more)
        return out

    def ancestors(self, org_id: int) -> list[int]:
        chain: list[int] = []
        org = self.orgs.get(org_id)
        while org is not None:
            chain.append(org.id)
            org = self.orgs.get(org.parent_id) if org.parent_id is not None else None
        return chain

    def devices_in(self, org_ids: set[int]) -> list[Device]:
        return [d for d in sorted(self.devices.values(), key=lambda d: d.id) if d.org_id in org_ids]

    def user_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def templates_for(self, org_id: int) -> list[Template]:
        """Templates an organization can use: its own and its ancestors'."""
        chain = set(self.ancestors(org_id))
        return [t for t in sorted(self.templates.values(), key=lambda t: t.id) if t.org_id in chain]

    # current values ----------------------------------------------------------
    def value_of(self, device: Device, ds: DatastreamDef) -> tuple[Any, int] | None:
        """The current value and its time, or None when the datastream has none."""
        now = self.now_ms()
        if ds.keeps_history:
            return self.history.latest(device, ds, now)
        if ds.type == "LOCATION":
            return self._location_of(device, ds, now)
        return device.values.get(ds.id)

    def _location_of(self, device: Device, ds: DatastreamDef, now: int) -> tuple[Any, int] | None:
        written = device.values.get(ds.id)
        lat_ds = device.template.by_label("Latitude")
        lon_ds = device.template.by_label("Longitude")
        if lat_ds is None or lon_ds is None:
            return written
        lat = self.history.latest(device, lat_ds, now)
        lon = self.history.latest(device, lon_ds, now)
        if lat is None or lon is None:
            return written
        derived = ([lon[0], lat[0]], max(lat[1], lon[1]))
        if written is not None and written[1] >= derived[1]:
            return written
        return derived

    def datastream_values(
        self, device: Device, only: set[int] | None = None
    ) -> list[dict[str, Any]]:
        """DataStreamValue items of one device (``value``/``updatedAt`` only when known)."""
        out: list[dict[str, Any]] = []
        for ds in device.template.datastreams:
            if only is not None and ds.id not in only:
                continue
            item: dict[str, Any] = {
                "dataStreamId": ds.id,
                "pin": ds.pin,
                "dataStreamLabel": ds.label,
                "dataStreamAlias": ds.alias,
            }
            current = self.value_of(device, ds)
            if current is not None:
                item["value"], item["updatedAt"] = current
            out.append(item)
        return out

    def last_reported(self, device: Device) -> int:
        times = [v[1] for ds in device.template.datastreams if (v := self.value_of(device, ds))]
        return max(times, default=0)

    # introspection (read-only ground truth for tests) ------------------------
    def device_ids(self, org_id: int | None = None) -> list[int]:
        """Every device id, or those of one organization (sub-organizations excluded)."""
        return sorted(d.id for d in self.devices.values() if org_id is None or d.org_id == org_id)

    def device(self, device_id: int) -> Device:
        return self.devices[device_id]

    def current_value(self, device_id: int, datastream_id: int) -> tuple[Any, int] | None:
        """``(value, updated_at_ms)`` of one datastream, or None when it has no value."""
        device = self.devices[device_id]
        ds = device.template.datastream(datastream_id)
        if ds is None:
            raise KeyError(f"device {device_id} has no datastream {datastream_id}")
        return self.value_of(device, ds)

    def history_points(
        self, device_id: int, datastream_id: int, from_ms: int, to_ms: int
    ) -> list[tuple[int, float]]:
        """Every stored point in ``[from_ms, to_ms]`` (both inclusive), ascending."""
        device = self.devices[device_id]
        ds = device.template.datastream(datastream_id)
        if ds is None or not ds.keeps_history:
            raise KeyError(f"device {device_id} has no history datastream {datastream_id}")
        now = self.now_ms()
        total = self.history.count(device, ds, from_ms, to_ms, now)
        return self.history.page(device, ds, from_ms, to_ms, now, 0, total)

    def device_tokens(self) -> list[str]:
        """Every device token: for tests that grep outputs for leaked secrets."""
        return [d.token for d in self.devices.values()]

    def iter_devices(self) -> Iterator[Device]:
        return iter(sorted(self.devices.values(), key=lambda d: d.id))
