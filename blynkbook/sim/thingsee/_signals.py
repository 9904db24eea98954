"""Sensor signals computed on demand: the same timestamp always gives the same message.

Every message stream of a thing is a slot grid (``origin + k * period`` plus a small jitter);
each value is a pure function of ``(seed, thing, tsmId, k)`` through a splitmix64 hash, so any
window of a 40-day history is generated in microseconds and never stored.

>>> import numpy as np
>>> u = uniform(1234, np.arange(3), channel=0)
>>> bool(((u >= 0) & (u < 1)).all()), uniform(1234, np.arange(3), 0).tolist() == u.tolist()
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Stream", "stream_fields", "uniform"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DAY = 86_400
_MASK = 0xFFFFFFFFFFFFFFFF
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _splitmix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def uniform(key: int, k: IntArray, channel: int) -> FloatArray:
    """Deterministic uniform draws in [0, 1), one per slot index in ``k``."""
    base = _splitmix(np.array([key & _MASK], dtype=np.uint64))
    mixed = k.astype(np.uint64) + np.uint64(((channel + 1) * _GOLDEN) & _MASK)
    x = _splitmix(_splitmix(mixed) ^ base)
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


def office_activity(ts: IntArray, utc_offset_h: int) -> FloatArray:
    """Share of people present: high in weekday office hours, low at night and weekends."""
    local = ts + utc_offset_h * 3600
    hour = (local % DAY) / 3600.0
    weekday = ((local // DAY) + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    workday = weekday < 5
    ramp = np.clip(np.minimum(hour - 7.0, 18.0 - hour), 0.0, 1.0)
    lunch_dip = np.where((hour >= 11.5) & (hour < 12.5), 0.6, 1.0)
    return np.where(workday, 0.05 + 0.75 * ramp * lunch_dip, 0.04)


def daily_wave(ts: IntArray, utc_offset_h: int, peak_hour: float) -> FloatArray:
    """A cosine over the local day, 1 at ``peak_hour`` and -1 twelve hours later."""
    hour = ((ts + utc_offset_h * 3600) % DAY) / 3600.0
    return np.cos(2 * np.pi * (hour - peak_hour) / 24.0)


@dataclass(frozen=True)
class Context:
    """What a value generator knows about the thing it speaks for."""

    key: int  # hash key of (seed, thing, tsmId)
    origin: int  # the thing's first slot, seconds
    period: int
    utc_offset_h: int
    bias: float  # per-thing offset in [-1, 1)
    drain: float  # battery percent lost a day


Fields = dict[str, FloatArray]
Generator = Callable[[Context, IntArray, IntArray], Fields]


def _battery(ctx: Context, k: IntArray, ts: IntArray) -> Fields:
    age_days = (ts - ctx.origin) / DAY
    level = 98.0 + 2.0 * ctx.bias - ctx.drain * age_days + uniform(ctx.key, k, 0)
    return {"batl": np.clip(np.floor(level), 1.0, 100.0)}


def _weather(ctx: Context, k: IntArray, ts: IntArray) -> Fields:
    wave = daily_wave(ts, ctx.utc_offset_h, 15.0)
    people = office_activity(ts, ctx.utc_offset_h)
    noise = uniform(ctx.key, k, 0) - 0.5
    temp = 21.0 + ctx.bias + 1.6 * wave + 1.2 * people + 0.4 * noise
    humd = 38.0 + 4.0 * ctx.bias - 5.0 * wave + 3.0 * (uniform(ctx.key, k, 1) - 0.5)
    pressure_wave = np.sin(2 * np.pi * ts / (5.3 * DAY))
    airp = 101_325.0 + 900.0 * pressure_wave + 40.0 * (uniform(ctx.key, k, 2) - 0.5)
    light = np.where(people > 0.2, 320.0 + 180.0 * people, 4.0) * (
        0.85 + 0.3 * uniform(ctx.key, k, 3)
    )
    return {
        "temp": np.round(temp, 2),
        "humd": np.round(humd, 1),
        "airp": np.round(airp, 3),
        "lght": np.round(light),
    }


def _movement(ctx: Context, k: IntArray, ts: IntArray) -> Fields:
    people = office_activity(ts, ctx.utc_offset_h)
    return {"moveCount": np.floor(uniform(ctx.key, k, 0) * 40.0 * people)}


def _occupancy(ctx: Context, k: IntArray, ts: IntArray) -> Fields:
    people = office_activity(ts, ctx.utc_offset_h)
    return {"state": (uniform(ctx.key, k, 0) < people).astype(np.float64)}


def _people_counter(ctx: Context, k: IntArray, ts: IntArray) -> Fields:
    # totals are running sums since the thing's first slot, so compute every slot up to max(k)
    every = np.arange(int(k.max()) + 1 if k.size else 0, dtype=np.int64)
    people = office_activity(ctx.origin + every * ctx.period, ctx.utc_offset_h)
    came = np.floor(uniform(ctx.key, every, 0) * 24.0 * people)
    left = np.floor(uniform(ctx.key, every, 1) * 24.0 * people)
    return {
        "in": came[k],
        "out": left[k],
        "totalIn": np.cumsum(came)[k],
        "totalOut": np.cumsum(left)[k],
    }


def _distance(ctx: Context, k: IntArray, ts: IntArray) -> Fields:
    # a container filling over ~6 days and emptied: distance to the surface shrinks, then resets
    cycle = 6.0 * DAY * (1.0 + 0.2 * ctx.bias)
    fill = ((ts - ctx.origin) % cycle) / cycle
    dist = 1800.0 - 1400.0 * fill + 25.0 * (uniform(ctx.key, k, 0) - 0.5)
    return {"dist": np.round(dist)}


def _co2(ctx: Context, k: IntArray, ts: IntArray) -> Fields:
    people = office_activity(ts, ctx.utc_offset_h)
    co2 = 430.0 + 650.0 * people + 80.0 * ctx.bias + 40.0 * (uniform(ctx.key, k, 0) - 0.5)
    status = np.where(uniform(ctx.key, k, 1) < 0.01, 1.0, 0.0)
    return {"carbonDioxide": np.round(co2), "status": status}


def _tvoc(ctx: Context, k: IntArray, ts: IntArray) -> Fields:
    people = office_activity(ts, ctx.utc_offset_h)
    tvoc = 60.0 + 240.0 * people + 30.0 * uniform(ctx.key, k, 0)
    return {"tvoc": np.round(tvoc)}


@dataclass(frozen=True)
class Stream:
    """One periodic message type of a product: its tsmId, event id, cadence and values."""

    tsm_id: int
    period: int  # seconds between reports
    generate: Generator
    tsm_ev: int = 10  # standard sensor data
    phase: int = 0  # seconds after the thing's origin of the first report


STREAMS: dict[int, Stream] = {
    1110: Stream(1110, 6 * 3600, _battery, tsm_ev=101, phase=120),
    12100: Stream(12100, 600, _weather),
    13100: Stream(13100, 900, _movement),
    2100: Stream(2100, 900, _occupancy, phase=450),
    13103: Stream(13103, 900, _people_counter, phase=60),
    17100: Stream(17100, 600, _distance, phase=30),
    24100: Stream(24100, 600, _co2, phase=300),
    24101: Stream(24101, 600, _tvoc, phase=310),
}


def stream_fields(tsm_id: int) -> list[str]:
    """The message fields a stream carries, in order: ``stream_fields(1110) == ['batl']``."""
    one = np.zeros(1, dtype=np.int64)
    ctx = Context(key=0, origin=0, period=STREAMS[tsm_id].period, utc_offset_h=0, bias=0, drain=0)
    return list(STREAMS[tsm_id].generate(ctx, one, one))
