"""Writes in two halves (blynkbook/store/_batch.py): a prepared write in memory, then a
commit writing the batch's files and catalog rows. A prepared write is invisible until
committed; one commit holds many series, in one file; the group committer commits
everything handed to it and reports a failed commit without losing the writes queued
after it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from storekit import HOUR_MS, NOW_MS

from blynkbook.store import SeriesKey, SeriesStore
from blynkbook.store._batch import GroupCommit, Pending

LO = NOW_MS - 10 * HOUR_MS  # one month, well settled: one file a write
HI = NOW_MS - 5 * HOUR_MS


def _key(n: int) -> SeriesKey:
    return SeriesKey("blynk", str(n), "1", f"Stream {n}")


def _points(n: int) -> tuple[np.ndarray, np.ndarray]:
    times = np.arange(LO, HI + 1, 600_000, dtype=np.int64)
    return times, np.full(times.size, float(n))


def _prepare(store: SeriesStore, n: int) -> Pending:
    return store.prepare(_key(n), LO, HI, *_points(n), fetched_at=NOW_MS)


def _parquet_files(store: SeriesStore) -> set[Path]:
    return set(store.folder.rglob("*.parquet"))


def test_prepared__no_read_sees_it_until_the_commit(tmp_path: Path) -> None:
    store = SeriesStore(tmp_path, server="s")
    pending = _prepare(store, 1)
    assert store.files() == []
    assert store.read([_key(1)], LO, HI)[0][0].size == 0
    assert store.plan([_key(1)], LO, HI, now_ms=NOW_MS) == [[(LO, HI)]]
    store.commit([pending])
    times, values = store.read([_key(1)], LO, HI)[0]
    np.testing.assert_array_equal(times, _points(1)[0])
    assert set(values.tolist()) == {1.0}
    assert store.plan([_key(1)], LO, HI, now_ms=NOW_MS) == [[]]


def test_one_commit_for_many_series__and_a_later_write_of_a_series_replaces_the_earlier(
    tmp_path: Path,
) -> None:
    store = SeriesStore(tmp_path, server="s")
    first = [_prepare(store, n) for n in range(5)]
    again = store.prepare(_key(0), LO, HI, _points(0)[0], _points(0)[1] + 100, fetched_at=NOW_MS)
    store.commit([*first, again])
    found = store.read([_key(n) for n in range(5)], LO, HI)
    assert [set(v.tolist()) for _, v in found] == [{100.0}, {1.0}, {2.0}, {3.0}, {4.0}]
    assert len(store.files()) == 1  # five series in one file (the earlier write of 0 not in it)
    assert store.info()["points"] == 5 * _points(0)[0].size


def test_a_failed_commit__removes_its_files_and_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SeriesStore(tmp_path, server="s")
    store.commit([_prepare(store, 0)])  # opens the catalog
    kept = _parquet_files(store)
    pending = _prepare(store, 1)
    written: list[Path] = []

    def fail(*_args: object) -> None:
        written.extend(_parquet_files(store) - kept)
        raise OSError("disk full (simulated)")

    monkeypatch.setattr("blynkbook.store._store.cut_ranges", fail)  # inside the transaction
    with pytest.raises(OSError, match="disk full"):
        store.commit([pending])
    assert written  # the batch's file was written before the transaction ...
    assert _parquet_files(store) == kept  # ... and removed when it failed
    assert store.read([_key(1)], LO, HI)[0][0].size == 0


def test_group_commit__commits_all_it_was_given__in_fewer_transactions(tmp_path: Path) -> None:
    store = SeriesStore(tmp_path, server="s")
    with store.group_commit() as committer:
        for n in range(40):
            committer.submit(_prepare(store, n))
    found = store.read([_key(n) for n in range(40)], LO, HI)
    assert [set(v.tolist()) for _, v in found] == [{float(n)} for n in range(40)]
    assert 1 <= committer.batches <= 40


def test_group_commit__a_failing_batch_is_raised_at_exit__later_writes_still_land(
    tmp_path: Path,
) -> None:
    store = SeriesStore(tmp_path, server="s")
    calls: list[int] = []

    def commit(batch: Sequence[Pending]) -> None:
        calls.append(len(batch))
        if len(calls) == 1:
            raise OSError("disk full (simulated)")
        store.commit(batch)

    with pytest.raises(OSError, match="disk full"), GroupCommit(commit) as committer:
        committer.submit(_prepare(store, 0))
        while not calls:  # the first batch has been tried (and failed)
            time.sleep(0.001)
        committer.submit(_prepare(store, 1))
    assert store.read([_key(1)], LO, HI)[0][0].size == _points(1)[0].size
    assert store.read([_key(0)], LO, HI)[0][0].size == 0


def test_read_ranges__the_points_of_several_disjoint_ranges(tmp_path: Path) -> None:
    store = SeriesStore(tmp_path, server="s")
    store.put(_key(1), LO, HI, *_points(1), fetched_at=NOW_MS)
    times = _points(1)[0]
    a, b = (LO, LO + HOUR_MS), (HI - HOUR_MS + 1, HI)
    (got, _values), (nothing, _) = store.read_ranges([_key(1), _key(2)], [[a, b], [a]])
    inside = ((times >= a[0]) & (times <= a[1])) | ((times >= b[0]) & (times <= b[1]))
    np.testing.assert_array_equal(got, times[inside])
    assert nothing.size == 0
