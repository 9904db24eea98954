"""The :class:`~blynkbook.blynk.Blynk` calls on current values (:mod:`.datastreams`
holds their paths, specs and parsers)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

import pandas as pd

from blynkbook._provenance import reported
from blynkbook.vendor.blynk import MAX_BATCH_DEVICES

from . import admin, datastreams, writes
from ._schema import SchemaMemo
from .datastreams import BATCH_PATH, VALUES_PATH

if TYPE_CHECKING:
    pass


class ValueCalls(SchemaMemo):
    """The current-value reads: one device (``datastreams``) or many (``values``)."""

    @reported(VALUES_PATH)
    def datastreams(self, device_id: Hashable) -> pd.DataFrame:
        """Current values of one device: ``device_id``, ``datastream_id`` (int64),
        ``label``, ``alias``, ``pin`` (str), ``value`` object, ``updated_at``."""
        number = admin.check_device_id(device_id)
        reply = self._get(datastreams.VALUES_PATH, {"deviceId": number})
        return datastreams.parse_values(number, reply.data)

    @reported(BATCH_PATH)
    def values(self, device_ids: Hashable | Iterable[Hashable]) -> pd.DataFrame:
        """Current values of many devices, 10 a request, requests fanned out; same
        columns as :meth:`datastreams`."""
        ids = self._device_ids(device_ids)
        groups = [ids[r.start : r.stop] for r in writes.chunks(len(ids), MAX_BATCH_DEVICES)]
        replies = self.session.map(
            lambda group: self._get(datastreams.BATCH_PATH, {"deviceIds": group}), groups
        )
        items = [item for reply in replies for item in (reply.data or [])]
        return datastreams.parse_batch_values(items)
