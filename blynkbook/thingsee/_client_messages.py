"""Messages: raw pages, the decoded frame, and the series store in front of them.

Without a store, ``[start, end]`` is pulled in time windows (:mod:`._windows`); with one,
only what it lacks is fetched and the messages are rebuilt from it (:mod:`._stored`).
``pull()`` fills the store without a frame.

>>> parse_messages([{"tsmId": 12100, "tsmTs": 0, "tsmTuid": "T", "temp": 21.5}])["field"].tolist()
['temperature']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from blynkbook._provenance import reported
from blynkbook.contract import MESSAGES
from blynkbook.errors import InputError
from blynkbook.store import SeriesStore
from blynkbook.transport import wants_progress

from . import _frames as F
from . import _stored
from ._base import ClientBase
from ._checks import as_list, check_tuid, id_list, id_values, known_fields
from ._fields import decode_message, message_ids_for_fields
from ._windows import Message, dedupe, pull_window, split_range

__all__ = ["MessagesMixin", "messages_path", "parse_messages"]


def messages_path(tuid: str) -> str:
    return f"/things/{tuid}/messages"


def parse_messages(raw: Sequence[Message]) -> pd.DataFrame:
    """Raw messages → the long frame (one row per message and decoded field), sorted as
    :data:`blynkbook.contract.MESSAGES` states, on a fresh index (``time`` a column)."""
    rows = [
        {
            "time": m.get("tsmTs"),
            "tuid": m.get("tsmTuid"),
            "tsm_id": m.get("tsmId"),
            "tsm_ev": m.get("tsmEv", 0),
            "group_id": m.get("deploymentGroupId"),
            "field": d.field,
            "value": d.value,
            "unit": d.unit,
        }
        for m in raw
        for d in decode_message(m)
    ]
    frame = F.frame(rows, F.MESSAGES)
    return frame.sort_values(list(MESSAGES.sort), kind="stable", ignore_index=True)


class MessagesMixin(ClientBase):
    """Thingsee messages, through the series store when the client has one."""

    def raw_messages(
        self,
        tuids: str | Iterable[str],
        message_ids: int | Iterable[int] | None = None,
        start: Any = "-1d",
        end: Any = "now",
        *,
        event_ids: int | Iterable[int] | None = None,
        refresh: bool = False,
        progress: bool | None = None,
    ) -> list[Message]:
        """Every message of ``tuids`` in ``[start, end]`` as the API sends them, oldest first.

        Long histories are pulled in time windows (see :mod:`blynkbook.thingsee._windows`).
        With a series store only what it lacks is fetched (:mod:`blynkbook.thingsee._stored`:
        the gaps and the unsettled last ``settle``; ``refresh=True`` the window inside the
        horizon) and the messages are rebuilt from it: every number, and the text keys of
        the newest message fetched.
        """
        things = [check_tuid(t) for t in as_list(tuids)]
        ids = id_values(message_ids, "message_ids")
        events = id_values(event_ids, "event_ids")
        from_s, to_s = self._window(start, end)
        if isinstance(self.store, SeriesStore):
            return self._stored_messages(
                things, ids, events, from_s, to_s, refresh=refresh, progress=progress
            )
        tasks = [(t, w) for t in things for w in split_range(from_s, to_s, self.message_window)]

        def pull(task: tuple[str, tuple[int, int]]) -> list[Message]:
            tuid, (lo, hi) = task
            return self._pull_window(tuid, ids, lo, hi, events)

        batches = self._map(pull, tasks, "messages", long=True, progress=progress)
        return dedupe(m for batch in batches for m in batch)

    def _pull_window(
        self, tuid: str, ids: Sequence[int] | None, lo: int, hi: int,
        events: Sequence[int] | None = None,
    ) -> list[Message]:  # fmt: skip
        base = {"messageid": id_list(ids, "message_ids"), "eventid": id_list(events, "")}
        cache = self._past_the_cache() if isinstance(self.store, SeriesStore) else None
        return pull_window(
            lambda a, b: self._message_page(tuid, base, a, b, cache), lo, hi,
            limit=self.message_limit,
        )  # fmt: skip

    def _fetch_for_store(
        self, tuid: str, ids: Sequence[int] | None, lo: int, hi: int
    ) -> list[Message]:
        """Every message of one thing in ``[lo, hi]`` (seconds) for the store."""
        parts = split_range(lo, hi, self.message_window)
        return dedupe(m for a, b in parts for m in self._pull_window(tuid, ids, a, b))

    def _stored_messages(
        self, things: Sequence[str], ids: Sequence[int] | None, events: Sequence[int] | None,
        from_s: int, to_s: int, *, refresh: bool, progress: bool | None,
    ) -> list[Message]:  # fmt: skip
        assert isinstance(self.store, SeriesStore)
        store, lo, hi, now_ms = self.store, from_s * 1000, to_s * 1000, self._now_ms()

        def one(tuid: str) -> list[Message]:
            _stored.sync(store, self._fetch_for_store, tuid, ids, lo, hi, now_ms=now_ms,
                        refresh=refresh)  # fmt: skip
            return _stored.read_messages(store, tuid, ids, lo, hi)

        batches = self._map(one, things, "messages", long=True, progress=progress)
        found = [m for batch in batches for m in batch]
        if events is not None:
            found = [m for m in found if m.get("tsmEv") in events]
        return dedupe(found)

    def _past_the_cache(self) -> dict[str, Any] | None:
        """The cache options that keep message pages out of the response cache when the
        store keeps them; None without a cache."""
        if not self.cache:
            return None
        from blynkbook.cache import DO_NOT_CACHE

        return {"expire_after": DO_NOT_CACHE}

    def _message_page(
        self, tuid: str, base: Mapping[str, Any], lo: int, hi: int,
        cache: Mapping[str, Any] | None = None,
    ) -> list[Message]:  # fmt: skip
        params = {**base, "from": lo, "to": hi, "limit": self.message_limit}
        data = self.session.get(messages_path(tuid), params, cache=cache).data["data"]
        return list(data or [])

    @reported
    def messages(
        self,
        tuids: str | Iterable[str],
        message_ids: int | Iterable[int] | None = None,
        start: Any = "-1d",
        end: Any = "now",
        *,
        event_ids: int | Iterable[int] | None = None,
        refresh: bool = False,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Messages as a long, tidy frame: one row per message and decoded field.

        Indexed by ``time`` (datetime64[ms, UTC]), sorted by ``tuid`` then time; columns
        ``tuid``, ``tsm_id``, ``tsm_ev``, ``group_id``, ``field``, ``value``, ``unit``
        (:data:`blynkbook.contract.MESSAGES`); known fields get readable names (``temp`` of
        12100 → ``temperature`` in °C). With a series store, as :meth:`raw_messages`.

        >>> cloud.messages(tuid, [12100], start="-7d")  # doctest: +SKIP
        """
        raw = self.raw_messages(
            tuids, message_ids, start, end, event_ids=event_ids, refresh=refresh, progress=progress
        )
        return parse_messages(raw).set_index(F.TIME)

    def pull(
        self,
        tuids: str | Iterable[str],
        fields: str | Iterable[str] | None = None,
        start: Any = "-1d",
        end: Any = "now",
        *,
        progress: bool | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Fill the series store with these things' messages (of the message ids that
        carry ``fields``; None: every message) without building a frame: one job per
        thing and month, each committed as it completes, so a re-run after a crash or
        Ctrl-C fetches only what is missing. Returns one row a thing: ``device_id``,
        ``requests`` (month jobs sent), ``messages_fetched``.

        >>> cloud.pull(cloud.devices()["device_id"], ["temperature"], "-30d")  # doctest: +SKIP
        """
        if not isinstance(self.store, SeriesStore):
            raise InputError(
                f"pull() needs a series store and this client has none ({self.store.reason})"
            )
        things = [check_tuid(t) for t in as_list(tuids)]
        ids = None if fields is None else sorted(message_ids_for_fields(known_fields(fields)))
        from_s, to_s = self._window(start, end)

        def run(job: Callable[[Any], int], jobs: list[Any]) -> list[int]:
            show = wants_progress(self._progress(progress), len(jobs))
            return self.session.map(job, jobs, desc="pull", progress=show)

        report = _stored.fill(
            self.store, self._fetch_for_store, things, ids, from_s * 1000, to_s * 1000,
            now_ms=self._now_ms(), refresh=refresh, run=run,
        )  # fmt: skip
        return F.frame(
            [
                {"device_id": t, "requests": r, "messages_fetched": n}
                for t, (r, n) in report.items()
            ],
            F.PULL_REPORT,
        )
