"""The :class:`~blynkbook.blynk.Blynk` calls on current values (:mod:`.datastreams`
holds their paths, specs and parsers)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import pandas as pd

from blynkbook._provenance import reported
from blynkbook.errors import ForbiddenError
from blynkbook.vendor.blynk import MAX_BATCH_DEVICES

from . import admin, datastreams, writes
from ._schema import SchemaMemo
from .datastreams import BATCH_PATH, VALUES_PATH


class ValueCalls(SchemaMemo):
    """The current-value reads: one device (``datastreams``) or many (``values``).

    An enum datastream's value is its label (``"eco"``), as the write report shows what
    was asked for; ``labels=False`` gives the keys the cloud stores (``0``), and the
    schema's ``options`` / ``option_keys`` map one to the other."""

    @reported(VALUES_PATH)
    def datastreams(self, device_id: Hashable, *, labels: bool = True) -> pd.DataFrame:
        """Current values of one device: ``device_id``, ``datastream_id`` (int64),
        ``label``, ``alias``, ``pin`` (str), ``value`` object (an enum's label unless
        ``labels=False``), ``updated_at``."""
        number = admin.check_device_id(device_id)
        reply = self._get(datastreams.VALUES_PATH, {"deviceId": number})
        frame = datastreams.parse_values(number, reply.data)
        return self._labelled(frame) if labels else frame

    @reported(BATCH_PATH)
    def values(
        self, device_ids: Hashable | Iterable[Hashable], *, labels: bool = True
    ) -> pd.DataFrame:
        """Current values of many devices, 10 a request, requests fanned out; same
        columns as :meth:`datastreams`."""
        ids = self._device_ids(device_ids)
        groups = [ids[r.start : r.stop] for r in writes.chunks(len(ids), MAX_BATCH_DEVICES)]
        replies = self.session.map(
            lambda group: self._get(datastreams.BATCH_PATH, {"deviceIds": group}), groups
        )
        items = [item for reply in replies for item in (reply.data or [])]
        frame = datastreams.parse_batch_values(items)
        return self._labelled(frame) if labels else frame

    def _labelled(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Enum keys as labels, from the template schemas (remembered per template). A
        client that may not read templates knows no enums: its values stay as they came."""
        if frame.empty or self._template_access is False:
            return frame
        ids = list(dict.fromkeys(frame["device_id"].tolist()))
        self._learn_templates(ids)
        try:
            schemas = {d: self._template_schema(self._template_id(d)) for d in ids}
        except ForbiddenError:
            self._no_template_access()
            return frame
        return datastreams.label_enums(frame, schemas)
