"""The schema memo: device → template, template → datastream schema, inferred schemas
for clients without template access, and the permission they were found to lack."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any

import pandas as pd

from blynkbook._provenance import reported
from blynkbook.errors import ForbiddenError, PermissionWarning
from blynkbook.transport import Reply

from . import _permissions, admin, datastreams, devices
from ._base import ClientBase
from ._names import resolve_datastream
from .datastreams import SCHEMA_PATH


class SchemaMemo(ClientBase):
    """What a client learned about its organization's schemas, kept for its life (until
    :meth:`forget`): device → template id, template id → schema, device → inferred schema
    (without template access), and whether templates may be read."""

    _template_of: dict[int, int]
    _schemas: dict[int, pd.DataFrame]
    _device_schemas: dict[int, pd.DataFrame]  # inferred, per device
    _claimed: set[int]  # templates whose schema a look-up is reading
    _template_access: bool | None  # None: not known yet

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
        return self._schema_of(admin.check_device_id(device_id)).copy()

    def _schema_of(self, device_id: int) -> pd.DataFrame:
        """The remembered schema of a device itself, not a copy (callers must not change
        it); the devices of one template share one frame."""
        if self._template_access is not False:
            try:
                return self._template_schema(self._template_id(device_id))
            except ForbiddenError:
                self._no_template_access()
        return self._inferred_schema(device_id)

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
            self._template_of, self._schemas, self._device_schemas = {}, {}, {}
            self._claimed = set()
            self._template_access = None

    def _resolve(self, device_id: int, name: Any) -> pd.Series:
        return resolve_datastream(self._schema_of(device_id), name, device_id=device_id)

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
            self.session.map(self._learn_device, unknown)

    def _learn_device(self, device_id: int) -> None:
        """A device's template id and, for the first device of a template not known yet,
        that template's schema, read while the other devices' look-ups are on their way."""
        template_id = self._template_id(device_id)
        with self._lock:
            first = template_id not in self._schemas and template_id not in self._claimed
            self._claimed.add(template_id)
        if first and self._template_access is not False:
            try:
                self._template_schema(template_id)
            except ForbiddenError:
                self._no_template_access()
