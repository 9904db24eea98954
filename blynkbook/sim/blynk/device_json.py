"""How the Devices endpoints render a device (``Device``, ``DeviceDetails``) and the
``sortBy`` keys of the device search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .records import Device
from .world import World

__all__ = ["SORT_KEYS", "device_details", "device_json"]


def device_json(device: Device) -> dict[str, Any]:
    """A ``Device`` item (lists, search, rename)."""
    return {
        "id": device.id,
        "name": device.name,
        "templateId": device.template.id,
        "originalTemplateId": device.template.id,
        "orgId": device.org_id,
        "token": device.token,
        "activatedAt": device.activated_at,
        "ownerUserId": device.owner_user_id,
        "hardwareInfo": {
            "version": device.fw_version,
            "fwType": device.template.fw_type,
            "blynkVersion": "1.3.2",
            "boardType": device.template.board,
            "build": "Oct 30 2026 09:12:44",
            "templateId": device.template.template_id,
        },
    }


def device_details(world: World, device: Device, *, full: bool) -> dict[str, Any]:
    """``DeviceDetails``: the base info, plus current values and metadata when ``full``."""
    out = device_json(device)
    last = world.last_reported(device)
    out.update(
        {
            "lifecycleStatus": {
                "eventId": 0,
                "name": "Active",
                "icon": "check",
                "color": "#23C48E",
            },
            "firstConnectTime": device.activated_at,
            "firmwareUpdatedAt": device.activated_at,
            "connectTime": device.connect_time,
            "disconnectTime": device.disconnect_time,
            "ip": device.ip,
            "isLocked": False,
            "lastReceivedEventAt": last,
            "lastReportedAt": last,
        }
    )
    if full:
        out["dataStreamValues"] = world.datastream_values(device)
        out["metaFieldValues"] = [m.to_json() for m in device.metafields]
    return out


def _owner_email(world: World, device: Device) -> str:
    user = world.users.get(device.owner_user_id) if device.owner_user_id is not None else None
    return user.email if user else ""


def _owner_name(world: World, device: Device) -> str:
    user = world.users.get(device.owner_user_id) if device.owner_user_id is not None else None
    return user.name if user else ""


SortKey = Callable[[World, Device], Any]
SORT_KEYS: dict[str, SortKey] = {
    "Device Id": lambda w, d: d.id,
    "Name": lambda w, d: d.name.lower(),
    "Auth Token": lambda w, d: d.token,
    "Owner Id": lambda w, d: d.owner_user_id or 0,
    "Device Owner Name": _owner_name,
    "Device Owner": _owner_email,
    "Last Reported At": lambda w, d: w.last_reported(d),
    "Activated At": lambda w, d: d.activated_at,
    "Activated By": _owner_email,
    "Model": lambda w, d: d.template.board,
    "Template Name": lambda w, d: d.template.name,
    "Template Id": lambda w, d: d.template.id,
    "Firmware Version": lambda w, d: d.fw_version,
    "Organization Id": lambda w, d: d.org_id,
    "Status": lambda w, d: d.connected,
}
