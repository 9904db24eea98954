"""The :class:`~blynkbook.blynk.Blynk` calls on history (:mod:`.history` pulls it,
:mod:`._stored` answers it from the series store)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import pandas as pd

from blynkbook._provenance import reported
from blynkbook._time import time_window
from blynkbook.errors import InputError
from blynkbook.store import SeriesStore

from . import _stored, history
from ._checks import datastream_names
from ._names import resolve_datastream
from ._schema import SchemaMemo
from .history import HISTORY_PATH, Series


class HistoryCalls(SchemaMemo):
    """The history reads: ``history`` (a frame) and ``pull`` (into the series store)."""

    def _series(self, ids: Sequence[int], names: Sequence[Any]) -> list[history.Series]:
        """The series of ``ids`` × ``names``; each name is resolved once a schema (the
        devices of one template share theirs), not once a device."""
        self._learn_templates(ids)
        found: dict[tuple[int, int], history.Series] = {}
        resolved: dict[tuple[int, int], tuple[pd.DataFrame, int, str]] = {}
        for device_id in ids:
            schema = self._schema_of(device_id)
            for position, name in enumerate(names):
                known = resolved.get((id(schema), position))
                if known is None:  # the schema is kept in the value, so its id stays its own
                    known = schema, *_history_stream(schema, name, device_id)
                    resolved[(id(schema), position)] = known
                _, stream, label = known
                found[(device_id, stream)] = history.Series(device_id, stream, label)
        return sorted(found.values(), key=lambda s: (s.device_id, s.label))

    @reported(HISTORY_PATH)
    def history(
        self,
        devices: Hashable | Iterable[Hashable],
        datastreams: str | Iterable[Any],
        start: Any = "-24h",
        end: Any = "now",
        *,
        progress: bool | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Raw history of devices × datastreams as one long frame.

        Datastreams are named per device by id, label, alias or pin. Times: datetimes,
        ``pd.Timestamp``, ISO strings, epoch numbers, ``"now"`` or offsets like ``"-7d"``;
        naive means UTC. Index ``time`` (datetime64[ms, UTC]); columns ``device_id``
        int64, ``datastream`` str (the label), ``value`` float64; sorted by (device_id,
        datastream, time). ``progress``: None shows a bar for pulls over 20 requests.

        With a series store (``cloud.store``) only what it lacks is fetched: the gaps, and
        the last ``settle`` (default one hour) of earlier coverage, where late points may
        still arrive. ``refresh=True`` fetches the whole window again (the part inside the
        30-day import horizon; older coverage is final).

        >>> cloud.history(1, ["Temperature", "rh"], "-2d")  # doctest: +SKIP
        """
        now_ms = self._now()
        from_ms, to_ms = time_window(start, end, now_ms=now_ms)
        show = progress if progress is not None else (None if self.progress else False)
        source = self._source(history.HISTORY_PATH)
        with self.session.pull():  # the schema look-ups share the pull's retry budget
            series = self._history_series(devices, datastreams)
            if isinstance(self.store, SeriesStore):
                return _stored.read_history(
                    self.session, self.store, series, from_ms, to_ms, now_ms=now_ms,
                    refresh=refresh, progress=show, source=source, cache=self._past_the_cache(),
                )  # fmt: skip
            return history.pull(self.session, series, from_ms, to_ms, progress=show, source=source)

    def _history_series(
        self, devices: Hashable | Iterable[Hashable], datastreams: str | Iterable[Any]
    ) -> list[Series]:
        ids = self._device_ids(devices)
        return self._series(ids, datastream_names(datastreams))

    def pull(
        self,
        devices: Hashable | Iterable[Hashable],
        datastreams: str | Iterable[Any],
        start: Any = "-24h",
        end: Any = "now",
        *,
        progress: bool | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Fill the series store with this history without building a frame: page by
        page, one series-month in memory per worker, each committed as it completes, so a
        re-run after a crash or Ctrl-C fetches only what is missing. Returns one row a
        series: ``device_id``, ``datastream``, ``requests``, ``points_fetched``. Query the
        result with ``cloud.store.sql(...)`` or ``cloud.store.to_dask()``.

        >>> cloud.pull(cloud.devices()["device_id"], ["Temperature"], "-30d")  # doctest: +SKIP
        """
        if not isinstance(self.store, SeriesStore):
            raise InputError(
                f"pull() needs a series store and this client has none ({self.store.reason})"
            )
        now_ms = self._now()
        from_ms, to_ms = time_window(start, end, now_ms=now_ms)
        series = self._history_series(devices, datastreams)
        show = progress if progress is not None else (None if self.progress else False)
        return _stored.fill_store(
            self.session, self.store, series, from_ms, to_ms, now_ms=now_ms,
            refresh=refresh, progress=show, cache=self._past_the_cache(),
        )  # fmt: skip


def _history_stream(schema: pd.DataFrame, name: Any, device_id: int) -> tuple[int, str]:
    """(datastream id, label) of the datastream ``name`` is in ``schema``, which must keep
    history."""
    row = resolve_datastream(schema, name, device_id=device_id)
    if not bool(row["history"]):
        raise InputError(
            f"datastream {row['label']!r} of device {device_id} is of type "
            f"{row['type']} and keeps no history (only numeric datastreams do)"
        )
    return int(row["datastream_id"]), str(row["label"])
