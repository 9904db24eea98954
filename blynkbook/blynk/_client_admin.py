"""The :class:`~blynkbook.blynk.Blynk` device administration calls (:mod:`.admin` holds
their paths and checks)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pandas as pd

from blynkbook.errors import ForbiddenError, InputError

from . import _permissions, admin, devices
from ._checks import check_positive
from ._client_devices import DeviceCalls


class AdminCalls(DeviceCalls):
    """Device administration: create, rename, delete, transfer, events, metafields."""

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
            body["ownerId"] = check_positive(owner_id, "owner_id")
        if org_id is not None:
            body["orgId"] = check_positive(org_id, "org_id")
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
            body = {"deviceId": number, "newUserId": check_positive(to_user, "to_user")}
            self.session.send("POST", admin.TO_OWNER_PATH, json=body)
        else:
            body = {"deviceId": number, "newOrgId": check_positive(to_org, "to_org")}
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
