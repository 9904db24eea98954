"""Deployment groups and things: lists, info, membership, and the group writes.

``parse_*`` turn the API's JSON into rows and frames; the :class:`GroupsMixin` methods do
the HTTP through the client's session.

>>> parse_groups([{"group_id": "g1", "group_description": None}]).to_dict("records")
[{'group_id': 'g1', 'description': ''}]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from blynkbook._provenance import reported

from . import _frames as F
from . import _stored
from ._base import ClientBase
from ._checks import check_group_id, check_limit, check_tuid
from ._fields import family_of

__all__ = ["GROUPS_PATH", "GroupsMixin", "parse_groups", "parse_thing"]

GROUPS_PATH = "/groups"


def parse_groups(items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """``/groups`` items → ``group_id``, ``description``."""
    rows = [
        {"group_id": g.get("group_id"), "description": g.get("group_description") or ""}
        for g in items
    ]
    return F.frame(rows, F.GROUPS)


class GroupsMixin(ClientBase):
    """Deployment groups and their things."""

    @reported
    def groups(self, q: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """Deployment groups: ``group_id``, ``description``; ``q`` searches id and description.

        >>> cloud.groups(q="oulu")  # doctest: +SKIP
        """
        params = {"q": q, "limit": check_limit(limit)}
        return parse_groups(self._data(GROUPS_PATH, params))

    def group_things(self, group_id: str) -> list[str]:
        """TUIDs of the things in one deployment group."""
        path = f"/groups/{check_group_id(group_id)}/things"
        return list(self._data(path).get("tuids") or [])

    @reported
    def things(self, group_id: str | None = None) -> pd.DataFrame:
        """Every thing of every group (or of one group) with its info: battery, location, …"""
        group_ids = [check_group_id(group_id)] if group_id else self.groups()["group_id"].tolist()
        members = self._map(self.group_things, group_ids, "groups")
        pairs = [
            (tuid, gid) for gid, tuids in zip(group_ids, members, strict=True) for tuid in tuids
        ]
        infos = self._map(lambda pair: self._info(pair[0]), pairs, "things")
        rows = [
            parse_thing(tuid, gid, info) for (tuid, gid), info in zip(pairs, infos, strict=True)
        ]
        return F.frame(rows, F.THINGS)

    @reported
    def thing(self, tuid: str) -> pd.DataFrame:
        """One thing's info as a one-row frame with the columns of :meth:`things`."""
        info = self._info(check_tuid(tuid))
        group = self._data(f"/things/{tuid}/group").get("group_id")
        return F.frame([parse_thing(tuid, group, info)], F.THINGS)

    def _info(self, tuid: str) -> dict[str, Any]:
        data = self._data(f"/things/{tuid}")
        return data if isinstance(data, dict) else {}

    def thing_group(self, tuid: str) -> str:
        """The deployment group a thing belongs to."""
        return str(self._data(f"/things/{check_tuid(tuid)}/group")["group_id"])

    # -- writes ---------------------------------------------------------------------------

    def create_group(self, group_id: str, description: str = "") -> pd.DataFrame:
        """Create a deployment group (no whitespace, not ``unassigned``); returns it as a frame."""
        body = {
            "group_id": check_group_id(group_id, new=True),
            "group_description": str(description),
        }
        data = self.session.send("POST", "/groups", json=body).data["data"]
        row = {"group_id": data.get("group_id"), "description": data.get("group_description") or ""}
        return F.frame([row], F.GROUPS)

    def rename_group(self, group_id: str, new_group_id: str) -> str:
        """Rename a group (its things follow); returns the new id."""
        path = f"/groups/{check_group_id(group_id)}/rename"
        body = {"group_id": check_group_id(new_group_id, new=True)}
        renamed = str(self.session.send("POST", path, json=body).data["data"]["group_id"])
        _stored.regroup(self.store, renamed, was=group_id)
        return renamed

    def delete_group(self, group_id: str) -> bool:
        """Delete an empty group; True when the cloud says it was deleted."""
        data = self.session.send("DELETE", f"/groups/{check_group_id(group_id)}").data["data"]
        return bool(data.get("deleted"))

    def move_thing(self, tuid: str, group_id: str) -> str:
        """Move a thing to another deployment group; returns the group it is in now."""
        body = {"group_id": check_group_id(group_id)}
        data = self.session.send("POST", f"/things/{check_tuid(tuid)}/group", json=body).data[
            "data"
        ]
        moved = str(data["group_id"])
        _stored.regroup(self.store, moved, tuid=tuid)
        return moved


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def parse_thing(tuid: str, group_id: Any, info: Mapping[str, Any]) -> dict[str, Any]:
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
