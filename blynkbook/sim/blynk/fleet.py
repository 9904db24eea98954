"""The seeded demo fleet: Acme Field Ops (101) with its sub-org Acme North (102).

Deterministic for a seed; every time is relative to the clock's "now" at creation.
"""

from __future__ import annotations

import random
import string

from .records import (
    DatastreamDef,
    Device,
    LogEntry,
    MetaField,
    Org,
    Tag,
    Template,
    TemplateEvent,
    TimelineEvent,
    User,
)
from .signals import CITIES, DAY_MS
from .world import World

__all__ = [
    "ACME_NORTH",
    "ACME_ORG",
    "GLOBEX_ORG",
    "HISTORY_DAYS",
    "LATE_REPORTERS",
    "build_fleet",
    "new_device_token",
]

ACME_ORG = 101
ACME_NORTH = 102
GLOBEX_ORG = 201  # an unrelated root organization, for isolation tests
HISTORY_DAYS = 60  # seeded history reaches this far back (at least)
#: Weather stations (by index) that buffer readings and upload them late: station 23
#: every 3 hours, station 24 every 30 minutes (``Device.upload_every_ms``).
LATE_REPORTERS = {22: 3 * 3_600_000, 23: 30 * 60_000}

WEATHER_TEMPLATE = 1001
TRACKER_TEMPLATE = 1002
PLUG_TEMPLATE = 1003

_MIN5 = 300_000
_MIN2 = 120_000

_SYSTEM_EVENTS = [
    TemplateEvent(1, "Online", "online", "ONLINE"),
    TemplateEvent(2, "Offline", "offline", "OFFLINE"),
]


def _weather_template() -> Template:
    ds = [
        DatastreamDef(1, "Temperature", "temp", "v0", "DOUBLE", "°C", -40, 60, kind="temperature"),
        DatastreamDef(2, "Humidity", "rh", "v1", "DOUBLE", "%", 0, 100, kind="humidity"),
        DatastreamDef(3, "Pressure", "baro", "v2", "DOUBLE", "hPa", 900, 1100, kind="pressure"),
        DatastreamDef(4, "Wind Speed", "wind", "v3", "DOUBLE", "m/s", 0, 60, kind="wind"),
        DatastreamDef(5, "Battery", "battery", "v4", "INT", "%", 0, 100, kind="battery"),
    ]
    events = [
        *_SYSTEM_EVENTS,
        TemplateEvent(11, "High temperature", "high_temperature", "WARNING"),
        TemplateEvent(12, "Low battery", "low_battery", "WARNING"),
        TemplateEvent(13, "Sensor fault", "sensor_fault", "CRITICAL"),
        TemplateEvent(14, "Maintenance", "maintenance", "INFORMATION"),
    ]
    return Template(
        WEATHER_TEMPLATE, "TMPL4wthrSt1", "Weather Station", ACME_ORG, ds, events, "WeatherFW"
    )


def _tracker_template(city_kind: str = "") -> Template:
    ds = [
        DatastreamDef(11, "Location", "loc", "v0", "LOCATION", "", kind="location"),
        DatastreamDef(
            12, "Latitude", "lat", "v1", "DOUBLE", "°", -90, 90, kind="lat", cadence_ms=_MIN2
        ),
        DatastreamDef(
            13, "Longitude", "lon", "v2", "DOUBLE", "°", -180, 180, kind="lon", cadence_ms=_MIN2
        ),
        DatastreamDef(
            14, "Speed", "speed", "v3", "DOUBLE", "km/h", 0, 250, kind="speed", cadence_ms=_MIN2
        ),
        DatastreamDef(
            15, "Battery", "battery", "v4", "INT", "%", 0, 100, kind="battery", cadence_ms=_MIN2
        ),
    ]
    events = [
        *_SYSTEM_EVENTS,
        TemplateEvent(21, "Geofence exit", "geofence_exit", "WARNING"),
        TemplateEvent(22, "Low battery", "low_battery", "WARNING"),
        TemplateEvent(23, "Tamper", "tamper", "CRITICAL"),
        TemplateEvent(24, "Trip started", "trip_started", "INFORMATION"),
    ]
    return Template(
        TRACKER_TEMPLATE, "TMPL7trkGps2", "GPS Asset Tracker", ACME_ORG, ds, events, "TrackerFW"
    )


def _plug_template() -> Template:
    modes = ((0, "eco"), (1, "comfort"), (2, "boost"))
    ds = [
        DatastreamDef(
            21, "Power Switch", "switch", "v0", "INT", "", 0, 1, kind="switch", control=True
        ),
        DatastreamDef(22, "Mode", "mode", "v1", "ENUM", "", 0, 2, modes, kind="mode", control=True),
        DatastreamDef(23, "Power", "power", "v2", "DOUBLE", "W", 0, 3680, kind="power"),
        DatastreamDef(24, "Energy", "energy", "v3", "DOUBLE", "kWh", 0, 1_000_000, kind="energy"),
        DatastreamDef(25, "Note", "note", "v4", "STRING", "", kind="note", control=True),
        # The relay's own contact, wired to a digital pin in input mode: read-only.
        DatastreamDef(
            26,
            "Relay State",
            "relay",
            "d5",
            "INT",
            "",
            0,
            1,
            kind="switch",
            pin_type="DIGITAL",
            pin_mode="INPUT",
        ),  # fmt: skip
    ]
    events = [
        *_SYSTEM_EVENTS,
        TemplateEvent(31, "Overload", "overload", "CRITICAL"),
        TemplateEvent(32, "Schedule changed", "schedule_changed", "INFORMATION"),
        TemplateEvent(33, "High consumption", "high_consumption", "WARNING"),
    ]
    return Template(PLUG_TEMPLATE, "TMPL2smtPlg3", "Smart Plug", ACME_ORG, ds, events, "PlugFW")


_USERS = [
    (1, "Ana Ortiz", "ana.ortiz@acme-field.example", ACME_ORG),
    (2, "Ben Kowalski", "ben.kowalski@acme-field.example", ACME_ORG),
    (3, "Chloe Martin", "chloe.martin@acme-field.example", ACME_ORG),
    (4, "Dev Patel", "dev.patel@acme-field.example", ACME_ORG),
    (5, "Emma Lindqvist", "emma.lindqvist@acme-field.example", ACME_ORG),
    (6, "Farid Haddad", "farid.haddad@acme-north.example", ACME_NORTH),
    (7, "Greta Novak", "greta.novak@acme-north.example", ACME_NORTH),
    (8, "Hank Moody", "hank.moody@globex.example", GLOBEX_ORG),
]

_TAGS = [
    (1, "In Service", ACME_ORG),
    (2, "Rooftop", ACME_ORG),
    (3, "Outdoor", ACME_ORG),
    (4, "Indoor", ACME_ORG),
    (5, "Pilot", ACME_ORG),
    (6, "Critical", ACME_ORG),
    (7, "Fleet A", ACME_ORG),
    (8, "Fleet B", ACME_ORG),
    (9, "Warehouse", ACME_NORTH),
    (10, "Retail", ACME_NORTH),
]

_SITES = ["Harbor", "Airport", "Campus", "Depot", "Hillside", "Riverside", "Old Town", "Mill"]
_PLUG_ROOMS = ["Office", "Lab", "Kitchen", "Server Room", "Workshop", "Lobby", "Store"]
_TOKEN_ALPHABET = string.ascii_letters + string.digits + "_-"


def new_device_token(rng: random.Random) -> str:
    """A 32-character device auth token."""
    return "".join(rng.choice(_TOKEN_ALPHABET) for _ in range(32))


def _split_counts(fleet_size: int) -> tuple[int, int, int]:
    weather = max(1, round(fleet_size * 0.4))
    trackers = max(1, round(fleet_size * 16 / 60))
    return weather, trackers, max(1, fleet_size - weather - trackers)


def build_fleet(world: World, fleet_size: int = 60) -> None:
    """Fill an empty world with the seeded demo organizations, users, templates and devices."""
    rng = random.Random(world.seed)
    now = world.now_ms()
    world.orgs.update(
        {
            ACME_ORG: Org(ACME_ORG, "Acme Field Ops"),
            ACME_NORTH: Org(ACME_NORTH, "Acme North", parent_id=ACME_ORG),
            GLOBEX_ORG: Org(GLOBEX_ORG, "Globex Labs", tz="America/New_York"),
        }
    )
    world.users.update({uid: User(uid, name, email, org) for uid, name, email, org in _USERS})
    world.tags.update({tid: Tag(tid, name, org) for tid, name, org in _TAGS})
    for template in (_weather_template(), _tracker_template(), _plug_template()):
        world.templates[template.id] = template
    weather, trackers, plugs = _split_counts(fleet_size)
    cities = list(CITIES)
    for i in range(weather):
        org = ACME_NORTH if i >= max(21, weather - 3) else ACME_ORG
        name = f"{_SITES[i % len(_SITES)]} Weather {i + 1:02d}"
        station = _add_device(
            world, rng, now, world.templates[WEATHER_TEMPLATE], name, org, i, "weather"
        )
        station.upload_every_ms = LATE_REPORTERS.get(i, 0)
    for i in range(trackers):
        org = ACME_NORTH if i % 4 == 3 else ACME_ORG
        city = cities[i % len(cities)]
        name = f"Tracker {city} {i + 1:02d}"
        device = _add_device(
            world, rng, now, world.templates[TRACKER_TEMPLATE], name, org, i, "tracker"
        )
        device.city = city
    for i in range(plugs):
        org = ACME_NORTH if i % 4 == 3 else ACME_ORG
        name = f"Plug {_PLUG_ROOMS[i % len(_PLUG_ROOMS)]} {i + 1:02d}"
        device = _add_device(world, rng, now, world.templates[PLUG_TEMPLATE], name, org, i, "plug")
        device.values[25] = (
            rng.choice(["", "check fuse", "shared desk", "do not switch off"]),
            now - rng.randint(1, 20) * DAY_MS,
        )
        if i < 2:  # two plugs came online minutes ago (the "recently activated" view)
            device.activated_at = now - (3 + 15 * i) * 60_000
            device.history_start = device.activated_at


def _add_device(
    world: World,
    rng: random.Random,
    now: int,
    template: Template,
    name: str,
    org: int,
    index: int,
    family: str,
) -> Device:
    device_id = world.next_id("device")
    org_users = [u.id for u in world.users.values() if u.org_id == org]
    online = rng.random() > 0.18 or (family == "weather" and org == ACME_ORG)
    activated = now - rng.randint(HISTORY_DAYS + 5, 400) * DAY_MS - rng.randint(0, DAY_MS)
    disconnect = 0 if online else now - rng.randint(3_600_000, 3 * DAY_MS)
    device = Device(
        id=device_id,
        name=name,
        template=template,
        org_id=org,
        token=new_device_token(rng),
        activated_at=activated,
        owner_user_id=rng.choice(org_users) if org_users and rng.random() > 0.15 else None,
        connected=online,
        connect_time=now - rng.randint(600_000, 20 * DAY_MS) if online else disconnect - DAY_MS,
        disconnect_time=disconnect,
        history_start=now - HISTORY_DAYS * DAY_MS,
        ip=f"10.{org % 256}.{index // 200}.{10 + index % 200}",
        fw_version=f"1.{rng.randint(2, 6)}.{rng.randint(0, 9)}",
    )
    device.tags = rng.sample(_org_tags(world, org), k=rng.randint(1, 4))
    device.metafields = _metafields(rng, device, name, activated)
    device.timeline = _timeline(world, rng, device, now)
    device.logs = _logs(world, rng, device, now)
    world.devices[device_id] = device
    return device


def _org_tags(world: World, org: int) -> list[Tag]:
    chain = set(world.ancestors(org))
    return [t for t in world.tags.values() if t.owner_org_id in chain]


def _metafields(rng: random.Random, device: Device, name: str, activated: int) -> list[MetaField]:
    from datetime import UTC, datetime

    installed = datetime.fromtimestamp(activated / 1000, tz=UTC).date().isoformat()
    return [
        MetaField(
            1,
            "Serial Number",
            "Text",
            f"SN-{device.id:04d}-{rng.randint(1000, 9999)}",
            is_required=True,
            include_in_provisioning=True,
        ),
        MetaField(2, "Site", "Text", name.rsplit(" ", 1)[0]),
        MetaField(3, "Installed On", "Text", installed),
    ]


def _timeline(world: World, rng: random.Random, device: Device, now: int) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    for _ in range(rng.randint(2, 8)):
        template_event = rng.choice(device.template.events)
        ts = now - rng.randint(60_000, 14 * DAY_MS)
        resolved = template_event.type in ("WARNING", "CRITICAL") and rng.random() < 0.5
        events.append(
            TimelineEvent(
                id=world.next_id("timeline"),
                event_id=template_event.id,
                org_id=device.org_id,
                event_type=template_event.type,
                event_code=template_event.code,
                description=f"{template_event.name} on {device.name}",
                ts=ts,
                is_resolved=resolved,
                resolved_at=ts + 3_600_000 if resolved else 0,
                resolved_comment="checked on site" if resolved else None,
            )
        )
    return sorted(events, key=lambda e: (-e.ts, -e.id))


def _logs(world: World, rng: random.Random, device: Device, now: int) -> list[LogEntry]:
    emails = [u.email for u in world.users.values() if u.org_id == device.org_id]
    controls = [d for d in device.template.datastreams if d.control and d.keeps_history]
    if not emails or not controls:
        return []
    entries = []
    for _ in range(rng.randint(0, 5)):
        ds = rng.choice(controls)
        value = rng.randint(int(ds.min or 0), int(ds.max or 1))
        entries.append(
            LogEntry(
                rng.choice(emails),
                value,
                ds.pin_number,
                device.connected,
                now - rng.randint(60_000, 10 * DAY_MS),
            )
        )
    return sorted(entries, key=lambda e: -e.created_at)
