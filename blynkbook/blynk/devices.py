"""Devices and templates: lists, search, details, status, tags, timeline, logs, metadata.

``parse_*`` functions turn decoded vendor JSON into frames; ``get_*`` functions do the
HTTP through a :class:`~blynkbook.transport.Session` and hand the JSON to the parsers.
Device tokens are dropped at parse time: they never reach a frame.

>>> parse_devices([{"id": 1, "name": "Pump", "templateId": 3, "token": "t0k"}]).columns.tolist()[:3]
['device_id', 'name', 'template']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from blynkbook._frames import frame_from_records
from blynkbook.transport import Reply, Session

from ._paging import fetch_all_pages

__all__ = [
    "ACTIVATED_SPEC",
    "DETAILS_SPEC",
    "DEVICE_SPEC",
    "LOG_SPEC",
    "METADATA_SPEC",
    "ONLINE_SPEC",
    "TAG_SPEC",
    "TEMPLATE_SPEC",
    "TIMELINE_SPEC",
    "get_devices",
    "get_templates",
    "parse_activated",
    "parse_device_details",
    "parse_devices",
    "parse_logs",
    "parse_metadata",
    "parse_online",
    "parse_tags",
    "parse_templates",
    "parse_timeline",
]

DEVICES_PATH = "/api/v1/organization/devices"
SEARCH_PATH = "/api/v1/organization/search/devices"
DEVICE_PATH = "/api/v1/organization/device"
BY_OWNER_PATH = DEVICE_PATH + "/by-owner"
BY_USER_ORG_PATH = DEVICE_PATH + "/by-user-org"
TEMPLATES_PATH = "/api/v1/organization/templates"

#: Device list items (list, search, by-owner, by-user-org).
DEVICE_MAP = {
    "id": "device_id",
    "name": "name",
    "templateId": "template_id",
    "orgId": "org_id",
    "ownerUserId": "owner_user_id",
    "activatedAt": "activated_at",
    "firmwareVersion": "firmware_version",
    "template": "template",
}
DEVICE_SPEC = {
    "device_id": "int64",
    "name": "str",
    "template": "str",
    "template_id": "Int64",
    "org_id": "Int64",
    "owner_user_id": "Int64",
    "activated_at": "time",
    "firmware_version": "str",
}

DETAILS_MAP = {
    **DEVICE_MAP,
    "lifecycleStatus": "lifecycle_status",
    "firstConnectTime": "first_connect_time",
    "connectTime": "connect_time",
    "disconnectTime": "disconnect_time",
    "firmwareUpdatedAt": "firmware_updated_at",
    "lastReceivedEventAt": "last_received_event_at",
    "lastReportedAt": "last_reported_at",
    "ip": "ip",
    "isLocked": "is_locked",
}
DETAILS_SPEC = {
    **DEVICE_SPEC,
    "lifecycle_status": "str",
    "first_connect_time": "time",
    "connect_time": "time",
    "disconnect_time": "time",
    "firmware_updated_at": "time",
    "last_received_event_at": "time",
    "last_reported_at": "time",
    "ip": "str",
    "is_locked": "boolean",
}

TEMPLATE_MAP = {
    "id": "template_id",
    "name": "name",
    "templateCode": "template_code",
    "orgId": "org_id",
    "parentId": "parent_id",
}
TEMPLATE_SPEC = {
    "template_id": "int64",
    "name": "str",
    "template_code": "str",
    "org_id": "Int64",
    "parent_id": "Int64",
}

ONLINE_SPEC = {"device_id": "int64", "online": "bool"}

TAG_MAP = {"deviceId": "device_id", "id": "tag_id", "name": "name", "tagOwnerOrgId": "owner_org_id"}
TAG_SPEC = {"device_id": "int64", "tag_id": "int64", "name": "str", "owner_org_id": "Int64"}

TIMELINE_MAP = {
    "deviceId": "device_id",
    "id": "id",
    "eventId": "event_id",
    "eventType": "event_type",
    "eventCode": "event_code",
    "description": "description",
    "ts": "time",
    "isResolved": "is_resolved",
    "resolvedAt": "resolved_at",
    "resolvedComment": "resolved_comment",
}
TIMELINE_SPEC = {
    "device_id": "int64",
    "id": "Int64",
    "event_id": "Int64",
    "event_type": "str",
    "event_code": "str",
    "description": "str",
    "time": "time",
    "is_resolved": "boolean",
    "resolved_at": "time",
    "resolved_comment": "str",
}

LOG_MAP = {
    "deviceId": "device_id",
    "createdAt": "time",
    "triggerUserEmail": "user_email",
    "pin": "pin",
    "pinType": "pin_type",
    "value": "value",
    "isOnline": "is_online",
}
LOG_SPEC = {
    "device_id": "int64",
    "time": "time",
    "user_email": "str",
    "pin": "str",
    "pin_type": "str",
    "value": "object",
    "is_online": "boolean",
}

METADATA_MAP = {
    "deviceId": "device_id",
    "id": "metafield_id",
    "name": "name",
    "type": "type",
    "value": "value",
    "isRequired": "is_required",
    "includeInProvisioning": "include_in_provisioning",
}
METADATA_SPEC = {
    "device_id": "int64",
    "metafield_id": "int64",
    "name": "str",
    "type": "str",
    "value": "object",
    "is_required": "boolean",
    "include_in_provisioning": "boolean",
}

ACTIVATED_MAP = {
    "id": "device_id",
    "orgId": "org_id",
    "templateId": "template_id",
    "ownerUserId": "owner_user_id",
    "activationTime": "activated_at",
}
ACTIVATED_SPEC = {
    "device_id": "int64",
    "org_id": "Int64",
    "template_id": "Int64",
    "owner_user_id": "Int64",
    "activated_at": "time",
}


_PIN_PREFIX = {"VIRTUAL": "v", "DIGITAL": "d", "ANALOG": "a"}


# parsers -------------------------------------------------------------------------------------
def _template_names(templates: pd.DataFrame | None) -> dict[int, str]:
    if templates is None or templates.empty:
        return {}
    return dict(zip(templates["template_id"].tolist(), templates["name"].tolist(), strict=True))


def _flatten_device(item: Mapping[str, Any], names: Mapping[int, str]) -> dict[str, Any]:
    out = dict(item)
    hardware = item.get("hardwareInfo") or {}
    out["firmwareVersion"] = hardware.get("version") if isinstance(hardware, Mapping) else None
    out["template"] = names.get(item.get("templateId"))  # type: ignore[arg-type]
    status = item.get("lifecycleStatus")
    out["lifecycleStatus"] = status.get("name") if isinstance(status, Mapping) else status
    return out


def parse_devices(
    items: Sequence[Mapping[str, Any]], templates: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Device list items → one row per device, joined with template names.

    Columns (dtypes): ``device_id`` int64, ``name`` str, ``template`` str (template name),
    ``template_id`` Int64, ``org_id`` Int64, ``owner_user_id`` Int64, ``activated_at``
    datetime64[ms, UTC], ``firmware_version`` str. No device token.
    """
    names = _template_names(templates)
    return frame_from_records(
        [_flatten_device(item, names) for item in items], DEVICE_SPEC, DEVICE_MAP
    )


def parse_device_details(
    item: Mapping[str, Any], templates: pd.DataFrame | None = None
) -> pd.DataFrame:
    """DeviceDetails → a one-row frame: :data:`DEVICE_SPEC` columns plus ``lifecycle_status``,
    ``first_connect_time``, ``connect_time``, ``disconnect_time``, ``firmware_updated_at``,
    ``last_received_event_at``, ``last_reported_at`` (times; never → NaT), ``ip`` str,
    ``is_locked`` boolean."""
    names = _template_names(templates)
    return frame_from_records([_flatten_device(item, names)], DETAILS_SPEC, DETAILS_MAP)


def parse_templates(items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Template items → ``template_id`` int64, ``name`` str, ``template_code`` str (the
    first ``TMPL…`` id), ``org_id`` Int64, ``parent_id`` Int64."""
    rows = [{**item, "templateCode": (item.get("templateIds") or [None])[0]} for item in items]
    return frame_from_records(rows, TEMPLATE_SPEC, TEMPLATE_MAP)


def parse_online(device_ids: Sequence[int], answers: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """``{"connected": bool}`` answers → ``device_id`` int64, ``online`` bool."""
    rows = [
        {"device_id": d, "online": bool(a.get("connected"))}
        for d, a in zip(device_ids, answers, strict=True)
    ]
    return frame_from_records(rows, ONLINE_SPEC, {"device_id": "device_id", "online": "online"})


def _with_device(device_id: int, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "deviceId": device_id} for item in items]


def parse_tags(device_id: int, items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Tag items → ``device_id`` int64, ``tag_id`` int64, ``name`` str, ``owner_org_id`` Int64."""
    return frame_from_records(_with_device(device_id, items), TAG_SPEC, TAG_MAP)


def parse_timeline(device_id: int, items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """TimelineEvent items → ``device_id``, ``id``, ``event_id``, ``event_type``,
    ``event_code``, ``description``, ``time``, ``is_resolved``, ``resolved_at``,
    ``resolved_comment`` (see :data:`TIMELINE_SPEC` for dtypes)."""
    return frame_from_records(_with_device(device_id, items), TIMELINE_SPEC, TIMELINE_MAP)


def parse_logs(device_id: int, items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Actions-log items → ``device_id`` int64, ``time``, ``user_email`` str, ``pin`` str
    (``"v4"``), ``pin_type`` str, ``value`` object, ``is_online`` boolean."""
    rows = []
    for item in _with_device(device_id, items):
        pin = item.get("pin")
        if isinstance(pin, int) and not isinstance(pin, bool):
            item["pin"] = f"{_PIN_PREFIX.get(item.get('pinType', ''), 'v')}{pin}"
        rows.append(item)
    return frame_from_records(rows, LOG_SPEC, LOG_MAP)


def parse_metadata(device_id: int, items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """MetaFieldValue items → ``device_id``, ``metafield_id``, ``name``, ``type`` str,
    ``value`` object, ``is_required``, ``include_in_provisioning`` (booleans).

    Both the typed shape ``{"value": {"type": "Text", "value": "x"}}`` and the flat
    ``{"value": "x"}`` are read.
    """
    rows = []
    for item in _with_device(device_id, items):
        value = item.get("value")
        if isinstance(value, Mapping):
            item["type"], item["value"] = value.get("type"), value.get("value")
        rows.append(item)
    return frame_from_records(rows, METADATA_SPEC, METADATA_MAP)


def parse_activated(items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Last-activated items → ``device_id`` int64, ``org_id``, ``template_id``,
    ``owner_user_id`` (Int64), ``activated_at`` datetime64[ms, UTC]."""
    return frame_from_records(items, ACTIVATED_SPEC, ACTIVATED_MAP)


# network -------------------------------------------------------------------------------------
def get_templates(session: Session) -> tuple[pd.DataFrame, list[Reply]]:
    """Every template of the organization (paged) and the replies that carried them."""
    items, replies = fetch_all_pages(session, TEMPLATES_PATH)
    return parse_templates(items), replies


TemplateSource = Callable[[], tuple[pd.DataFrame | None, list[Reply]]]


def get_devices(
    session: Session,
    path: str,
    params: Mapping[str, Any],
    *,
    templates: TemplateSource | None = None,
) -> pd.DataFrame:
    """Every device a paginated device-list endpoint returns, joined with template names.

    ``templates`` gives the template frame and its replies (default: fetched here; the
    replies are recorded by the client's :func:`~blynkbook._provenance.reported` read); a
    frame of None (the client may not read templates) leaves the names NA. The list is
    fetched first, so a client that may not list devices fails on that, not on templates.
    """
    items, _replies = fetch_all_pages(session, path, params)
    names, _template_replies = (templates or (lambda: get_templates(session)))()
    return parse_devices(items, names)
