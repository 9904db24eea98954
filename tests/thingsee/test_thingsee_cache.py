"""The on-disk cache behind a Thingsee deployment on loopback: hits, invalidation, offline."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from thingsee_kit import tuid_of

import blynkbook.thingsee as ts
from blynkbook.cache import ResponseCache, default_cache_path
from blynkbook.errors import InputError, OfflineError, StaleDataWarning
from blynkbook.sim.thingsee import ThingseeSim

CLOSED = {"start": "2026-11-01", "end": "2026-11-02"}  # a window long past: never expires


def test_reads_are_cached_and_writes_stale_them(
    sim: ThingseeSim, base_url: str, tmp_path: Path
) -> None:
    tuid = tuid_of(sim, "presence")
    with ts.connect(base_url, sim.client_id, sim.client_secret, cache=tmp_path / "c.sqlite") as c:
        first = c.messages(tuid, **CLOSED)
        c.groups()
        count = sim.request_count
        assert c.messages(tuid, **CLOSED).equals(first) and len(first) > 100
        c.groups()
        assert sim.request_count == count  # both answered from the file
        before = len(c.commands(tuid))
        c.send_command(tuid, 1500, report_interval=900)
        assert len(c.commands(tuid)) == before + 1  # the write made the cached list stale


def test_offline_replays_without_the_network(
    sim: ThingseeSim, base_url: str, tmp_path: Path
) -> None:
    tuid, path = tuid_of(sim, "count"), tmp_path / "c.sqlite"
    with ts.connect(base_url, sim.client_id, sim.client_secret, cache=path) as online:
        expected = online.messages(tuid, **CLOSED)
    count = sim.request_count
    with ts.connect(base_url, sim.client_id, sim.client_secret, cache=path, offline=True) as c:
        assert c.messages(tuid, **CLOSED).equals(expected)
        with pytest.raises(OfflineError):
            c.groups()
    assert sim.request_count == count


def test_cache_file_holds_no_secret(sim: ThingseeSim, base_url: str, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with ts.connect(base_url, sim.client_id, sim.client_secret, cache=path) as c:
        c.things()
        c.messages(tuid_of(sim, "air"), **CLOSED)
    # the cache db and its journal, and the series store the messages went to
    raw = b"".join(f.read_bytes() for f in tmp_path.rglob("*") if f.is_file())
    assert len(raw) > 10_000
    for secret in [sim.client_secret, *sim.issued_tokens()]:
        assert secret.encode() not in raw


def test_a_real_deployment_is_cached_by_default_in_the_user_cache_folder(
    sim: ThingseeSim, base_url: str
) -> None:
    tuid = tuid_of(sim, "presence")
    with ts.connect(base_url, sim.client_id, sim.client_secret) as cold:
        assert isinstance(cold.cache, ResponseCache) and cold.cache.path == default_cache_path()
        assert "cache=on" in repr(cold)
        first, fleet = cold.messages(tuid, **CLOSED), cold.things()
    count = sim.request_count
    with ts.connect(base_url, sim.client_id, sim.client_secret) as warm:
        again = warm.messages(tuid, **CLOSED)  # from the series store, on by default too
        assert warm.things().equals(fleet)
        assert isinstance(warm.cache, ResponseCache)
        info = warm.cache.info()
    assert again.equals(first)
    assert sim.request_count == count  # every read a hit: no request, not even a token
    assert info["hits"] > 0 and info["misses"] == 0 and info["entries"] > 0


def test_cache_false_and_the_demo_have_no_cache(sim: ThingseeSim, base_url: str) -> None:
    with ts.connect(base_url, sim.client_id, sim.client_secret, cache=False) as cloud:
        assert not cloud.cache and "cache=off" in repr(cloud)
        assert repr(cloud.cache.info()) == "<CacheInfo: no cache (cache=False)>"
        cloud.groups()
    assert not default_cache_path().exists()
    with pytest.raises(InputError, match="not cached"):
        ts.connect("demo", cache="somewhere.sqlite")
    with ts.connect("demo") as demo:
        assert not demo.cache and demo.cache.info()["entries"] == 0


def test_stale_answers_when_the_cloud_fails__attrs_say_so_and_one_warning(
    sim: ThingseeSim, base_url: str, tmp_path: Path
) -> None:
    with ts.connect(base_url, sim.client_id, sim.client_secret, cache=tmp_path / "c.sqlite") as c:
        fresh = c.things()
        assert fresh.attrs["stale"] is False and fresh.attrs["from_cache"] is False
        assert c.things().attrs["from_cache"] is True  # every reply a hit
        assert isinstance(c.cache, ResponseCache)
        c.cache.session.cache.reset_expiration(datetime(2000, 1, 1, tzinfo=UTC))
        sim.faults.set(error_rate=1.0)  # every request now answers 500
        with pytest.warns(StaleDataWarning, match="outdated") as caught:
            stale = c.things()  # things() reads groups() inside: still one warning
        assert len(caught) == 1 and "things" in str(caught[0].message)
    assert stale.attrs["stale"] is True and stale.attrs["from_cache"] is True
    assert base_url in stale.attrs["source"]
    pd.testing.assert_frame_equal(stale, fresh, check_flags=False)
