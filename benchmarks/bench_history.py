"""History pull: ``Blynk.history()`` against the latency floor and a naive sequential loop.

The simulator runs in its own process (``remote_sim.RemoteSim``: a real cloud is not in the
analyst's process or GIL) and answers every request after 50 ms of injected latency. The
pull is 20 weather stations × 5 datastreams × 10,000 points (~1,000,000 points, 1,000
pages). It is compared with

* the latency floor: pages × latency ÷ concurrency (1000 × 50 ms ÷ 16 = 3.1 s), what no
  client with 16 connections can beat (target: within 1.3× of it);
* the naive baseline: what one writes by hand, a ``requests.Session`` walking the pages one
  by one, a small frame per page, ``pandas.concat`` at the end.

    python benchmarks/bench_history.py            # prints a table, writes benchmarks/results/
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import requests
from _timing import timed
from remote_sim import RemoteSim

from blynkbook.blynk import Blynk
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session

NOW = "2026-11-20T12:00:00Z"
DEVICES = list(range(1, 21))
DATASTREAMS = ["Temperature", "Humidity", "Pressure", "Wind Speed", "Battery"]
DS_IDS = [1, 2, 3, 4, 5]
POINTS = 10_000
CADENCE_MS = 300_000
LATENCY = 0.05
CONCURRENCY = 16  # the facade's default max_concurrency
RESULTS = Path(__file__).parent / "results"


def window() -> tuple[int, int]:
    end = int(pd.Timestamp(NOW).value // 1_000_000) // CADENCE_MS * CADENCE_MS
    return end - (POINTS - 1) * CADENCE_MS, end


def facade_pull(url: str, sim: RemoteSim) -> pd.DataFrame:
    creds = Credentials(url, sim.client_id, sim.client_secret)
    with Blynk(Session(url, auth=OAuth2ClientCredentials(creds)), server=url) as client:
        client.schema(1)  # template lookups are not what we measure
        start, end = window()
        return client.history(DEVICES, DATASTREAMS, start, end, progress=False)


def naive_pull(url: str, sim: RemoteSim) -> pd.DataFrame:
    http = requests.Session()
    token = http.post(
        f"{url}/oauth2/token",
        params={"grant_type": "client_credentials"},
        auth=(sim.client_id, sim.client_secret),
    ).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    start, end = window()
    frames = []
    for device_id in DEVICES:
        for ds_id, label in zip(DS_IDS, DATASTREAMS, strict=True):
            page = 0
            while True:
                params = {"deviceId": device_id, "dataStreamId": ds_id, "from": start,
                          "to": end, "page": page, "size": 1000}  # fmt: skip
                body = http.get(f"{url}/api/v1/organization/device/datastream/history",
                                params=params).json()  # fmt: skip
                small = pd.DataFrame(body["content"])
                if small.empty:
                    break
                small["device_id"], small["datastream"] = device_id, label
                frames.append(small)
                page += 1
                if page * 1000 >= body["totalElements"]:
                    break
    frame = pd.concat(frames, ignore_index=True)
    frame["time"] = pd.to_datetime(frame.pop("createdAt"), unit="ms", utc=True)
    return frame.set_index("time")[["device_id", "datastream", "value"]]


def peak_memory(fn: Callable[[], pd.DataFrame]) -> tuple[int, pd.DataFrame]:
    tracemalloc.start()
    try:
        frame = fn()
        return tracemalloc.get_traced_memory()[1], frame
    finally:
        tracemalloc.stop()


def main() -> dict[str, Any]:
    with RemoteSim(now=NOW, fleet_size=60) as sim:
        sim.rate_limit(enabled=False)
        assert sim.datastream_ids(1, DATASTREAMS) == dict(zip(DATASTREAMS, DS_IDS, strict=True))
        sim.faults(latency=LATENCY)
        facade_s, frame = timed(lambda: facade_pull(sim.url, sim))
        naive_s, baseline = timed(lambda: naive_pull(sim.url, sim))
        peak, _ = peak_memory(lambda: facade_pull(sim.url, sim))
    assert len(frame) == len(baseline) == len(DEVICES) * len(DATASTREAMS) * POINTS
    pages = len(DEVICES) * len(DATASTREAMS) * POINTS // 1000
    floor_s = pages * LATENCY / CONCURRENCY
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    result = {
        "points": len(frame),
        "requests": pages,
        "latency_s": LATENCY,
        "facade_s": round(facade_s, 2),
        "floor_s": round(floor_s, 2),
        "facade_over_floor": round(facade_s / floor_s, 2),
        "naive_s": round(naive_s, 2),
        "speedup": round(naive_s / facade_s, 1),
        "frame_mb": round(frame_bytes / 2**20, 1),
        "peak_mb": round(peak / 2**20, 1),
        "peak_over_frame": round(peak / frame_bytes, 2),
    }
    print(f"{'measure':<18}{'value':>12}")
    for key, value in result.items():
        print(f"{key:<18}{value!s:>12}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "history.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
