"""The small protocol every panel needs from a cloud client.

``blynkbook.Blynk`` and ``blynkbook.thingsee.Thingsee`` both implement it, so each panel
works on either cloud. This Protocol names the methods; :mod:`blynkbook.contract` states
the frame each returns (columns, dtypes, index, order, empty shape, write report), and
``tests/test_contract.py`` holds every client to it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

import pandas as pd

__all__ = ["FleetClient", "TimeLike"]

TimeLike = str | pd.Timestamp | Any  # datetime, ISO string, or relative ("-7d", "now")


@runtime_checkable
class FleetClient(Protocol):
    """What a panel may ask of a cloud client.

    - ``devices()``: one row per device; at least ``device_id``, ``name``, ``template``.
    - ``datastreams(device_id)``: current values; at least ``device_id``, ``label``,
      ``value``, ``updated_at``.
    - ``schema(device_id)``: what can be read or written; columns ``label``, ``type``
      (``"double" | "int" | "enum" | "switch" | "string" | "location"``), ``min``, ``max``,
      ``options`` (list of labels for enums, else empty), ``writable`` (bool), ``history``
      (bool: has numeric history), ``units`` (str, ``""`` when none).
    - ``history(devices, datastreams, start, end)``: long frame indexed by ``time``
      (UTC) with columns ``device_id``, ``datastream``, ``value``; sorted by device,
      datastream, then time.
    - ``locations()``: ``device_id``, ``name``, ``template``, ``online``, ``lon``, ``lat``,
      ``updated_at``; only devices that have a position.
    - ``trail(device_id, start, end)``: ``time``-indexed ``lon``, ``lat`` of one device
      (empty when the device keeps no position history).
    - ``write(device_id, values)``: sends a mapping of datastream name → value and returns a
      report with columns ``device_id``, ``datastream``, ``value``, ``status``
      (``"written"`` or ``"skipped"``) and ``reason``, one row per value in the order given.
    - optional: ``tags(device_id)`` (``device_id``, ``name``) and ``online(device_id)``
      (``device_id``, ``online``).
    """

    def devices(self) -> pd.DataFrame: ...

    def datastreams(self, device_id: Hashable) -> pd.DataFrame: ...

    def schema(self, device_id: Hashable) -> pd.DataFrame: ...

    def history(
        self,
        devices: Hashable | Iterable[Hashable],
        datastreams: str | Iterable[str],
        start: TimeLike = ...,
        end: TimeLike = ...,
    ) -> pd.DataFrame: ...

    def locations(self) -> pd.DataFrame: ...

    def trail(self, device_id: Hashable, start: TimeLike, end: TimeLike) -> pd.DataFrame: ...

    def write(self, device_id: Hashable, values: Mapping[str, Any]) -> pd.DataFrame: ...
