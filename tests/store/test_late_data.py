"""Late data, by the stated rule: the last ``settle`` (default one hour) of a series'
coverage is re-checked on the next read; ``refresh=True`` re-fetches the whole window
inside the 30-day import horizon; older coverage is final. This client's own writes
drop what they make stale."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from storekit import DAY_MS, HISTORY, HOUR_MS, LATE_3H, LATE_30MIN, NOW_MS, history_requests

from blynkbook.blynk import Blynk
from blynkbook.sim.blynk import BlynkSim

TEMPERATURE = 1  # the weather template's Temperature datastream id


def _points(frame: pd.DataFrame) -> int:
    return len(frame)


def test_the_sim_has_late_reporters__their_newest_readings_appear_after_the_upload(
    plain: Blynk, sim: BlynkSim
) -> None:
    device = sim.world.device(LATE_3H)
    assert device.upload_every_ms == 3 * HOUR_MS
    first = plain.history(LATE_3H, "Temperature", start="-6h")
    sim.clock.advance(3 * 3600)
    later = plain.history(LATE_3H, "Temperature", start=first.index[0], end=NOW_MS)
    assert len(later) > len(first)  # readings older than NOW arrived after NOW


def test_late_points_inside_the_settle_window__picked_up_by_the_next_read(
    connect: Callable[..., Blynk], plain: Blynk, sim: BlynkSim
) -> None:
    client = connect()  # default settle: one hour; this station uploads every 30 minutes
    client.history(LATE_30MIN, "Temperature", start="-1d")
    sim.clock.advance(40 * 60)  # an upload happened meanwhile
    again = client.history(LATE_30MIN, "Temperature", start="-1d")
    expected = plain.history(LATE_30MIN, "Temperature", start="-1d")
    pd.testing.assert_frame_equal(again, expected, check_flags=False)


def test_late_points_older_than_the_settle_window__missed__until_refresh(
    connect: Callable[..., Blynk], plain: Blynk, sim: BlynkSim
) -> None:
    client = connect()  # this station uploads every 3 hours: older than the settle hour
    sim.clock.advance(170 * 60)  # 14:50, the last upload was at 12:00
    window = {"start": NOW_MS - DAY_MS, "end": sim.clock.now_ms()}
    first = client.history(LATE_3H, "Temperature", **window)
    sim.clock.advance(20 * 60)  # 15:10: readings from 12:05 on have arrived
    truth = plain.history(LATE_3H, "Temperature", **window)
    assert len(truth) > len(first)
    default = client.history(LATE_3H, "Temperature", **window)
    assert len(default) < len(truth)  # the rule, as stated: only the last hour is re-checked
    refreshed = client.history(LATE_3H, "Temperature", **window, refresh=True)
    pd.testing.assert_frame_equal(refreshed, truth, check_flags=False)
    assert client.history(LATE_3H, "Temperature", **window).equals(truth)  # and stored


def test_a_wider_settle__catches_the_later_upload_by_default(
    connect: Callable[..., Blynk], plain: Blynk, sim: BlynkSim
) -> None:
    client = connect(settle="4h")
    sim.clock.advance(170 * 60)
    window = {"start": NOW_MS - DAY_MS, "end": sim.clock.now_ms()}
    client.history(LATE_3H, "Temperature", **window)
    sim.clock.advance(20 * 60)
    again = client.history(LATE_3H, "Temperature", **window)
    pd.testing.assert_frame_equal(again, plain.history(LATE_3H, "Temperature", **window),
                                  check_flags=False)  # fmt: skip


def _import_elsewhere(sim: BlynkSim, device: int, ts: int, value: float) -> None:
    """A point written by someone else (another client, a device's buffered upload)."""
    with sim.lock:
        sim.world.history.add(device, TEMPERATURE, ts, value)


def test_refresh__anywhere_in_the_horizon__and_nothing_beyond_it(
    connect: Callable[..., Blynk], plain: Blynk, sim: BlynkSim
) -> None:
    client = connect()
    window = {"start": NOW_MS - 50 * DAY_MS, "end": NOW_MS - 5 * DAY_MS}
    client.history(2, "Temperature", **window)
    inside, beyond = NOW_MS - 10 * DAY_MS + 1, NOW_MS - 40 * DAY_MS + 1
    _import_elsewhere(sim, 2, inside, 99.5)
    _import_elsewhere(sim, 2, beyond, -99.5)
    before = history_requests(sim)
    stale = client.history(2, "Temperature", **window)
    assert history_requests(sim) == before  # settled, closed: nothing to re-check
    assert 99.5 not in stale["value"].tolist()
    refreshed = client.history(2, "Temperature", **window, refresh=True)
    values = refreshed["value"].tolist()
    assert 99.5 in values and -99.5 not in values  # beyond the horizon coverage is final
    # the refresh asked only for the part inside the horizon (25 days: 8 pages of 5 min)
    assert history_requests(sim) - before == 8
    truth = plain.history(2, "Temperature", start=NOW_MS - 30 * DAY_MS, end=window["end"])
    mine = refreshed[refreshed.index >= pd.Timestamp(NOW_MS - 30 * DAY_MS, unit="ms", tz="UTC")]
    pd.testing.assert_frame_equal(mine, truth, check_flags=False)


def test_own_import_history__the_next_read_shows_it_without_refresh(
    connect: Callable[..., Blynk], sim: BlynkSim
) -> None:
    client = connect()
    window = {"start": NOW_MS - 3 * DAY_MS, "end": NOW_MS - DAY_MS}
    client.history(3, "Temperature", **window)
    stamp = pd.Timestamp(NOW_MS - 2 * DAY_MS + 7, unit="ms", tz="UTC")
    client.import_history(3, "Temperature", pd.Series([42.25], index=[stamp]))
    before = history_requests(sim)
    after = client.history(3, "Temperature", **window)
    assert after.loc[stamp, "value"] == 42.25
    assert history_requests(sim) - before == 1  # only the imported range was fetched again


def test_own_write_and_clear__dropped_from_the_store(
    connect: Callable[..., Blynk], sim: BlynkSim
) -> None:
    client = connect()
    client.history(4, "Temperature", start="-1d")
    client.write(4, "Temperature", 21.75)
    assert client.history(4, "Temperature", start="-1d")["value"].iloc[-1] == 21.75
    client.clear_device_data(4)
    assert client.history(4, "Temperature", start="-1d").empty
    assert sim.requests_by_path[HISTORY] > 0
