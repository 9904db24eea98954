"""Thingsee field history through the series store: one series per thing and field.

A read plans, per (thing, field), what the store lacks (gaps, and the unsettled last
``settle`` of its coverage, as for Blynk); per thing the planned ranges are merged and
fetched once for every wanted field's message ids, each field's points are stored for
the range fetched, and the frame is read back from the store. Messages carry whole
seconds; the store keeps milliseconds (``ts * 1000``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from blynkbook.errors import OfflineError
from blynkbook.store import SeriesKey, SeriesStore
from blynkbook.store._ranges import merge

from . import _frames as F
from ._fields import message_ids_for_fields
from ._windows import Message

__all__ = ["stored_history"]

Fetch = Callable[[str, Sequence[int], pd.Timestamp, pd.Timestamp], Sequence[Message]]
Decode = Callable[[Sequence[Message]], pd.DataFrame]


def stored_history(
    store: SeriesStore,
    fetch: Fetch,
    decode: Decode,
    tuids: Sequence[str],
    fields: Sequence[str],
    window_s: tuple[int, int],
    *,
    now_ms: int,
    refresh: bool = False,
) -> pd.DataFrame:
    """The frame ``Thingsee.history`` gives (before its index is set), from ``store``;
    ``fetch(tuid, message_ids, start, end)`` pulls raw messages, ``decode`` makes the
    messages frame."""
    lo, hi = window_s[0] * 1000, window_s[1] * 1000
    pairs = [(t, f) for t in dict.fromkeys(tuids) for f in dict.fromkeys(fields)]
    keys = [SeriesKey("thingsee", t, f, f) for t, f in pairs]
    if store.offline:
        _check_recorded(store, pairs, keys, lo, hi)
    wanted: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for (tuid, _field), ranges in zip(pairs, store.plan(keys, lo, hi, now_ms=now_ms,
                                                      refresh=refresh), strict=True):  # fmt: skip
        wanted[tuid].extend(ranges)
    ids = sorted(message_ids_for_fields(fields))
    for tuid, ranges in wanted.items():
        for a, b in merge(ranges):
            start = pd.Timestamp(a, unit="ms", tz="UTC")
            frame = decode(fetch(tuid, ids, start, pd.Timestamp(b, unit="ms", tz="UTC")))
            for field in dict.fromkeys(fields):
                rows = frame[frame["field"] == field]
                times = rows["time"].to_numpy(dtype="datetime64[ms]").astype(np.int64)
                values = rows["value"].to_numpy(dtype=np.float64)
                store.put(SeriesKey("thingsee", tuid, field, field), a, b, times, values,
                          fetched_at=now_ms)  # fmt: skip
    return _frame(pairs, store.read(keys, lo, hi))


def _check_recorded(
    store: SeriesStore, pairs: Sequence[tuple[str, str]], keys: Sequence[SeriesKey],
    lo: int, hi: int,
) -> None:  # fmt: skip
    for (tuid, field), missing in zip(pairs, store.missing(keys, lo, hi), strict=True):
        if missing == [(lo, hi)]:
            raise OfflineError(
                f"offline: the series store holds no {field!r} of thing {tuid} in that window"
            )


def _frame(
    pairs: Sequence[tuple[str, str]], points: Sequence[tuple[np.ndarray, np.ndarray]]
) -> pd.DataFrame:
    parts = [
        pd.DataFrame(
            {
                "time": pd.to_datetime(t, unit="ms", utc=True),
                "device_id": tuid,
                "datastream": field,
                "value": v,
            }
        )  # fmt: skip
        for (tuid, field), (t, v) in zip(pairs, points, strict=True)
    ]
    data = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if not data.empty:
        data = data.sort_values(["device_id", "datastream", "time"], kind="stable",
                                ignore_index=True)  # fmt: skip
    return F.conform(data, F.HISTORY)
