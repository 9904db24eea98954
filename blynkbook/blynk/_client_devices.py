"""The :class:`~blynkbook.blynk.Blynk` calls on devices (:mod:`.devices` holds their
paths, specs and parsers)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import pandas as pd

from blynkbook._provenance import reported
from blynkbook.vendor.blynk import MAX_QUERY

from . import _permissions, admin, devices
from ._checks import check_email, check_event_type, check_order, sort_field
from ._paging import fetch_all_pages
from ._schema import SchemaMemo
from .admin import METAFIELD_PATH
from .devices import (
    BY_OWNER_PATH,
    BY_USER_ORG_PATH,
    DEVICE_PATH,
    DEVICES_PATH,
    SEARCH_PATH,
    TEMPLATES_PATH,
)


class DeviceCalls(SchemaMemo):
    """The device reads: lists, details, status, tags, timeline, logs, metadata, templates."""

    @reported(TEMPLATES_PATH)
    def templates(self) -> pd.DataFrame:
        """Every template: ``template_id`` int64, ``name``, ``template_code`` (``TMPL…``),
        ``org_id``, ``parent_id``. Needs the ``PRODUCT_VIEW`` permission (a
        :class:`~blynkbook.errors.ForbiddenError` naming it otherwise)."""
        with _permissions.needs(_permissions.TEMPLATES, "templates()"):
            frame, _replies = devices.get_templates(self.session)
        return frame

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
        :data:`~blynkbook.blynk._checks.SORT_FIELDS`) or the vendor's own
        (``"Last Reported At"``); ``order`` is ``"ASC"`` or ``"DESC"``.
        """
        text = admin.check_text(query, what="query", limit=MAX_QUERY)
        params = {"query": text, "sortBy": sort_field(sort_by), "sortOrder": check_order(order)}
        return devices.get_devices(
            self.session,
            devices.SEARCH_PATH,
            params,
            templates=self._templates_if_allowed,
        )

    @reported(BY_OWNER_PATH)
    def devices_by_owner(self, email: str) -> pd.DataFrame:
        """Devices owned by the user with this email; same columns as :meth:`devices`."""
        params = {"ownerEmail": check_email(email)}
        return devices.get_devices(
            self.session, devices.BY_OWNER_PATH, params, templates=self._templates_if_allowed
        )

    @reported(BY_USER_ORG_PATH)
    def devices_by_user_org(self, email: str) -> pd.DataFrame:
        """Devices of the organization this user belongs to; same columns as :meth:`devices`."""
        params = {"userEmail": check_email(email)}
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
            params["eventType"] = check_event_type(event_type)
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
