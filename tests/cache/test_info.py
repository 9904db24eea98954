"""info(), clear(), the default path and the reprs."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import requests

from blynkbook.blynk._cache_policy import BLYNK_POLICY
from blynkbook.cache import ResponseCache, default_cache_path
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim

API = "/api/v1/organization"
VALUES = "/api/v2/organization/device/datastreams"


def test_info__counts_entries_hits_misses_per_endpoint(
    client: httpx.Client, cache: ResponseCache
) -> None:
    for _ in range(2):
        client.get(VALUES, params={"deviceId": 1})
        client.get(VALUES, params={"deviceId": 2})
        client.get(f"{API}/devices", params={"size": 5})
    info = cache.info()
    assert info["entries"] == 3
    assert (info.hits, info.misses) == (3, 3)
    assert info["endpoints"] == {"values": 2, "devices": 1}
    assert info["size_bytes"] > 0
    assert info["path"] == str(cache.path)
    assert dict(info)["offline"] is False


def test_info__repr_is_readable(client: httpx.Client, cache: ResponseCache) -> None:
    client.get(VALUES, params={"deviceId": 1})
    shown = repr(cache.info())
    assert "1 entries" in shown and "values 1" in shown and "1 misses" in shown


def test_clear__empties_this_account_only(
    client: httpx.Client, cache: ResponseCache, server: LoopbackServer, sim: BlynkSim
) -> None:
    client.get(VALUES, params={"deviceId": 1})
    with ResponseCache(
        cache.path, server=server.url, client_id="other", policy=BLYNK_POLICY
    ) as other:
        other.session.cache.responses["0000000000000000:values:1:00"] = (
            cache.session.cache.responses[next(iter(cache.session.cache.responses.keys()))]
        )
        assert cache.clear() == 1
        assert cache.info().entries == 0 and cache.info().hits == 0
        assert other.clear(all_accounts=True) == 1
    sent = sim.request_count
    assert client.get(VALUES, params={"deviceId": 1}).extensions["from_cache"] is False
    assert sim.request_count == sent + 1


def test_default_path__under_the_user_cache_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_path() == tmp_path / "blynkbook" / "responses.sqlite"
    with ResponseCache(
        None, server="https://fra1.blynk.cloud", client_id="c", policy=BLYNK_POLICY
    ) as cache:
        assert cache.path == default_cache_path()
        assert cache.path.parent.is_dir()


def test_repr__shows_path_and_server(cache: ResponseCache) -> None:
    assert str(cache.path) in repr(cache)
    assert cache.server in repr(cache)


@pytest.mark.parametrize(
    "query",
    [
        {"deviceIds": [3, 1], "dataStreamIds": "1,2"},
        {"ownerEmail": "ana.o'rtiz+x@acme-field.example", "page": 0},
        {"query": "Old Town Weather", "sortOrder": "DESC"},
        {"token": "T0KEN/with+odd=chars", "v1": ""},
    ],
)
def test_key_for__httpx_and_requests_spellings_agree(
    cache: ResponseCache, server: LoopbackServer, query: dict[str, object]
) -> None:
    """The transport looks hits up by key; requests-cache stores them by the same key."""
    url = str(httpx.URL(f"{server.url}{API}/device/by-owner", params=query))
    prepared = requests.Request("GET", f"{server.url}{API}/device/by-owner", params=query).prepare()
    assert cache.key_for("GET", url) == cache.session.cache.create_key(prepared)
