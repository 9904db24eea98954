"""The simulated Thingsee fleet: deployment groups, things, their messages, alerts and history.

Static facts (buildings, things, locations, gateways) come from the seed; messages are computed
on demand from the sim clock (:mod:`._signals`); writes (commands, installation statuses,
groups) change this object and are visible to every later read.

>>> from blynkbook.sim import Clock
>>> world = World(seed=7, clock=Clock(now="2026-11-20T12:00:00Z"))
>>> len(world.groups), len(world.things) >= 40
(4, True)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .._clock import Clock
from ._signals import DAY, STREAMS, Context, Stream, uniform

__all__ = ["LATE_REPORTERS", "PRODUCTS", "Alert", "Building", "Thing", "World"]

HISTORY_DAYS = 40
LOST_MESSAGE_SHARE = 0.01  # radio links lose a few reports
BATTERY_LOW = 15
#: Things that report late (for the series store's late-message rule): thing index →
#: seconds between uploads. They buffer their messages and upload them at each multiple of
#: this (UTC), so a message appears up to that long after its ``tsmTs``, as a sensor behind
#: a gateway with a patchy uplink does. Both stay inside the two-hour "online" window.
LATE_REPORTERS = {30: 30 * 60, 34: 90 * 60}


@dataclass(frozen=True)
class Product:
    """A Thingsee product: its TUID prefix, the message streams it reports, its firmware."""

    family: str
    prefix: str
    streams: tuple[int, ...]
    version: str


PRODUCTS: dict[str, Product] = {
    p.family: p
    for p in (
        Product("environment", "TSPD04", (12100, 1110), "2023.06.12.1_ts_pod3wp34"),
        Product("presence", "TSPR04", (13100, 2100, 1110), "2023.09.01.2_ts_presence"),
        Product("distance", "TSTF02", (17100, 1110), "2022.11.30.1_ts_tof"),
        Product("air", "TSAR02", (24100, 24101, 12100, 1110), "2024.02.20.1_ts_air"),
        Product("count", "TSAP01", (13103, 1110), "2024.05.14.3_ts_count"),
        Product("gateway", "TSGW06", (), "2024.03.01.1_ts_gw_lte"),
    )
}
_SENSOR_FAMILIES = ("environment", "presence", "distance", "air", "count")


@dataclass(frozen=True)
class Building:
    group_id: str
    description: str
    lat: float
    lon: float
    utc_offset_h: int
    sensors: int


BUILDINGS = (
    Building("prfi00haltianhq", "Haltian HQ, Oulu", 65.0585, 25.4437, 2, 12),
    Building("prfi00espoooffice", "Espoo office", 60.1841, 24.8301, 2, 10),
    Building("prgb00londonlab", "London lab", 51.5226, -0.0836, 0, 10),
    Building("dmfi00demoroom", "Demo room, Oulu", 65.0121, 25.4651, 2, 8),
)


@dataclass
class Thing:
    """One device. ``group_id`` changes when the thing is moved; the rest is seeded."""

    index: int
    tuid: str
    family: str
    group_id: str
    building: Building
    lat: float
    lon: float
    gateway: str | None
    origin: int  # first report, seconds
    stopped_at: int | None = None  # reports end here (retired or broken things)
    bias: float = 0.0
    drain: float = 0.2
    upload_every: int = 0  # > 0: buffers its messages, uploads them at each multiple of this

    @property
    def product(self) -> Product:
        return PRODUCTS[self.family]


@dataclass(frozen=True)
class Alert:
    tuid: str
    alert_type: str
    start: int
    end: int | None  # None: still active


@dataclass
class World:
    """All state of one simulated deployment."""

    seed: int
    clock: Clock
    groups: dict[str, str] = field(default_factory=dict)  # group_id → description
    things: dict[str, Thing] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    installations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.start = int(self.clock.now() // DAY) * DAY - HISTORY_DAYS * DAY
        _seed_fleet(self, random.Random(self.seed))

    def now(self) -> int:
        return int(self.clock.now())

    # -- messages -------------------------------------------------------------------------

    def messages(
        self,
        tuid: str,
        from_s: int | None = None,
        to_s: int | None = None,
        message_ids: set[int] | None = None,
        event_ids: set[int] | None = None,
    ) -> list[dict[str, Any]]:
        """Every message of ``tuid`` with ``from_s <= tsmTs <= to_s``, oldest first (ground truth).

        >>> from blynkbook.sim import Clock
        >>> w = World(seed=7, clock=Clock(now="2026-11-20T12:00:00Z"))
        >>> live = [t for t in w.things.values() if t.stopped_at is None]
        >>> tuid = next(t.tuid for t in live if t.family == "air")
        >>> [m["tsmId"] for m in w.messages(tuid, w.now() - 3600, w.now(), {12100})][:2]
        [12100, 12100]
        """
        thing = self.things[tuid]
        lo = self.start if from_s is None else max(from_s, self.start)
        hi = (
            self.last_report_bound(thing)
            if to_s is None
            else min(to_s, self.last_report_bound(thing))
        )
        out: list[dict[str, Any]] = []
        for tsm_id in thing.product.streams:
            stream = STREAMS[tsm_id]
            if message_ids is not None and tsm_id not in message_ids:
                continue
            if event_ids is not None and stream.tsm_ev not in event_ids:
                continue
            out.extend(self._stream_messages(thing, stream, lo, hi))
        out.sort(key=lambda m: (m["tsmTs"], m["tsmId"]))
        return out

    def last_report_bound(self, thing: Thing) -> int:
        """The newest ``tsmTs`` the cloud holds of ``thing`` now: a late reporter's last
        upload, a stopped thing's last report."""
        now = self.now()
        if thing.upload_every > 0:
            now -= now % thing.upload_every + 1
        return now if thing.stopped_at is None else min(now, thing.stopped_at)

    def _stream_messages(
        self, thing: Thing, stream: Stream, lo: int, hi: int
    ) -> list[dict[str, Any]]:
        origin = thing.origin + stream.phase
        jitter = stream.period // 5
        if hi < max(lo, origin):
            return []
        k = np.arange(
            max(0, (lo - origin - jitter) // stream.period), (hi - origin) // stream.period + 1
        )
        key = _stream_key(self.seed, thing.index, stream.tsm_id)
        ts = origin + k * stream.period + np.floor(uniform(key, k, 97) * jitter).astype(np.int64)
        keep = (ts >= lo) & (ts <= hi) & (uniform(key, k, 98) >= LOST_MESSAGE_SHARE)
        if not keep.any():
            return []
        ctx = Context(
            key, origin, stream.period, thing.building.utc_offset_h, thing.bias, thing.drain
        )
        values = stream.generate(ctx, k, ts)
        header = {"tsmId": stream.tsm_id, "tsmEv": stream.tsm_ev, "tsmTuid": thing.tuid}
        if thing.gateway:
            header["tsmGw"] = thing.gateway
        header["deploymentGroupId"] = thing.group_id
        rows: list[dict[str, Any]] = []
        for i in np.flatnonzero(keep):
            row = {**header, "tsmTs": int(ts[i])}
            row.update({name: _json_number(float(v[i])) for name, v in values.items()})
            rows.append(row)
        return rows

    # -- thing info and alerts ------------------------------------------------------------

    def info(self, tuid: str) -> dict[str, Any]:
        """The ``GET /things/{tuid}`` payload."""
        thing = self.things[tuid]
        end = self.last_report_bound(thing)
        recent = self.messages(tuid, end - DAY, end)
        battery = [m["batl"] for m in recent if m["tsmId"] == 1110]
        stamp = recent[-1]["tsmTs"] if recent else (end - 37 if thing.family == "gateway" else None)
        return {
            "battery_level": battery[-1] if battery else None,
            "timestamp": stamp,
            "location": {"lat": thing.lat, "lon": thing.lon},
            "gateway_tuid": thing.gateway,
            "version": thing.product.version,
        }

    def active_alert_tuids(self) -> list[str]:
        now = self.now()
        return sorted({a.tuid for a in self.alerts if a.start <= now and a.end is None})

    def thing_alerts(self, tuid: str, from_s: int | None, to_s: int | None) -> list[dict[str, Any]]:
        """Alerts of one thing overlapping ``[from_s, to_s]``, grouped by type."""
        lo = -1 if from_s is None else from_s
        hi = self.now() if to_s is None else to_s
        by_type: dict[str, list[dict[str, str | None]]] = {}
        for a in self.alerts:
            if a.tuid == tuid and a.start <= hi and (a.end is None or a.end >= lo):
                end = None if a.end is None else _iso(a.end)
                by_type.setdefault(a.alert_type, []).append({"from": _iso(a.start), "to": end})
        return [{"tuid": tuid, "alert_type": t, "alerts": spans} for t, spans in by_type.items()]

    # -- writes ---------------------------------------------------------------------------

    def record_installation(self, tuid: str, status: str, responsible: str) -> None:
        self.installations[tuid].append(
            {
                "tuid": tuid,
                "installation_status": status,
                "timestamp": self.now(),
                "responsible": responsible,
            }
        )

    def record_command(
        self, tuid: str, command: dict[str, Any], responsible: str
    ) -> dict[str, Any]:
        stamp = self.now()
        sent = {**command, "tsmTs": stamp, "tsmDstTuid": tuid}
        self.commands[tuid].append(
            {"tuid": tuid, "timestamp": stamp, "responsible": responsible, "command": sent}
        )
        return sent

    def group_tuids(self, group_id: str) -> list[str]:
        return [t.tuid for t in self.things.values() if t.group_id == group_id]


def _stream_key(seed: int, thing_index: int, tsm_id: int) -> int:
    return (seed * 1_000_003 + thing_index) * 100_003 + tsm_id


def _json_number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _iso(seconds: int) -> str:
    """Alert timestamps: ISO-8601 without an offset, as the vendor sends them."""
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _tuid(rng: random.Random, prefix: str) -> str:
    batch = f"X{rng.randint(1, 9)}{rng.choice('ABCDEFGHJKLMNPRSTUVZ')}"
    return f"{prefix}{batch}{rng.randint(10**7, 10**8 - 1)}"


def _seed_fleet(world: World, rng: random.Random) -> None:
    index = 0
    for building in BUILDINGS:
        world.groups[building.group_id] = building.description
        gateway = _add_thing(world, rng, index, "gateway", building, None)
        index += 1
        families = [_SENSOR_FAMILIES[i % len(_SENSOR_FAMILIES)] for i in range(building.sensors)]
        rng.shuffle(families)
        for family in families:
            _add_thing(world, rng, index, family, building, gateway.tuid)
            index += 1
    _seed_lifecycles(world, rng)


def _add_thing(
    world: World,
    rng: random.Random,
    index: int,
    family: str,
    building: Building,
    gateway: str | None,
) -> Thing:
    thing = Thing(
        index=index,
        tuid=_tuid(rng, PRODUCTS[family].prefix),
        family=family,
        group_id=building.group_id,
        building=building,
        lat=round(building.lat + rng.uniform(-4e-4, 4e-4), 6),
        lon=round(building.lon + rng.uniform(-8e-4, 8e-4), 6),
        gateway=gateway,
        origin=world.start + rng.randrange(0, 2 * DAY),
        bias=rng.uniform(-1.0, 1.0),
        drain=rng.uniform(0.08, 0.35),
        upload_every=LATE_REPORTERS.get(index, 0),
    )
    world.things[thing.tuid] = thing
    world.installations[thing.tuid] = [
        {
            "tuid": thing.tuid,
            "installation_status": "new",
            "timestamp": thing.origin - 9 * DAY,
            "responsible": "factory",
        },
        {
            "tuid": thing.tuid,
            "installation_status": "installed",
            "timestamp": thing.origin - 600,
            "responsible": "installer@demo.thingsee.local",
        },
    ]
    world.commands[thing.tuid] = []
    return thing


def _seed_lifecycles(world: World, rng: random.Random) -> None:
    """A retired thing, one in quarantine, one with a flat battery, a few connection hiccups."""
    sensors = [t for t in world.things.values() if t.family != "gateway"]
    now = world.now()
    retired, broken, hungry = sensors[3], sensors[8], sensors[13]
    retired.stopped_at = now - 10 * DAY - 3333
    _status(world, retired, "uninstalled", retired.stopped_at + 600)
    _status(world, retired, "retired", retired.stopped_at + DAY)
    broken.stopped_at = now - 3 * DAY - 1234
    _status(world, broken, "quarantine", broken.stopped_at + 7200)
    world.alerts.append(Alert(broken.tuid, "heartbeat missed", broken.stopped_at + 1800, None))
    hungry.drain = 2.3
    flat_at = hungry.origin + int((98 + 2 * hungry.bias - BATTERY_LOW) / hungry.drain * DAY)
    world.alerts.append(Alert(hungry.tuid, "battery low", min(flat_at, now - 3600), None))
    for thing in rng.sample(sensors, 6):
        begin = now - rng.randrange(2 * DAY, 30 * DAY)
        world.alerts.append(
            Alert(thing.tuid, "gateway connection lost", begin, begin + rng.randrange(600, 2400))
        )
    for thing in sensors[:5]:
        stamp = thing.origin + rng.randrange(DAY, 20 * DAY)
        command = {"tsmId": 1500, "tsmEv": 30, "measurementInterval": 300, "reportInterval": 600}
        world.commands[thing.tuid].append(
            {
                "tuid": thing.tuid,
                "timestamp": stamp,
                "responsible": "installer@demo.thingsee.local",
                "command": {
                    **command,
                    "tsmTs": stamp,
                    "tsmDstTuid": thing.tuid,
                    "transactionId": 1000 + thing.index,
                },
            }
        )


def _status(world: World, thing: Thing, status: str, stamp: int) -> None:
    world.installations[thing.tuid].append(
        {
            "tuid": thing.tuid,
            "installation_status": status,
            "timestamp": stamp,
            "responsible": "support@demo.thingsee.local",
        }
    )
