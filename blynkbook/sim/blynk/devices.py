"""The 23 Devices endpoints of the Platform API (docs/vendor/notes-blynk-platform-api.md §2.1)
over the :class:`World`."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from ...vendor.blynk import EVENT_TYPES, MAX_EVENT_DESCRIPTION, MAX_QUERY
from .._http import HTTPFailure, Request, Response, Router
from .device_json import SORT_KEYS, device_details, device_json
from .fleet import new_device_token
from .params import (
    Caller,
    body_int,
    body_object,
    bool_arg,
    caller,
    check_name,
    int_arg,
    optional_int_arg,
    paged,
    visible_device,
    visible_org,
)
from .records import Device, MetaField, Template, TimelineEvent, User
from .world import World

__all__ = ["DeviceEndpoints"]

API = "/api/v1/organization"
MAX_METAFIELD_VALUE = 255


class DeviceEndpoints:
    """Handlers for the Devices section; ``register`` mounts them on a router."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng

    def register(self, router: Router) -> None:
        routes: list[tuple[str, str, Callable[[Request], Response]]] = [
            ("GET", f"{API}/devices", self.list_devices),
            ("GET", "/api/v2/organization/devices", self.list_devices_v2),
            ("GET", f"{API}/search/devices", self.search),
            ("GET", f"{API}/device", self.get_device),
            ("PUT", f"{API}/device", self.rename),
            ("DELETE", f"{API}/device", self.delete),
            ("GET", f"{API}/device/baseInfo", self.base_info),
            ("POST", f"{API}/device/create", self.create),
            ("GET", f"{API}/device/online", self.online),
            ("GET", f"{API}/device/tags", self.tags),
            ("GET", f"{API}/device/timeline", self.timeline),
            ("GET", f"{API}/device/logs", self.logs),
            ("POST", f"{API}/device/transfer/to-owner", self.transfer_to_owner),
            ("POST", f"{API}/device/transfer/to-organization", self.transfer_to_org),
            ("DELETE", f"{API}/device/owner", self.remove_owner),
            ("DELETE", f"{API}/device/clear", self.clear),
            ("POST", f"{API}/device/trigger-event", self.trigger_event),
            ("POST", f"{API}/device/resolve-event", self.resolve_event),
            ("GET", f"{API}/device/by-owner", self.by_owner),
            ("GET", f"{API}/device/by-user-org", self.by_user_org),
            ("GET", f"{API}/device/last-activated", self.last_activated),
            ("GET", f"{API}/device/metafield", self.get_metafields),
            ("POST", f"{API}/device/metafield", self.update_metafield),
        ]
        for method, path, handler in routes:
            router.add(method, path, handler)

    # helpers -------------------------------------------------------------------
    def _device(self, request: Request) -> Device:
        return visible_device(self.world, caller(request), int_arg(request, "deviceId"))

    def _body_device(self, request: Request) -> tuple[dict[str, Any], Device]:
        body = body_object(request)
        device = visible_device(self.world, caller(request), body_int(body, "deviceId"))
        return body, device

    def _listed(self, request: Request) -> list[Device]:
        who = caller(request)
        org_id = visible_org(self.world, who, optional_int_arg(request, "orgId"))
        orgs = (
            self.world.descendants(org_id)
            if bool_arg(request, "includeSubOrgDevices")
            else {org_id}
        )
        return self.world.devices_in(orgs)

    # lists -----------------------------------------------------------------------
    def list_devices(self, request: Request) -> Response:
        return paged(self._listed(request), request, device_json)

    def list_devices_v2(self, request: Request) -> Response:
        """v2 list: Device items expanded with current values and metadata (sim choice)."""

        def render(d: Device) -> dict[str, Any]:
            out = device_json(d)
            out["dataStreamValues"] = self.world.datastream_values(d)
            out["metaFieldValues"] = [m.to_json() for m in d.metafields]
            return out

        return paged(self._listed(request), request, render)

    def search(self, request: Request) -> Response:
        who = caller(request)
        query = request.arg("query")
        if query is None:
            raise HTTPFailure(400, "Required parameter 'query' is missing.")
        if len(query) > MAX_QUERY:
            raise HTTPFailure(400, f"Query is {len(query)} characters long; at most {MAX_QUERY}.")
        sort_by = request.arg("sortBy") or "Device Id"
        if sort_by not in SORT_KEYS:
            raise HTTPFailure(400, f"Invalid sortBy {sort_by!r}; one of: {', '.join(SORT_KEYS)}.")
        order = request.arg("sortOrder") or "ASC"
        if order not in ("ASC", "DESC"):
            raise HTTPFailure(400, f"Invalid sortOrder {order!r}; ASC or DESC.")
        needle = query.strip().lower()
        found = [
            d
            for d in self.world.devices_in(self.world.descendants(who.org_id))
            if needle in d.name.lower() or needle == str(d.id) or needle in d.template.name.lower()
        ]
        key = SORT_KEYS[sort_by]
        found.sort(key=lambda d: (key(self.world, d), d.id), reverse=order == "DESC")
        return paged(found, request, device_json)

    def by_owner(self, request: Request) -> Response:
        who = caller(request)
        email = request.arg("ownerEmail")
        if not email:
            raise HTTPFailure(400, "Required parameter 'ownerEmail' is missing.")
        org_id = optional_int_arg(request, "orgId")
        scope = self.world.descendants(visible_org(self.world, who, org_id))
        user = self._visible_user(who, email)
        if user is None:
            raise HTTPFailure(404, "User is not found or you don't have access to him.")
        owned = [d for d in self.world.devices_in(scope) if d.owner_user_id == user.id]
        return paged(owned, request, device_json)

    def by_user_org(self, request: Request) -> Response:
        who = caller(request)
        email = request.arg("userEmail")
        if not email:
            raise HTTPFailure(400, "Required parameter 'userEmail' is missing.")
        user = self._visible_user(who, email)
        if user is None:
            raise HTTPFailure(400, f"User {email!r} is not found or you don't have access to him.")
        return paged(self.world.devices_in({user.org_id}), request, device_json)

    def _visible_user(self, who: Caller, email: str) -> User | None:
        """The user with ``email`` if the caller's organization (or a sub-org) holds them."""
        user = self.world.user_by_email(email)
        return user if user is not None and self._user_visible(who, user.id) else None

    def last_activated(self, request: Request) -> Response:
        who = caller(request)
        org_id = visible_org(self.world, who, optional_int_arg(request, "orgId"))
        minutes = optional_int_arg(request, "minutes")
        minutes = 5 if minutes is None else minutes
        if not 1 <= minutes <= 60:
            raise HTTPFailure(400, f"minutes must be between 1 and 60, got {minutes}.")
        since = self.world.now_ms() - minutes * 60_000
        recent = [d for d in self.world.devices_in({org_id}) if d.activated_at >= since]
        return Response.json(
            [
                {
                    "id": d.id,
                    "orgId": d.org_id,
                    "templateId": d.template.id,
                    "ownerUserId": d.owner_user_id,
                    "activationTime": d.activated_at,
                }
                for d in recent
            ]
        )

    # one device --------------------------------------------------------------------
    def get_device(self, request: Request) -> Response:
        return Response.json(device_details(self.world, self._device(request), full=True))

    def base_info(self, request: Request) -> Response:
        return Response.json(device_details(self.world, self._device(request), full=False))

    def rename(self, request: Request) -> Response:
        device = self._device(request)
        device.name = check_name(body_object(request).get("name"))
        return Response.json(device_json(device))

    def delete(self, request: Request) -> Response:
        device = self._device(request)
        del self.world.devices[device.id]
        self.world.history.forget(device.id)
        return Response.empty()

    def online(self, request: Request) -> Response:
        return Response.json({"connected": self._device(request).connected})

    def tags(self, request: Request) -> Response:
        return Response.json([t.to_json() for t in self._device(request).tags])

    def timeline(self, request: Request) -> Response:
        device = self._device(request)
        event_type = request.arg("eventType")
        if event_type and event_type not in EVENT_TYPES:
            raise HTTPFailure(
                400, f"Invalid eventType {event_type!r}; one of: {', '.join(EVENT_TYPES)}."
            )
        events = [e for e in device.timeline if not event_type or e.event_type == event_type]
        return paged(events, request, TimelineEvent.to_json)

    def logs(self, request: Request) -> Response:
        return paged(self._device(request).logs, request, lambda e: e.to_json())

    def create(self, request: Request) -> Response:
        who = caller(request)
        body = body_object(request)
        name = check_name(body.get("name"))
        org_id = visible_org(self.world, who, body_int(body, "orgId") if "orgId" in body else None)
        template = self._template(body.get("templateId"), org_id)
        owner = body_int(body, "ownerId") if body.get("ownerId") is not None else None
        if owner is not None and not self._user_visible(who, owner):
            raise HTTPFailure(404, "User is not found or you don't have access to him.")
        device = self._new_device(name, template, org_id, owner)
        return Response.json(
            device_details(self.world, device, full=not body.get("baseInfoOnly")), status=201
        )

    def _template(self, template_id: Any, org_id: int) -> Template:
        if not isinstance(template_id, str) or not template_id:
            raise HTTPFailure(400, "Invalid request body: 'templateId' is required.")
        for template in self.world.templates_for(org_id):
            if template.template_id == template_id:
                return template
        raise HTTPFailure(404, "Template is not found.")

    def _user_visible(self, who: Caller, user_id: int) -> bool:
        user = self.world.users.get(user_id)
        return user is not None and user.org_id in self.world.descendants(who.org_id)

    def _new_device(self, name: str, template: Template, org_id: int, owner: int | None) -> Device:
        now = self.world.now_ms()
        device = Device(
            id=self.world.next_id("device"),
            name=name,
            template=template,
            org_id=org_id,
            token=new_device_token(self.rng),
            activated_at=now,
            owner_user_id=owner,
            connected=False,
            synthetic=False,
            history_start=now,
        )
        device.metafields = [
            MetaField(
                1, "Serial Number", "Text", "", is_required=True, include_in_provisioning=True
            ),
            MetaField(2, "Site", "Text", ""),
            MetaField(3, "Installed On", "Text", ""),
        ]
        self.world.devices[device.id] = device
        return device

    def transfer_to_owner(self, request: Request) -> Response:
        body, device = self._body_device(request)
        new_user = body_int(body, "newUserId")
        if not self._user_visible(caller(request), new_user):
            raise HTTPFailure(404, "User is not found or you don't have access to him.")
        if device.owner_user_id == new_user:
            raise HTTPFailure(400, "Can't transfer to the same owner")
        device.owner_user_id = new_user
        return Response.empty()

    def transfer_to_org(self, request: Request) -> Response:
        body, device = self._body_device(request)
        device.org_id = visible_org(self.world, caller(request), body_int(body, "newOrgId"))
        return Response.empty()

    def remove_owner(self, request: Request) -> Response:
        self._device(request).owner_user_id = None
        return Response.empty()

    def clear(self, request: Request) -> Response:
        """Erase the device's datastream data: values and history up to now."""
        device = self._device(request)
        device.cleared_at = self.world.now_ms()
        device.values.clear()
        self.world.history.forget(device.id)
        return Response.empty()

    def trigger_event(self, request: Request) -> Response:
        body, device = self._body_device(request)
        code = body.get("eventCode")
        description = body.get("eventDescription") or ""
        if not isinstance(code, str) or not code:
            raise HTTPFailure(400, "Invalid request body: 'eventCode' is required.")
        if not isinstance(description, str) or len(description) > MAX_EVENT_DESCRIPTION:
            raise HTTPFailure(
                400, f"Event description is longer than {MAX_EVENT_DESCRIPTION} characters."
            )
        event = device.template.event(code)
        if event is None:
            raise HTTPFailure(404, "Event with provided code is not found.")
        device.timeline.insert(
            0,
            TimelineEvent(
                id=self.world.next_id("timeline", 100_000),
                event_id=event.id,
                org_id=device.org_id,
                event_type=event.type,
                event_code=event.code,
                description=description,
                ts=self.world.now_ms(),
            ),
        )
        return Response.empty()

    def resolve_event(self, request: Request) -> Response:
        """Sim choice: body ``{"deviceId", "logEventId", "comment"?}`` → 204."""
        body, device = self._body_device(request)
        log_event_id = body_int(body, "logEventId")
        event = next((e for e in device.timeline if e.id == log_event_id), None)
        if event is None:
            raise HTTPFailure(404, f"Log event {log_event_id} is not found.")
        comment = body.get("comment")
        event.is_resolved = True
        event.resolved_at = self.world.now_ms()
        event.resolved_comment = comment if isinstance(comment, str) else None
        return Response.empty()

    def get_metafields(self, request: Request) -> Response:
        return Response.json([m.to_json() for m in self._device(request).metafields])

    def update_metafield(self, request: Request) -> Response:
        body, device = self._body_device(request)
        field_id = body_int(body, "metaFieldId")
        field = next((m for m in device.metafields if m.id == field_id), None)
        if field is None:
            raise HTTPFailure(404, "Meta field is not found.")
        value = body.get("newValue")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise HTTPFailure(400, "The provided value for metafield is invalid.")
        text = str(value)
        if len(text) > MAX_METAFIELD_VALUE:
            raise HTTPFailure(400, "The provided value for metafield is invalid.")
        field.value = text
        return Response.empty()
