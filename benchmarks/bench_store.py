"""Benchmark: the series store (blynkbook/store) against the figures issue 12 asks for.

* ``rerun``: a relative window of 10,000 points a series (20 weather stations × 5
  datastreams, 50 ms a request), pulled once, then re-run from a new client two minutes
  later (the sim's clock advanced): history requests sent and time, against reading the
  same points from the store with no network at all (targets: ≤ 1 request a series, under
  1 s, within 2× of the store read).
* ``cold``: the same 1,000,000-point pull cold, with the store (and the response cache,
  as ``connect()`` sets them up) against no store and no cache, in one run (target: under
  1.2×).
* ``pull``: N points (devices × 5 datastreams × 16,000 points) pulled with ``cloud.pull()``
  from the embedded cloud served on loopback *in another process* (so the figures are the
  client's): peak RSS of this process, bytes on disk a point, points a second (targets:
  RSS under 1 GB and flat as N grows, under 8 bytes a point); then the per-device daily
  mean with DuckDB (target: under 10 s for 100M) and the same aggregate through
  ``to_dask()`` on a ``distributed.LocalCluster``.

Run: ``python benchmarks/bench_store.py [--points 10_000_000 100_000_000] [--skip-rerun]``
(not collected by pytest). Figures go to benchmarks/results/bench_store.json. The machine
is shared: run it alone when you can, and read the figures as noisy otherwise.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import blynkbook
from blynkbook.blynk import Blynk
from blynkbook.blynk._stored import _frame, series_key
from blynkbook.sim.blynk import BlynkSim
from blynkbook.store import SeriesStore, open_store
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session

NOW = "2026-11-20T12:00:00Z"
NOW_MS = 1_795_176_000_000
LABELS = ["Temperature", "Humidity", "Pressure", "Wind Speed", "Battery"]
STATIONS = 20
POINTS = 10_000
STEP_MS = 300_000
LATENCY = 0.05
PULL_POINTS_A_SERIES = 16_000  # the seeded history reaches 60 days back: 17,280 points
HISHEST_RATE = 1_000_000  # no rate limit in the way of the pull figures
HISTORY = "/api/v1/organization/device/datastream/history"
RESULTS = Path(__file__).parent / "results"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def client(sim: BlynkSim, url: str, folder: Path | None, *, cache: bool = False) -> Blynk:
    """A loopback client on the sim's clock (a relative window moves with it)."""
    if cache:  # as connect() builds it: the response cache and the store
        cloud = blynkbook.connect(server=url, client_id=sim.client_id,
                                  client_secret=sim.client_secret, store=folder,
                                  cache=(folder or Path(".")) / "responses.sqlite",
                                  progress=False)  # fmt: skip
        cloud._now = sim.clock.now_ms
        return cloud
    creds = Credentials(url, sim.client_id, sim.client_secret)
    session = Session(url, auth=OAuth2ClientCredentials(creds))
    store = open_store(folder, server=url, client_id=sim.client_id) if folder else None
    return Blynk(
        session, server=url, client_id=sim.client_id, now=sim.clock.now_ms, store=store,
        progress=False,
    )  # fmt: skip


def stations(sim: BlynkSim, count: int) -> list[int]:
    ids = [d.id for d in sim.world.iter_devices() if d.template.name == "Weather Station"]
    return sorted(ids)[:count]


# re-run of a relative window --------------------------------------------------------------------
def measure_rerun() -> dict[str, Any]:
    sim = BlynkSim(seed=7, now=NOW, rate=HISHEST_RATE, burst=HISHEST_RATE)
    devices = stations(sim, STATIONS)
    start = f"-{(POINTS - 1) * STEP_MS // 60_000}min"
    with sim.serve() as server, tempfile.TemporaryDirectory() as tmp:
        sim.faults.latency = LATENCY
        with client(sim, server.url, Path(tmp)) as first:
            cold, frame = timed(lambda: first.history(devices, LABELS, start=start))
        sim.clock.advance(120)
        sent = sim.requests_by_path[HISTORY]
        with client(sim, server.url, Path(tmp)) as again:
            rerun, fresh = timed(lambda: again.history(devices, LABELS, start=start))
            requests = sim.requests_by_path[HISTORY] - sent
            store = again.store
            assert isinstance(store, SeriesStore)
            series = again._history_series(devices, LABELS)
            lo = int(fresh.index.min().value // 1_000_000)
            hi = sim.clock.now_ms()
            keys = [series_key(s) for s in series]
            reads = [timed(lambda: _frame(series, store.read(keys, lo, hi)))[0] for _ in range(3)]
    read = min(reads)
    return {
        "points": len(fresh),
        "series": len(devices) * len(LABELS),
        "cold pull s (50 ms a request)": round(cold, 2),
        "re-run history requests": requests,
        "re-run s (new client: schema lookups + tail + store read)": round(rerun, 3),
        "store read s, no network (best of 3)": round(read, 3),
        "re-run / store read": round(rerun / read, 2),
        "cold frame points": len(frame),
    }


# cold pull with and without the store -----------------------------------------------------------
def measure_cold() -> dict[str, Any]:
    sim = BlynkSim(seed=7, now=NOW, rate=HISHEST_RATE, burst=HISHEST_RATE)
    devices = stations(sim, STATIONS)
    window = (NOW_MS - (POINTS - 1) * STEP_MS, NOW_MS)
    out: dict[str, Any] = {}
    with sim.serve() as server:
        sim.faults.latency = LATENCY
        for _round in range(2):  # alternate, so drift in the machine's load hits both
            for name, folder, cache in (("no store, no cache", None, False),
                                        ("store, no cache", True, False),
                                        ("store + cache (connect())", True, True)):  # fmt: skip
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) if folder else None
                    with client(sim, server.url, path, cache=cache) as cloud:
                        seconds, frame = timed(lambda c=cloud: c.history(devices, LABELS, *window))
                assert len(frame) == STATIONS * len(LABELS) * POINTS
                out.setdefault(name, []).append(round(seconds, 2))
    best = {name: min(times) for name, times in out.items()}
    return {
        **{f"{name} s": times for name, times in out.items()},
        "store / none (best of 2)": round(best["store, no cache"] / best["no store, no cache"], 2),
        "store + cache / none (best of 2)": round(
            best["store + cache (connect())"] / best["no store, no cache"], 2
        ),
    }


# big pulls from a sim in another process --------------------------------------------------------
def _serve(fleet_size: int, queue: Any) -> None:
    sim = BlynkSim(seed=7, now=NOW, fleet_size=fleet_size, rate=HISHEST_RATE, burst=HISHEST_RATE)
    server = sim.serve()
    queue.put((server.url, sim.client_id, sim.client_secret, stations(sim, 10**9)))
    while True:
        time.sleep(3600)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_pull(points: int, dask_workers: int) -> dict[str, Any]:
    devices_wanted = -(-points // (len(LABELS) * PULL_POINTS_A_SERIES))
    fleet = int(devices_wanted / 0.4) + 3
    queue: Any = mp.get_context("spawn").Queue()
    server = mp.get_context("spawn").Process(target=_serve, args=(fleet, queue), daemon=True)
    server.start()
    try:
        url, client_id, secret, weather = queue.get(timeout=600)
        devices = weather[:devices_wanted]
        start = NOW_MS - (PULL_POINTS_A_SERIES - 1) * STEP_MS
        with tempfile.TemporaryDirectory() as tmp:
            creds = Credentials(url, client_id, secret)
            session = Session(url, auth=OAuth2ClientCredentials(creds))
            store = open_store(tmp, server=url, client_id=client_id)
            cloud = Blynk(session, server=url, client_id=client_id, now=lambda: NOW_MS,
                          store=store, progress=False)  # fmt: skip
            rss_before = peak_rss_mb()
            seconds, report = timed(lambda: cloud.pull(devices, LABELS, start, NOW_MS))
            rss_after = peak_rss_mb()
            fetched = int(report["points_fetched"].sum())
            assert isinstance(cloud.store, SeriesStore)
            info = cloud.store.info()
            store_ = cloud.store
            daily = "SELECT device_id, {day} AS day, avg(value) FROM history GROUP BY ALL"
            timed(lambda: store_.sql("SELECT 1").fetchall())  # DuckDB's first-use set-up
            duck_s, rows = timed(
                lambda: len(store_.sql(daily.format(day="date_trunc('day', time)")).fetchall())
            )
            epoch_s, epoch_rows = timed(
                lambda: len(store_.sql(daily.format(day="epoch_ms(time) // 86400000")).fetchall())
            )
            assert epoch_rows == rows
            dask_s, dask_rows = _dask_daily(cloud.store, dask_workers)
            assert dask_rows == rows
            cloud.close()
    finally:
        server.kill()
    return {
        "points": fetched,
        "series": len(devices) * len(LABELS),
        "requests": int(report["requests"].sum()),
        "pull s": round(seconds, 1),
        "points/s": round(fetched / seconds),
        "peak RSS MB (this process, before the pull)": round(rss_before),
        "peak RSS MB (this process, after the pull)": round(rss_after),
        "files": info["files"],
        "bytes on disk / point": round(info["size_bytes"] / fetched, 2),
        "DuckDB daily mean per device s (date_trunc on TIMESTAMPTZ)": round(duck_s, 2),
        "DuckDB daily mean per device s (epoch_ms // day)": round(epoch_s, 2),
        "daily rows": rows,
        f"dask LocalCluster({dask_workers} workers) daily mean s": round(dask_s, 2),
    }


def _dask_daily(store: Any, workers: int) -> tuple[float, int]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                     dashboard_address=None) as cluster,
        Client(cluster),
    ):  # fmt: skip
        points = store.to_dask()

        def run() -> int:
            frame = points.assign(day=points["time"].dt.floor("D"))
            means = frame.groupby(["device_id", "day"])["value"].mean(split_out=1).compute()
            return len(means)

        seconds, rows = timed(run)
    duck_rows = store.sql(
        "SELECT count(*) FROM (SELECT DISTINCT device_id, date_trunc('day', time) FROM history)"
    ).fetchall()[0][0]
    return seconds, int(duck_rows if rows == duck_rows else rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="*", default=[10_000_000])
    parser.add_argument("--skip-rerun", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--dask-workers", type=int, default=2)
    args = parser.parse_args(argv)
    reports: dict[str, Any] = {}
    if not args.skip_rerun:
        reports["rerun"] = measure_rerun()
        _show("re-run of a relative window", reports["rerun"])
    if not args.skip_cold:
        reports["cold"] = measure_cold()
        _show("cold 1M-point pull, store vs none", reports["cold"])
    for points in args.points:
        reports[f"pull {points:,}"] = measure_pull(points, args.dask_workers)
        _show(f"pull() of {points:,} points", reports[f"pull {points:,}"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_store.json").write_text(json.dumps(reports, indent=2))
    return 0


def _show(title: str, report: dict[str, Any]) -> None:
    print(f"\n{title}")
    width = max(len(k) for k in report)
    for key, value in report.items():
        print(f"  {key:<{width}}  {value}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
