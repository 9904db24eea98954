"""The file layout (blynkbook/store/_writes.py, _compaction.py): many series a file, one
file a commit, copy-on-write of shared files, packs, and stores of the layout before
packs (one series a file). Every live file holds exactly the points of its catalog rows,
and DuckDB, Dask and pandas agree on them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from storekit import HOUR_MS, NOW_MS

from blynkbook.store import SeriesKey, SeriesStore
from blynkbook.store._compaction import CompactionTrigger
from blynkbook.store._files import month_label, points_table

LO = NOW_MS - 30 * HOUR_MS  # settled (settle is one hour), one month
HI = NOW_MS - 5 * HOUR_MS
STEP = 600_000


def _key(n: int, stream: int = 1) -> SeriesKey:
    return SeriesKey("blynk", str(n), str(stream), f"Stream {stream}")


def _points(n: int, lo: int = LO, hi: int = HI) -> tuple[np.ndarray, np.ndarray]:
    times = np.arange(lo, hi + 1, STEP, dtype=np.int64)
    return times, n * 1000.0 + (times - LO) / STEP


def _fill(store: SeriesStore, series: range) -> None:
    store.commit([store.prepare(_key(n), LO, HI, *_points(n), fetched_at=NOW_MS) for n in series])


def _expected(series: range) -> pd.DataFrame:
    parts = [pd.DataFrame({"device_id": n, "time": _points(n)[0], "value": _points(n)[1]})
             for n in series]  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def _assert_files_whole(store: SeriesStore) -> None:
    """Each live file holds exactly the points its rows say."""
    with store.catalog.reading() as db:
        named = dict(db.execute(
            "SELECT path, sum(rows) FROM segments WHERE path IS NOT NULL GROUP BY path"
        ).fetchall())  # fmt: skip
    for path, rows in named.items():
        assert pq.ParquetFile(store.folder / path).metadata.num_rows == rows


def _engines_agree(store: SeriesStore, expected: pd.DataFrame) -> None:
    """DuckDB, Dask and the store's own reads give exactly ``expected``."""
    order = ["device_id", "time"]
    want = expected.sort_values(order, ignore_index=True)
    duck = store.sql(
        "SELECT device_id, epoch_ms(time) AS time, value FROM history ORDER BY device_id, time"
    ).df()
    pd.testing.assert_frame_equal(duck, want, check_dtype=False)
    frame = store.to_dask().compute()
    since = frame["time"] - pd.Timestamp(0, tz="UTC")
    frame = frame.assign(time=since // pd.Timedelta(milliseconds=1))
    got = frame[["device_id", "time", "value"]].sort_values(order, ignore_index=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    devices = sorted(set(want["device_id"]))
    for n, (times, values) in zip(devices, store.read([_key(n) for n in devices], 0, 2**62),
                                  strict=True):  # fmt: skip
        mine = want[want["device_id"] == n]
        np.testing.assert_array_equal(times, mine["time"].to_numpy())
        np.testing.assert_array_equal(values, mine["value"].to_numpy())
    _assert_files_whole(store)


def test_two_series_in_one_commit__share_one_file(tmp_path: Path) -> None:
    store = SeriesStore(tmp_path, server="s")
    _fill(store, range(2))
    (path,) = store.files()
    assert path.relative_to(tmp_path).parts[:2] == ("blynk", month_label(LO))
    table = pq.read_table(path)
    ids = table.column("device_id").to_numpy()
    assert list(ids) == sorted(ids) and set(ids.tolist()) == {0, 1}  # sorted by series
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).statistics.has_min_max
    _engines_agree(store, _expected(range(2)))


def test_a_cut_of_one_series_in_a_shared_file__keeps_the_others_exactly(tmp_path: Path) -> None:
    store = SeriesStore(tmp_path, server="s")
    _fill(store, range(3))
    (before,) = store.files()
    mid_lo, mid_hi = LO + 5 * HOUR_MS, LO + 8 * HOUR_MS
    times = np.arange(mid_lo, mid_hi + 1, 3 * STEP, dtype=np.int64)  # newer fetch of series 1
    store.put(_key(1), mid_lo, mid_hi, times, np.full(times.size, -1.0), fetched_at=NOW_MS)
    assert before not in store.files()  # rewritten, not edited (the old one is retired)
    old_t, old_v = _points(1)
    outside = (old_t < mid_lo) | (old_t > mid_hi)
    new_v = np.full(times.size, -1.0)
    one = pd.DataFrame({"device_id": 1, "time": np.concatenate([old_t[outside], times]),
                        "value": np.concatenate([old_v[outside], new_v])})  # fmt: skip
    expected = pd.concat([_expected(range(1)), one, _expected(range(2, 3))], ignore_index=True)
    _engines_agree(store, expected)
    assert store.drop("blynk", "2") == 1  # a whole series out of the shared files
    _engines_agree(store, expected[expected["device_id"] != 2])
    assert store.plan([_key(2)], LO, HI, now_ms=NOW_MS) == [[(LO, HI)]]


def test_a_series_dropped_from_a_file__retires_it_only_when_no_row_names_it(
    tmp_path: Path,
) -> None:
    store = SeriesStore(tmp_path, server="s")
    _fill(store, range(2))
    store.drop("blynk", "0")
    store.drop("blynk", "1")
    assert store.files() == [] and store.info()["points"] == 0
    with store.catalog.reading() as db:
        retired = db.execute("SELECT count(*) FROM retired").fetchone()[0]
    assert retired == 2  # the shared file, then its rewrite holding series 1 only


@pytest.fixture
def small_packs(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("blynkbook.store._compaction.PACK_ROWS", 1000)
    monkeypatch.setattr("blynkbook.store._compaction.COMPACT_AFTER", 3)
    return 1000


def test_packs_form_after_commits__reads_exact__and_a_cut_in_a_pack_rewrites_it(
    tmp_path: Path, small_packs: int
) -> None:
    store = SeriesStore(tmp_path, server="s")
    size = _points(0)[0].size  # 151 points a series
    for n in range(12):
        _fill(store, range(n, n + 1))
        # at most 2K small: K at a look, and K more written before the next look
        assert len(store.files()) <= 2 * 3 + 12 * size // small_packs
    rows = [pq.ParquetFile(p).metadata.num_rows for p in store.files()]
    assert sum(rows) == 12 * size and max(rows) <= small_packs and len(rows) < 12
    _engines_agree(store, _expected(range(12)))
    pack = max(store.files(), key=lambda p: pq.ParquetFile(p).metadata.num_rows)
    inside = int(pq.read_table(pack).column("device_id")[0].as_py())
    store.drop("blynk", str(inside), None, LO, LO + 2 * HOUR_MS)
    assert pack not in store.files()
    expected = _expected(range(12))
    gone = (expected["device_id"] == inside) & (expected["time"] <= LO + 2 * HOUR_MS)
    _engines_agree(store, expected[~gone])
    assert store.compact() >= 0
    _engines_agree(store, expected[~gone])


def test_a_compaction_failing_after_a_landed_commit__is_logged_not_raised__next_one_packs(
    tmp_path: Path, small_packs: int, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    store = SeriesStore(tmp_path, server="s")

    def disk_full(*args: object, **kwargs: object) -> int:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr("blynkbook.store._compaction.compact_month", disk_full)
        for n in range(6):  # past COMPACT_AFTER small files: compaction is tried, and fails
            _fill(store, range(n, n + 1))
    assert "No space left on device" in caplog.text and "compaction" in caplog.text
    assert len(store.files()) == 6  # every commit landed, nothing merged
    _engines_agree(store, _expected(range(6)))
    _fill(store, range(6, 7))  # the disk has room again: the next commit's compaction packs
    assert len(store.files()) < 7
    _engines_agree(store, _expected(range(7)))


def test_compaction_trigger__looks_on_the_first_commit_to_a_month__then_every_k_files(
    small_packs: int,
) -> None:
    trigger = CompactionTrigger()  # COMPACT_AFTER is 3 here
    one = ["blynk/2026-11/a.parquet"]
    assert trigger.due(one) == [("blynk", "2026-11")]  # a new process looks at once
    assert trigger.due(one) == [] and trigger.due(one) == []
    assert trigger.due(one) == [("blynk", "2026-11")]  # the third file since the look
    both = ["blynk/2026-10/b.parquet", "blynk/2026-11/c.parquet", "thingsee/2026-11/d.parquet"]
    assert trigger.due(both) == [("blynk", "2026-10"), ("thingsee", "2026-11")]
    assert trigger.due(["blynk/1/2/2026-11/old.parquet"]) == []  # the old layout: compact()


def test_compact__packs_every_small_settled_file__tails_stay_apart(
    tmp_path: Path, small_packs: int
) -> None:
    store = SeriesStore(tmp_path, server="s")
    for n in range(3):  # below the trigger: three files
        _fill(store, range(n, n + 1))
    tail_t = np.arange(NOW_MS - HOUR_MS // 2, NOW_MS + 1, STEP, dtype=np.int64)
    for n in (9, 10):  # two unsettled tails, one file each
        store.put(_key(n), tail_t[0], NOW_MS, tail_t, np.ones(tail_t.size), fetched_at=NOW_MS)
    assert len(store.files()) == 5
    assert store.compact() == 3
    assert len(store.files()) == 2  # one pack, and one tail pack apart
    assert all(p.relative_to(tmp_path).parts[1] == month_label(LO) for p in store.files())
    assert store.plan([_key(9)], tail_t[0], NOW_MS, now_ms=NOW_MS) == [[(tail_t[0], NOW_MS)]]
    with store.catalog.reading() as db:
        joined = db.execute("SELECT count(*) FROM segments WHERE series=1").fetchone()[0]
    assert joined == 1


def _write_old_layout(store: SeriesStore, n: int) -> None:
    """A series as the store wrote it before packs: its own file under
    ``blynk/<device>/<stream>/<YYYY-MM>/``, one catalog row."""
    key = _key(n)
    times, values = _points(n)
    relative = f"blynk/{n}/1/{month_label(LO)}/old{n}.parquet"
    (store.folder / relative).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(points_table("blynk", [(key, times, values)]), store.folder / relative,
                   compression="zstd")  # fmt: skip
    with store.catalog.writing() as db:
        sid = store.catalog.series_id(db, key, create=True)
        assert sid is not None
        store.catalog.add_segment(db, sid, LO, HI, NOW_MS, int(times.size), relative)


def test_a_store_of_the_old_layout__reads__and_compact_repacks_it(tmp_path: Path) -> None:
    store = SeriesStore(tmp_path, server="s")
    for n in range(5):
        _write_old_layout(store, n)
    assert store.plan([_key(0)], LO, HI, now_ms=NOW_MS) == [[]]
    _engines_agree(store, _expected(range(5)))
    assert store.extent(3, 1, LO, HI) == (_points(3)[0].size, LO, _points(3)[0][-1])
    assert store.compact() == 4
    (pack,) = store.files()
    assert pack.relative_to(tmp_path).parts[:2] == ("blynk", month_label(LO))
    _engines_agree(store, _expected(range(5)))
    assert store.extent(3, 1, LO, HI) == (_points(3)[0].size, LO, _points(3)[0][-1])
    minmax = store.minmax(3, 1, LO, HI, 1)
    assert minmax["value"].tolist() == [3000.0, _points(3)[1][-1]]


def test_group_commit__holds_at_most_its_bound_of_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("blynkbook.store._batch.MAX_QUEUED_POINTS", 300)
    store = SeriesStore(tmp_path, server="s")
    seen: list[int] = []
    with store.group_commit() as committer:
        for n in range(10):  # 151 points each: at most one queued beside one committing
            committer.submit(store.prepare(_key(n), LO, HI, *_points(n), fetched_at=NOW_MS))
            seen.append(committer._queued)
    assert max(seen) <= 300
    _engines_agree(store, _expected(range(10)))
