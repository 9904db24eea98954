"""Thingsee as a panels ``FleetClient``: things as devices, decoded fields as datastreams,
the writable settings as commands (:data:`blynkbook.contract.METHODS` states the frames).

A write checks every value first: any refused value is a
:class:`~blynkbook.errors.WriteValueError` naming each one, and nothing is sent. Otherwise
the values go out as one command per message id; the report has one row per value,
``written``, or ``failed`` with the error when its command was not accepted.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import pandas as pd

from blynkbook._provenance import reported
from blynkbook.errors import BlynkbookError, InputError, WriteValueError

from . import _frames as F
from ._base import DAY
from ._checks import as_list, check_tuid, known_fields
from ._client_commands import CommandsMixin
from ._client_groups import GroupsMixin
from ._client_messages import MessagesMixin, parse_messages
from ._commands import Param, params_for
from ._fields import family_of, fields_of_family, message_ids_for_fields
from ._windows import dedupe

__all__ = ["ONLINE_WITHIN", "FleetAdapter"]

ONLINE_WITHIN = 2 * 3600  # a thing that reported in the last two hours counts as online


def _name(tuid: str) -> str:
    return f"{family_of(tuid).title()} {tuid[-5:]}"


class FleetAdapter(MessagesMixin, CommandsMixin, GroupsMixin):
    """The ``FleetClient`` methods the panels and notebooks use."""

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

    @reported
    def datastreams(self, device_id: Hashable) -> pd.DataFrame:
        """The latest value of every decoded field of one thing."""
        tuid = check_tuid(device_id)
        last = self._info(tuid).get("timestamp")
        end = int(last) if isinstance(last, int | float) else self._now() // 1000
        raw = self._message_page(tuid, {}, end - DAY, end)
        frame = parse_messages(dedupe(raw))
        latest = frame.sort_values("time").groupby("field", sort=True).tail(1)
        current = latest.assign(device_id=tuid, label=latest["field"], updated_at=latest["time"])
        return F.conform(current, F.DATASTREAMS).reset_index(drop=True)

    @reported
    def schema(self, device_id: Hashable) -> pd.DataFrame:
        """What a thing reports (read-only, with history) and which settings it takes (writable)."""
        family = family_of(check_tuid(device_id))
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

    @reported
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
        fields = known_fields(datastreams)
        tuids = [check_tuid(d) for d in as_list(devices)]
        ids = sorted(message_ids_for_fields(fields))
        frame = self.messages(tuids, ids, start, end, refresh=refresh, progress=progress)
        frame = frame.reset_index()
        frame = frame[frame["field"].isin(fields)]
        named = frame.assign(device_id=frame["tuid"], datastream=frame["field"])
        ordered = F.conform(named, F.HISTORY).sort_values(
            ["device_id", "datastream", F.TIME], kind="stable"
        )
        return ordered.set_index(F.TIME)

    @reported
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

    @reported
    def trail(self, device_id: Hashable, start: Any = "-1d", end: Any = "now") -> pd.DataFrame:
        """Things do not move: always an empty ``time``-indexed ``lon``, ``lat`` frame."""
        check_tuid(device_id)
        return F.frame([], F.TRAIL).set_index("time")

    def write(self, device_id: Hashable, values: Mapping[str, Any]) -> pd.DataFrame:
        """Send settings as commands (one per message id); a report row per value.

        Every value is checked first: any that is not a writable setting of this thing or
        is out of its range is a :class:`~blynkbook.errors.WriteValueError` naming each
        bad value, its setting and the limit, and nothing is sent. A command the cloud
        does not accept marks its values ``failed`` with the error as ``reason``; the
        other commands are still sent.
        """
        tuid = check_tuid(device_id)
        known = {p.label: p for p in params_for(family_of(tuid))}
        commands = _commands(tuid, known, values)
        report: list[dict[str, Any]] = []
        for tsm_id, fields in commands.items():
            status, reason = "written", ""
            try:
                self.send_command(tuid, tsm_id, **{k: v for k, (_, v, _) in fields.items()})
            except BlynkbookError as exc:
                status, reason = "failed", str(exc)
            report += [
                {"device_id": tuid, "datastream": label, "value": value, "status": status,
                 "reason": reason, "order": order}
                for label, value, order in fields.values()
            ]  # fmt: skip
        report.sort(key=lambda row: row["order"])
        return F.frame(report, F.WRITE_REPORT)


def _commands(
    tuid: str, known: Mapping[str, Param], values: Mapping[str, Any]
) -> dict[int, dict[str, tuple[str, Any, int]]]:
    """``values`` as commands: message id → command key → (setting, value, position);
    any refused value raises :class:`WriteValueError` naming every one."""
    refused: dict[str, str] = {}
    commands: dict[int, dict[str, tuple[str, Any, int]]] = {}
    for order, (label, value) in enumerate(values.items()):
        param = known.get(label)
        if param is None:
            writable = ", ".join(known) or "none"
            refused[label] = f"{label}={value!r}: not writable on {tuid} (writable: {writable})"
            continue
        try:
            encoded = param.encode(value)
        except InputError as exc:
            refused[label] = str(exc)
            continue
        commands.setdefault(param.tsm_id, {})[param.key] = (label, encoded, order)
    if refused:
        raise WriteValueError(
            f"nothing was sent to {tuid}: " + "; ".join(refused.values()), refused=refused
        )
    return commands
