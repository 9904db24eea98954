"""``cloud.pull()`` fills the store without a frame; the store's own surface (DuckDB SQL,
Dask, files, min/max downsampling, info, clear) agrees with pandas; isolation per account,
no secret in any file, offline replay, and ``BLYNKBOOK_CACHE_DIR``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from storekit import DAY_MS, NOW_MS, history_requests, the_store

import blynkbook as bb
from blynkbook.blynk import Blynk
from blynkbook.errors import InputError, OfflineError
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim

DEVICES = [1, 2, 3]
LABELS = ["Temperature", "Humidity"]
WINDOW = {"start": NOW_MS - 40 * DAY_MS, "end": NOW_MS - 5 * DAY_MS}  # crosses a month


def _daily_means(frame: pd.DataFrame) -> pd.DataFrame:
    days = frame.index.floor("D")
    means = frame.groupby(["device_id", "datastream", days])["value"].mean()
    return means.rename_axis(["device_id", "datastream", "day"]).reset_index()


def test_pull__fills_the_store_and_history_then_reads_it_with_no_request(
    connect: Callable[..., Blynk], plain: Blynk, sim: BlynkSim
) -> None:
    client = connect()
    report = client.pull(DEVICES, LABELS, **WINDOW, progress=False)
    assert list(report.columns) == ["device_id", "datastream", "requests", "points_fetched"]
    expected = plain.history(DEVICES, LABELS, **WINDOW)
    assert int(report["points_fetched"].sum()) == len(expected)
    assert (report["requests"] >= 2).all()  # a page of each month at least
    before = history_requests(sim)
    frame = client.history(DEVICES, LABELS, **WINDOW)
    assert history_requests(sim) == before
    pd.testing.assert_frame_equal(frame, expected, check_flags=False)
    again = client.pull(DEVICES, LABELS, **WINDOW, progress=False)
    assert int(again["requests"].sum()) == 0 and history_requests(sim) == before


def test_sql_and_dask__equal_to_pandas(connect: Callable[..., Blynk], plain: Blynk) -> None:
    client = connect()
    client.pull(DEVICES, LABELS, **WINDOW, progress=False)
    expected = _daily_means(plain.history(DEVICES, LABELS, **WINDOW))
    store = the_store(client)
    by_sql = store.sql(
        "SELECT device_id, datastream, date_trunc('day', time) AS day, avg(value) AS value "
        "FROM history GROUP BY ALL ORDER BY ALL"
    ).df()
    assert len(by_sql) == len(expected)
    np.testing.assert_array_equal(by_sql["device_id"], expected["device_id"])
    np.testing.assert_array_equal(by_sql["datastream"].astype(str), expected["datastream"])
    np.testing.assert_allclose(by_sql["value"], expected["value"], rtol=1e-12)
    points = store.to_dask()
    assert points.npartitions == 1  # files are grouped: ~2M points a partition
    daily = points.assign(day=points["time"].dt.floor("D"))
    by_dask = (
        daily.groupby(["device_id", "datastream", "day"])["value"].mean().compute().sort_index()
    )
    np.testing.assert_allclose(by_dask.to_numpy(), expected["value"].to_numpy(), rtol=1e-12)
    assert store.relation().count("*").fetchall() == [(int(store.info()["points"]),)]


def test_minmax__one_series_downsampled_in_duckdb(
    connect: Callable[..., Blynk], plain: Blynk
) -> None:
    client = connect()
    client.pull([1], ["Temperature"], **WINDOW, progress=False)
    lo, hi = WINDOW["start"], WINDOW["end"]
    down = the_store(client).minmax(1, "Temperature", lo, hi, buckets=50)
    series = plain.history(1, "Temperature", **WINDOW)["value"]
    buckets = ((series.index.as_unit("ms").asi8 - lo) * 50) // (hi - lo + 1)
    grouped = series.groupby(buckets)
    assert len(down) <= 100 and down.index.is_monotonic_increasing
    np.testing.assert_array_equal(
        np.sort(np.unique(down["value"])),
        np.sort(np.unique(np.concatenate([grouped.min(), grouped.max()]))),
    )
    assert the_store(client).minmax(1, "Humidity", lo, hi, buckets=5).empty
    with pytest.raises(InputError, match="buckets=0"):
        the_store(client).minmax(1, "Temperature", lo, hi, buckets=0)


def test_extent__count_first_and_last_of_one_series_in_a_window(
    connect: Callable[..., Blynk], plain: Blynk
) -> None:
    client = connect()
    client.pull([1], ["Temperature"], **WINDOW, progress=False)
    series = plain.history(1, "Temperature", **WINDOW)["value"]
    times = series.index.as_unit("ms").asi8
    store = the_store(client)
    assert store.extent(1, "Temperature", WINDOW["start"], WINDOW["end"]) == (
        len(series), int(times[0]), int(times[-1])
    )  # fmt: skip
    inner = times[(times >= times[10]) & (times <= times[20] + 1)]
    assert store.extent(1, "Temperature", int(times[10]), int(times[20]) + 1) == (
        len(inner), int(times[10]), int(times[20])
    )  # fmt: skip
    assert store.extent(1, "Humidity", WINDOW["start"], WINDOW["end"]) == (0, None, None)
    assert store.extent(1, "Temperature", WINDOW["end"], WINDOW["start"]) == (0, None, None)


def test_info_and_clear(connect: Callable[..., Blynk], sim: BlynkSim) -> None:
    client = connect()
    client.history(DEVICES, LABELS, start="-2d")
    info = the_store(client).info()
    assert info["series"] == 6 and info["points"] == 6 * 577
    assert info["files"] == 2  # one read: its settled part and its tail, each one file
    assert info["size_bytes"] > 0 and "6 series" in repr(info)
    assert the_store(client).clear() == info["segments"]
    assert the_store(client).info()["points"] == 0 and the_store(client).files() == []
    before = history_requests(sim)
    client.history(DEVICES, LABELS, start="-2d")
    assert history_requests(sim) - before == 6


def test_isolated_per_server_and_client_id(
    connect: Callable[..., Blynk], sim: BlynkSim, server: LoopbackServer, folder: Path
) -> None:
    mine = connect()
    mine.history(1, "Temperature", start="-1d")
    client_id, secret = sim.add_client(101)
    login = {"server": server.url, "client_id": client_id, "client_secret": secret}
    with bb.connect(**login, cache=False, store=folder) as other:
        assert the_store(other).info()["points"] == 0
        assert the_store(other).folder.parent == the_store(mine).folder.parent == folder
        assert the_store(other).folder != the_store(mine).folder
        before = history_requests(sim)
        other.history(1, "Temperature", start="2026-11-19T12:00Z", end="2026-11-20T12:00Z",
                      progress=False)  # fmt: skip
        assert history_requests(sim) - before == 1
    assert len(list(folder.iterdir())) == 2


def test_no_secret_in_any_store_file(
    connect: Callable[..., Blynk], sim: BlynkSim, folder: Path
) -> None:
    client = connect()
    client.history(DEVICES, LABELS, start="-3d")
    client.pull([7, 8], ["Temperature"], start="-3d", progress=False)
    client.write(4, "Temperature", 20.5)
    client.history(4, "Temperature", start="-1d")
    issued = [*sim.tokens._access, *sim.tokens._refresh]  # every token the cloud handed out
    assert issued
    secrets = [sim.client_secret, *issued, *sim.world.device_tokens()]
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, (path.name, "holds a secret")


def test_offline__replays_what_was_recorded__and_names_what_never_was(
    connect: Callable[..., Blynk], sim: BlynkSim
) -> None:
    online = connect()
    recorded = online.history(DEVICES, LABELS, start="-2d")
    sim.clock.advance(6 * 3600)
    before = history_requests(sim)
    offline = connect(offline=True)  # (schemas still come from the cloud in this helper)
    replay = offline.history(DEVICES, LABELS, start=recorded.index.min(), end=NOW_MS)
    pd.testing.assert_frame_equal(replay, recorded, check_flags=False)
    assert history_requests(sim) == before
    with pytest.raises(OfflineError, match="Pressure"):
        offline.history(1, "Pressure", start="-1d")
    with pytest.raises(OfflineError):
        offline.pull(1, "Temperature", start="-1d")


def test_cache_dir_env__puts_cache_and_store_in_one_folder__and_offline_replays_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sim: BlynkSim, server: LoopbackServer
) -> None:
    monkeypatch.setenv("BLYNKBOOK_CACHE_DIR", str(tmp_path / "committed"))
    login = {"server": server.url, "client_id": sim.client_id}
    window = {"start": "2026-11-10", "end": "2026-11-12"}
    with bb.connect(**login, client_secret=sim.client_secret) as online:
        recorded = online.history(DEVICES, LABELS, **window, progress=False)
        assert online.store and online.cache
    assert (tmp_path / "committed" / "responses.sqlite").is_file()
    assert list((tmp_path / "committed" / "store").glob("*/catalog.sqlite"))
    server.close()
    monkeypatch.setenv("BLYNKBOOK_OFFLINE", "1")
    monkeypatch.setenv("BLYNK_SERVER", server.url)
    monkeypatch.setenv("BLYNK_CLIENT_ID", sim.client_id)  # no secret: CI has none
    with bb.connect() as replay:
        again = replay.history(DEVICES, LABELS, **window, progress=False)
    pd.testing.assert_frame_equal(again, recorded, check_flags=False)


def test_pull_needs_a_store(plain: Blynk) -> None:
    with pytest.raises(InputError, match="pull\\(\\) needs a series store"):
        plain.pull(1, "Temperature")
