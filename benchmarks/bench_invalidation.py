"""What one invalidating write costs the cache, on an empty file and on a big one.

A one-point ``import_history`` drops one device's cached reads. Before issue 16 every such
write ended in a full ``VACUUM``, so its cost grew with the file (20 ms empty, 0.54 s at
34 MB). Now the invalidation is one transaction (bump the device's generation, delete its
entries) and freed pages are reused: the cost should stay flat.

For comparison the script also times the ``VACUUM`` the old path ran, on the same file.

    python benchmarks/bench_invalidation.py [--megabytes 34] [--repeat 15]

Prints a table and writes ``benchmarks/results/bench_invalidation.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from blynkbook.blynk._cache_policy import BLYNK_POLICY
from blynkbook.cache import ResponseCache
from blynkbook.cache.keys import account_scope

SERVER = "http://127.0.0.1:9"
CLIENT_ID = "oa2-bench"
IMPORT = f"{SERVER}/api/v1/organization/device/import/batch"
ROW_BYTES = 40_000  # about one history page of 1000 points
DEVICES = 200


def fill(cache: ResponseCache, megabytes: float) -> int:
    """Rows shaped like history pages, spread over ``DEVICES`` devices, until the file
    holds about ``megabytes``; returns how many."""
    scope = account_scope(SERVER, CLIENT_ID)
    blob = b'{"headers":{},"expires":null}\n' + b"x" * ROW_BYTES
    rows = int(megabytes * 1e6 / ROW_BYTES)
    with cache.session.cache.responses.transaction() as con:
        con.executemany(
            "INSERT OR REPLACE INTO responses (key, value, expires) VALUES (?, ?, NULL)",
            ((f"{scope}:history:{n % DEVICES + 1}:{n:016x}", blob) for n in range(rows)),
        )
    return rows


def time_invalidations(cache: ResponseCache, repeat: int) -> list[float]:
    seconds = []
    for n in range(repeat):
        body = json.dumps({"deviceId": n % DEVICES + 1, "dataStreamId": 1, "values": []})
        t0 = time.perf_counter()
        cache.after_write("POST", IMPORT, body.encode())
        seconds.append(time.perf_counter() - t0)
    return seconds


def time_vacuum(cache: ResponseCache) -> float:
    with cache.session.cache.responses.connection() as con:
        t0 = time.perf_counter()
        con.execute("VACUUM")
        return time.perf_counter() - t0


def measure(megabytes: float, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "responses.sqlite"
        with ResponseCache(path, server=SERVER, client_id=CLIENT_ID, policy=BLYNK_POLICY) as cache:
            rows = fill(cache, megabytes) if megabytes else 0
            size = cache.info()["size_bytes"]
            seconds = time_invalidations(cache, repeat)
            vacuum = time_vacuum(cache)
    return {
        "file_mb": round(size / 1e6, 1),
        "rows": rows,
        "invalidation_median_ms": round(statistics.median(seconds) * 1000, 2),
        "invalidation_max_ms": round(max(seconds) * 1000, 2),
        "old_path_vacuum_ms": round(vacuum * 1000, 1),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=34.0)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    results = [measure(0, args.repeat), measure(args.megabytes, args.repeat)]
    print(f"{'file MB':>8} {'rows':>6} {'median ms':>10} {'max ms':>8} {'VACUUM ms':>10}")
    for r in results:
        print(
            f"{r['file_mb']:>8} {r['rows']:>6} {r['invalidation_median_ms']:>10} "
            f"{r['invalidation_max_ms']:>8} {r['old_path_vacuum_ms']:>10}"
        )
    out = Path(__file__).parent / "results" / "bench_invalidation.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
