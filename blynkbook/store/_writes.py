"""The file side of a commit: the files of a batch of prepared writes (one a kind, month
and settled/tail part, holding every series of the batch), and copy-on-write cuts of
shared files (a series' range taken out of a file that holds other series too).

Both keep the rule every reader relies on: a live file holds exactly the points of the
catalog rows naming it, rows sorted by series, then time.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._batch import Pending
from ._catalog import Catalog, Segment, SeriesKey
from ._files import (
    month_label,
    points_table,
    read_table,
    rows_within,
    series_id_values,
    series_runs,
    times_of,
    write_table,
)
from ._ranges import Range, subtract

__all__ = ["Row", "cut_ranges", "write_batch"]


class Row(NamedTuple):
    """A catalog row to add: ``[lo, hi]`` of ``key``, its points' count and file."""

    key: SeriesKey
    lo: int
    hi: int
    fetched_at: int
    rows: int
    path: str | None


def write_batch(folder: Path, pending: Sequence[Pending]) -> tuple[list[Row], list[str]]:
    """Write the files of a batch; returns the rows to add and the files written. In
    batch order, a later write of a series replaces what it covers of an earlier one."""
    claimed: dict[tuple[str, str, str], list[Range]] = defaultdict(list)
    groups: dict[tuple[str, str, bool], list[tuple[Pending, Range]]] = defaultdict(list)
    for write in reversed(pending):
        for (p_lo, p_hi), tail in write.pieces:
            for part in subtract((p_lo, p_hi), claimed[_name(write.key)]):
                groups[(write.key.kind, month_label(part[0]), tail)].append((write, part))
        claimed[_name(write.key)].append((write.lo, write.hi))
    rows: list[Row] = []
    written: list[str] = []
    try:
        for (kind, month, _tail), parts in groups.items():
            parts.sort(key=lambda wp: (series_id_values(wp[0].key), wp[1][0]))
            cut = [_points(w, part) for w, part in parts]
            table = points_table(
                kind, [(w.key, t, v) for (w, _), (t, v) in zip(parts, cut, strict=True)]
            )
            path = write_table(folder, kind, month, table) if table.num_rows else None
            if path is not None:
                written.append(path)
            for (w, (lo, hi)), (times, _) in zip(parts, cut, strict=True):
                size = int(times.size)
                rows.append(Row(w.key, lo, hi, w.fetched_at, size, path if size else None))
    except BaseException:
        for path in written:
            (folder / path).unlink(missing_ok=True)
        raise
    return rows, written


def _name(key: SeriesKey) -> tuple[str, str, str]:
    return key.kind, key.device, key.stream


def _points(write: Pending, part: Range) -> tuple[np.ndarray, np.ndarray]:
    a = int(np.searchsorted(write.times, part[0], "left"))
    b = int(np.searchsorted(write.times, part[1], "right"))
    return write.times[a:b], write.values[a:b]


def cut_ranges(
    db: sqlite3.Connection,
    catalog: Catalog,
    folder: Path,
    cuts: dict[int, list[Range]],
    written: list[str],
    now: float,
) -> None:
    """Inside a write transaction: remove each series' ``cuts`` from its coverage. A file
    holding a cut row is rewritten without the cut points (every other row's points
    carried across) and its rows repointed to the new file; new files go to ``written``
    (for the caller to remove if the transaction fails)."""
    hits: dict[int, tuple[Segment, list[Range]]] = {}
    for sid, ranges in cuts.items():
        for lo, hi in ranges:
            for segment in catalog.segments(db, sid, lo, hi):
                hits.setdefault(segment.id, (segment, []))[1].append((lo, hi))
    by_path: dict[str | None, list[tuple[Segment, list[Range]]]] = defaultdict(list)
    for segment, ranges in hits.values():
        by_path[segment.path].append((segment, ranges))
    keys = catalog.keys_of(db, [s.series for s, _ in hits.values()])
    for path, hit in by_path.items():
        if path is None:
            for segment, ranges in hit:
                catalog.remove_segment(db, segment)
                for lo, hi in subtract((segment.lo, segment.hi), ranges):
                    catalog.add_segment(db, segment.series, lo, hi, segment.fetched_at, 0, None)
            continue
        _rewrite(db, catalog, folder, path, hit, keys, written)
        catalog.retire_unnamed(db, [path], now)


def _rewrite(
    db: sqlite3.Connection,
    catalog: Catalog,
    folder: Path,
    path: str,
    hit: Sequence[tuple[Segment, list[Range]]],
    keys: dict[int, SeriesKey],
    written: list[str],
) -> None:
    """Copy-on-write of one file: its cut rows' points dropped, the rest carried (rows
    found by the file's series runs and a binary search in time)."""
    kind, month = path.split("/")[0], path.split("/")[-2]
    table = read_table(folder / path)
    times, runs = times_of(table), series_runs(table, kind)
    keep = np.ones(table.num_rows, dtype=bool)
    remains: list[tuple[Segment, list[tuple[Range, int]]]] = []
    for segment, ranges in hit:
        spans = runs.get(series_id_values(keys[segment.series]), [])
        for i, j in rows_within(times, spans, segment.lo, segment.hi):
            keep[i:j] = False  # the segment's points go, but for its remaining parts
        parts = []
        for lo, hi in subtract((segment.lo, segment.hi), ranges):
            inside = rows_within(times, spans, lo, hi)
            for i, j in inside:
                keep[i:j] = True
            parts.append(((lo, hi), sum(j - i for i, j in inside)))
        remains.append((segment, parts))
    kept = table.filter(keep)
    new = write_table(folder, kind, month, kept) if kept.num_rows else None
    if new is not None:
        written.append(new)
    for segment, parts in remains:
        catalog.remove_segment(db, segment)
        for (lo, hi), rows in parts:
            catalog.add_segment(db, segment.series, lo, hi, segment.fetched_at, rows,
                                new if rows else None)  # fmt: skip
    catalog.repoint(db, [path], new)
