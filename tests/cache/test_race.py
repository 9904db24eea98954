"""No lost invalidation (issue 16, point 2): an answer fetched before a write's
invalidation is never stored after it, across threads and across processes.

The race itself is in ``racekit``: real sockets, one real SQLite file, ``import_history``
against reads of the same window, many rounds, zero stale reads.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import racekit
from cachekit import DAY_MS, NOW_MS, fetch_grant

from blynkbook.cache import ResponseCache
from blynkbook.cache._sqlite import GuardedCache
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim

API = "/api/v1/organization"
HISTORY = f"{API}/device/datastream/history"
ROUNDS = 30


def test_read_in_flight_during_an_import__is_not_stored(
    client: httpx.Client, cache: ResponseCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exact interleaving of the report: the read's answer (without the point) is in
    hand when the import lands and invalidates; it must not be stored after that."""
    params = {"deviceId": 2, "dataStreamId": 1, "from": NOW_MS - 3 * DAY_MS,
              "to": NOW_MS - 3 * DAY_MS + 3_600_000}  # fmt: skip
    ts = int(params["from"]) + 1_234
    fetched, written = threading.Event(), threading.Event()
    real_save = GuardedCache.save_response

    def save_after_the_write(self: GuardedCache, response: Any, *args: Any, **kw: Any) -> None:
        if HISTORY in (response.url or "") and not written.is_set():
            fetched.set()
            assert written.wait(10)
        real_save(self, response, *args, **kw)

    monkeypatch.setattr(GuardedCache, "save_response", save_after_the_write)
    first: list[httpx.Response] = []
    reader = threading.Thread(target=lambda: first.append(client.get(HISTORY, params=params)))
    reader.start()
    assert fetched.wait(10)
    body = {"deviceId": 2, "dataStreamId": 1, "values": [{"ts": ts, "value": 12.5}]}
    assert client.post(f"{API}/device/import/batch", json=body).status_code == 204
    written.set()
    reader.join(10)
    assert ts not in {p["createdAt"] for p in first[0].json()["content"]}  # fetched before
    again = client.get(HISTORY, params=params)
    assert ts in {p["createdAt"] for p in again.json()["content"]}
    assert cache.info()["skipped_saves"] == 1


@pytest.fixture
def live_sim() -> BlynkSim:
    """A sim on the wall clock: the writer's ``import_history`` checks its window against
    the wall clock, as a real kernel does."""
    sim = BlynkSim(seed=7, fleet_size=30)
    sim.faults.set(latency=0.005)
    return sim


@pytest.fixture
def live_server(live_sim: BlynkSim) -> Iterator[LoopbackServer]:
    with live_sim.serve() as running:
        yield running


def _race(sim: BlynkSim, server: LoopbackServer, path: Path) -> racekit.Race:
    grant = fetch_grant(server.url, sim.client_id, sim.client_secret)
    base = (sim.clock.now_ms() - 5 * DAY_MS) // 3_600_000 * 3_600_000
    return racekit.Race(
        server.url, sim.client_id, sim.client_secret, grant["access_token"], str(path), base,
        ROUNDS,
    )  # fmt: skip


def _assert_no_stale_reads(counts: dict[str, int], landed: int) -> None:
    assert counts["rounds"] == ROUNDS and landed == ROUNDS
    assert counts["stale"] == 0, counts
    assert counts["skipped"] >= 1, counts  # the race was run: answers were refused
    assert counts["from_cache"] >= ROUNDS, counts  # and the cache still served the rest


# On a loaded machine a save can wait past its 0.5 s lock timeout while the writer holds the
# file; the cache then warns (CacheWarning) and stores nothing, which cannot make a read
# stale. The suite turns warnings into errors, which would kill a racing thread instead.
@pytest.mark.filterwarnings("ignore::blynkbook.errors.CacheWarning")
def test_threads__many_rounds_zero_stale_reads(
    live_sim: BlynkSim, live_server: LoopbackServer, cache_path: Path
) -> None:
    race = _race(live_sim, live_server, cache_path)
    start, done = threading.Barrier(2), threading.Barrier(2)
    landed: list[int] = []
    writer = threading.Thread(target=lambda: landed.append(racekit.write_rounds(race, start, done)))
    writer.start()
    try:
        counts = racekit.read_rounds(race, start, done)
    finally:
        writer.join(60)
    _assert_no_stale_reads(counts, landed[0])


def test_two_processes__many_rounds_zero_stale_reads(
    live_sim: BlynkSim, live_server: LoopbackServer, cache_path: Path
) -> None:
    race = _race(live_sim, live_server, cache_path)
    spawn = multiprocessing.get_context("spawn")
    start, done, results = spawn.Barrier(2), spawn.Barrier(2), spawn.Queue()
    kernels = [
        spawn.Process(target=racekit.read_in_process, args=(race, start, done, results)),
        spawn.Process(target=racekit.write_in_process, args=(race, start, done, results)),
    ]
    for kernel in kernels:
        kernel.start()
    try:
        got = dict(results.get(timeout=120) for _ in kernels)
    finally:
        for kernel in kernels:
            kernel.join(30)
            if kernel.is_alive():
                kernel.kill()
    assert all(kernel.exitcode == 0 for kernel in kernels)
    _assert_no_stale_reads(got["reader"], got["writer"])
