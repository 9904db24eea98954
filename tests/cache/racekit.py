"""Two kernels on one cache file, racing a write against a read of the same window.

Each round: both sides meet at a barrier; the reader sends a read of window ``r`` (a miss)
and, as a busy kernel would, takes a while between receiving the answer and storing it;
the writer, a few milliseconds after the barrier, imports one point into window ``r``
through ``import_history`` (which invalidates the window when it lands). They meet again;
then the reader reads window ``r`` once more. If that read comes from the cache without the
imported point, it is a stale read: the answer fetched before the import was stored after
the import's invalidation. (A third read checks the same from the cache itself.)

The functions run in threads (one process) or in spawned processes (two kernels); each side
builds its own client from plain arguments.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from blynkbook.blynk._cache_policy import BLYNK_POLICY

HISTORY = "/api/v1/organization/device/datastream/history"
HOUR_MS = 3_600_000
DEVICE = 2
READ_TO_SAVE_DELAY = 0.04  # seconds between the reader receiving an answer and storing it
WRITE_JITTER = 0.03  # the writer lands 0..this many seconds after the reader sent


@dataclass(frozen=True)
class Race:
    url: str
    client_id: str
    client_secret: str
    token: str
    path: str
    base_ms: int  # the start of window 0 (closed, within the import window)
    rounds: int


def window(race: Race, r: int) -> dict[str, Any]:
    start = race.base_ms + r * HOUR_MS
    return {"deviceId": DEVICE, "dataStreamId": 1, "from": start, "to": start + HOUR_MS // 2}


def point(race: Race, r: int) -> int:
    return race.base_ms + r * HOUR_MS + 7_777  # off the 5-minute grid


def _slow_saves(delay: float) -> None:
    """The reader's kernel is busy: each answer waits ``delay`` before it is stored."""
    from blynkbook.cache import _session

    real = _session.ScrubbingAdapter.send

    def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = real(self, request, *args, **kwargs)
        if request.url and HISTORY in request.url:
            time.sleep(delay)
        return response

    _session.ScrubbingAdapter.send = send  # type: ignore[method-assign]


def read_rounds(race: Race, start: Any, done: Any, *, slow: bool = True) -> dict[str, int]:
    """The reader's side; returns counts: ``stale`` (reads after the import without its
    point: must be 0), ``from_cache`` (of those reads, how many the cache answered) and
    ``skipped`` (answers refused at save time)."""
    from blynkbook.cache import ResponseCache

    if slow:
        _slow_saves(READ_TO_SAVE_DELAY)
    counts = {"stale": 0, "from_cache": 0, "skipped": 0, "rounds": 0}
    with ResponseCache(
        Path(race.path), server=race.url, client_id=race.client_id, policy=BLYNK_POLICY
    ) as cache:
        client = httpx.Client(
            transport=cache.transport(),
            base_url=race.url,
            headers={"Authorization": f"Bearer {race.token}"},
        )
        with client:
            for r in range(race.rounds):
                start.wait(timeout=30)
                client.get(HISTORY, params=window(race, r)).raise_for_status()
                done.wait(timeout=30)
                for _ in range(2):  # the second one is a hit, when the first was stored
                    again = client.get(HISTORY, params=window(race, r))
                    times = {p["createdAt"] for p in again.json()["content"]}
                    counts["from_cache"] += bool(again.extensions["from_cache"])
                    counts["stale"] += point(race, r) not in times
                counts["rounds"] += 1
        counts["skipped"] = int(cache.info()["skipped_saves"])
    return counts


def write_rounds(race: Race, start: Any, done: Any, *, seed: int = 1) -> int:
    """The writer's side: one ``import_history`` a round; returns how many landed."""
    import blynkbook as bb

    jitter = random.Random(seed)
    landed = 0
    with bb.connect(race.url, race.client_id, race.client_secret, cache=race.path) as cloud:
        cloud.schema(DEVICE)  # resolved before the rounds start
        for r in range(race.rounds):
            start.wait(timeout=30)
            time.sleep(jitter.uniform(0.0, WRITE_JITTER))
            at = pd.to_datetime([point(race, r)], unit="ms", utc=True)
            report = cloud.import_history(DEVICE, "Temperature", pd.Series([12.5], index=at))
            landed += report["status"].tolist() == ["accepted"]
            done.wait(timeout=30)
    return landed


def read_in_process(race: Race, start: Any, done: Any, results: Any) -> None:
    """Process entry point of the reader (spawn): puts its counts on ``results``."""
    results.put(("reader", read_rounds(race, start, done)))


def write_in_process(race: Race, start: Any, done: Any, results: Any) -> None:
    """Process entry point of the writer (spawn): puts how many imports landed."""
    results.put(("writer", write_rounds(race, start, done)))
