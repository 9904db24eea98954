"""``Thingsee``: the Open Services API as DataFrames, plus the panels' ``FleetClient`` protocol.

>>> import blynkbook.thingsee as ts
>>> cloud = ts.connect("demo")
>>> cloud.groups().shape[1]
2
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec

import pandas as pd

from blynkbook._provenance import with_meta
from blynkbook._time import time_window, wall_clock_ms
from blynkbook.cache import NoCache
from blynkbook.contract import MESSAGES
from blynkbook.errors import DatastreamNameError, InputError
from blynkbook.store import NoStore, SeriesStore
from blynkbook.transport import Session, wants_progress

from . import _frames as F
from . import _stored as stored
from ._commands import camel_case, check_command, params_for
from ._fields import (
    FIELDS,
    decode_message,
    family_of,
    fields_of_family,
    message_ids_for_fields,
)
from ._windows import Message, dedupe, pull_window, split_range

if TYPE_CHECKING:
    from blynkbook.cache import ResponseCache
    from blynkbook.sim.thingsee import ThingseeSim

__all__ = ["INSTALLATION_STATUSES", "Thingsee"]

INSTALLATION_STATUSES = ("new", "installed", "uninstalled", "quarantine", "retired")
DAY = 86_400
ONLINE_WITHIN = 2 * 3600  # a thing that reported in the last two hours counts as online
MAX_MESSAGE_LIMIT = 1000
_TUID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_KNOWN_FIELDS = sorted({s.field for s in FIELDS})


def _check_tuid(tuid: object) -> str:
    if not isinstance(tuid, str) or not _TUID.fullmatch(tuid) or tuid == "alerts":
        raise InputError(f"tuid {tuid!r} is not a Thingsee TUID (1-64 letters, digits, '-', '_')")
    return tuid


def _check_group_id(group_id: object, *, new: bool = False) -> str:
    if not isinstance(group_id, str) or not group_id:
        raise InputError(f"group_id {group_id!r} must be a non-empty string")
    if new and any(c.isspace() for c in group_id):
        raise InputError(f"group_id {group_id!r} must not contain whitespace")
    if new and group_id == "unassigned":
        raise InputError("group_id 'unassigned' is reserved by Thingsee")
    if not new and ("/" in group_id or any(c.isspace() for c in group_id)):
        raise InputError(f"group_id {group_id!r} must not contain '/' or whitespace")
    return group_id


def _check_limit(limit: object, name: str = "limit", high: int | None = None) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InputError(f"{name}={limit!r} must be a whole number of at least 1")
    if high is not None and limit > high:
        raise InputError(f"{name}={limit} is above the maximum of {high}")
    return limit


def _id_list(ids: int | Iterable[object] | None, name: str) -> str | None:
    """``[12100, 1110]`` → ``"12100,1110"`` (the API's comma list); checked to be numbers."""
    if ids is None:
        return None
    values = [ids] if isinstance(ids, int) else list(ids)
    if not values or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise InputError(f"{name}={ids!r} must be one or more whole numbers")
    return ",".join(str(v) for v in values)


def _fields(names: str | Iterable[str]) -> list[str]:
    """Known field names, checked (the datastreams of :meth:`Thingsee.history`)."""
    fields = [str(f) for f in _as_list(names)]
    unknown = [f for f in fields if f not in _KNOWN_FIELDS]
    if unknown or not fields:
        raise DatastreamNameError(
            f"unknown field(s) {unknown!r}; known: {', '.join(_KNOWN_FIELDS)}"
        )
    return fields


def _id_values(ids: int | Iterable[int] | None, name: str) -> list[int] | None:
    """Message or event ids as a sorted list (None stays None), checked to be numbers."""
    text = _id_list(ids, name)
    return None if text is None else sorted({int(v) for v in text.split(",")})


def _as_list(items: Hashable | Iterable[Hashable]) -> list[Any]:
    if isinstance(items, str) or not isinstance(items, Iterable):
        return [items]
    return list(items)


def _alert_seconds(text: Any) -> int | None:
    """Alert times are ISO strings without an offset, meaning UTC."""
    if not isinstance(text, str) or not text:
        return None
    return int(pd.Timestamp(text, tz="UTC").timestamp())


P = ParamSpec("P")


def _reported(
    read: Callable[Concatenate[Thingsee, P], pd.DataFrame],
) -> Callable[Concatenate[Thingsee, P], pd.DataFrame]:
    """A read that returns a frame: its ``attrs`` say where the data came from (``source``,
    ``from_cache``, ``stale``), and stale data warns once
    (:class:`~blynkbook.errors.StaleDataWarning`), as with Blynk; reads inside reads only
    record."""

    @functools.wraps(read)
    def reported(self: Thingsee, /, *args: P.args, **kwargs: P.kwargs) -> pd.DataFrame:
        outermost = not self.session.recording_now()
        with self.session.recording() as replies:
            frame = read(self, *args, **kwargs)
        source = f"{self.base_url} ({read.__name__})"
        return with_meta(frame, replies, source=source, warn=outermost)

    return reported


class Thingsee:
    """A Haltian Thingsee deployment seen through its Open Services API.

    Build one with :func:`blynkbook.thingsee.connect`. Reads return DataFrames; writes are
    checked before anything is sent. The same object drives every panel
    (:class:`blynkbook.panels.FleetClient`).
    """

    def __init__(
        self,
        session: Session,
        *,
        client_id: str,
        cache: ResponseCache | NoCache | None = None,
        demo: ThingseeSim | None = None,
        now: Callable[[], int] | None = None,
        message_limit: int = MAX_MESSAGE_LIMIT,
        message_window: int = 2 * DAY,
        progress: bool = True,
        store: SeriesStore | NoStore | None = None,
    ) -> None:
        self.session = session
        self.store: SeriesStore | NoStore = (
            store if store is not None else NoStore("this client was built without one")
        )
        self.client_id = client_id
        self.cache: ResponseCache | NoCache = (
            cache if cache is not None else NoCache("this client was built without one")
        )
        self.demo = demo
        self._now = now or (demo.clock.now_ms if demo is not None else wall_clock_ms)
        self.message_limit = _check_limit(message_limit, "message_limit", MAX_MESSAGE_LIMIT) or 1
        self.message_window = _check_limit(message_window, "message_window") or DAY
        self.progress = progress

    def __repr__(self) -> str:
        kind = "demo" if self.demo is not None else "cloud"
        cache = "on" if self.cache else "off"
        url = self.session.base_url
        return f"<Thingsee {url} client_id={self.client_id!r} ({kind}) cache={cache}>"

    @property
    def base_url(self) -> str:
        return self.session.base_url

    def now(self) -> pd.Timestamp:
        """What "now" means for relative times, tz-aware UTC (the simulator's clock in
        demo mode, the wall clock for a deployment, the recording's time offline)."""
        return pd.Timestamp(self._now(), unit="ms", tz="UTC")

    def close(self) -> None:
        """Close the HTTP connections (and the cache file, if any)."""
        self.session.close()
        self.cache.close()
        self.store.close()

    def __enter__(self) -> Thingsee:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _window(self, start: Any, end: Any) -> tuple[int, int]:
        from_ms, to_ms = time_window(start, end, now_ms=self._now())
        return from_ms // 1000, to_ms // 1000

    def _data(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.session.get(path, params).data["data"]

    def _map(
        self, fn: Callable[[Any], Any], items: Sequence[Any], desc: str, *, long: bool = False,
        progress: bool | None = None,
    ) -> list[Any]:  # fmt: skip
        """``session.map``; a pull that may be ``long`` shows a progress bar as
        :func:`~blynkbook.transport.wants_progress` decides (more than 20 parts, unless
        ``progress`` says otherwise: see :meth:`_progress`)."""
        wanted = long and wants_progress(self._progress(progress), len(items))
        return self.session.map(fn, items, desc=desc, progress=wanted)

    def _progress(self, setting: bool | None) -> bool | None:
        """A call's ``progress``: None means the client's default (True: a bar for pulls
        of more than 20 parts; False: never); True or False decide."""
        if setting is not None:
            return setting
        return None if self.progress else False

    def _now_ms(self) -> int:
        return self._now()

    # -- deployment groups ----------------------------------------------------------------

    @_reported
    def groups(self, q: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """Deployment groups: ``group_id``, ``description``; ``q`` searches id and description.

        >>> cloud.groups(q="oulu")  # doctest: +SKIP
        """
        params = {"q": q, "limit": _check_limit(limit)}
        rows = [
            {"group_id": g.get("group_id"), "description": g.get("group_description") or ""}
            for g in self._data("/groups", params)
        ]
        return F.frame(rows, F.GROUPS)

    def group_things(self, group_id: str) -> list[str]:
        """TUIDs of the things in one deployment group."""
        path = f"/groups/{_check_group_id(group_id)}/things"
        return list(self._data(path).get("tuids") or [])

    @_reported
    def things(self, group_id: str | None = None) -> pd.DataFrame:
        """Every thing of every group (or of one group) with its info: battery, location, …"""
        group_ids = [_check_group_id(group_id)] if group_id else self.groups()["group_id"].tolist()
        members = self._map(self.group_things, group_ids, "groups")
        pairs = [
            (tuid, gid) for gid, tuids in zip(group_ids, members, strict=True) for tuid in tuids
        ]
        infos = self._map(lambda pair: self._info(pair[0]), pairs, "things")
        rows = [_thing_row(tuid, gid, info) for (tuid, gid), info in zip(pairs, infos, strict=True)]
        return F.frame(rows, F.THINGS)

    @_reported
    def thing(self, tuid: str) -> pd.DataFrame:
        """One thing's info as a one-row frame with the columns of :meth:`things`."""
        info = self._info(_check_tuid(tuid))
        group = self._data(f"/things/{tuid}/group").get("group_id")
        return F.frame([_thing_row(tuid, group, info)], F.THINGS)

    def _info(self, tuid: str) -> dict[str, Any]:
        data = self._data(f"/things/{tuid}")
        return data if isinstance(data, dict) else {}

    def thing_group(self, tuid: str) -> str:
        """The deployment group a thing belongs to."""
        return str(self._data(f"/things/{_check_tuid(tuid)}/group")["group_id"])

    # -- messages -------------------------------------------------------------------------

    def raw_messages(
        self,
        tuids: str | Iterable[str],
        message_ids: int | Iterable[int] | None = None,
        start: Any = "-1d",
        end: Any = "now",
        *,
        event_ids: int | Iterable[int] | None = None,
        refresh: bool = False,
        progress: bool | None = None,
    ) -> list[Message]:
        """Every message of ``tuids`` in ``[start, end]`` as the API sends them, oldest first.

        Long histories are pulled in time windows (see :mod:`blynkbook.thingsee._windows`).
        With a series store only what it lacks is fetched (:mod:`blynkbook.thingsee._stored`:
        the gaps and the unsettled last ``settle``; ``refresh=True`` the window inside the
        horizon) and the messages are rebuilt from it: every number, and the text keys of
        the newest message fetched.
        """
        things = [_check_tuid(t) for t in _as_list(tuids)]
        ids = _id_values(message_ids, "message_ids")
        events = _id_values(event_ids, "event_ids")
        from_s, to_s = self._window(start, end)
        if isinstance(self.store, SeriesStore):
            return self._stored_messages(
                things, ids, events, from_s, to_s, refresh=refresh, progress=progress
            )
        tasks = [(t, w) for t in things for w in split_range(from_s, to_s, self.message_window)]

        def pull(task: tuple[str, tuple[int, int]]) -> list[Message]:
            tuid, (lo, hi) = task
            return self._pull_window(tuid, ids, lo, hi, events)

        batches = self._map(pull, tasks, "messages", long=True, progress=progress)
        return dedupe(m for batch in batches for m in batch)

    def _pull_window(
        self, tuid: str, ids: Sequence[int] | None, lo: int, hi: int,
        events: Sequence[int] | None = None,
    ) -> list[Message]:  # fmt: skip
        base = {"messageid": _id_list(ids, "message_ids"), "eventid": _id_list(events, "")}
        cache = self._past_the_cache() if isinstance(self.store, SeriesStore) else None
        return pull_window(
            lambda a, b: self._message_page(tuid, base, a, b, cache), lo, hi,
            limit=self.message_limit,
        )  # fmt: skip

    def _fetch_for_store(
        self, tuid: str, ids: Sequence[int] | None, lo: int, hi: int
    ) -> list[Message]:
        """Every message of one thing in ``[lo, hi]`` (seconds) for the store."""
        parts = split_range(lo, hi, self.message_window)
        return dedupe(m for a, b in parts for m in self._pull_window(tuid, ids, a, b))

    def _stored_messages(
        self, things: Sequence[str], ids: Sequence[int] | None, events: Sequence[int] | None,
        from_s: int, to_s: int, *, refresh: bool, progress: bool | None,
    ) -> list[Message]:  # fmt: skip
        assert isinstance(self.store, SeriesStore)
        store, lo, hi, now_ms = self.store, from_s * 1000, to_s * 1000, self._now_ms()

        def one(tuid: str) -> list[Message]:
            stored.sync(store, self._fetch_for_store, tuid, ids, lo, hi, now_ms=now_ms,
                        refresh=refresh)  # fmt: skip
            return stored.read_messages(store, tuid, ids, lo, hi)

        batches = self._map(one, things, "messages", long=True, progress=progress)
        found = [m for batch in batches for m in batch]
        if events is not None:
            found = [m for m in found if m.get("tsmEv") in events]
        return dedupe(found)

    def _past_the_cache(self) -> dict[str, Any] | None:
        """The cache options that keep message pages out of the response cache when the
        store keeps them; None without a cache."""
        if not self.cache:
            return None
        from blynkbook.cache import DO_NOT_CACHE

        return {"expire_after": DO_NOT_CACHE}

    def _message_page(
        self, tuid: str, base: Mapping[str, Any], lo: int, hi: int,
        cache: Mapping[str, Any] | None = None,
    ) -> list[Message]:  # fmt: skip
        params = {**base, "from": lo, "to": hi, "limit": self.message_limit}
        data = self.session.get(f"/things/{tuid}/messages", params, cache=cache).data["data"]
        return list(data or [])

    @_reported
    def messages(
        self,
        tuids: str | Iterable[str],
        message_ids: int | Iterable[int] | None = None,
        start: Any = "-1d",
        end: Any = "now",
        *,
        event_ids: int | Iterable[int] | None = None,
        refresh: bool = False,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Messages as a long, tidy frame: one row per message and decoded field.

        Indexed by ``time`` (datetime64[ms, UTC]), sorted by ``tuid`` then time; columns
        ``tuid``, ``tsm_id``, ``tsm_ev``, ``group_id``, ``field``, ``value``, ``unit``
        (:data:`blynkbook.contract.MESSAGES`); known fields get readable names (``temp`` of
        12100 → ``temperature`` in °C). With a series store, as :meth:`raw_messages`.

        >>> cloud.messages(tuid, [12100], start="-7d")  # doctest: +SKIP
        """
        raw = self.raw_messages(
            tuids, message_ids, start, end, event_ids=event_ids, refresh=refresh, progress=progress
        )
        return _messages_frame(raw).set_index(F.TIME)

    def pull(
        self,
        tuids: str | Iterable[str],
        fields: str | Iterable[str] | None = None,
        start: Any = "-1d",
        end: Any = "now",
        *,
        progress: bool | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Fill the series store with these things' messages (of the message ids that
        carry ``fields``; None: every message) without building a frame: one job per
        thing and month, each committed as it completes, so a re-run after a crash or
        Ctrl-C fetches only what is missing. Returns one row a thing: ``device_id``,
        ``requests`` (month jobs sent), ``messages_fetched``.

        >>> cloud.pull(cloud.devices()["device_id"], ["temperature"], "-30d")  # doctest: +SKIP
        """
        if not isinstance(self.store, SeriesStore):
            raise InputError(
                f"pull() needs a series store and this client has none ({self.store.reason})"
            )
        things = [_check_tuid(t) for t in _as_list(tuids)]
        ids = None if fields is None else sorted(message_ids_for_fields(_fields(fields)))
        from_s, to_s = self._window(start, end)

        def run(job: Callable[[Any], int], jobs: list[Any]) -> list[int]:
            show = wants_progress(self._progress(progress), len(jobs))
            return self.session.map(job, jobs, desc="pull", progress=show)

        report = stored.fill(
            self.store, self._fetch_for_store, things, ids, from_s * 1000, to_s * 1000,
            now_ms=self._now_ms(), refresh=refresh, run=run,
        )  # fmt: skip
        return F.frame(
            [
                {"device_id": t, "requests": r, "messages_fetched": n}
                for t, (r, n) in report.items()
            ],
            F.PULL_REPORT,
        )

    # -- alerts, commands, installations --------------------------------------------------

    def alerting(self) -> list[str]:
        """TUIDs with an active alert."""
        return list(self._data("/things/alerts").get("alerting_tuids") or [])

    def alert_count(self) -> int:
        """How many things have an active alert (the API sends it as a string)."""
        return int(self._data("/things/alerts/count").get("alert_count") or 0)

    @_reported
    def alerts(
        self, tuids: str | Iterable[str] | None = None, start: Any = None, end: Any = None
    ) -> pd.DataFrame:
        """Alerts of ``tuids`` (default: the things alerting now), one row per alert span.

        Columns ``tuid``, ``alert_type``, ``start``, ``end`` (NaT while open), ``active``.
        """
        things = self.alerting() if tuids is None else [_check_tuid(t) for t in _as_list(tuids)]
        params: dict[str, Any] = {}
        if start is not None or end is not None:
            params["from"], params["to"] = self._window(start or 0, end or "now")
        answers = self._map(lambda t: self._data(f"/things/{t}/alerts", params), things, "alerts")
        rows = [
            {
                "tuid": group.get("tuid", tuid),
                "alert_type": group.get("alert_type"),
                "start": _alert_seconds(span.get("from")),
                "end": _alert_seconds(span.get("to")),
                "active": not span.get("to"),
            }
            for tuid, answer in zip(things, answers, strict=True)
            for group in answer or []
            for span in group.get("alerts") or []
        ]
        return F.frame(rows, F.ALERTS)

    @_reported
    def commands(
        self,
        tuid: str,
        message_ids: int | Iterable[int] | None = None,
        start: Any = None,
        end: Any = None,
        *,
        event_ids: int | Iterable[int] | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Commands sent to a thing, oldest first; ``params`` holds each command's fields."""
        params: dict[str, Any] = {
            "messageid": _id_list(message_ids, "message_ids"),
            "eventid": _id_list(event_ids, "event_ids"),
            "limit": _check_limit(limit),
        }
        if start is not None or end is not None:
            params["from"], params["to"] = self._window(start or 0, end or "now")
        data = self._data(f"/things/{_check_tuid(tuid)}/commands", params)
        return F.frame([_command_row(c) for c in data or []], F.COMMANDS)

    @_reported
    def installations(self, tuid: str, limit: int | None = None) -> pd.DataFrame:
        """Installation history of a thing, newest first (``status``, ``time``, ``responsible``)."""
        params = {"limit": _check_limit(limit)}
        data = self._data(f"/things/{_check_tuid(tuid)}/installations", params)
        rows = [
            {
                "time": item.get("timestamp"),
                "tuid": item.get("tuid", tuid),
                "status": item.get("installation_status"),
                "responsible": item.get("responsible") or "",
            }
            for item in data or []
        ]
        return F.frame(rows, F.INSTALLATIONS).sort_values("time", ascending=False, kind="stable")

    # -- writes ---------------------------------------------------------------------------

    def send_command(
        self, tuid: str, tsm_id: int, *, tsm_ev: int = 30, **fields: Any
    ) -> dict[str, Any]:
        """Send one command (allowed ids 1500, 1501, 12200, 13200); returns the command as sent.

        Field names may be snake_case: ``report_interval=600`` is sent as ``reportInterval``.

        >>> cloud.send_command(tuid, 1500, report_interval=600)  # doctest: +SKIP
        """
        _check_tuid(tuid)
        body = {camel_case(k): v for k, v in fields.items()}
        check_command(tsm_id, body)
        if isinstance(tsm_ev, bool) or not isinstance(tsm_ev, int):
            raise InputError(f"tsm_ev={tsm_ev!r} must be a whole number")
        data = self.session.send(
            "POST", f"/things/{tuid}/commands", json=[{"tsmId": tsm_id, "tsmEv": tsm_ev, **body}]
        ).data["data"]
        sent = (data.get("commands") or [{}])[0]
        return {"tuid": tuid, "responsible": data.get("responsible"), **sent}

    def set_installation_status(self, tuid: str, status: str) -> str:
        """Set a thing's installation status (new, installed, uninstalled, quarantine, retired)."""
        _check_tuid(tuid)
        if status not in INSTALLATION_STATUSES:
            raise InputError(f"status {status!r} is not one of {', '.join(INSTALLATION_STATUSES)}")
        body = {"installation_status": status}
        data = self.session.send("POST", f"/things/{tuid}/installations", json=body).data["data"]
        return str(data.get("installation_status", status))

    def create_group(self, group_id: str, description: str = "") -> pd.DataFrame:
        """Create a deployment group (no whitespace, not ``unassigned``); returns it as a frame."""
        body = {
            "group_id": _check_group_id(group_id, new=True),
            "group_description": str(description),
        }
        data = self.session.send("POST", "/groups", json=body).data["data"]
        row = {"group_id": data.get("group_id"), "description": data.get("group_description") or ""}
        return F.frame([row], F.GROUPS)

    def rename_group(self, group_id: str, new_group_id: str) -> str:
        """Rename a group (its things follow); returns the new id."""
        path = f"/groups/{_check_group_id(group_id)}/rename"
        body = {"group_id": _check_group_id(new_group_id, new=True)}
        return str(self.session.send("POST", path, json=body).data["data"]["group_id"])

    def delete_group(self, group_id: str) -> bool:
        """Delete an empty group; True when the cloud says it was deleted."""
        data = self.session.send("DELETE", f"/groups/{_check_group_id(group_id)}").data["data"]
        return bool(data.get("deleted"))

    def move_thing(self, tuid: str, group_id: str) -> str:
        """Move a thing to another deployment group; returns the group it is in now."""
        body = {"group_id": _check_group_id(group_id)}
        data = self.session.send("POST", f"/things/{_check_tuid(tuid)}/group", json=body).data[
            "data"
        ]
        return str(data["group_id"])

    # -- the panels' FleetClient protocol -------------------------------------------------

    @_reported
    def devices(self) -> pd.DataFrame:
        """Things as panel devices: ``device_id`` (the TUID), ``name``, ``template``, ``online``."""
        things = self.things()
        cutoff = self.now() - pd.Timedelta(seconds=ONLINE_WITHIN)
        devices = things.assign(
            device_id=things["tuid"],
            name=[_name(t) for t in things["tuid"]],
            template=things["product"],
            online=(things["last_seen"] >= cutoff).fillna(False),
        )
        return F.conform(devices.sort_values("device_id", kind="stable"), F.DEVICES)

    @_reported
    def datastreams(self, device_id: Hashable) -> pd.DataFrame:
        """The latest value of every decoded field of one thing."""
        tuid = _check_tuid(device_id)
        last = self._info(tuid).get("timestamp")
        end = int(last) if isinstance(last, int | float) else self._now() // 1000
        raw = self._message_page(tuid, {}, end - DAY, end)
        frame = _messages_frame(dedupe(raw))
        latest = frame.sort_values("time").groupby("field", sort=True).tail(1)
        current = latest.assign(device_id=tuid, label=latest["field"], updated_at=latest["time"])
        return F.conform(current, F.DATASTREAMS).reset_index(drop=True)

    @_reported
    def schema(self, device_id: Hashable) -> pd.DataFrame:
        """What a thing reports (read-only, with history) and which settings it takes (writable)."""
        family = family_of(_check_tuid(device_id))
        rows: list[dict[str, Any]] = [
            {
                "label": s.field,
                "type": s.kind,
                "min": math.nan,
                "max": math.nan,
                "options": [],
                "writable": False,
                "history": True,
                "units": s.unit,
            }
            for s in fields_of_family(family)
        ]
        rows += [
            {
                "label": p.label,
                "type": p.kind,
                "min": p.low,
                "max": p.high,
                "options": list(p.options),
                "writable": True,
                "history": False,
                "units": p.unit,
            }
            for p in params_for(family)
        ]
        return F.frame(rows, F.SCHEMA)

    @_reported
    def history(
        self,
        devices: Hashable | Iterable[Hashable],
        datastreams: str | Iterable[str],
        start: Any = "-1d",
        end: Any = "now",
        *,
        refresh: bool = False,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Field values over time, indexed by ``time``: ``device_id``, ``datastream``, ``value``,
        sorted by device, field, then time (as :data:`blynkbook.contract.HISTORY` states).

        With a series store (``store=`` on connect) a series is a thing's field: only what
        the store lacks is fetched, the last ``settle`` of coverage is re-checked, and
        ``refresh=True`` re-fetches the window inside the horizon, as for Blynk."""
        fields = _fields(datastreams)
        tuids = [_check_tuid(d) for d in _as_list(devices)]
        ids = sorted(message_ids_for_fields(fields))
        frame = self.messages(tuids, ids, start, end, refresh=refresh, progress=progress)
        frame = frame.reset_index()
        frame = frame[frame["field"].isin(fields)]
        named = frame.assign(device_id=frame["tuid"], datastream=frame["field"])
        ordered = F.conform(named, F.HISTORY).sort_values(
            ["device_id", "datastream", F.TIME], kind="stable"
        )
        return ordered.set_index(F.TIME)

    @_reported
    def locations(self) -> pd.DataFrame:
        """Things with a position: ``device_id``, ``name``, ``template``, ``online``, ``lon``…"""
        devices = self.devices()
        things = self.things().set_index("tuid")
        merged = devices.assign(
            lon=devices["device_id"].map(things["lon"]),
            lat=devices["device_id"].map(things["lat"]),
            updated_at=devices["last_seen"],
        )
        merged = merged.dropna(subset=["lon", "lat"])
        return merged[list(F.LOCATIONS)].reset_index(drop=True)

    @_reported
    def trail(self, device_id: Hashable, start: Any = "-1d", end: Any = "now") -> pd.DataFrame:
        """Things do not move: always an empty ``time``-indexed ``lon``, ``lat`` frame."""
        _check_tuid(device_id)
        return F.frame([], F.TRAIL).set_index("time")

    def write(self, device_id: Hashable, values: Mapping[str, Any]) -> pd.DataFrame:
        """Send settings as commands (one per message id); a report row per value."""
        tuid = _check_tuid(device_id)
        known = {p.label: p for p in params_for(family_of(tuid))}
        report: list[dict[str, Any]] = []
        commands: dict[int, dict[str, Any]] = {}
        for label, value in values.items():
            row = {
                "device_id": tuid,
                "datastream": label,
                "value": value,
                "status": "skipped",
                "reason": "",
            }
            report.append(row)
            param = known.get(label)
            if param is None:
                row["reason"] = (
                    f"not writable on this thing (writable: {', '.join(known) or 'none'})"
                )
                continue
            try:
                commands.setdefault(param.tsm_id, {})[param.key] = param.encode(value)
            except InputError as exc:
                row["reason"] = str(exc)
                continue
            row["status"], row["tsm_id"] = "pending", param.tsm_id
        for tsm_id, fields in commands.items():
            self.send_command(tuid, tsm_id, **fields)
            for row in report:
                if row.get("tsm_id") == tsm_id:
                    row["status"] = "written"
        return F.frame(report, F.WRITE_REPORT)


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _name(tuid: str) -> str:
    return f"{family_of(tuid).title()} {tuid[-5:]}"


def _thing_row(tuid: str, group_id: Any, info: Mapping[str, Any]) -> dict[str, Any]:
    location = info.get("location") or {}
    return {
        "tuid": tuid,
        "group_id": group_id,
        "product": family_of(tuid),
        "battery_level": info.get("battery_level"),
        "last_seen": info.get("timestamp"),
        "lat": _float(location.get("lat")),  # typed "string" in the spec, numbers in examples
        "lon": _float(location.get("lon")),
        "gateway_tuid": info.get("gateway_tuid"),
        "version": info.get("version"),
    }


def _command_row(item: Mapping[str, Any]) -> dict[str, Any]:
    command = dict(item.get("command") or {})
    return {
        "time": item.get("timestamp", command.get("tsmTs")),
        "tuid": item.get("tuid", command.get("tsmDstTuid")),
        "tsm_id": command.pop("tsmId", 0),
        "tsm_ev": command.pop("tsmEv", 0),
        "responsible": item.get("responsible") or "",
        "params": {k: v for k, v in command.items() if k not in ("tsmTs", "tsmDstTuid")},
    }


def _messages_frame(raw: Sequence[Message]) -> pd.DataFrame:
    rows = [
        {
            "time": m.get("tsmTs"),
            "tuid": m.get("tsmTuid"),
            "tsm_id": m.get("tsmId"),
            "tsm_ev": m.get("tsmEv", 0),
            "group_id": m.get("deploymentGroupId"),
            "field": d.field,
            "value": d.value,
            "unit": d.unit,
        }
        for m in raw
        for d in decode_message(m)
    ]
    frame = F.frame(rows, F.MESSAGES)
    return frame.sort_values(list(MESSAGES.sort), kind="stable", ignore_index=True)
