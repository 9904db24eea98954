"""The simulated cloud's mutable world: the records (``records.py``) and their history.

:class:`World` owns them, answers "who may see what" and offers a small read-only
introspection API for tests (see the package docstring).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._clock import Clock
from .history import HistoryStore
from .records import DatastreamDef, Device, Org, Tag, Template, User

__all__ = ["World"]


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
