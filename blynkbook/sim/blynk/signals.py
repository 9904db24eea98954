"""Signal synthesis: the seeded readings of every datastream kind, as pure functions.

A value is a function of ``(seed, device, datastream, timestamp)`` only, so it never depends
on when it is asked for. Nothing here stores anything; ``history.py`` keeps the points.
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["CITIES", "DAY_MS", "Floats", "Ints", "signal"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

DAY_MS = 86_400_000
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MASK64 = (1 << 64) - 1
_METER_ANCHOR_MS = 1_735_689_600_000  # 2025-01-01: the plugs' energy meters start at 0 here

# Centres of the tracker routes (lat, lon): a few European cities.
CITIES: dict[str, tuple[float, float]] = {
    "Berlin": (52.520, 13.405),
    "Paris": (48.857, 2.352),
    "Madrid": (40.417, -3.704),
    "Vienna": (48.208, 16.373),
    "Amsterdam": (52.368, 4.904),
    "Prague": (50.076, 14.438),
}


def _stable_salt(seed: int, device_id: int, datastream_id: int) -> int:
    # Python's hash() of ints is stable, but spell the mix out to keep it obvious.
    return (seed * 1_000_003 + device_id * 97_003 + datastream_id * 1_009) & _MASK64


def _noise(ts: Ints, salt: int) -> Floats:
    """Deterministic noise in [-1, 1) for each timestamp (splitmix64)."""
    z = ts.astype(np.uint64) ^ np.uint64(salt)
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    unit: Floats = (z >> np.uint64(11)).astype(np.float64) * (2.0**-53)
    return unit * 2.0 - 1.0


def _phase(seed: int, device_id: int, salt: str) -> float:
    return random.Random(f"{seed}:{device_id}:{salt}").random() * 2 * math.pi


def _wave(ts: Ints, period_ms: float, phase: float) -> Floats:
    result: Floats = np.sin(2 * np.pi * (ts.astype(np.float64) / period_ms) + phase)
    return result


def _plug_state(ts: Ints, seed: int, device_id: int) -> tuple[Floats, Floats]:
    """(switch 0/1, mode key 0..2) of a smart plug at each timestamp."""
    start_hour = 5 + 4 * _phase(seed, device_id, "on") / (2 * math.pi)
    hour = (ts.astype(np.float64) / 3_600_000.0) % 24.0
    switch = ((hour - start_hour) % 24.0 < 13.0).astype(np.float64)
    block = (ts // (6 * 3_600_000)).astype(np.int64)
    mode = np.floor((_noise(block, _stable_salt(seed, device_id, 777)) + 1.0) * 1.5)
    return switch, np.clip(mode, 0, 2)


def _route(ts: Ints, seed: int, device_id: int, city: str) -> tuple[Floats, Floats]:
    """(lat, lon) of a tracker looping around its city, one loop every few hours."""
    lat0, lon0 = CITIES[city]
    phase = _phase(seed, device_id, "route")
    period = 3 * 3_600_000 + 1_800_000 * (phase / math.pi)
    theta = 2 * np.pi * ts.astype(np.float64) / period + phase
    drift = _wave(ts, 7 * DAY_MS, phase)
    lat = lat0 + 0.035 * np.sin(theta) + 0.01 * np.sin(3 * theta) + 0.005 * drift
    lon = lon0 + 0.055 * np.cos(theta) + 0.008 * drift
    return lat, lon


def signal(kind: str, ts: Ints, *, seed: int, device_id: int, datastream_id: int) -> Floats:
    """Seeded readings of one datastream ``kind`` at the timestamps ``ts`` (ms).

    >>> signal("temperature", np.array([0], dtype=np.int64), seed=7, device_id=1,
    ...        datastream_id=1).shape
    (1,)
    """
    values = _signal_values(kind, ts, seed=seed, device_id=device_id, datastream_id=datastream_id)
    return np.asarray(values, dtype=np.float64)


def _signal_values(
    kind: str, ts: Ints, *, seed: int, device_id: int, datastream_id: int
) -> npt.NDArray[Any]:
    name, _, arg = kind.partition(":")
    noise = _noise(ts, _stable_salt(seed, device_id, datastream_id))
    phase = _phase(seed, device_id, name)
    if name == "temperature":
        out = 11 + 6 * _wave(ts, DAY_MS, phase) + 3 * _wave(ts, 9.3 * DAY_MS, phase) + 0.4 * noise
        return np.round(out, 2)
    if name == "humidity":
        out = 68 - 14 * _wave(ts, DAY_MS, phase) + 6 * _wave(ts, 6.1 * DAY_MS, phase) + 2 * noise
        return np.round(np.clip(out, 5, 100), 1)
    if name == "pressure":
        out = 1013 + 9 * _wave(ts, 5.1 * DAY_MS, phase) + 0.3 * noise
        return np.round(out, 1)
    if name == "wind":
        out = 4.5 + 3 * _wave(ts, 2.3 * DAY_MS, phase) + 1.5 * noise
        return np.round(np.clip(out, 0, 40), 1)
    if name == "battery":
        cycle = (ts.astype(np.float64) / (35 * DAY_MS) + phase / (2 * np.pi)) % 1.0
        return np.floor(np.clip(100 - 80 * cycle, 0, 100))
    if name in ("lat", "lon"):
        lat, lon = _route(ts, seed, device_id, arg)
        return np.round(lat if name == "lat" else lon, 6)
    if name == "speed":
        theta = _wave(ts, 3 * 3_600_000, phase)
        return np.round(np.clip(38 + 17 * theta + 6 * noise, 0, 130), 1)
    if name in ("switch", "mode", "power"):
        switch, mode = _plug_state(ts, seed, device_id)
        if name == "switch":
            return switch
        if name == "mode":
            return mode
        watts = np.choose(mode.astype(np.int64), [45.0, 120.0, 310.0])
        return np.round(switch * (watts + 8 * noise), 1)
    if name == "energy":
        rate_kwh_per_day = 0.9 + 0.5 * (phase / (2 * np.pi))
        days = np.clip(ts.astype(np.float64) - _METER_ANCHOR_MS, 0, None) / DAY_MS
        return np.round(days * rate_kwh_per_day + 0.005 * (noise + 1), 3)
    raise ValueError(f"unknown signal kind {kind!r}")
