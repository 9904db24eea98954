"""The :class:`Blynk` facade: every read a DataFrame, every write checked first.

>>> import blynkbook as bb
>>> cloud = bb.connect("demo")                                # doctest: +SKIP
>>> cloud.history([1, 2], ["Temperature", "V4"], start="-7d")  # doctest: +SKIP
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from blynkbook import contract
from blynkbook._frames import coerce, empty_frame
from blynkbook._provenance import reported
from blynkbook.cache import NoCache
from blynkbook.errors import ForbiddenError, InputError, PermissionWarning
from blynkbook.store import NoStore, SeriesStore
from blynkbook.transport import Reply, Session, redact_url

from .._time import time_window, wall_clock_ms
from . import _permissions, _stored, admin, datastreams, devices, history, writes
from ._frames import frame_from_records
from ._names import resolve_datastream
from ._paging import fetch_all_pages
from .admin import METAFIELD_PATH
from .datastreams import BATCH_PATH, SCHEMA_PATH, VALUES_PATH
from .devices import (
    BY_OWNER_PATH,
    BY_USER_ORG_PATH,
    DEVICE_PATH,
    DEVICES_PATH,
    SEARCH_PATH,
    TEMPLATES_PATH,
)
from .history import HISTORY_PATH, Series

if TYPE_CHECKING:
    from blynkbook.cache import ResponseCache

__all__ = ["SORT_FIELDS", "Blynk"]

#: Friendly snake_case names for ``search_devices(sort_by=...)`` → the vendor's own.
SORT_FIELDS = {
    "device_id": "Device Id",
    "name": "Name",
    "owner_id": "Owner Id",
    "owner_name": "Device Owner Name",
    "owner_email": "Device Owner",
    "last_reported_at": "Last Reported At",
    "activated_at": "Activated At",
    "activated_by": "Activated By",
    "model": "Model",
    "template": "Template Name",
    "template_name": "Template Name",
    "template_id": "Template Id",
    "firmware_version": "Firmware Version",
    "org_id": "Organization Id",
    "status": "Status",
}
LOCATION_SPEC = contract.LOCATIONS.spec(id_dtype="int64")


class Blynk:
    """A Blynk organization as DataFrames.

    Build it with :func:`blynkbook.connect`. ``session`` is the transport
    (:class:`~blynkbook.transport.Session`), ``server`` the base URL, ``cache`` the
    :class:`~blynkbook.cache.ResponseCache` (or a falsy :class:`~blynkbook.cache.NoCache`),
    ``demo`` the embedded simulator (or None), ``now`` a callable giving "now" in epoch
    milliseconds for relative times (default: the wall clock), ``progress`` whether long
    pulls may show a progress bar.

    >>> cloud = Blynk(session, server="https://fra1.blynk.cloud")  # doctest: +SKIP
    >>> cloud.devices().head()                                     # doctest: +SKIP
    """

    def __init__(
        self,
        session: Session,
        *,
        server: str,
        client_id: str = "",
        cache: ResponseCache | NoCache | None = None,
        demo: Any = None,
        progress: bool = True,
        now: Callable[[], int] | None = None,
        store: SeriesStore | NoStore | None = None,
    ) -> None:
        self.session = session
        self.server = server
        self.client_id = client_id
        self.cache: ResponseCache | NoCache = (
            cache if cache is not None else NoCache("this client was built without one")
        )
        self.store: SeriesStore | NoStore = (
            store if store is not None else NoStore("this client was built without one")
        )
        self.demo = demo
        self.progress = progress
        self._now = now or wall_clock_ms
        self._lock = threading.Lock()
        self._template_of: dict[int, int] = {}
        self._schemas: dict[int, pd.DataFrame] = {}
        self._device_schemas: dict[int, pd.DataFrame] = {}  # inferred, per device
        self._template_access: bool | None = None  # None: not known yet

    def __repr__(self) -> str:
        kind = "demo cloud (embedded simulator)" if self.demo is not None else "cloud"
        cache = "on" if self.cache else "off"
        store = " store=on" if self.store else ""
        client = f" client_id={self.client_id!r}" if self.client_id else ""
        return f"<Blynk {kind} {redact_url(self.server)}{client} cache={cache}{store}>"

    # lifecycle ---------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the HTTP session (and the cache file and series store, if any)."""
        self.session.close()
        self.cache.close()
        self.store.close()

    def __enter__(self) -> Blynk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> pd.Timestamp:
        """What "now" means for relative times: the simulator's clock for demo clouds."""
        return pd.Timestamp(self._now(), unit="ms", tz="UTC")

    # helpers -----------------------------------------------------------------------------------
    def _source(self, path: str) -> str:
        return f"{redact_url(self.server)}{path}"

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Reply:
        return self.session.get(path, params)

    def _device_ids(self, devices_: Hashable | Iterable[Hashable]) -> list[int]:
        if isinstance(devices_, str | bytes) or not isinstance(devices_, Iterable):
            return [admin.check_device_id(devices_)]
        ids = [admin.check_device_id(d) for d in devices_]
        if not ids:
            raise InputError("no devices given: pass a device id or a list of ids")
        return list(dict.fromkeys(ids))

    # devices -----------------------------------------------------------------------------------
    @reported(TEMPLATES_PATH)
    def templates(self) -> pd.DataFrame:
        """Every template: ``template_id`` int64, ``name``, ``template_code`` (``TMPL…``),
        ``org_id``, ``parent_id``. Needs the ``PRODUCT_VIEW`` permission (a
        :class:`~blynkbook.errors.ForbiddenError` naming it otherwise)."""
        with _permissions.needs(_permissions.TEMPLATES, "templates()"):
            frame, _replies = devices.get_templates(self.session)
        return frame

    @property
    def template_access(self) -> bool | None:
        """Whether this OAuth client may read templates: None until a call found out."""
        return self._template_access

    def _no_template_access(self) -> None:
        """Remember that templates answer 403, and say so once per client."""
        with self._lock:
            first = self._template_access is not False
            self._template_access = False
        if first:
            warnings.warn(_permissions.TEMPLATE_NOTE, PermissionWarning, stacklevel=4)

    def _templates_if_allowed(self) -> tuple[pd.DataFrame | None, list[Reply]]:
        """The templates and their replies, or None when this client may not read them."""
        if self._template_access is False:
            return None, []
        try:
            frame, replies = devices.get_templates(self.session)
        except ForbiddenError:
            self._no_template_access()
            return None, []
        self._template_access = True
        return frame, replies

    @reported(DEVICES_PATH)
    def devices(self) -> pd.DataFrame:
        """Every device of the organization and its sub-organizations (pages of 1000).

        Columns: ``device_id`` int64, ``name`` str, ``template`` str, ``template_id``,
        ``org_id``, ``owner_user_id`` (Int64), ``activated_at`` datetime64[ms, UTC],
        ``firmware_version`` str. Never a device token.
        """
        frame = devices.get_devices(
            self.session,
            devices.DEVICES_PATH,
            {"includeSubOrgDevices": "true"},
            templates=self._templates_if_allowed,
        )
        self._remember_templates(frame)
        return frame

    @reported(SEARCH_PATH)
    def search_devices(self, query: str, sort_by: str = "name", order: str = "ASC") -> pd.DataFrame:
        """Devices matching ``query`` (≤ 255 chars), same columns as :meth:`devices`.

        ``sort_by`` is a snake name (``name``, ``device_id``, ``activated_at``, …, see
        :data:`SORT_FIELDS`) or the vendor's own (``"Last Reported At"``); ``order`` is
        ``"ASC"`` or ``"DESC"``.
        """
        text = admin.check_text(query, what="query", limit=admin.MAX_QUERY)
        params = {"query": text, "sortBy": _sort_field(sort_by), "sortOrder": _order(order)}
        return devices.get_devices(
            self.session,
            devices.SEARCH_PATH,
            params,
            templates=self._templates_if_allowed,
        )

    @reported(BY_OWNER_PATH)
    def devices_by_owner(self, email: str) -> pd.DataFrame:
        """Devices owned by the user with this email; same columns as :meth:`devices`."""
        params = {"ownerEmail": _email(email)}
        return devices.get_devices(
            self.session, devices.BY_OWNER_PATH, params, templates=self._templates_if_allowed
        )

    @reported(BY_USER_ORG_PATH)
    def devices_by_user_org(self, email: str) -> pd.DataFrame:
        """Devices of the organization this user belongs to; same columns as :meth:`devices`."""
        params = {"userEmail": _email(email)}
        return devices.get_devices(
            self.session, devices.BY_USER_ORG_PATH, params, templates=self._templates_if_allowed
        )

    @reported(DEVICE_PATH)
    def device(self, device_id: Hashable) -> pd.DataFrame:
        """One device's details as a one-row frame (see ``devices.DETAILS_SPEC``)."""
        number = admin.check_device_id(device_id)
        reply = self._get(devices.DEVICE_PATH + "/baseInfo", {"deviceId": number})
        templates, _replies = self._templates_if_allowed()
        return devices.parse_device_details(reply.data or {}, templates)

    @reported(DEVICE_PATH + "/online")
    def online(self, device_ids: Hashable | Iterable[Hashable]) -> pd.DataFrame:
        """Live connection status: ``device_id`` int64, ``online`` bool (one call a device,
        fanned out)."""
        ids = self._device_ids(device_ids)
        path = devices.DEVICE_PATH + "/online"
        replies = self.session.map(lambda d: self._get(path, {"deviceId": d}), ids)
        return devices.parse_online(ids, [r.data or {} for r in replies])

    @reported(DEVICE_PATH + "/tags")
    def tags(self, device_id: Hashable) -> pd.DataFrame:
        """Tags of one device: ``device_id``, ``tag_id`` int64, ``name`` str, ``owner_org_id``."""
        number = admin.check_device_id(device_id)
        path = devices.DEVICE_PATH + "/tags"
        with _permissions.needs(_permissions.TAGS, "tags()"):
            reply = self._get(path, {"deviceId": number})
        return devices.parse_tags(number, reply.data or [])

    @reported(DEVICE_PATH + "/timeline")
    def timeline(self, device_id: Hashable, event_type: str | None = None) -> pd.DataFrame:
        """Timeline events of one device (all pages), optionally one ``event_type``
        (``"WARNING"``, ``"CRITICAL"``, …). Columns: see ``devices.TIMELINE_SPEC``."""
        number = admin.check_device_id(device_id)
        path = devices.DEVICE_PATH + "/timeline"
        params: dict[str, Any] = {"deviceId": number}
        if event_type is not None:
            params["eventType"] = _event_type(event_type)
        with _permissions.needs(_permissions.TIMELINE, "timeline()"):
            items, _replies = fetch_all_pages(self.session, path, params)
        return devices.parse_timeline(number, items)

    @reported(DEVICE_PATH + "/logs")
    def logs(self, device_id: Hashable) -> pd.DataFrame:
        """User actions on one device (all pages). Columns: see ``devices.LOG_SPEC``."""
        number = admin.check_device_id(device_id)
        path = devices.DEVICE_PATH + "/logs"
        items, _replies = fetch_all_pages(self.session, path, {"deviceId": number})
        return devices.parse_logs(number, items)

    @reported(METAFIELD_PATH)
    def metadata(self, device_id: Hashable) -> pd.DataFrame:
        """Metafield values of one device. Columns: see ``devices.METADATA_SPEC``."""
        number = admin.check_device_id(device_id)
        path = admin.METAFIELD_PATH
        with _permissions.needs(_permissions.METADATA, "metadata()"):
            reply = self._get(path, {"deviceId": number})
        return devices.parse_metadata(number, reply.data or [])

    @reported(DEVICE_PATH + "/last-activated")
    def activated(self, minutes: int = 5) -> pd.DataFrame:
        """Devices activated in the last ``minutes`` (1..60). Columns: ``device_id``,
        ``org_id``, ``template_id``, ``owner_user_id``, ``activated_at``."""
        path = devices.DEVICE_PATH + "/last-activated"
        reply = self._get(path, {"minutes": admin.check_minutes(minutes)})
        data = reply.data if isinstance(reply.data, list) else (reply.data or {}).get("content", [])
        return devices.parse_activated(data)

    # schema and values -------------------------------------------------------------------------
    def _remember_templates(self, frame: pd.DataFrame) -> None:
        known = frame.dropna(subset=["template_id"])
        with self._lock:
            self._template_of.update(
                zip(known["device_id"].tolist(), known["template_id"].tolist(), strict=True)
            )

    def _template_id(self, device_id: int) -> int:
        with self._lock:
            known = self._template_of.get(device_id)
        if known is not None:
            return known
        reply = self._get(devices.DEVICE_PATH + "/baseInfo", {"deviceId": device_id})
        template_id = int((reply.data or {}).get("templateId") or 0)
        with self._lock:
            self._template_of[device_id] = template_id
        return template_id

    def _template_schema(self, template_id: int) -> pd.DataFrame:
        with self._lock:
            known = self._schemas.get(template_id)
        if known is not None:
            return known
        reply = self._get(datastreams.SCHEMA_PATH, {"templateId": template_id})
        frame = datastreams.parse_schema(reply.data or [])
        with self._lock:
            self._schemas[template_id] = frame
            self._template_access = True
        return frame

    @reported(SCHEMA_PATH)
    def schema(self, device_id: Hashable) -> pd.DataFrame:
        """What a device's datastreams are: ``label``, ``alias``, ``pin``, ``datastream_id``,
        ``type`` (double/int/enum/switch/string/location), ``units``, ``min``, ``max``,
        ``options``, ``option_keys``, ``writable``, ``history``, ``inferred``. Remembered
        per template for the life of this client.

        A client that may not read templates (no ``PRODUCT_VIEW``) gets the schema the
        device's own datastream list tells: exact names, types guessed from current values,
        no limits, ``inferred`` True (see :func:`~blynkbook.blynk.datastreams.infer_schema`).
        """
        number = admin.check_device_id(device_id)
        if self._template_access is not False:
            try:
                return self._template_schema(self._template_id(number)).copy()
            except ForbiddenError:
                self._no_template_access()
        return self._inferred_schema(number).copy()

    def _inferred_schema(self, device_id: int) -> pd.DataFrame:
        with self._lock:
            known = self._device_schemas.get(device_id)
        if known is not None:
            return known
        reply = self._get(datastreams.VALUES_PATH, {"deviceId": device_id})
        frame = datastreams.infer_schema(reply.data)
        with self._lock:
            self._device_schemas[device_id] = frame
        return frame

    def forget(self) -> None:
        """Drop the remembered device → template map, schemas and what this client may read."""
        with self._lock:
            self._template_of.clear()
            self._schemas.clear()
            self._device_schemas.clear()
            self._template_access = None

    @reported(VALUES_PATH)
    def datastreams(self, device_id: Hashable) -> pd.DataFrame:
        """Current values of one device: ``device_id``, ``datastream_id`` (int64),
        ``label``, ``alias``, ``pin`` (str), ``value`` object, ``updated_at``."""
        number = admin.check_device_id(device_id)
        reply = self._get(datastreams.VALUES_PATH, {"deviceId": number})
        return datastreams.parse_values(number, reply.data)

    @reported(BATCH_PATH)
    def values(self, device_ids: Hashable | Iterable[Hashable]) -> pd.DataFrame:
        """Current values of many devices, 10 a request, requests fanned out; same
        columns as :meth:`datastreams`."""
        ids = self._device_ids(device_ids)
        groups = [
            ids[r.start : r.stop] for r in writes.chunks(len(ids), datastreams.MAX_BATCH_DEVICES)
        ]
        replies = self.session.map(
            lambda group: self._get(datastreams.BATCH_PATH, {"deviceIds": group}), groups
        )
        items = [item for reply in replies for item in (reply.data or [])]
        return datastreams.parse_batch_values(items)

    # history -----------------------------------------------------------------------------------
    def _resolve(self, device_id: int, name: Any) -> pd.Series:
        return resolve_datastream(self.schema(device_id), name, device_id=device_id)

    def _learn_templates(self, ids: Sequence[int]) -> None:
        """Look up the templates of devices this client has not seen yet, concurrently
        (one ``baseInfo`` each; after :meth:`devices` they are all known already)."""
        if self._template_access is False:
            with self._lock:
                unknown = [d for d in dict.fromkeys(ids) if d not in self._device_schemas]
            if len(unknown) > 1:
                self.session.map(self._inferred_schema, unknown)
            return
        with self._lock:
            unknown = [d for d in dict.fromkeys(ids) if d not in self._template_of]
        if len(unknown) > 1:
            self.session.map(self._template_id, unknown)

    def _series(self, ids: Sequence[int], names: Sequence[Any]) -> list[history.Series]:
        self._learn_templates(ids)
        found: dict[tuple[int, int], history.Series] = {}
        for device_id in ids:
            for name in names:
                row = self._resolve(device_id, name)
                if not bool(row["history"]):
                    raise InputError(
                        f"datastream {row['label']!r} of device {device_id} is of type "
                        f"{row['type']} and keeps no history (only numeric datastreams do)"
                    )
                key = (device_id, int(row["datastream_id"]))
                found[key] = history.Series(device_id, key[1], str(row["label"]))
        return sorted(found.values(), key=lambda s: (s.device_id, s.label))

    @reported(HISTORY_PATH)
    def history(
        self,
        devices: Hashable | Iterable[Hashable],
        datastreams: str | Iterable[Any],
        start: Any = "-24h",
        end: Any = "now",
        *,
        progress: bool | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Raw history of devices × datastreams as one long frame.

        Datastreams are named per device by id, label, alias or pin. Times: datetimes,
        ``pd.Timestamp``, ISO strings, epoch numbers, ``"now"`` or offsets like ``"-7d"``;
        naive means UTC. Index ``time`` (datetime64[ms, UTC]); columns ``device_id``
        int64, ``datastream`` str (the label), ``value`` float64; sorted by (device_id,
        datastream, time). ``progress``: None shows a bar for pulls over 20 requests.

        With a series store (``cloud.store``) only what it lacks is fetched: the gaps, and
        the last ``settle`` (default one hour) of earlier coverage, where late points may
        still arrive. ``refresh=True`` fetches the whole window again (the part inside the
        30-day import horizon; older coverage is final).

        >>> cloud.history(1, ["Temperature", "rh"], "-2d")  # doctest: +SKIP
        """
        now_ms = self._now()
        from_ms, to_ms = time_window(start, end, now_ms=now_ms)
        show = progress if progress is not None else (None if self.progress else False)
        source = self._source(history.HISTORY_PATH)
        with self.session.pull():  # the schema look-ups share the pull's retry budget
            series = self._history_series(devices, datastreams)
            if isinstance(self.store, SeriesStore):
                return _stored.read_history(
                    self.session, self.store, series, from_ms, to_ms, now_ms=now_ms,
                    refresh=refresh, progress=show, source=source, cache=self._past_the_cache(),
                )  # fmt: skip
            return history.pull(self.session, series, from_ms, to_ms, progress=show, source=source)

    def _history_series(
        self, devices: Hashable | Iterable[Hashable], datastreams: str | Iterable[Any]
    ) -> list[Series]:
        ids = self._device_ids(devices)
        return self._series(ids, _datastream_names(datastreams))

    def pull(
        self,
        devices: Hashable | Iterable[Hashable],
        datastreams: str | Iterable[Any],
        start: Any = "-24h",
        end: Any = "now",
        *,
        progress: bool | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Fill the series store with this history without building a frame: page by
        page, one series-month in memory per worker, each committed as it completes, so a
        re-run after a crash or Ctrl-C fetches only what is missing. Returns one row a
        series: ``device_id``, ``datastream``, ``requests``, ``points_fetched``. Query the
        result with ``cloud.store.sql(...)`` or ``cloud.store.to_dask()``.

        >>> cloud.pull(cloud.devices()["device_id"], ["Temperature"], "-30d")  # doctest: +SKIP
        """
        if not isinstance(self.store, SeriesStore):
            raise InputError(
                f"pull() needs a series store and this client has none ({self.store.reason})"
            )
        now_ms = self._now()
        from_ms, to_ms = time_window(start, end, now_ms=now_ms)
        series = self._history_series(devices, datastreams)
        show = progress if progress is not None else (None if self.progress else False)
        return _stored.fill_store(
            self.session, self.store, series, from_ms, to_ms, now_ms=now_ms,
            refresh=refresh, progress=show, cache=self._past_the_cache(),
        )  # fmt: skip

    def _past_the_cache(self) -> dict[str, Any] | None:
        """The cache options that keep history pages out of the response cache (the
        store keeps their points); None without a cache."""
        if not self.cache:
            return None
        from blynkbook.cache import DO_NOT_CACHE

        return {"expire_after": DO_NOT_CACHE}

    def _stale_in_store(
        self, device_id: int, streams: Sequence[int] | None = None,
        lo: int | None = None, hi: int | None = None,
    ) -> None:  # fmt: skip
        """Forget stored coverage this client's own write made stale."""
        if isinstance(self.store, SeriesStore):
            names = None if streams is None else [str(s) for s in streams]
            self.store.drop("blynk", str(device_id), names, lo, hi)

    @reported(HISTORY_PATH)
    def trail(self, device_id: Hashable, start: Any = "-24h", end: Any = "now") -> pd.DataFrame:
        """Where a tracker went: ``time``-indexed ``lon``, ``lat`` (float64), from its
        Latitude / Longitude history; empty when the device keeps none."""
        number = admin.check_device_id(device_id)
        labels = set(self.schema(number)["label"])
        if not {"Latitude", "Longitude"} <= labels:
            time_window(start, end, now_ms=self._now())
            return _empty_trail()
        long = self.history(number, ["Longitude", "Latitude"], start, end, progress=False)
        wide = long.reset_index().pivot_table(
            index="time", columns="datastream", values="value", aggfunc="last"
        )
        wide = wide.rename(columns={"Longitude": "lon", "Latitude": "lat"})
        frame = wide.reindex(columns=["lon", "lat"]).dropna().astype("float64")
        frame.columns.name = None
        return frame

    @reported(BATCH_PATH)
    def locations(self) -> pd.DataFrame:
        """Devices with a position: ``device_id``, ``name``, ``template`` (str), ``online``
        bool, ``lon``, ``lat`` (float64), ``updated_at``."""
        fleet = self.devices()
        located = self._located(fleet)
        if not located:
            return empty_frame(LOCATION_SPEC)
        current = self.values(located)
        points = _positions(current)
        status = self.online(points["device_id"].tolist()) if len(points) else None
        return _join_locations(fleet, points, status)

    def _located(self, fleet: pd.DataFrame) -> list[int]:
        """Devices whose template has a location datastream; without template access every
        device (their current values tell which report a position)."""
        if self._template_access is not False:
            try:
                located: list[int] = []
                known = fleet.dropna(subset=["template_id"])
                for template_id, group in known.groupby("template_id"):
                    schema = self._template_schema(int(str(template_id)))
                    if (schema["type"] == "location").any():
                        located.extend(group["device_id"].tolist())
                return located
            except ForbiddenError:
                self._no_template_access()
        return [int(d) for d in fleet["device_id"].tolist()]

    # writes ------------------------------------------------------------------------------------
    def write(self, device_id: Hashable, datastream: Any, value: Any = None) -> pd.DataFrame:
        """Write one value (``write(7, "Temperature", 21.5)``) or several
        (``write(7, {"Mode": "eco", "V4": 1})``), every value checked against the schema
        first. Returns the report: ``device_id``, ``datastream``, ``value``, ``status``,
        ``reason``."""
        number = admin.check_device_id(device_id)
        wanted = dict(datastream) if isinstance(datastream, Mapping) else {datastream: value}
        if not wanted:
            raise InputError("no values to write: pass a datastream and a value, or a mapping")
        schema = self.schema(number)
        checked = []
        for name, raw in wanted.items():
            row = resolve_datastream(schema, name, device_id=number)
            checked.append((row, writes.check_value(row, raw, device_id=number)))
        streams = [int(row["datastream_id"]) for row, _clean in checked]
        try:
            if len(checked) == 1:
                row, clean = checked[0]
                body = {"deviceId": number, "dataStreamId": streams[0], "value": clean}
                self.session.send("POST", writes.WRITE_ONE_PATH, json=body)
            else:
                values = {str(int(row["datastream_id"])): clean for row, clean in checked}
                self.session.send(
                    "POST", writes.WRITE_MANY_PATH, json={"deviceId": number, "values": values}
                )
        finally:  # the point lands at the cloud's "now": drop the unsettled tail
            settle = self.store.settle_ms if isinstance(self.store, SeriesStore) else 0
            self._stale_in_store(number, streams, lo=self._now() - settle)
        note = writes.SERVER_CHECKS_ONLY if any(bool(r["inferred"]) for r, _ in checked) else ""
        return writes.write_report(
            number, [(str(row["label"]), clean) for row, clean in checked], note
        )

    def batch_update(self, frame: pd.DataFrame, *, debug: bool = False) -> pd.DataFrame:
        """Write many devices at once: ``frame`` has ``device_id`` and one column per
        datastream label; NaN/None cells are skipped. Every cell is checked first, then
        the rows go out 10,000 a request. Returns one report row per chunk with the
        vendor's skip counters (and per-row reasons with ``debug=True``). When a request
        fails after earlier chunks landed, :class:`~blynkbook.errors.PartialWriteError`
        carries the report of every chunk: landed, failed, not sent."""
        if not isinstance(frame, pd.DataFrame) or "device_id" not in frame.columns:
            raise InputError("batch_update needs a DataFrame with a 'device_id' column")
        labels = [str(c) for c in frame.columns if c != "device_id"]
        if not labels:
            raise InputError("batch_update needs at least one datastream label column")
        rows = self._checked_rows(frame, labels)
        fields = ["deviceId", *labels]

        def send(chunk: int, part: range) -> dict[str, Any]:
            body = {"fields": fields, "updates": rows[part.start : part.stop], "debug": debug}
            reply = self.session.send("POST", writes.BATCH_UPDATE_PATH, json=body)
            return writes.batch_update_row(chunk, len(part), reply.data)

        def status_row(chunk: int, part: range, status: str) -> dict[str, Any]:
            return {**writes.batch_update_row(chunk, len(part), None), "status": status}

        parts = writes.chunks(len(rows), writes.BATCH_UPDATE_CHUNK)
        return writes.send_chunks(
            "batch_update", parts, send, status_row, writes.batch_update_report
        )

    def _checked_rows(self, frame: pd.DataFrame, labels: list[str]) -> list[list[Any]]:
        ids = [admin.check_device_id(d) for d in frame["device_id"].tolist()]
        if not ids:
            raise InputError("batch_update got an empty frame: no rows to send")
        schemas = {d: self.schema(d) for d in dict.fromkeys(ids)}
        rows: list[list[Any]] = []
        for device_id, values in zip(ids, frame[labels].itertuples(index=False), strict=True):
            row: list[Any] = [device_id]
            for label, raw in zip(labels, values, strict=True):
                if _is_missing(raw):
                    row.append(None)
                    continue
                spec = resolve_datastream(schemas[device_id], label, device_id=device_id)
                row.append(writes.check_value(spec, _plain(raw), device_id=device_id))
            rows.append(row)
        return rows

    def import_history(
        self, device_id: Hashable, datastream: Any, series: pd.Series | pd.DataFrame
    ) -> pd.DataFrame:
        """Import past points (time-indexed Series, or a frame with ``time``/``value``)
        into a numeric datastream, 10,000 points a request. Points the cloud would not
        keep are refused before anything is sent, naming the rows: older than 30 days,
        more than 30 days ahead (the cloud skips those silently), or two at the same
        millisecond. Returns one report row per chunk; a failure
        after earlier chunks landed raises :class:`~blynkbook.errors.PartialWriteError`
        with the report of every chunk."""
        number = admin.check_device_id(device_id)
        row = self._resolve(number, datastream)
        times, raw_values = writes.import_points(series)
        if times.size == 0:
            raise InputError("import_history got no points")
        if not bool(row["history"]):
            raise InputError(
                f"datastream {row['label']!r} of device {number} keeps no history "
                f"(type {row['type']}); only numeric datastreams can be imported"
            )
        values = [writes.check_value(row, _plain(v), device_id=number) for v in raw_values]
        writes.check_import_points(times, now_ms=self._now())
        stream = int(row["datastream_id"])

        def send(chunk: int, part: range) -> dict[str, Any]:
            points = [{"ts": int(times[i]), "value": values[i]} for i in part]
            body = {"deviceId": number, "dataStreamId": stream, "values": points}
            self.session.send("POST", writes.IMPORT_PATH, json=body)
            return status_row(chunk, part, "accepted")

        def status_row(chunk: int, part: range, status: str) -> dict[str, Any]:
            first, last = int(times[part.start]), int(times[part.stop - 1])
            return {"chunk": chunk, "points": len(part), "first": first, "last": last,
                    "status": status}  # fmt: skip

        parts = writes.chunks(times.size, writes.IMPORT_CHUNK)
        try:
            return writes.send_chunks(
                "import_history", parts, send, status_row, writes.import_report
            )
        finally:
            self._stale_in_store(number, [stream], lo=int(times.min()), hi=int(times.max()))

    def set_property(self, device_id: Hashable, datastream: Any, name: str, value: Any) -> None:
        """Set a widget property of a datastream (``"color"``, ``"label"``, ``"min"``, …;
        the vendor's 34 names), value ≤ 200 characters."""
        number = admin.check_device_id(device_id)
        text = writes.check_property(name, value)
        row = self._resolve(number, datastream)
        body = {
            "deviceId": number, "dataStreamId": int(row["datastream_id"]),
            "property": name, "value": text,
        }  # fmt: skip
        self.session.send("POST", writes.PROPERTY_PATH, json=body)

    # admin -------------------------------------------------------------------------------------
    def create_device(
        self,
        name: str,
        template: Any,
        *,
        owner_id: int | None = None,
        org_id: int | None = None,
    ) -> pd.DataFrame:
        """Create a device from a template (``TMPL…`` code, template name or numeric id);
        returns its details as a one-row frame (no token)."""
        body: dict[str, Any] = {"name": admin.check_name(name)}
        if owner_id is not None:
            body["ownerId"] = _positive(owner_id, "owner_id")
        if org_id is not None:
            body["orgId"] = _positive(org_id, "org_id")
        templates, _ = self._templates_if_allowed()
        body["templateId"] = _template_code(templates, template)
        reply = self.session.send("POST", admin.CREATE_PATH, json=body)
        frame = devices.parse_device_details(reply.data or {}, templates)
        self._remember_templates(frame)
        return frame

    def rename_device(self, device_id: Hashable, name: str) -> pd.DataFrame:
        """Rename a device; returns its list row (same columns as :meth:`devices`)."""
        number = admin.check_device_id(device_id)
        clean = admin.check_name(name)
        reply = self.session.send(
            "PUT", admin.DEVICE_PATH, params={"deviceId": number}, json={"name": clean}
        )
        return devices.parse_devices([reply.data or {"id": number, "name": clean}])

    def delete_device(self, device_id: Hashable) -> None:
        """Delete a device (and all its data)."""
        self._device_call("DELETE", admin.DEVICE_PATH, device_id)

    def remove_owner(self, device_id: Hashable) -> None:
        """Remove the owner of a device."""
        self._device_call("DELETE", admin.OWNER_PATH, device_id)

    def clear_device_data(self, device_id: Hashable) -> None:
        """Erase all data of a device (history and current values)."""
        self._device_call("DELETE", admin.CLEAR_PATH, device_id)

    def _device_call(self, method: str, path: str, device_id: Hashable) -> None:
        number = admin.check_device_id(device_id)
        try:
            self.session.send(method, path, params={"deviceId": number})
        finally:
            if path in (admin.CLEAR_PATH, admin.DEVICE_PATH):
                self._stale_in_store(number)
        with self._lock:
            self._template_of.pop(number, None)

    def transfer_device(
        self, device_id: Hashable, *, to_user: int | None = None, to_org: int | None = None
    ) -> None:
        """Give a device to another user (``to_user``) or organization (``to_org``)."""
        number = admin.check_device_id(device_id)
        if (to_user is None) == (to_org is None):
            raise InputError("transfer_device needs exactly one of to_user= or to_org=")
        if to_user is not None:
            body = {"deviceId": number, "newUserId": _positive(to_user, "to_user")}
            self.session.send("POST", admin.TO_OWNER_PATH, json=body)
        else:
            body = {"deviceId": number, "newOrgId": _positive(to_org, "to_org")}
            self.session.send("POST", admin.TO_ORG_PATH, json=body)

    def trigger_event(self, device_id: Hashable, code: str, description: str = "") -> None:
        """Log an event on a device by its template event code (description ≤ 300 chars)."""
        number = admin.check_device_id(device_id)
        clean_code, clean_description = admin.check_event(code, description)
        body = {"deviceId": number, "eventCode": clean_code, "eventDescription": clean_description}
        self.session.send("POST", admin.EVENT_PATH, json=body)

    def set_metadata(self, device_id: Hashable, field: Any, value: Any) -> None:
        """Set a metafield of a device, named by id or name."""
        number = admin.check_device_id(device_id)
        text = admin.check_text(str(value), what="metafield value", limit=255)
        field_id = _metafield_id(self.metadata(number), field, number)
        body = {"deviceId": number, "metaFieldId": field_id, "newValue": text}
        self.session.send("POST", admin.METAFIELD_PATH, json=body)


# small pure helpers ------------------------------------------------------------------------------
def _datastream_names(datastreams: Any) -> list[Any]:
    """One datastream (a label, alias, pin or id) or several, as a non-empty list."""
    if isinstance(datastreams, str | int | np.integer) and not isinstance(datastreams, bool):
        return [datastreams]
    if (
        datastreams is None
        or isinstance(datastreams, bool | bytes | Mapping)
        or not isinstance(datastreams, Iterable)
    ):
        raise InputError(
            f"datastreams={datastreams!r} is not understood: pass a name, pin or id like "
            "'Temperature', or a list of them"
        )
    names = list(datastreams)
    if not names:
        raise InputError("no datastreams given: pass a name or a list of names")
    return names


def _sort_field(sort_by: str) -> str:
    if sort_by in SORT_FIELDS.values():
        return sort_by
    key = str(sort_by).strip().lower().replace(" ", "_")
    if key in SORT_FIELDS:
        return SORT_FIELDS[key]
    raise InputError(f"sort_by={sort_by!r} is not one of {', '.join(sorted(SORT_FIELDS))}")


def _order(order: str) -> str:
    upper = str(order).upper()
    if upper not in {"ASC", "DESC"}:
        raise InputError(f"order={order!r} must be 'ASC' or 'DESC'")
    return upper


_EVENT_TYPES = frozenset(
    {"ONLINE", "OFFLINE", "INFORMATION", "WARNING", "CRITICAL", "CONTENT", "INACTIVE",
     "LIFECYCLE", "NOTE"}
)  # fmt: skip


def _event_type(event_type: str) -> str:
    upper = str(event_type).upper()
    if upper not in _EVENT_TYPES:
        raise InputError(
            f"event_type={event_type!r} is not one of {', '.join(sorted(_EVENT_TYPES))}"
        )
    return upper


def _email(email: Any) -> str:
    text = admin.check_text(email, what="email", limit=admin.MAX_QUERY)
    if "@" not in text:
        raise InputError(f"email {email!r} has no '@'")
    return text.strip()


def _positive(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InputError(f"{what}={value!r} must be a positive whole number")
    return int(value)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers (JSON can't carry numpy types)."""
    return value.item() if isinstance(value, np.generic) else value


def _template_code(templates: pd.DataFrame | None, template: Any) -> str:
    if templates is None:  # no template access: only a TMPL… code can be sent as it is
        if isinstance(template, str) and template.startswith("TMPL"):
            return template
        raise ForbiddenError(
            f"create_device() with template {template!r} needs the "
            f"{_permissions.TEMPLATES} to look it up, which this OAuth client lacks; "
            "pass the template's TMPL… code instead",
            status=403,
        )
    for column in ("template_code", "name", "template_id"):
        hits = templates[templates[column].astype(str) == str(template)]
        if len(hits) == 1:
            return str(hits["template_code"].iloc[0])
    choices = ", ".join(f"{r.name} ({r.template_code})" for r in templates.itertuples())
    raise InputError(f"template {template!r} is not one of: {choices or 'none'}")


def _metafield_id(fields: pd.DataFrame, field: Any, device_id: int) -> int:
    if isinstance(field, int) and not isinstance(field, bool):
        hits = fields[fields["metafield_id"] == field]
    else:
        hits = fields[fields["name"] == str(field)]
    if len(hits) != 1:
        names = ", ".join(f"{r.name} (id {r.metafield_id})" for r in fields.itertuples())
        raise InputError(
            f"metafield {field!r} is not one of device {device_id}'s: {names or 'none'}"
        )
    return int(hits["metafield_id"].iloc[0])


def _empty_trail() -> pd.DataFrame:
    index = pd.DatetimeIndex([], dtype="datetime64[ms, UTC]", name="time")
    return pd.DataFrame(
        {"lon": pd.Series([], dtype="float64"), "lat": pd.Series([], dtype="float64")}, index=index
    )


def _positions(current: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``[lon, lat]`` values → ``device_id``, ``lon``, ``lat``, ``updated_at``."""
    rows = []
    for item in current.itertuples(index=False):
        value: Any = item.value
        if isinstance(value, list | tuple) and len(value) == 2:
            rows.append({"device_id": item.device_id, "lon": value[0], "lat": value[1],
                         "updated_at": item.updated_at})  # fmt: skip
    spec = {"device_id": "int64", "lon": "float64", "lat": "float64", "updated_at": "object"}
    frame = frame_from_records(rows, spec, {k: k for k in spec})
    return frame.drop_duplicates("device_id", keep="first")


def _join_locations(
    fleet: pd.DataFrame, points: pd.DataFrame, status: pd.DataFrame | None
) -> pd.DataFrame:
    if points.empty:
        return empty_frame(LOCATION_SPEC)
    merged = points.merge(fleet[["device_id", "name", "template"]], on="device_id", how="left")
    if status is not None:
        merged = merged.merge(status, on="device_id", how="left")
    merged["updated_at"] = pd.to_datetime(merged["updated_at"], utc=True)
    out = coerce(
        merged.assign(online=merged["online"].fillna(False).astype(bool)),
        {**LOCATION_SPEC, "updated_at": "object"},
    )
    out["updated_at"] = out["updated_at"].astype("datetime64[ms, UTC]")
    return out.sort_values("device_id", ignore_index=True)
