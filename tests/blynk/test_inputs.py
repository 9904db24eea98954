"""Mistakes in arguments get an InputError naming the value, before any request is sent;
imports are checked against what the cloud keeps (issue 16, points 6 and 7)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import blynkbook as bb
from blynkbook import _time
from blynkbook.blynk import Blynk
from blynkbook.errors import InputError
from blynkbook.sim.blynk import BlynkSim

NOW_MS = 1_795_176_000_000  # 2026-11-20T12:00:00Z
DAY_MS = 86_400_000


# times: numbers are epoch milliseconds, in a plausible range --------------------------------
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (20261101, "looks like a date: pass '2026-11-01'"),
        (1_795_176_000, "looks like epoch seconds: pass 1795176000000"),
        (1_795_176_000.0, "looks like epoch seconds"),
        (5, "outside 2000-01-01 .. 2100-01-01"),
        (-1, "outside 2000-01-01 .. 2100-01-01"),
        (np.int64(20261101), "looks like a date"),
        (1.5e20, "outside 2000-01-01 .. 2100-01-01"),
        ("0001-01-01", "outside 1970-01-01 .. 2100-01-01"),
        ("9999-12-31", "outside 1970-01-01 .. 2100-01-01"),
        (pd.Timestamp("1969-12-31", tz="UTC"), "outside 1970-01-01 .. 2100-01-01"),
        ("-100000d", "outside 1970-01-01 .. 2100-01-01"),
    ],
)
def test_to_epoch_ms__implausible_instants_refused_with_the_reason(value, reason) -> None:
    with pytest.raises(InputError, match=reason):
        _time.to_epoch_ms(value, now_ms=NOW_MS)


@pytest.mark.parametrize("value", [NOW_MS, float(NOW_MS), np.int64(NOW_MS), 0])
def test_to_epoch_ms__milliseconds_and_zero_accepted(value) -> None:
    assert _time.to_epoch_ms(value, now_ms=NOW_MS) == int(value)


def test_history__yyyymmdd_number_refused_before_any_request(
    cloud: Blynk, sent: Callable[[], int]
) -> None:
    before = sent()
    with pytest.raises(InputError, match="2026-11-01"):
        cloud.history(1, "Temperature", start=20261101)
    assert sent() == before


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"datastreams": None}, "datastreams=None is not understood"),
        ({"datastreams": b"Temperature"}, "is not understood"),
        ({"datastreams": []}, "no datastreams given"),
        ({"datastreams": "Temperature", "start": "0001-01-01"}, "0001-01-01"),
        ({"datastreams": "Temperature", "start": 20261101}, "20261101"),
        ({"datastreams": "Temperature", "end": 1_795_176_000}, "epoch seconds"),
    ],
)
def test_history__mistakes_are_input_errors_before_any_request(
    cloud: Blynk, sent: Callable[[], int], kwargs, match
) -> None:
    before = sent()
    with pytest.raises(InputError, match=match):
        cloud.history(1, **kwargs)
    assert sent() == before


# connect() ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cache": 123}, r"cache=123 \(int\) is not understood"),
        ({"cache": 1.5}, "is not understood"),
        ({"cache": ""}, "is not understood"),
        ({"timeout": "30"}, r"timeout='30' \(str\) must be a number of seconds"),
        ({"timeout": 0}, "positive"),
        ({"timeout": float("nan")}, "positive"),
        ({"timeout": True}, "must be a number"),
        ({"max_concurrency": 0}, "at least 1"),
        ({"max_concurrency": "16"}, "at least 1"),
    ],
)
def test_connect__mistakes_are_input_errors_before_any_request(
    sim: BlynkSim, server, sent: Callable[[], int], tmp_path, kwargs, match
) -> None:
    before = sent()
    with pytest.raises(InputError, match=match):
        bb.connect(server.url, sim.client_id, sim.client_secret, **kwargs)
    assert sent() == before


def test_connect__bad_cache_setting_refused_for_the_demo_too() -> None:
    with pytest.raises(InputError, match="cache=123"):
        bb.connect("demo", cache=123)


def test_thingsee_connect__bad_cache_setting_refused() -> None:
    with pytest.raises(InputError, match="cache=123"):
        bb.thingsee.connect("https://x.execute-api.eu-west-1.amazonaws.com/prod/v1", "a", "b",
                            cache=123)  # fmt: skip


# import_history: what the cloud keeps -------------------------------------------------------
def _series(times_ms: list[int], values: list[float] | None = None) -> pd.Series:
    index = pd.to_datetime(times_ms, unit="ms", utc=True)
    return pd.Series(values or [1.0] * len(times_ms), index=index)


def test_import_history__points_beyond_the_future_window_refused_naming_rows(
    cloud: Blynk, sim: BlynkSim, sent: Callable[[], int]
) -> None:
    times = [NOW_MS - DAY_MS, NOW_MS + 31 * DAY_MS, NOW_MS + 40 * DAY_MS]
    cloud.schema(1)  # the schema read is not the point: count from here
    before = sent()
    with pytest.raises(InputError, match=r"2 point\(s\) are more than 30 days in the future") as e:
        cloud.import_history(1, "Temperature", _series(times))
    assert "row 1 (2026-12-21" in str(e.value) and "row 2 (2026-12-30" in str(e.value)
    assert sent() == before


def test_import_history__within_the_future_window_lands(cloud: Blynk, sim: BlynkSim) -> None:
    ts = NOW_MS + 29 * DAY_MS
    report = cloud.import_history(1, "Temperature", _series([ts], [21.25]))
    assert report["status"].tolist() == ["accepted"]
    assert sim.world.history_points(1, 1, ts, ts) == [(ts, 21.25)]


def test_import_history__duplicate_timestamps_refused_naming_rows(
    cloud: Blynk, sim: BlynkSim, sent: Callable[[], int]
) -> None:
    base = NOW_MS - 2 * DAY_MS
    times = [base, base + 60_000, base + 60_000, base + 120_000]
    cloud.schema(1)
    before = sent()
    with pytest.raises(InputError, match=r"2 point\(s\) share a timestamp") as e:
        cloud.import_history(1, "Temperature", _series(times, [1.0, 2.0, 3.0, 4.0]))
    assert "row 1 (" in str(e.value) and "row 2 (" in str(e.value)
    assert "row 0" not in str(e.value)
    assert sent() == before


def test_sim_import__keeps_one_point_per_millisecond_and_skips_far_future(
    cloud: Blynk, sim: BlynkSim
) -> None:
    """The simulator does what the vendor documents, which is why the client refuses
    these points: duplicates collapse to one, far-future points vanish without an error."""
    ts, far = NOW_MS - DAY_MS, NOW_MS + 40 * DAY_MS
    body = {
        "deviceId": 1,
        "dataStreamId": 1,
        "values": [{"ts": ts, "value": 1.0}, {"ts": ts, "value": 2.0}, {"ts": far, "value": 3.0}],
    }
    assert cloud.session.send("POST", "/api/v1/organization/device/import/batch", json=body)
    assert len(sim.world.history_points(1, 1, ts, ts)) == 1
    assert sim.world.history_points(1, 1, far, far) == []
