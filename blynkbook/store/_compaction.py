"""Compaction: runs of touching, settled segments of one series within a month merged
into one file (tail re-runs add one small file each; this keeps file counts near one a
series-month)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._catalog import Catalog, Segment, SeriesKey
from ._files import read_points, write_points
from ._ranges import split_months

__all__ = ["compact_series"]


def compact_series(catalog: Catalog, folder: Path, settle_ms: int, sid: int, key: SeriesKey) -> int:
    """Merge the settled runs of one series (id ``sid``) in one transaction; returns how
    many segments went."""
    merged = 0
    with catalog.writing() as db:
        segments = catalog.segments(db, sid, -(2**62), 2**62)
        for run in _settled_runs(segments, settle_ms):
            parts = [read_points(folder / s.path, run[0].lo, run[-1].hi) for s in run if s.path]
            times = np.concatenate([t for t, _ in parts]) if parts else np.empty(0, np.int64)
            values = np.concatenate([v for _, v in parts]) if parts else np.empty(0, np.float64)
            path = write_points(folder, key, times, values) if times.size else None
            now = time.time()
            for segment in run:
                catalog.remove_segment(db, segment, now)
            fetched = max(s.fetched_at for s in run)
            catalog.add_segment(db, sid, run[0].lo, run[-1].hi, fetched, int(times.size), path)
            merged += len(run) - 1
    return merged


def _settled_runs(segments: Sequence[Segment], settle_ms: int) -> list[list[Segment]]:
    """Runs of ≥ 2 touching, settled segments in one month (candidates to merge)."""
    runs: list[list[Segment]] = []
    current: list[Segment] = []
    for segment in segments:
        settled = segment.hi <= segment.fetched_at - settle_ms
        joins = (
            current
            and segment.lo == current[-1].hi + 1
            and split_months((current[0].lo, segment.hi))[0][1] >= segment.hi
        )
        if settled and joins:
            current.append(segment)
            continue
        if len(current) > 1:
            runs.append(current)
        current = [segment] if settled else []
    if len(current) > 1:
        runs.append(current)
    return runs
