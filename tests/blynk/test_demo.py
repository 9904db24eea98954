"""bb.connect(): the in-process demo cloud, environment variables and server names."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

import blynkbook as bb
from blynkbook.blynk import _connect
from blynkbook.cache import ResponseCache
from blynkbook.errors import InputError


def test_connect__no_env_means_demo(capsys, caplog, monkeypatch) -> None:
    monkeypatch.setattr(_connect, "_announced", False)
    caplog.set_level(logging.INFO, logger="blynkbook")
    with bb.connect() as cloud:
        assert repr(cloud).startswith(
            "<Blynk demo cloud (embedded simulator) http://demo.blynk.local"
        )
        assert cloud.demo.client_secret not in repr(cloud)
        assert "cache=off" in repr(cloud) and not cloud.cache
        assert "demo cloud is not cached" in repr(cloud.cache.info())  # not an AttributeError
        assert cloud.cache.info()["entries"] == 0 and cloud.cache.clear() == 0
        assert isinstance(cloud, bb.Blynk)
    assert "embedded demo cloud" in capsys.readouterr().out
    assert "embedded demo cloud" in caplog.text
    with bb.connect("demo"):
        pass
    assert capsys.readouterr().out == ""  # announced once


def test_connect__demo_now_from_env(monkeypatch) -> None:
    monkeypatch.setenv("BLYNKBOOK_DEMO_NOW", "2026-01-02T03:04:05Z")
    with bb.connect("demo") as cloud:
        assert cloud.now() == pd.Timestamp("2026-01-02T03:04:05Z")
        frame = cloud.history(1, "Temperature", "-1h")
        assert frame.index.max() <= pd.Timestamp("2026-01-02T03:04:05Z")
        assert len(frame) == 12


def test_demo__reads_are_reproducible(demo) -> None:
    first = demo.history([1, 2], ["Temperature", "rh"], "-2d")
    with bb.connect("demo", now="2026-11-20T12:00:00Z") as again:
        pd.testing.assert_frame_equal(again.history([1, 2], ["Temperature", "rh"], "-2d"), first)
    assert len(demo.devices()) == 60
    assert not demo.locations().empty


def test_demo__write_then_read(demo) -> None:
    demo.write(41, "Mode", "boost")
    current = demo.datastreams(41).set_index("label")
    assert current.loc["Mode", "value"] == "boost"  # the label, not the key 2


def test_demo__empty_reads_keep_shape(demo) -> None:
    assert demo.search_devices("no such device anywhere").empty
    assert list(demo.search_devices("zzz").columns) == list(demo.devices().columns)
    assert demo.activated(minutes=1).dtypes.astype(str).tolist() == [
        "int64", "Int64", "Int64", "Int64", "datetime64[ms, UTC]"]  # fmt: skip


def test_connect__env_credentials(monkeypatch, sim, server) -> None:
    monkeypatch.setenv("BLYNK_SERVER", server.url)
    monkeypatch.setenv("BLYNK_CLIENT_ID", sim.client_id)
    monkeypatch.setenv("BLYNK_CLIENT_SECRET", sim.client_secret)
    with bb.connect(cache=False) as cloud:
        assert cloud.demo is None and sim.client_secret not in repr(cloud)
        assert len(cloud.devices()) == 60


def test_connect__cache_on_for_socket_servers(tmp_path, sim, server) -> None:
    path = tmp_path / "c.sqlite"
    with bb.connect(server.url, sim.client_id, sim.client_secret, cache=path) as cloud:
        assert "cache=on" in repr(cloud) and isinstance(cloud.cache, ResponseCache)
        first = cloud.devices()
        again = cloud.devices()
        assert again.attrs["from_cache"] is True and first.attrs["from_cache"] is False
        pd.testing.assert_frame_equal(first, again, check_like=True)
    blob = path.read_bytes()
    assert sim.client_secret.encode() not in blob
    assert not any(token.encode() in blob for token in sim.world.device_tokens())


def test_connect__joined_reads_say_when_the_cache_answered(tmp_path, sim, server) -> None:
    with bb.connect(server.url, sim.client_id, sim.client_secret, cache=tmp_path / "c") as cloud:
        first = cloud.locations()
        again = cloud.locations()  # devices, values and online: every reply from the cache
        assert first.attrs["from_cache"] is False and again.attrs["from_cache"] is True
        assert again.attrs["source"].endswith("/api/v1/organization/device/datastreams/batch")


def test_connect__partial_env_is_an_error(monkeypatch) -> None:
    monkeypatch.setenv("BLYNK_SERVER", "fra1")
    with pytest.raises(InputError, match="BLYNK_CLIENT_ID, BLYNK_CLIENT_SECRET"):
        bb.connect()


@pytest.mark.parametrize(
    ("given", "url"),
    [("fra1", "https://fra1.blynk.cloud"), ("BLR1", "https://blr1.blynk.cloud"),
     ("blynk.cloud", "https://blynk.cloud"), ("https://my.example/", "https://my.example"),
     ("http://127.0.0.1:9/", "http://127.0.0.1:9")],
)  # fmt: skip
def test_server_url__names(given: str, url: str) -> None:
    assert _connect.server_url(given) == url


def test_server_url__plain_http_refused() -> None:
    with pytest.raises(InputError, match="https"):
        _connect.server_url("http://blynk.cloud")


def test_history__progress_bar_on_request(demo, capsys) -> None:
    frame = demo.history(list(range(1, 6)), ["Temperature", "rh"], "-10d", progress=True)
    assert len(frame) == 10 * (10 * 288 + 1)
    assert "history" in capsys.readouterr().err  # tqdm writes its bar to stderr
