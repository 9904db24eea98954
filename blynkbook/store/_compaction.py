"""Compaction into packs: within one kind and month, small settled files merged into
files of up to :data:`PACK_ROWS` rows (sorted by series, then time), and the touching rows
of one series in a pack merged into one catalog row; unsettled tails likewise, apart,
into tail packs of up to :data:`TAIL_PACK_ROWS` rows.

* **When.** After a commit (looked at on a store's first commit to a month, then every
  :data:`COMPACT_AFTER` files it writes there: :class:`CompactionTrigger`), a month
  holding more than :data:`COMPACT_AFTER` small files of a class (under half a pack) has
  its smallest ones merged, at most that many at a time, until it holds no more:
  size-tiered, so a point is rewritten about ``log_32(pack / file)`` times (once or
  twice for a pull's files), not once per merge;
  32 rather than 16 cut a 10M pull's client CPU from 5.3 to 4.0 µs a point (3.7 with
  one file a series-month and no packs), for ≤ 32 small files a month at rest.
  ``store.compact()`` merges every small file of every month.
* **Why bounded packs.** A later cut in a pack (a newer fetch, ``drop``,
  ``refresh=True``) rewrites the whole pack, and a merge holds its inputs in memory: both
  are bounded by the pack size (2M rows: ~64 MB in memory, ~0.5 s to rewrite).
* **Why tails apart.** A re-check of the unsettled tail (every read re-fetches the last
  ``settle`` of coverage) cuts only tail files, never a settled pack; a tail pack is
  small (250,000 rows: ~0.1 s to rewrite), and a tail's rows are never joined (their
  fetch times say what to re-check).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from ._catalog import Catalog, Segment
from ._files import COLUMNS, read_table, write_table

__all__ = [
    "COMPACT_AFTER",
    "PACK_ROWS",
    "TAIL_PACK_ROWS",
    "CompactionTrigger",
    "compact_after_commit",
    "compact_month",
    "months",
]

log = logging.getLogger("blynkbook.store")

#: Rows a pack holds at most.
PACK_ROWS: Final = 2_000_000
#: Rows a pack of unsettled tails holds at most (a re-check of one series' tail rewrites
#: its tail pack: kept small).
TAIL_PACK_ROWS: Final = 250_000
#: A month with more small files of a class (settled, tails) than this is compacted after
#: a commit.
COMPACT_AFTER: Final = 32


def months(paths: Sequence[str]) -> dict[tuple[str, str], list[str]]:
    """Files by (kind, month): the first and next-to-last parts of a path (both layouts)."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in paths:
        parts = path.split("/")
        out[(parts[0], parts[-2])].append(path)
    return out


class CompactionTrigger:
    """When a store looks for small files after its commits: on its first commit to a
    month, then each time it has written :data:`COMPACT_AFTER` more files there. A look
    is a catalog query over every row of the month, too dear for each commit of a big
    pull; files another process wrote are found at the next look (each new kernel looks
    on its first commit). Thread safe."""

    def __init__(self) -> None:
        self._written: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def due(self, written: Sequence[str]) -> list[tuple[str, str]]:
        """The (kind, month)s to look at after a commit that wrote ``written``."""
        due = []
        with self._lock:
            for month, paths in months([p for p in written if p.count("/") == 2]).items():
                count = self._written.get(month, COMPACT_AFTER) + len(paths)
                if count >= COMPACT_AFTER:
                    due.append(month)
                    count = 0
                self._written[month] = count
        return due


def compact_after_commit(
    catalog: Catalog, folder: Path, settle_ms: int, written: Sequence[str],
    trigger: CompactionTrigger,
) -> None:  # fmt: skip
    """Merge the small files of the months a commit wrote to, when ``trigger`` says a
    look is due. Housekeeping: the commit has landed, so a failure here (a full disk,
    say) is logged on ``blynkbook.store``, not raised; the files stay as they are, every
    one valid, and a later commit or ``compact()`` tries again."""
    for kind, month in trigger.due(written):
        try:
            compact_month(catalog, folder, settle_ms, kind, month, everything=False)
        except Exception as exc:  # noqa: BLE001 - housekeeping after a landed commit
            log.warning("store compaction of %s %s skipped: %s", kind, month, exc)


def compact_month(
    catalog: Catalog, folder: Path, settle_ms: int, kind: str, month: str, *, everything: bool
) -> int:
    """Merge small files of one kind and month, settled ones and tails apart
    (``everything``: all of them, into as few packs as fit; else only while more than
    :data:`COMPACT_AFTER` of a class remain). One transaction a pack. Returns how many
    files went."""
    gone = 0
    for settled, cap in ((True, PACK_ROWS), (False, TAIL_PACK_ROWS)):
        while True:
            with catalog.writing() as db:
                small = _small(catalog, db, kind, month, settle_ms, everything, settled, cap)
                group = _pick(small, cap, everything)
                if len(group) < 2:
                    break
                _merge(catalog, db, folder, kind, month, group, join=settled)
            gone += len(group) - 1
    return gone


def _small(
    catalog: Catalog, db: sqlite3.Connection, kind: str, month: str, settle_ms: int,
    everything: bool, settled: bool, cap: int,
) -> list[tuple[str, int]]:  # fmt: skip
    """Files of one kind and month under half of ``cap`` rows, settled or not: (path,
    rows). After a commit only the month's folder is looked at; ``everything`` also
    finds files of the layout before packs (``<kind>/<device>/<stream>/<YYYY-MM>/``)."""
    files = catalog.file_rows(db, kind, settle_ms, None if everything else f"{kind}/{month}/")
    return [
        (path, rows)
        for path, rows, done in files
        if done == settled and rows < cap // 2 and path.split("/")[-2] == month
    ]


def _pick(small: list[tuple[str, int]], cap: int, everything: bool) -> list[str]:
    """The next group to merge, of at most ``cap`` rows: the smallest files (at most
    COMPACT_AFTER) when the month holds too many, else (``everything``) in path order."""
    if not everything:
        if len(small) <= COMPACT_AFTER:
            return []
        small = sorted(small, key=lambda f: f[1])[:COMPACT_AFTER]
    group, total = [], 0
    for path, rows in small:
        if total + rows > cap:
            break
        group.append(path)
        total += rows
    return group


def _merge(
    catalog: Catalog,
    db: sqlite3.Connection,
    folder: Path,
    kind: str,
    month: str,
    group: Sequence[str],
    *,
    join: bool,
) -> None:
    """One pack of ``group``'s rows (at most a pack, so bounded memory); ``join``: the
    touching rows of a series become one (settled rows only: for unsettled ones the
    fetch time says what to re-check)."""
    import pyarrow as pa

    table = pa.concat_tables([read_table(folder / path) for path in group])
    first, second = COLUMNS[kind][:2]
    table = table.sort_by([(first, "ascending"), (second, "ascending"), ("time", "ascending")])
    new = write_table(folder, kind, month, table)
    catalog.repoint(db, group, new)
    if join:
        _join_rows(catalog, db, new)
    catalog.retire_unnamed(db, group, time.time())


def _join_rows(catalog: Catalog, db: sqlite3.Connection, path: str) -> None:
    """Touching rows of one series in a pack become one (all settled: any fetch time of
    theirs keeps it settled, the newest is kept)."""
    rows = catalog.rows_of(db, path)
    run: list[Segment] = []
    for segment in [*rows, None]:
        if segment and run and (segment.series, segment.lo) == (run[-1].series, run[-1].hi + 1):
            run.append(segment)
            continue
        if len(run) > 1:
            for old in run:
                catalog.remove_segment(db, old)
            fetched = max(s.fetched_at for s in run)
            rows_in = sum(s.rows for s in run)
            catalog.add_segment(db, run[0].series, run[0].lo, run[-1].hi, fetched, rows_in, path)
        run = [segment] if segment is not None else []
