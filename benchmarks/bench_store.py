"""Benchmark: the series store (blynkbook/store) against the figures issue 12 asks for.

* ``rerun``: a relative window of 10,000 points a series (20 weather stations × 5
  datastreams, 50 ms a request), pulled once, then re-run from a new client two minutes
  later (the sim's clock advanced): history requests sent and time, against reading the
  same points from the store with no network at all (targets: ≤ 1 request a series, under
  1 s, within 2× of the store read). Twice: as ``connect()`` builds the client (the
  response cache answers the look-ups of the new client, as in a new kernel) and with
  the store only (the look-ups go to the cloud). ``--concurrency`` sets their
  ``max_concurrency``.
* ``cold``: the same 1,000,000-point pull cold, with the store (and the response cache,
  as ``connect()`` sets them up) against no store and no cache, in one run (target: under
  1.2×).
* ``pull``: N points (devices × 5 datastreams × 16,000 points) pulled with ``cloud.pull()``
  from the embedded cloud served on loopback *in another process* (so the figures are the
  client's): peak RSS of this process, bytes on disk a point, points a second (targets:
  RSS under 1 GB and flat as N grows, under 8 bytes a point); then the per-device daily
  mean with DuckDB (target: under 10 s for 100M) and the same aggregate through
  ``to_dask()`` on a ``distributed.LocalCluster``.

Run: ``python benchmarks/bench_store.py [--points 10M 100M] [--skip-rerun] [--skip-cold]``
(not collected by pytest; the default pull is 10M points, a few minutes; only the re-run:
``--skip-cold --points`` with no size). Each pull size
is best run in a process of its own (``--skip-rerun --skip-cold --points 100M``), so the
peak RSS is that pull's. ``--keep FOLDER`` pulls into that new folder and leaves the store
there; ``--query FOLDER`` later runs only the DuckDB and Dask daily means over it (e.g. on
a quiet machine). CPU seconds of the client and of the sim's process are reported apart,
to show which side bounds the pull. Figures go to benchmarks/results/bench_store.json
(``--out``). The machine is shared: read the figures with the load averages they carry.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _timing import timed
from remote_sim import RemoteSim

import blynkbook
from blynkbook.blynk import Blynk
from blynkbook.blynk._stored import series_key
from blynkbook.blynk.history import frame_of
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


def client(sim: BlynkSim, url: str, folder: Path | None, *, cache: bool = False) -> Blynk:
    """A loopback client on the sim's clock (a relative window moves with it)."""
    return loopback_client(url, sim.client_id, sim.client_secret, folder, sim.clock.now_ms,
                           cache=cache)  # fmt: skip


def loopback_client(
    url: str,
    client_id: str,
    secret: str,
    folder: Path | None,
    now: Callable[[], int],
    *,
    cache: bool = False,
    max_concurrency: int = 16,
) -> Blynk:
    """A loopback client with ``now`` as its clock and a store in ``folder`` (None:
    none): with ``cache``, as ``connect()`` builds it (the response cache in ``folder``
    too), else with no response cache."""
    if cache:
        cloud = blynkbook.connect(server=url, client_id=client_id, client_secret=secret,
                                  store=folder, cache=(folder or Path(".")) / "responses.sqlite",
                                  progress=False, max_concurrency=max_concurrency)  # fmt: skip
        cloud._now = now
        return cloud
    auth = OAuth2ClientCredentials(Credentials(url, client_id, secret))
    session = Session(url, auth=auth, max_concurrency=max_concurrency)
    store = open_store(folder, server=url, client_id=client_id) if folder else None
    return Blynk(session, server=url, client_id=client_id, now=now, store=store, progress=False)


def stations(sim: BlynkSim, count: int) -> list[int]:
    ids = [d.id for d in sim.world.iter_devices() if d.template.name == "Weather Station"]
    return sorted(ids)[:count]


# re-run of a relative window --------------------------------------------------------------------
RERUN_CLIENTS = {  # name: whether the client has the response cache, as connect() builds it
    "connect() (response cache + store)": True,
    "store only (no response cache)": False,
}


def measure_rerun(concurrency: int = 16) -> dict[str, Any]:
    """The sim runs in its own process (``RemoteSim``), as a real cloud is not in the
    analyst's process or GIL; the store read with no network is timed in this one. Both
    clients of :data:`RERUN_CLIENTS`, each with a store of its own, pulled cold then
    re-run from a new client of the same kind."""
    local = BlynkSim(seed=7, now=NOW)  # the same seeded fleet: device ids, no serving
    devices = stations(local, STATIONS)
    out: dict[str, Any] = {"max_concurrency": concurrency, "load average before": load_average()}
    with RemoteSim(now=NOW) as sim:
        sim.rate_limit(rate=HISHEST_RATE, burst=HISHEST_RATE)
        sim.faults(latency=LATENCY)
        for name, cached in RERUN_CLIENTS.items():
            with tempfile.TemporaryDirectory() as tmp:
                out[name] = _rerun(sim, devices, Path(tmp), cached=cached, concurrency=concurrency)
    out["load average after"] = load_average()
    return out


def _rerun(
    sim: RemoteSim, devices: list[int], folder: Path, *, cached: bool, concurrency: int
) -> dict[str, Any]:
    start = f"-{(POINTS - 1) * STEP_MS // 60_000}min"
    now = [sim.advance(0)]

    def new_client() -> Blynk:
        return loopback_client(
            sim.url, sim.client_id, sim.client_secret, folder, lambda: now[0],
            cache=cached, max_concurrency=concurrency,
        )  # fmt: skip

    with new_client() as first:
        cold, frame = timed(lambda: first.history(devices, LABELS, start=start))
    now[0] = sim.advance(120)
    sent = sim.stats()["by_path"].get(HISTORY, 0)
    with new_client() as again:
        cpu = time.process_time()
        rerun, fresh = timed(lambda: again.history(devices, LABELS, start=start))
        cpu = time.process_time() - cpu
        requests = sim.stats()["by_path"].get(HISTORY, 0) - sent
        store = again.store
        assert isinstance(store, SeriesStore)
        series = again._history_series(devices, LABELS)
        lo = int(fresh.index.min().value // 1_000_000)
        keys = [series_key(s) for s in series]
        reads = [timed(lambda: frame_of(series, [[p] for p in store.read(keys, lo, now[0])]))[0]
                 for _ in range(3)]  # fmt: skip
    read = min(reads)
    return {
        "points": len(fresh),
        "series": len(devices) * len(LABELS),
        "cold pull s (50 ms a request)": round(cold, 2),
        "re-run history requests": requests,
        "re-run s (new client, look-ups + tail + store read; sim in its own process)": round(
            rerun, 3
        ),
        "re-run client CPU s (this process, all threads)": round(cpu, 3),
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


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def measure_pull(points: int, dask_workers: int, keep: Path | None) -> dict[str, Any]:
    """Pull ``points`` into a store (``keep``: that folder, left in place; else a
    temporary one), then the daily means over it."""
    devices_wanted = -(-points // (len(LABELS) * PULL_POINTS_A_SERIES))
    fleet = int(devices_wanted / 0.4) + 3
    queue: Any = mp.get_context("spawn").Queue()
    server = mp.get_context("spawn").Process(target=_serve, args=(fleet, queue), daemon=True)
    server.start()
    try:
        url, client_id, secret, weather = queue.get(timeout=1800)
        devices = weather[:devices_wanted]
        start = NOW_MS - (PULL_POINTS_A_SERIES - 1) * STEP_MS
        with tempfile.TemporaryDirectory() as tmp:
            folder = keep if keep is not None else Path(tmp)
            creds = Credentials(url, client_id, secret)
            session = Session(url, auth=OAuth2ClientCredentials(creds))
            store = open_store(folder, server=url, client_id=client_id)
            cloud = Blynk(session, server=url, client_id=client_id, now=lambda: NOW_MS,
                          store=store, progress=False)  # fmt: skip
            cloud._history_series(devices, LABELS)  # look-ups before the clock starts
            load_before = load_average()
            rss_before = peak_rss_mb()
            cpu_before = cpu_s(os.getpid()), cpu_s(server.pid)
            seconds, report = timed(lambda: cloud.pull(devices, LABELS, start, NOW_MS))
            client_cpu = cpu_s(os.getpid()) - cpu_before[0]
            server_cpu = cpu_s(server.pid) - cpu_before[1]
            rss_after = peak_rss_mb()
            load_after = load_average()
            server.kill()
            fetched = int(report["points_fetched"].sum())
            assert isinstance(cloud.store, SeriesStore)
            figures = {
                "points": fetched,
                "series": len(devices) * len(LABELS),
                "requests": int(report["requests"].sum()),
                "pull s": round(seconds, 1),
                "points/s": round(fetched / seconds),
                "client CPU s (this process)": round(client_cpu, 1),
                "server CPU s (the sim's process)": round(server_cpu, 1),
                "client CPU us a point": round(client_cpu / fetched * 1e6, 2),
                "server CPU us a point": round(server_cpu / fetched * 1e6, 2),
                "peak RSS MB (this process, before the pull)": round(rss_before),
                "peak RSS MB (this process, after the pull)": round(rss_after),
                "load average before the pull (1, 5, 15 min)": load_before,
                "load average after the pull (1, 5, 15 min)": load_after,
                "store folder": str(cloud.store.folder) if keep is not None else "(removed)",
                **measure_queries(cloud.store, dask_workers, fetched),
            }
            cloud.close()
    finally:
        server.kill()
    return figures


def measure_queries(store: SeriesStore, dask_workers: int, points: int) -> dict[str, Any]:
    """The per-device daily mean over every point of ``store``: DuckDB (two spellings of
    the day), then Dask on a LocalCluster; bytes on disk a point."""
    info = store.info()
    daily = "SELECT device_id, {day} AS day, avg(value) FROM history GROUP BY ALL"
    timed(lambda: store.sql("SELECT 1").fetchall())  # DuckDB's first-use set-up
    load = load_average()
    duck_s, rows = timed(
        lambda: len(store.sql(daily.format(day="date_trunc('day', time)")).fetchall())
    )
    epoch_s, epoch_rows = timed(
        lambda: len(store.sql(daily.format(day="epoch_ms(time) // 86400000")).fetchall())
    )
    assert epoch_rows == rows
    rss_duck = peak_rss_mb()
    dask_s, dask_rows = _dask_daily(store, dask_workers)
    assert dask_rows == rows
    return {
        "files": info["files"],
        "bytes on disk / point": round(info["size_bytes"] / points, 2),
        "load average before the queries": load,
        "DuckDB daily mean per device s (date_trunc on TIMESTAMPTZ)": round(duck_s, 2),
        "DuckDB daily mean per device s (epoch_ms // day)": round(epoch_s, 2),
        "peak RSS MB after DuckDB": round(rss_duck),
        "daily rows": rows,
        f"dask LocalCluster({dask_workers} workers) daily mean s": round(dask_s, 2),
        "load average after the queries": load_average(),
    }


def stored(folder: Path) -> SeriesStore:
    """The store a ``--keep`` run left in ``folder`` (its one account sub-folder)."""
    catalogs = sorted(folder.glob("*/catalog.sqlite"))
    if len(catalogs) != 1:
        raise SystemExit(f"{folder}: expected one store (*/catalog.sqlite), found {len(catalogs)}")
    return SeriesStore(catalogs[0].parent, server="(recorded by bench_store.py)")


def points_arg(text: str) -> int:
    """``10M``, ``100M``, ``2.5M``, ``500k`` or a plain number of points."""
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    number = text[:-1] if scale > 1 else text
    try:
        return int(float(number.replace("_", "")) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of points") from None


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
    parser.add_argument("--points", type=points_arg, nargs="*", default=[10_000_000],
                        help="pull sizes (10M, 100M, ...); none: no pull")  # fmt: skip
    parser.add_argument("--skip-rerun", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="max_concurrency of the re-run's clients (default 16)")  # fmt: skip
    parser.add_argument("--dask-workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="pull into this (new) folder and keep it")
    parser.add_argument("--query", type=Path, help="only the daily means over a kept store")
    parser.add_argument("--out", type=Path, default=RESULTS / "bench_store.json")
    args = parser.parse_args(argv)
    reports: dict[str, Any] = {}
    if args.query is not None:
        store = stored(args.query)
        points = int(store.info()["points"])
        reports["queries"] = {"points": points, **measure_queries(store, args.dask_workers, points)}
        _show(f"daily means over {points:,} stored points", reports["queries"])
        return _save(args.out, reports)
    if args.keep is not None and (len(args.points) != 1 or any(args.keep.glob("*"))):
        raise SystemExit(f"--keep {args.keep}: give one --points size and a new or empty folder")
    if not args.skip_rerun:
        reports["rerun"] = measure_rerun(args.concurrency)
        _show("re-run of a relative window", reports["rerun"])
    if not args.skip_cold:
        reports["cold"] = measure_cold()
        _show("cold 1M-point pull, store vs none", reports["cold"])
    for points in args.points:
        reports[f"pull {points:,}"] = measure_pull(points, args.dask_workers, args.keep)
        _show(f"pull() of {points:,} points", reports[f"pull {points:,}"])
    return _save(args.out, reports)


def _save(path: Path, reports: dict[str, Any]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(reports, indent=2))
    return 0


def _show(title: str, report: dict[str, Any]) -> None:
    print(f"\n{title}")
    width = max(len(k) for k in report)
    for key, value in report.items():
        if isinstance(value, dict):
            _show(f"  {key}", {f"  {k}": v for k, v in value.items()})
        else:
            print(f"  {key:<{width}}  {value}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
