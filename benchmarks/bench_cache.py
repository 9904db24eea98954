"""Benchmark: a 1,000,000-point history re-read from a warm cache, vs the cold pull and
the floor.

20 weather stations x 5 datastreams x 10,000 points, pages of 1000 (1000 requests),
through the facade: ``blynkbook.connect(server=url, ..., cache=path).history(...)``
against the simulator on loopback, served from its own process (``remote_sim.RemoteSim``),
so the cold pull times the client and the cache, not the simulator sharing their GIL.

* cold:  empty cache file, every page from the simulator; also given against the latency
  floor, pages x latency / concurrency (1000 x 50 ms / 16 = 3.1 s);
* warm:  a fresh ``connect()`` on the same file (a notebook re-run), every page a hit;
* floor: the same page bodies already in memory, decoded into the same DataFrame
  (the facade's own page decoder, ``decode_history_page``, + one frame), no HTTP and no
  cache.

Targets: warm >= 20x faster than cold, and within 3x of the floor, with 50 ms a cold
request (as in bench_history.py).

Run: ``python benchmarks/bench_cache.py [--latency 0 0.05 0.25]`` (not collected by
pytest; default 0.05). ``--latency`` makes every cold request that much slower, like a
real cloud's round trip and query time; the bare loopback simulator answers in about a
millisecond. The exit status says whether the targets held at every latency asked for.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
from _timing import timed
from remote_sim import RemoteSim

import blynkbook
from blynkbook.blynk.history import HISTORY_PATH, decode_history_page

NOW = "2026-11-20T12:00:00Z"
NOW_MS = 1_795_176_000_000
STATIONS = 20
LABELS = ["Temperature", "Humidity", "Pressure", "Wind Speed", "Battery"]
POINTS = 10_000
STEP_MS = 5 * 60_000  # the simulated weather stations report every 5 minutes
PAGE = 1000
START_MS = NOW_MS - (POINTS - 1) * STEP_MS  # from and to are inclusive: 10,000 points
RESULTS = Path(__file__).parent / "results"  # git-ignored
WARM_RUNS = 3
FLOOR_RUNS = 3
CONCURRENCY = 16  # the facade's default max_concurrency


def weather_stations(sim: RemoteSim) -> list[int]:
    return sim.devices("Weather Station")[:STATIONS]


def connect(url: str, sim: RemoteSim, cache: Path) -> Any:
    return blynkbook.connect(
        server=url,
        client_id=sim.client_id,
        client_secret=sim.client_secret,
        cache=cache,
        progress=False,
    )


def pull(cloud: Any, stations: list[int]) -> pd.DataFrame:
    start = pd.Timestamp(START_MS, unit="ms", tz="UTC")
    end = pd.Timestamp(NOW_MS, unit="ms", tz="UTC")
    frame: pd.DataFrame = cloud.history(stations, LABELS, start, end, progress=False)
    return frame


def raw_pages(url: str, sim: RemoteSim, stations: list[int]) -> list[tuple[int, str, bytes]]:
    """Every page body, as bytes in memory, for the floor (not timed)."""
    grant = httpx.post(
        f"{url}/oauth2/token",
        params={"grant_type": "client_credentials"},
        auth=(sim.client_id, sim.client_secret),
    ).json()
    headers = {"Authorization": f"Bearer {grant['access_token']}"}
    pages: list[tuple[int, str, bytes]] = []
    with httpx.Client(base_url=url, headers=headers) as client:
        for device in stations:
            ids = sim.datastream_ids(device, LABELS)
            for label in sorted(LABELS):  # the facade's frame is sorted by label
                for page in range(POINTS // PAGE):
                    params = {"deviceId": device, "dataStreamId": ids[label], "from": START_MS}
                    params |= {"to": NOW_MS, "page": page, "size": PAGE}
                    reply = client.get(HISTORY_PATH, params=params)
                    reply.raise_for_status()
                    pages.append((device, label, reply.content))
    return pages


def floor_frame(pages: list[tuple[int, str, bytes]]) -> pd.DataFrame:
    """Decode page bodies into the facade's history frame, with no HTTP and no cache."""
    times, values, devices, labels = [], [], [], []
    for device, label, body in pages:
        t, v, _total = decode_history_page(body)
        times.append(t)
        values.append(v)
        devices.append(np.full(t.size, device, dtype=np.int64))
        labels.append(np.full(t.size, label, dtype=object))
    index = pd.DatetimeIndex(np.concatenate(times).astype("datetime64[ms]"), name="time")
    return pd.DataFrame(
        {
            "device_id": np.concatenate(devices),
            "datastream": pd.array(np.concatenate(labels), dtype="str"),
            "value": np.concatenate(values),
        },
        index=index.tz_localize("UTC"),
    )


def measure(latency: float, floor_s: float | None) -> dict[str, Any]:
    """One cold pull (each request ``latency`` seconds slower), then warm re-reads."""
    with RemoteSim(seed=7, now=NOW) as sim, tempfile.TemporaryDirectory() as tmp:
        stations = weather_stations(sim)
        url = sim.url
        path = Path(tmp) / "responses.sqlite"
        sim.faults(latency=latency)
        cold_cloud = connect(url, sim, path)
        sent = sim.stats()["requests"]
        cold, frame = timed(lambda: pull(cold_cloud, stations))
        cold_requests = sim.stats()["requests"] - sent
        cold_cloud.close()
        assert len(frame) == STATIONS * len(LABELS) * POINTS, len(frame)

        warm_times = []
        for _ in range(WARM_RUNS):
            cloud = connect(url, sim, path)
            sent = sim.stats()["requests"]
            seconds, warm_frame = timed(lambda cloud=cloud: pull(cloud, stations))
            warm_times.append(seconds)
            reached = sim.stats()["requests"] - sent
            assert reached <= 1, "a warm run reached the cloud (beyond OAuth)"
            size_mb = cloud.cache.info()["size_bytes"] / 1e6
            cloud.close()
        pd.testing.assert_frame_equal(warm_frame, frame)

        if floor_s is None:
            sim.faults(latency=0.0)
            pages = raw_pages(url, sim, stations)
            floor_times = []
            for _ in range(FLOOR_RUNS):
                seconds, floor = timed(lambda: floor_frame(pages))
                floor_times.append(seconds)
            pd.testing.assert_frame_equal(floor, frame, check_flags=False)
            floor_s = min(floor_times)

    warm = min(warm_times)
    latency_floor = STATIONS * len(LABELS) * POINTS / PAGE * latency / CONCURRENCY
    return {
        "latency per request s": latency,
        "points": len(frame),
        "requests (cold)": cold_requests,
        "cold s": round(cold, 2),
        "latency floor s": round(latency_floor, 2),
        "cold / latency floor": round(cold / latency_floor, 2) if latency_floor else None,
        "warm s (best of 3)": round(warm, 2),
        "warm s (median of 3)": round(statistics.median(warm_times), 2),
        "floor s (best of 3)": round(floor_s, 2),
        "cold / warm": round(cold / warm, 1),
        "warm / floor": round(warm / floor_s, 2),
        "cache file MB": round(size_mb, 1),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--latency",
        type=float,
        nargs="+",
        default=[0.05],
        help="seconds the simulator adds to every cold request (default 0.05; 0: bare loopback)",
    )
    args = parser.parse_args(argv)
    floor_s: float | None = None
    ok = True
    reports = []
    for latency in args.latency:
        report = measure(latency, floor_s)
        reports.append(report)
        floor_s = report["floor s (best of 3)"]
        width = max(len(k) for k in report)
        for key, value in report.items():
            print(f"{key:<{width}}  {value}")
        met = report["cold / warm"] >= 20 and report["warm / floor"] <= 3
        print("targets met\n" if met else "TARGET MISSED (cold >= 20x warm, warm <= 3x floor)\n")
        ok = ok and met
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_cache.json").write_text(json.dumps(reports, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
