"""Alerts, commands and installations of a thing: reads, and the two writes that send
(``send_command``, ``set_installation_status``).

>>> alert_seconds("2026-11-20T12:00:00")
1795176000
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from blynkbook._provenance import reported
from blynkbook.errors import InputError
from blynkbook.vendor.thingsee import INSTALLATION_STATUSES

from . import _frames as F
from ._base import ClientBase
from ._checks import as_list, check_limit, check_tuid, id_list
from ._commands import camel_case, check_command

__all__ = ["INSTALLATION_STATUSES", "CommandsMixin", "alert_seconds", "parse_command"]


def alert_seconds(text: Any) -> int | None:
    """Alert times are ISO strings without an offset, meaning UTC."""
    if not isinstance(text, str) or not text:
        return None
    return int(pd.Timestamp(text, tz="UTC").timestamp())


def parse_command(item: Mapping[str, Any]) -> dict[str, Any]:
    command = dict(item.get("command") or {})
    return {
        "time": item.get("timestamp", command.get("tsmTs")),
        "tuid": item.get("tuid", command.get("tsmDstTuid")),
        "tsm_id": command.pop("tsmId", 0),
        "tsm_ev": command.pop("tsmEv", 0),
        "responsible": item.get("responsible") or "",
        "params": {k: v for k, v in command.items() if k not in ("tsmTs", "tsmDstTuid")},
    }


class CommandsMixin(ClientBase):
    """What happened to a thing (alerts, installations) and what was sent to it."""

    def alerting(self) -> list[str]:
        """TUIDs with an active alert."""
        return list(self._data("/things/alerts").get("alerting_tuids") or [])

    def alert_count(self) -> int:
        """How many things have an active alert (the API sends it as a string)."""
        return int(self._data("/things/alerts/count").get("alert_count") or 0)

    @reported
    def alerts(
        self, tuids: str | Iterable[str] | None = None, start: Any = None, end: Any = None
    ) -> pd.DataFrame:
        """Alerts of ``tuids`` (default: the things alerting now), one row per alert span.

        Columns ``tuid``, ``alert_type``, ``start``, ``end`` (NaT while open), ``active``.
        """
        things = self.alerting() if tuids is None else [check_tuid(t) for t in as_list(tuids)]
        params: dict[str, Any] = {}
        if start is not None or end is not None:
            params["from"], params["to"] = self._window(start or 0, end or "now")
        answers = self._map(lambda t: self._data(f"/things/{t}/alerts", params), things, "alerts")
        rows = [
            {
                "tuid": group.get("tuid", tuid),
                "alert_type": group.get("alert_type"),
                "start": alert_seconds(span.get("from")),
                "end": alert_seconds(span.get("to")),
                "active": not span.get("to"),
            }
            for tuid, answer in zip(things, answers, strict=True)
            for group in answer or []
            for span in group.get("alerts") or []
        ]
        return F.frame(rows, F.ALERTS)

    @reported
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
            "messageid": id_list(message_ids, "message_ids"),
            "eventid": id_list(event_ids, "event_ids"),
            "limit": check_limit(limit),
        }
        if start is not None or end is not None:
            params["from"], params["to"] = self._window(start or 0, end or "now")
        data = self._data(f"/things/{check_tuid(tuid)}/commands", params)
        return F.frame([parse_command(c) for c in data or []], F.COMMANDS)

    @reported
    def installations(self, tuid: str, limit: int | None = None) -> pd.DataFrame:
        """Installation history of a thing, newest first (``status``, ``time``, ``responsible``)."""
        params = {"limit": check_limit(limit)}
        data = self._data(f"/things/{check_tuid(tuid)}/installations", params)
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
        check_tuid(tuid)
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
        check_tuid(tuid)
        if status not in INSTALLATION_STATUSES:
            raise InputError(f"status {status!r} is not one of {', '.join(INSTALLATION_STATUSES)}")
        body = {"installation_status": status}
        data = self.session.send("POST", f"/things/{tuid}/installations", json=body).data["data"]
        return str(data.get("installation_status", status))
