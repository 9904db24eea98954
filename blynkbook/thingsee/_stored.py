"""Thingsee messages through the series store: what a thing sent, kept as series.

A thing's messages of one message id are kept as series of the store (kind ``thingsee``,
times in ms = ``tsmTs`` × 1000):

* the *header* series ``"<tsm_id>"``: one point per message, its value the ``tsmEv``; the
  series' label keeps the message's text keys (``deploymentGroupId``, ``tsmGw``, …) as
  JSON, taken from the newest message fetched (and updated by this client's own
  ``move_thing`` and ``rename_group``: :func:`regroup`);
* a *body* series ``"<tsm_id>/<key>"`` per numeric key of the body (label: the decoded
  field name), the value as sent;
* a coverage-only series ``"*"`` per thing for reads of every message id.

Coverage (what was asked, when) is the header series' (or ``"*"``'s), so the store's rules
apply as for Blynk: only gaps and the unsettled tail are fetched (:meth:`SeriesStore.plan`),
``refresh`` re-fetches inside the horizon. Raw messages are rebuilt from these series; the
messages and history frames are decoded from them exactly as from the API's answers.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from blynkbook.errors import OfflineError
from blynkbook.store import NoStore, SeriesKey, SeriesStore
from blynkbook.store._batch import Pending
from blynkbook.store._ranges import merge, split_months

from ._fields import FAMILY_MESSAGES, family_of
from ._windows import Message

__all__ = ["EVERY_ID", "covered_ids", "fill", "read_messages", "regroup", "sync"]

KIND = "thingsee"
EVERY_ID = "*"  # the coverage series of reads that ask for every message id
_STRUCTURE = ("tsmId", "tsmEv", "tsmTs", "tsmTuid")
_GROUP = "deploymentGroupId"  # the text key this client's group writes change

#: ``fetch(tuid, message_ids or None, from_s, to_s)``: every message in the window.
Fetch = Callable[[str, Sequence[int] | None, int, int], list[Message]]
Ids = Sequence[int] | None


def _header(tuid: str, tsm_id: int, label: str = "{}") -> SeriesKey:
    return SeriesKey(KIND, tuid, str(tsm_id), label)


def coverage_keys(tuid: str, ids: Ids) -> list[SeriesKey]:
    """The series whose coverage says whether ``ids`` (None: every id) of a thing are held."""
    if ids is None:
        return [SeriesKey(KIND, tuid, EVERY_ID, EVERY_ID)]
    return [_header(tuid, i) for i in ids]


def plan(
    store: SeriesStore, tuid: str, ids: Ids, lo: int, hi: int, *, now_ms: int, refresh: bool
) -> list[tuple[int, int]]:
    """The ranges (ms) of one thing to fetch: its message ids' plans merged."""
    plans = store.plan(coverage_keys(tuid, ids), lo, hi, now_ms=now_ms, refresh=refresh)
    return merge([r for ranges in plans for r in ranges])


def sync(
    store: SeriesStore,
    fetch: Fetch,
    tuid: str,
    ids: Ids,
    lo: int,
    hi: int,
    *,
    now_ms: int,
    refresh: bool = False,
) -> int:
    """Fetch what the store lacks of one thing in ``[lo, hi]`` (ms) and store it; returns
    how many messages came. Offline: nothing is fetched, and a thing the store holds none
    of in the window is an :class:`~blynkbook.errors.OfflineError`."""
    if store.offline:
        if store.missing(coverage_keys(tuid, ids), lo, hi)[0] == [(lo, hi)]:
            raise OfflineError(
                f"offline: the series store holds no messages of thing {tuid} in that window; "
                "run the read once online first"
            )
        return 0
    count = 0
    for a, b in plan(store, tuid, ids, lo, hi, now_ms=now_ms, refresh=refresh):
        count += _fetch_range(store, fetch, tuid, ids, a, b, now_ms=now_ms)
    return count


def _fetch_range(
    store: SeriesStore, fetch: Fetch, tuid: str, ids: Ids, a: int, b: int, *, now_ms: int
) -> int:
    first_s, last_s = math.ceil(a / 1000), b // 1000
    messages = fetch(tuid, ids, first_s, last_s) if first_s <= last_s else []
    put(store, tuid, ids, messages, a, b, now_ms=now_ms)
    return len(messages)


def put(
    store: SeriesStore, tuid: str, ids: Ids, messages: Iterable[Message], a: int, b: int,
    *, now_ms: int,
) -> None:  # fmt: skip
    """Record that ``[a, b]`` (ms) of ``ids`` (None: every id) of ``tuid`` holds exactly
    ``messages``: each id's header and body series are replaced over the range (series
    known from earlier fetches but absent now are emptied there), all in one commit (one
    file, one transaction: a crash keeps all of the range or none of it)."""
    by_id: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        tsm_id, ts = message.get("tsmId"), message.get("tsmTs")
        if isinstance(tsm_id, int) and isinstance(ts, int):
            by_id[tsm_id].append(message)
    known = store.series_of(KIND, tuid)
    wanted = set(by_id) | set(ids if ids is not None else _ids_held(known, tuid))
    writes: list[Pending] = []
    for tsm_id in sorted(wanted):
        batch = sorted(by_id.get(tsm_id, []), key=lambda m: m["tsmTs"])
        batch = [m for i, m in enumerate(batch) if i == 0 or m["tsmTs"] != batch[i - 1]["tsmTs"]]
        writes += _id_writes(store, tuid, tsm_id, batch, known, a, b, now_ms)
    if ids is None:
        empty = np.empty(0, np.int64), np.empty(0, np.float64)
        writes.append(store.prepare(coverage_keys(tuid, None)[0], a, b, *empty, fetched_at=now_ms))
    store.commit(writes)


def _ids_held(known: Sequence[SeriesKey], tuid: str) -> list[int]:
    """Message ids a thing may send: those its family reports and those already stored."""
    held = {int(k.stream) for k in known if k.stream.isdigit()}
    return sorted(held | set(FAMILY_MESSAGES.get(family_of(tuid), ())))


def _id_writes(
    store: SeriesStore, tuid: str, tsm_id: int, batch: Sequence[Message],
    known: Sequence[SeriesKey], a: int, b: int, now_ms: int,
) -> list[Pending]:  # fmt: skip
    """The prepared writes of one message id's series over ``[a, b]``: bodies, then the
    header (the coverage)."""
    times = np.asarray([int(m["tsmTs"]) * 1000 for m in batch], np.int64)
    texts = {k: v for m in batch for k, v in m.items() if k not in _STRUCTURE and _text(v)}
    old = {k.stream: k.label for k in known}
    label = json.dumps(texts, sort_keys=True) if texts else old.get(str(tsm_id), "{}")
    columns: dict[str, list[int]] = defaultdict(list)
    for row, message in enumerate(batch):
        for key, value in message.items():
            if key not in _STRUCTURE and _number(value) is not None:
                columns[key].append(row)
    prefix = f"{tsm_id}/"
    writes = []
    stale = {s[len(prefix) :] for s in old if s.startswith(prefix)} - set(columns)
    for key in sorted(columns.keys() | stale):
        rows = columns.get(key, [])
        values = np.asarray([_number(batch[r][key]) for r in rows], np.float64)
        body = SeriesKey(KIND, tuid, prefix + key, old.get(prefix + key, _field_of(tsm_id, key)))
        writes.append(store.prepare(body, a, b, times[rows], values, fetched_at=now_ms))
    events = np.asarray([_number(m.get("tsmEv")) or 0.0 for m in batch], np.float64)
    writes.append(store.prepare(_header(tuid, tsm_id, label), a, b, times, events,
                                fetched_at=now_ms))  # fmt: skip
    return writes


def _field_of(tsm_id: int, key: str) -> str:
    from ._fields import decode_message

    decoded = decode_message({"tsmId": tsm_id, key: 0})
    return decoded[0].field if decoded else key


def _text(value: Any) -> bool:
    return isinstance(value, str) and _number(value) is None


def _number(value: Any) -> float | None:
    if isinstance(value, bool | int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def regroup(store: SeriesStore | NoStore, group: str, *, tuid: str | None = None,
            was: str | None = None) -> int:  # fmt: skip
    """Say ``group`` in the stored text keys of one thing (``tuid``: this client moved it)
    or of every thing stored as in group ``was`` (this client renamed that group). The
    store keeps the text keys of a thing's newest message, and its next messages carry
    the new group. Returns how many header series changed."""
    if not isinstance(store, SeriesStore):
        return 0
    changed = []
    for key in store.series_of(KIND, tuid):
        texts = json.loads(key.label or "{}") if key.stream.isdigit() else {}
        if _GROUP not in texts or (was is not None and texts[_GROUP] != was):
            continue
        label = json.dumps({**texts, _GROUP: group}, sort_keys=True)
        changed.append(SeriesKey(key.kind, key.device, key.stream, label))
    return store.relabel(changed)


def covered_ids(store: SeriesStore, tuid: str, ids: Ids) -> list[int]:
    """The message ids to read back: ``ids``, or every id the store holds of the thing."""
    return list(ids) if ids is not None else _ids_held(store.series_of(KIND, tuid), tuid)


def read_messages(store: SeriesStore, tuid: str, ids: Ids, lo: int, hi: int) -> list[Message]:
    """The messages of ``tuid`` the store holds in ``[lo, hi]`` (ms), rebuilt as the API
    sent them (numbers and the newest text keys), oldest first."""
    known = {k.stream: k for k in store.series_of(KIND, tuid)}
    out: list[Message] = []
    for tsm_id in covered_ids(store, tuid, ids):
        header = known.get(str(tsm_id))
        if header is None:
            continue
        bodies = sorted(s for s in known if s.startswith(f"{tsm_id}/"))
        keys = [header, *(known[s] for s in bodies)]
        (times, events), *columns = store.read(keys, lo, hi)
        texts = json.loads(header.label or "{}")
        rows = [
            {"tsmId": tsm_id, "tsmEv": int(ev), "tsmTuid": tuid, **texts, "tsmTs": int(t) // 1000}
            for t, ev in zip(times.tolist(), events.tolist(), strict=True)
        ]
        for name, (t, v) in zip(bodies, columns, strict=True):
            key = name.split("/", 1)[1]
            spots = np.searchsorted(times, t)
            for at, when, value in zip(spots.tolist(), t.tolist(), v.tolist(), strict=True):
                if at < len(rows) and int(times[at]) == when:  # a body point has its header
                    rows[at][key] = int(value) if float(value).is_integer() else value
        out.extend(rows)
    return sorted(out, key=lambda m: (m["tsmTs"], m["tsmId"]))


# cloud.pull() ------------------------------------------------------------------------------------
def fill(
    store: SeriesStore,
    fetch: Fetch,
    tuids: Sequence[str],
    ids: Ids,
    lo: int,
    hi: int,
    *,
    now_ms: int,
    refresh: bool,
    run: Callable[[Callable[[tuple[str, tuple[int, int]]], int], list[Any]], list[int]],
) -> dict[str, tuple[int, int]]:
    """``pull()``: one job per thing and month of what it lacks (a crash loses at most the
    months in flight; each job is one fetch and one commit); ``run(job, jobs)`` maps the
    jobs (threads, progress bar). Returns per thing (jobs, messages fetched)."""
    if store.offline:
        raise OfflineError("offline: pull() fetches from the cloud; connect online to fill it")
    jobs = [
        (tuid, month)
        for tuid in dict.fromkeys(tuids)
        for piece in plan(store, tuid, ids, lo, hi, now_ms=now_ms, refresh=refresh)
        for month in split_months(piece)
    ]

    def job(task: tuple[str, tuple[int, int]]) -> int:
        tuid, (a, b) = task
        return _fetch_range(store, fetch, tuid, ids, a, b, now_ms=now_ms)

    counts = run(job, jobs)
    report = {t: (0, 0) for t in dict.fromkeys(tuids)}
    for (tuid, _), count in zip(jobs, counts, strict=True):
        done, fetched = report[tuid]
        report[tuid] = (done + 1, fetched + count)
    return report
