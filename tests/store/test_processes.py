"""Several processes and crashes: two processes pulling into one store at once both end
exact; a process killed with SIGKILL mid-pull leaves a store that opens, with no half
segment, and a re-run fetches exactly the missing pages."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from storekit import DAY_MS, NOW_MS, history_requests, store_client, the_store

from blynkbook.blynk._paging import page_count
from blynkbook.blynk._stored import series_key
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim
from blynkbook.store import SeriesStore
from blynkbook.store._ranges import split_months

HERE = Path(__file__).parent
DEVICES = list(range(1, 7))
LABELS = ["Temperature", "Humidity"]
WINDOW = {"start": NOW_MS - 35 * DAY_MS, "end": NOW_MS - 10 * DAY_MS}  # 2 months
TIMEOUT_S = 120


def _puller(sim: BlynkSim, server: LoopbackServer, folder: Path) -> subprocess.Popen[str]:
    args = {"url": server.url, "client_id": sim.client_id, "secret": sim.client_secret,
            "folder": str(folder), "now_ms": NOW_MS, "devices": DEVICES, "labels": LABELS,
            **WINDOW}  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    return subprocess.Popen(
        [sys.executable, str(HERE / "puller.py"), json.dumps(args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _assert_exact(sim: BlynkSim, server: LoopbackServer, folder: Path) -> None:
    with (
        store_client(sim, server.url, folder) as stored,
        store_client(sim, server.url, None) as plain,
    ):
        before = history_requests(sim)
        frame = stored.history(DEVICES, LABELS, **WINDOW, progress=False)
        assert history_requests(sim) == before  # everything was in the store
        expected = plain.history(DEVICES, LABELS, **WINDOW, progress=False)
        pd.testing.assert_frame_equal(frame, expected, check_flags=False)
        _assert_no_overlap(the_store(stored))


def _assert_no_overlap(store: SeriesStore) -> None:
    """Segments of one series never overlap, and every live file holds exactly the points
    of the rows naming it (a file may hold many series)."""
    with store.catalog.reading() as db:
        rows = db.execute(
            "SELECT series, lo, hi, path, rows FROM segments ORDER BY series, lo"
        ).fetchall()
    for (s1, _lo1, hi1, *_), (s2, lo2, *_) in zip(rows, rows[1:], strict=False):
        assert s1 != s2 or hi1 < lo2, "segments of one series overlap"
    named: dict[str, int] = {}
    for *_, path, count in rows:
        if path is not None:
            named[path] = named.get(path, 0) + count
    for path, count in named.items():
        assert pq.ParquetFile(store.folder / path).metadata.num_rows == count > 0


def test_two_processes_pulling_into_one_store_at_once__both_exact(
    sim: BlynkSim, server: LoopbackServer, folder: Path
) -> None:
    sim.faults.set(latency=0.002)
    workers = [_puller(sim, server, folder) for _ in range(2)]
    sent = []
    for worker in workers:
        out, err = worker.communicate(timeout=TIMEOUT_S)
        assert worker.returncode == 0, err
        sent.append(int(out.strip()))
    assert sum(sent) > 0  # (the later one may find some or all of it pulled already)
    sim.faults.reset()
    _assert_exact(sim, server, folder)


def _segments(folder: Path) -> int:
    catalogs = list(folder.glob("*/catalog.sqlite"))
    if not catalogs:
        return 0
    import sqlite3

    with sqlite3.connect(catalogs[0], timeout=5) as db:
        try:
            return int(db.execute("SELECT count(*) FROM segments").fetchone()[0])
        except sqlite3.OperationalError:  # the schema is not there yet
            return 0


def test_sigkill_mid_pull__store_opens__rerun_fetches_exactly_the_missing_pages(
    sim: BlynkSim, server: LoopbackServer, folder: Path
) -> None:
    sim.faults.set(latency=0.05)
    worker = _puller(sim, server, folder)
    deadline = time.monotonic() + TIMEOUT_S
    while _segments(folder) < 6 and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=TIMEOUT_S)
    sim.faults.reset()
    assert worker.returncode == -signal.SIGKILL, "the pull ended before it could be killed"
    with store_client(sim, server.url, folder) as client:
        store = the_store(client)
        assert store.info()["segments"] >= 6
        _assert_no_overlap(store)
        series = client._history_series(DEVICES, LABELS)
        plans = store.plan([series_key(s) for s in series], WINDOW["start"], WINDOW["end"],
                           now_ms=NOW_MS)  # fmt: skip
        expected = 0
        for one, ranges in zip(series, plans, strict=True):
            for piece in ranges:
                for lo, hi in split_months(piece):
                    points = len(sim.world.history_points(one.device_id, one.datastream_id, lo, hi))
                    expected += page_count(points)
        assert (
            0 < expected < len(DEVICES) * len(LABELS) * 8
        )  # something was kept, something was missing
        before = history_requests(sim)
        report = client.pull(DEVICES, LABELS, **WINDOW, progress=False)
        assert history_requests(sim) - before == expected == int(report["requests"].sum())
    _assert_exact(sim, server, folder)
