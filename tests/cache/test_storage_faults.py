"""Storage faults are loud and safe (issue 16, points 3-5): a full disk, a locked or
read-only file, a damaged file, a misplaced path. Every case warns or raises with
blynkbook's own classes, names the file, and never serves wrong data or fails a write
that landed."""

from __future__ import annotations

import os
import sqlite3
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from cachekit import DAY_MS, NOW_MS, cached_client, cached_cloud

from blynkbook.blynk import Blynk, writes
from blynkbook.blynk._cache_policy import BLYNK_POLICY
from blynkbook.cache import ResponseCache, _health
from blynkbook.errors import CacheFileError, CacheWarning, PartialWriteError, ServerError
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim

API = "/api/v1/organization"
VALUES = "/api/v2/organization/device/datastreams"
HISTORY = f"{API}/device/datastream/history"
WINDOW = ("2026-11-01", "2026-11-08")  # closed: cached for good


def backend_connection(cache: ResponseCache) -> sqlite3.Connection:
    """The connection the cache saves and invalidates through (opened if need be)."""
    with cache.session.cache.responses.connection() as con:
        return con


def fill_the_disk(cache: ResponseCache) -> None:
    """The file may not grow by a single page: every save then fails inside SQLite with
    ``database or disk is full``, as on a full disk (the real error, from the real INSERT)."""
    con = backend_connection(cache)
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.execute(f"PRAGMA max_page_count={pages}")


def free_the_disk(cache: ResponseCache) -> None:
    backend_connection(cache).execute("PRAGMA max_page_count=1073741823")


def cache_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]


@pytest.fixture
def cloud(sim: BlynkSim, server: LoopbackServer, cache_path: Path) -> Iterator[Blynk]:
    with cached_cloud(sim, server.url, cache_path, busy_timeout=0.2) as client:
        yield client


def imported(series_at: list[int], values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.to_datetime(series_at, unit="ms", utc=True))


# a full disk -------------------------------------------------------------------------------
def test_full_disk__history_is_exact_warns_once_naming_the_file(
    cloud: Blynk, cache_path: Path
) -> None:
    cloud.schema(1), cloud.schema(2)  # schemas stored before the disk fills
    fill_the_disk(cloud.cache)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = cloud.history([1, 2], ["Temperature", "Humidity"], *WINDOW)
    messages = cache_warnings(caught)
    assert len(messages) == 1, messages
    assert str(cache_path) in messages[0] and "full" in messages[0]
    assert "went on without the cache" in messages[0]
    info = cloud.cache.info()
    assert info["failed_saves"] >= 4 and info["entries"] < 8  # nothing new was stored
    free_the_disk(cloud.cache)
    again = cloud.history([1, 2], ["Temperature", "Humidity"], *WINDOW)
    pd.testing.assert_frame_equal(again, frame)
    assert cloud.cache.info()["failed_saves"] == info["failed_saves"]  # stored this time
    assert cloud.history([1, 2], ["Temperature", "Humidity"], *WINDOW).attrs["from_cache"]


def test_full_disk__import_that_landed_is_reported_and_drops_the_stale_window(
    cloud: Blynk, sim: BlynkSim
) -> None:
    start, end = NOW_MS - 3 * DAY_MS, NOW_MS - 2 * DAY_MS
    before = cloud.history(2, "Temperature", start, end)
    fill_the_disk(cloud.cache)
    ts = start + 12_345
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CacheWarning)
        report = cloud.import_history(2, "Temperature", imported([ts], [55.5]))
    assert report["status"].tolist() == ["accepted"]
    assert (ts, 55.5) in sim.world.history_points(2, 1, ts, ts)
    free_the_disk(cloud.cache)
    after = cloud.history(2, "Temperature", start, end)
    assert len(after) == len(before) + 1 and 55.5 in after["value"].tolist()


def test_full_disk__chunked_import_first_chunk_landed_gives_partial_write_report(
    cloud: Blynk, sim: BlynkSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writes, "IMPORT_CHUNK", 500)
    times = pd.date_range("2026-11-10", periods=1_200, freq="s", tz="UTC")
    series = pd.Series(np.linspace(0, 50, 1_200), index=times)
    cloud.schema(1)
    fill_the_disk(cloud.cache)
    real_send = cloud.session.send

    def send(*args: Any, **kwargs: Any) -> Any:
        reply = real_send(*args, **kwargs)
        sim.faults.set(error_rate=1.0)  # every request after the first chunk fails
        return reply

    monkeypatch.setattr(cloud.session, "send", send)
    with warnings.catch_warnings(), pytest.raises(PartialWriteError) as caught:
        warnings.simplefilter("ignore", CacheWarning)
        cloud.import_history(1, "Temperature", series)
    assert caught.value.report["status"].tolist() == ["accepted", "failed", "not sent"]
    assert isinstance(caught.value.__cause__, ServerError)


# a locked file: the invalidation cannot be applied ----------------------------------------------
@pytest.fixture
def fast_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_health, "RETRY_SECONDS", 0.0)


def test_locked_file__write_lands_cache_turns_off_then_back_on(
    cloud: Blynk, sim: BlynkSim, cache_path: Path, fast_retry: None
) -> None:
    start, end = NOW_MS - 3 * DAY_MS, NOW_MS - 2 * DAY_MS
    before = cloud.history(3, "Temperature", start, end)
    other = sqlite3.connect(cache_path, isolation_level=None)  # another kernel, mid-write
    other.execute("BEGIN IMMEDIATE")
    ts = start + 60_000
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = cloud.import_history(3, "Temperature", imported([ts], [44.0]))
        during = cloud.history(3, "Temperature", start, end)
    assert report["status"].tolist() == ["accepted"]  # the write is not failed by the cache
    messages = cache_warnings(caught)
    assert any(str(cache_path) in m and "cache is off" in m for m in messages), messages
    assert "locked" in " ".join(messages)
    assert cloud.cache.info()["disabled"]
    assert 44.0 in during["value"].tolist() and not during.attrs["from_cache"]
    other.execute("ROLLBACK")
    other.close()
    after = cloud.history(3, "Temperature", start, end)  # pending invalidation applied first
    assert cloud.cache.info()["disabled"] is None
    assert 44.0 in after["value"].tolist() and len(after) == len(before) + 1
    assert cloud.history(3, "Temperature", start, end).attrs["from_cache"]
    reopened = cached_cloud(sim, cloud.server, cache_path)  # a later session: nothing stale
    with reopened:
        assert 44.0 in reopened.history(3, "Temperature", start, end)["value"].tolist()


def test_locked_file__save_waits_no_longer_than_the_timeout_and_warns(
    client: httpx.Client, cache: ResponseCache, cache_path: Path
) -> None:
    other = sqlite3.connect(cache_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.warns(CacheWarning, match="locked") as caught:
        reply = client.get(VALUES, params={"deviceId": 1})
    assert reply.status_code == 200 and str(cache_path) in str(caught[0].message)
    other.execute("ROLLBACK")
    other.close()


# no VACUUM, and the WAL counted ------------------------------------------------------------
def test_invalidation__runs_no_vacuum(cloud: Blynk) -> None:
    cloud.history([1, 2, 3], ["Temperature"], *WINDOW)
    statements: list[str] = []
    backend_connection(cloud.cache).set_trace_callback(statements.append)
    ts = NOW_MS - DAY_MS
    cloud.import_history(1, "Temperature", imported([ts], [1.0]))
    assert any(s.startswith("DELETE FROM responses") for s in statements), statements
    assert not any("VACUUM" in s.upper() for s in statements)


def test_info__size_counts_the_write_ahead_log(cloud: Blynk, cache_path: Path) -> None:
    cloud.history([1, 2], ["Temperature"], *WINDOW)
    wal = Path(f"{cache_path}-wal")
    assert wal.exists() and wal.stat().st_size > 0
    parts = [cache_path, wal, Path(f"{cache_path}-shm")]
    assert cloud.cache.info()["size_bytes"] == sum(p.stat().st_size for p in parts if p.exists())
    assert cloud.cache.info()["size_bytes"] > cache_path.stat().st_size


# a damaged file ----------------------------------------------------------------------------
def _aside(cache_path: Path) -> list[Path]:
    return sorted(cache_path.parent.glob(f"{cache_path.name}.damaged-*"))


@pytest.mark.parametrize("garbage", [b"not a database at all " * 200, b"\x00" * 100 + b"x"])
def test_damaged_at_connect__moved_aside_and_a_fresh_cache_started(
    sim: BlynkSim, server: LoopbackServer, cache_path: Path, garbage: bytes
) -> None:
    cache_path.write_bytes(b"SQLite format 3\x00" + garbage if b"\x00" in garbage else garbage)
    with pytest.warns(CacheWarning, match="damaged") as caught:
        cloud = cached_cloud(sim, server.url, cache_path)
    (aside,) = _aside(cache_path)
    message = str(caught[0].message)
    assert str(cache_path) in message and str(aside) in message
    with cloud:
        frame = cloud.history(1, "Temperature", *WINDOW)
        assert cloud.history(1, "Temperature", *WINDOW).attrs["from_cache"]
    assert len(frame) > 0 and aside.read_bytes().endswith(garbage)


def _scribble_over_tables(path: Path) -> None:
    """Overwrite every page but the header page with garbage, after checkpointing the WAL,
    so the file still opens and the b-tree pages are damaged."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    size = path.stat().st_size
    rng = np.random.default_rng(1)
    with path.open("r+b") as fh:
        fh.seek(4096)
        fh.write(rng.integers(0, 256, size - 4096, dtype=np.uint8).tobytes())


def test_damaged_mid_history__moved_aside_and_the_frame_is_exact(
    cloud: Blynk, cache_path: Path
) -> None:
    first = cloud.history([1, 2, 3], ["Temperature", "Humidity"], *WINDOW)
    _scribble_over_tables(cache_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = cloud.history([1, 2, 3], ["Temperature", "Humidity"], *WINDOW)
    pd.testing.assert_frame_equal(again, first)
    messages = cache_warnings(caught)
    assert len(messages) == 1 and "damaged" in messages[0], messages
    (aside,) = _aside(cache_path)
    assert str(aside) in messages[0]
    assert cloud.history([1, 2, 3], ["Temperature", "Humidity"], *WINDOW).attrs["from_cache"]


# read-only files and folders -----------------------------------------------------------------
@pytest.fixture
def make_read_only() -> Iterator[Any]:
    """``make_read_only(path)``: really read-only, for root too (``chattr +i``)."""
    done: list[Path] = []

    def freeze(path: Path) -> None:
        if os.geteuid() == 0:
            assert os.system(f"chattr +i '{path}'") == 0
        else:
            path.chmod(0o555 if path.is_dir() else 0o444)
        done.append(path)

    yield freeze
    for path in reversed(done):
        if os.geteuid() == 0:
            os.system(f"chattr -i '{path}'")
        else:
            path.chmod(0o755 if path.is_dir() else 0o644)


def _warm_and_close(sim: BlynkSim, url: str, path: Path) -> pd.DataFrame:
    with cached_cloud(sim, url, path) as cloud:
        return cloud.history([1, 2], ["Temperature"], *WINDOW)


@pytest.mark.parametrize("frozen", ["file", "folder"])
def test_offline_replay__from_a_read_only_file_or_folder(
    sim: BlynkSim, server: LoopbackServer, cache_path: Path, make_read_only: Any, frozen: str
) -> None:
    warm = _warm_and_close(sim, server.url, cache_path)
    make_read_only(cache_path if frozen == "file" else cache_path.parent)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning at all: replay is what was asked
        with cached_cloud(sim, server.url, cache_path, offline=True) as cloud:
            frame = cloud.history([1, 2], ["Temperature"], *WINDOW)
            assert cloud.cache.mode in ("ro", "immutable")
    pd.testing.assert_frame_equal(frame, warm)
    assert frame.attrs["from_cache"]


def test_read_only_file_online__hits_served_new_saves_warn_once(
    sim: BlynkSim, server: LoopbackServer, cache_path: Path, make_read_only: Any
) -> None:
    warm = _warm_and_close(sim, server.url, cache_path)
    make_read_only(cache_path)
    with cached_cloud(sim, server.url, cache_path) as cloud:
        frame = cloud.history([1, 2], ["Temperature"], *WINDOW)
        assert frame.attrs["from_cache"]
        pd.testing.assert_frame_equal(frame, warm)
        with pytest.warns(CacheWarning) as caught:
            cloud.history([3, 4], ["Temperature"], *WINDOW)
    messages = cache_warnings(list(caught))
    assert len(messages) == 1 and str(cache_path) in messages[0]


# misplaced paths ----------------------------------------------------------------------------
def test_a_folder_where_the_file_should_be__names_it_and_the_way_out(
    sim: BlynkSim, server: LoopbackServer, tmp_path: Path
) -> None:
    folder = tmp_path / "cache.sqlite"
    folder.mkdir()
    with pytest.raises(CacheFileError, match="is a folder, not a file") as caught:
        ResponseCache(folder, server=server.url, client_id=sim.client_id, policy=BLYNK_POLICY)
    assert str(folder) in str(caught.value) and "cache=False" in str(caught.value)


def test_a_file_where_the_folder_should_be__names_it_and_the_way_out(
    sim: BlynkSim, server: LoopbackServer, tmp_path: Path
) -> None:
    (tmp_path / "blocker").write_text("a file")
    path = tmp_path / "blocker" / "inner" / "c.sqlite"
    with pytest.raises(CacheFileError, match="is a file where a folder should be") as caught:
        ResponseCache(path, server=server.url, client_id=sim.client_id, policy=BLYNK_POLICY)
    assert str(tmp_path / "blocker") in str(caught.value)


def test_connect__misplaced_cache_path_is_a_blynkbook_error(
    sim: BlynkSim, server: LoopbackServer, tmp_path: Path
) -> None:
    import blynkbook as bb

    with pytest.raises(CacheFileError, match="is a folder"):
        bb.connect(server.url, sim.client_id, sim.client_secret, cache=tmp_path)


def test_read_only_folder_online__replays_warns_at_connect_and_write_turns_it_off(
    sim: BlynkSim, server: LoopbackServer, cache_path: Path, make_read_only: Any
) -> None:
    warm = _warm_and_close(sim, server.url, cache_path)
    make_read_only(cache_path.parent)
    with pytest.warns(CacheWarning, match="is read-only") as opened:
        cloud = cached_cloud(sim, server.url, cache_path)
    assert str(cache_path) in str(opened[0].message)
    with cloud:
        assert cloud.cache.mode == "immutable"
        frame = cloud.history([1, 2], ["Temperature"], *WINDOW)
        pd.testing.assert_frame_equal(frame, warm)
        assert frame.attrs["from_cache"]
        ts = pd.Timestamp(WINDOW[0], tz="UTC").value // 10**6 + 12_345
        with pytest.warns(CacheWarning, match="cache is off"):
            report = cloud.import_history(1, "Temperature", imported([ts], [21.0]))
        assert report["status"].tolist() == ["accepted"]
        assert cloud.cache.info()["disabled"]
        assert not cloud.history([1, 2], ["Temperature"], *WINDOW).attrs["from_cache"]


def test_cache_off__only_if_cached_is_a_miss_and_info_says_why(
    sim: BlynkSim, server: LoopbackServer, grant: dict[str, Any], cache_path: Path,
    fast_retry: None,
) -> None:  # fmt: skip
    from blynkbook.errors import OfflineError

    with (
        ResponseCache(
            cache_path,
            server=server.url,
            client_id=sim.client_id,
            busy_timeout=0.2,
            policy=BLYNK_POLICY,
        ) as cache,
        cached_client(cache, server.url, grant["access_token"]) as client,
    ):
        client.get(VALUES, params={"deviceId": 1})  # cached
        other = sqlite3.connect(cache_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        body = {"deviceId": 1, "dataStreamId": 1, "value": 23.5}
        with pytest.warns(CacheWarning, match="cache is off"):
            assert client.post(f"{API}/device/datastream", json=body).status_code == 204
        with pytest.raises(OfflineError, match="only_if_cached"):
            client.get(
                VALUES, params={"deviceId": 1}, extensions={"cache": {"only_if_cached": True}}
            )
        fresh = client.get(VALUES, params={"deviceId": 1})
        assert not fresh.extensions["from_cache"]
        assert "token" not in fresh.text  # stripped as a cached answer would be
        assert "off for this session" in repr(cache.info())
        other.execute("ROLLBACK")
        other.close()
        client.get(VALUES, params={"deviceId": 1})  # the invalidation lands first
        assert cache.info()["disabled"] is None
        assert client.get(VALUES, params={"deviceId": 1}).extensions["from_cache"]


def test_damaged_and_cannot_be_moved_aside__cache_off_calls_go_on(
    cloud: Blynk, sim: BlynkSim, cache_path: Path, make_read_only: Any
) -> None:
    first = cloud.history([1, 2], ["Temperature"], *WINDOW)
    _scribble_over_tables(cache_path)
    make_read_only(cache_path.parent)  # no rename possible in the folder
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = cloud.history([1, 2], ["Temperature"], *WINDOW)
        ts = NOW_MS - DAY_MS
        report = cloud.import_history(1, "Temperature", imported([ts], [21.0]))
        after = cloud.history(1, "Temperature", ts - 60_000, ts + 60_000)
    pd.testing.assert_frame_equal(again, first)
    assert report["status"].tolist() == ["accepted"]
    assert 21.0 in after["value"].tolist()
    messages = cache_warnings(caught)
    assert len(messages) == 1 and "cannot be moved aside" in messages[0], messages
    assert str(cache_path) in messages[0] and "cache is off" in messages[0]
    assert cloud.cache.info()["disabled"]
    assert _aside(cache_path) == []


def test_file_being_created_by_another_kernel__opened_once_its_tables_exist(
    cache_path: Path,
) -> None:
    """Two kernels start at once on a new cache file: the one that finds the file but not
    yet its tables waits for them instead of calling the file unopenable."""
    with sqlite3.connect(cache_path) as con:  # a file another connection has just begun
        con.execute("CREATE TABLE unrelated(x)")

    def other_kernel_creates_it() -> None:
        ResponseCache(cache_path, server="http://x", client_id="c", policy=BLYNK_POLICY).close()

    creator = threading.Timer(0.1, other_kernel_creates_it)
    creator.start()
    try:
        opened = ResponseCache(
            cache_path, server="http://x", client_id="c", offline=True, policy=BLYNK_POLICY
        )
    finally:
        creator.join()
    opened.close()


def test_file_that_never_gets_its_tables__unopenable_after_the_waits(cache_path: Path) -> None:
    with sqlite3.connect(cache_path) as con:
        con.execute("CREATE TABLE unrelated(x)")
    with pytest.raises(CacheFileError, match="no such table"):
        ResponseCache(
            cache_path, server="http://x", client_id="c", offline=True, policy=BLYNK_POLICY
        )
