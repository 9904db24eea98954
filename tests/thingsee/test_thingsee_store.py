"""Thingsee messages through the series store, over loopback: gaps only, late messages by
the stated rule, the horizon, offline replay, pull(), secrets, and the same frames as
without a store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from thingsee_kit import PageSpy, facade, stored_facade, tuid_of

import blynkbook.thingsee as ts
from blynkbook.errors import InputError, OfflineError
from blynkbook.sim.thingsee import ThingseeSim
from blynkbook.store import HORIZON_MS, SeriesStore
from blynkbook.thingsee import Thingsee

MINUTE = 60


def _late(sim: ThingseeSim, every: int) -> str:
    return next(t.tuid for t in sim.world.things.values() if t.upload_every == every)


def _things(sim: ThingseeSim) -> list[str]:
    return [tuid_of(sim, f) for f in ("environment", "presence", "air", "count")]


@pytest.fixture
def stored(sim: ThingseeSim, base_url: str, tmp_path: Path) -> Any:
    client = stored_facade(base_url, sim, tmp_path / "store")
    yield client
    client.close()


@pytest.fixture
def plain(sim: ThingseeSim, base_url: str) -> Any:
    client = facade(base_url, sim)
    yield client
    client.close()


def test_the_sim_has_late_reporters__their_messages_appear_after_the_upload(
    sim: ThingseeSim, plain: Thingsee
) -> None:
    tuid = _late(sim, 30 * MINUTE)
    sim.clock.advance(20 * MINUTE)  # 12:20; the last upload was at 12:00
    end = plain.now()
    before = plain.raw_messages(tuid, start="-1h", end=end)
    assert max(m["tsmTs"] for m in before) < end.timestamp() - 20 * MINUTE + 1
    sim.clock.advance(20 * MINUTE)  # 12:40: the 12:30 upload brought 12:00-12:29
    after = plain.raw_messages(tuid, start=end - pd.Timedelta("1h"), end=end)
    assert len(after) > len(before)  # messages stamped before 12:20 arrived after it


def test_gaps_only__a_rerun_asks_one_page_a_thing__same_frames(
    sim: ThingseeSim, stored: Thingsee, plain: Thingsee, monkeypatch: pytest.MonkeyPatch
) -> None:
    things = _things(sim)
    spy = PageSpy(stored, monkeypatch)
    first = stored.messages(things, start="-7d")
    assert len(spy.take()) >= 4 * len(things)  # 2-day windows: every one of them once
    pd.testing.assert_frame_equal(first, plain.messages(things, start="-7d"), check_flags=False)
    sim.clock.advance(10 * MINUTE)
    files = set(stored.store.files("thingsee"))
    again = stored.messages(things, start="-7d")
    assert len(set(stored.store.files("thingsee")) - files) <= 2 * len(things)  # a commit a thing
    pages = spy.take()
    assert sorted(t for t, _, _ in pages) == sorted(things)  # one tail page a thing
    assert all(hi - lo <= 70 * MINUTE for _, lo, hi in pages)  # the settle hour + 10 min
    pd.testing.assert_frame_equal(again, plain.messages(things, start="-7d"), check_flags=False)
    assert stored.raw_messages(things, start="-7d") == plain.raw_messages(things, start="-7d")
    spy.take()
    stored.messages(things, start="-7d", end="-1d")
    assert spy.take() == []  # held and settled: no request


def test_same_frames_with_and_without_the_store(
    sim: ThingseeSim, stored: Thingsee, plain: Thingsee
) -> None:
    things = _things(sim)
    for args, options in [
        ((things, [12100]), {"start": "-3d"}),
        ((things, None), {"start": "-2d", "event_ids": [10]}),
        ((things[0], [1110, 12100]), {"start": "-5d", "end": "-1d"}),
    ]:
        got, want = stored.messages(*args, **options), plain.messages(*args, **options)
        pd.testing.assert_frame_equal(got, want, check_flags=False)
        assert list(got.dtypes) == list(want.dtypes) and got.index.dtype == want.index.dtype
    fields = ["temperature", "humidity", "battery"]
    pd.testing.assert_frame_equal(
        stored.history(things, fields, "-2d"), plain.history(things, fields, "-2d"),
        check_flags=False,
    )  # fmt: skip
    empty = stored.messages(things[0], [12100], start="-70d", end="-60d")  # before any message
    pd.testing.assert_frame_equal(
        empty, plain.messages(things[0], [12100], start="-70d", end="-60d"), check_flags=False
    )


def test_late_messages_inside_the_settle_window__picked_up_by_the_next_read(
    sim: ThingseeSim, stored: Thingsee, plain: Thingsee
) -> None:
    tuid = _late(sim, 30 * MINUTE)  # uploads every 30 minutes; the default settle is 1 h
    sim.clock.advance(20 * MINUTE)
    window = {"start": plain.now() - pd.Timedelta(days=1), "end": plain.now()}
    first = stored.messages(tuid, **window)
    sim.clock.advance(20 * MINUTE)  # the 12:30 upload: messages from 12:00 to 12:20 arrive
    truth = plain.messages(tuid, **window)
    assert len(truth) > len(first)
    pd.testing.assert_frame_equal(stored.messages(tuid, **window), truth, check_flags=False)


def test_late_messages_older_than_the_settle_window__missed__until_refresh(
    sim: ThingseeSim, stored: Thingsee, plain: Thingsee
) -> None:
    tuid = _late(sim, 90 * MINUTE)  # uploads at 12:00, 13:30, …
    sim.clock.advance(80 * MINUTE)  # 13:20: nothing after 12:00 is in the cloud yet
    window = {"start": plain.now() - pd.Timedelta(days=1), "end": plain.now()}
    first = stored.messages(tuid, **window)
    sim.clock.advance(20 * MINUTE)  # 13:40: the 13:30 upload brought 12:00-13:20
    truth = plain.messages(tuid, **window)
    default = stored.messages(tuid, **window)
    assert len(first) < len(default) < len(truth)  # only the last hour was re-checked
    refreshed = stored.messages(tuid, **window, refresh=True)
    pd.testing.assert_frame_equal(refreshed, truth, check_flags=False)
    pd.testing.assert_frame_equal(stored.messages(tuid, **window), truth, check_flags=False)


def test_nothing_is_fetched_again_beyond_the_horizon__not_even_on_refresh(
    sim: ThingseeSim, stored: Thingsee, monkeypatch: pytest.MonkeyPatch
) -> None:
    tuid = tuid_of(sim, "environment")
    spy = PageSpy(stored, monkeypatch)
    old = stored.messages(tuid, start="-39d", end="-32d")
    assert len(old) > 0 and spy.take()
    assert stored.messages(tuid, start="-39d", end="-32d", refresh=True).equals(old)
    assert spy.take() == []  # final: older than the 30-day horizon
    stored.messages(tuid, start="-35d", end="-25d")
    spy.take()
    stored.messages(tuid, start="-35d", end="-25d", refresh=True)
    edge_s = (stored.now().value // 1_000_000 - HORIZON_MS) // 1000
    pages = spy.take()
    assert pages and min(lo for _, lo, _ in pages) >= edge_s  # only inside the horizon


def test_offline__replays_from_the_store_without_the_network(
    sim: ThingseeSim, base_url: str, tmp_path: Path
) -> None:
    tuid, folder = tuid_of(sim, "air"), tmp_path / "store"
    options = {"cache": tmp_path / "c.sqlite", "store": folder}
    with stored_facade(base_url, sim, folder) as online:
        expected = online.messages(tuid, start="-2d")
        fields = online.history(tuid, ["co2", "temperature"], "-2d")
    sim.clock.advance(3 * 3600)  # later: offline, "now" is when the store was filled
    count = sim.request_count
    with ts.connect(base_url, sim.client_id, None, offline=True, **options) as offline:
        assert isinstance(offline.store, SeriesStore) and offline.store.offline
        pd.testing.assert_frame_equal(
            offline.messages(tuid, start="-2d"), expected, check_flags=False
        )
        pd.testing.assert_frame_equal(
            offline.history(tuid, ["co2", "temperature"], "-2d"), fields, check_flags=False
        )
        with pytest.raises(OfflineError, match=tuid_of(sim, "count")):
            offline.messages(tuid_of(sim, "count"), start="-2d")
        with pytest.raises(OfflineError):
            offline.pull(tuid, ["co2"], "-2d")
    assert sim.request_count == count


def test_own_group_writes__stored_messages_say_the_new_group__no_request_to_learn_it(
    sim: ThingseeSim, stored: Thingsee, plain: Thingsee, monkeypatch: pytest.MonkeyPatch
) -> None:
    tuid, other = tuid_of(sim, "presence"), tuid_of(sim, "environment")
    window = {"start": "-2d", "end": "-1d"}  # settled: the store answers it alone
    stored.raw_messages([tuid, other], **window)
    spy = PageSpy(stored, monkeypatch)
    stored.create_group("rdfi00lab", "Lab")
    stored.move_thing(tuid, "rdfi00lab")
    moved = stored.raw_messages(tuid, **window)
    assert {m["deploymentGroupId"] for m in moved} == {"rdfi00lab"}
    assert moved == plain.raw_messages(tuid, **window)
    stored.rename_group("rdfi00lab", "rdfi00lab2")
    renamed = stored.raw_messages([tuid, other], **window)
    assert renamed == plain.raw_messages([tuid, other], **window)
    assert {m["deploymentGroupId"] for m in renamed if m["tsmTuid"] == tuid} == {"rdfi00lab2"}
    assert {m["deploymentGroupId"] for m in renamed if m["tsmTuid"] == other} != {"rdfi00lab2"}
    assert spy.take() == []  # all from the store


def test_the_store_holds_no_secret_or_token(
    sim: ThingseeSim, base_url: str, tmp_path: Path
) -> None:
    with ts.connect(base_url, sim.client_id, sim.client_secret, cache=False,
                    store=tmp_path / "store") as cloud:  # fmt: skip
        # a deployment's "now" is the wall clock: windows the sim has data in, by date
        cloud.messages(_things(sim), start="2026-11-17", end="2026-11-19")
        cloud.pull(_things(sim), None, "2026-11-01", "2026-11-17")
    files = [f for f in (tmp_path / "store").rglob("*") if f.is_file()]
    raw = b"".join(f.read_bytes() for f in files)
    assert any(f.suffix == ".parquet" for f in files) and len(raw) > 10_000
    assert sim.issued_tokens()
    for secret in [sim.client_secret, *sim.issued_tokens()]:
        assert secret.encode() not in raw


def test_pull__fills_the_store_without_a_frame__a_rerun_fetches_only_what_is_missing(
    sim: ThingseeSim, stored: Thingsee, plain: Thingsee, monkeypatch: pytest.MonkeyPatch
) -> None:
    things = _things(sim)
    real, calls = stored._fetch_for_store, []

    def dies_on_the_fifth(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 5:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the pull
        return real(*args)

    monkeypatch.setattr(stored, "_fetch_for_store", dies_on_the_fifth)
    with pytest.raises(KeyboardInterrupt):
        stored.pull(things, ["temperature"], "-35d", progress=False)
    monkeypatch.setattr(stored, "_fetch_for_store", real)
    report = stored.pull(things, ["temperature"], "-35d", progress=False)
    assert list(report.columns) == ["device_id", "requests", "messages_fetched"]
    assert list(report["device_id"]) == things
    # two months a thing cold; a re-run: the months not committed, and the unsettled tail
    assert 0 < int(report["requests"].sum()) < 2 * len(things)
    again = stored.pull(things, ["temperature"], "-35d", progress=False)
    assert list(again["requests"]) == [1] * len(things)  # all held: the settle hour only
    spy = PageSpy(stored, monkeypatch)
    got = stored.history(things, ["temperature"], "-35d")
    assert len(spy.take()) <= len(things)  # the unsettled last hour only
    pd.testing.assert_frame_equal(got, plain.history(things, ["temperature"], "-35d"),
                                  check_flags=False)  # fmt: skip


def test_pull__progress_bar_follows_the_client_default_unless_the_call_says(
    sim: ThingseeSim, stored: Thingsee, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[bool] = []
    real_map = stored.session.map

    def spy(fn: Any, items: Any, *, desc: str | None = None, progress: bool = False) -> Any:
        shown.append(progress)
        return real_map(fn, items, desc=desc, progress=False)

    monkeypatch.setattr(stored.session, "map", spy)
    stored.pull(_things(sim), None, "-3d")  # 4 month-jobs: under the threshold
    stored.pull(_things(sim), None, "-3d", progress=True)
    assert shown == [False, True]


def test_pull__needs_a_store_and_known_fields(sim: ThingseeSim, plain: Thingsee) -> None:
    with pytest.raises(InputError, match="needs a series store"):
        plain.pull(tuid_of(sim, "air"), ["co2"])
    with ts.connect("demo", store=True) as demo, pytest.raises(InputError, match="nonsense"):
        demo.pull(tuid_of(sim, "air"), ["nonsense"])
