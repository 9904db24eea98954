"""The session's fast path for hits: fresh entries are read with no request and no auth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
from cachekit import NOW_MS
from requests_cache import CachedResponse

import blynkbook
from blynkbook.blynk._cache_policy import BLYNK_POLICY
from blynkbook.cache import ResponseCache
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim
from blynkbook.transport import Session

HISTORY = "/api/v1/organization/device/datastream/history"


def _weather_station(sim: BlynkSim) -> int:
    return min(d.id for d in sim.world.iter_devices() if d.template.name == "Weather Station")


def _history(cloud: blynkbook.Blynk, device: int) -> pd.DataFrame:
    start = pd.Timestamp(NOW_MS - 3 * 86_400_000, unit="ms", tz="UTC")
    end = pd.Timestamp(NOW_MS, unit="ms", tz="UTC")
    return cloud.history(device, ["Temperature", "Humidity"], start, end, progress=False)


def test_warm_history__no_request_not_even_oauth(
    sim: BlynkSim, server: LoopbackServer, cache_path: Path
) -> None:
    device = _weather_station(sim)
    kwargs = {"client_id": sim.client_id, "client_secret": sim.client_secret}
    with blynkbook.connect(server=server.url, cache=cache_path, **kwargs) as cold:
        first = _history(cold, device)
    sent = sim.request_count
    with blynkbook.connect(server=server.url, cache=cache_path, **kwargs) as warm:
        again = _history(warm, device)
        assert isinstance(warm.cache, ResponseCache)
        hits = warm.cache.info()["hits"]
    assert sim.request_count == sent
    assert hits > 0
    assert again.attrs["from_cache"] and not first.attrs["from_cache"]
    pd.testing.assert_frame_equal(again, first, check_flags=False)


def test_cached__none_on_a_miss_reply_on_a_hit(
    sim: BlynkSim, server: LoopbackServer, cache: ResponseCache, client: httpx.Client
) -> None:
    device = _weather_station(sim)
    params = {"deviceId": device, "dataStreamId": 1, "from": NOW_MS - 3_600_000, "to": NOW_MS}
    with Session(server.url, auth=None, transport=cache.transport()) as plain:
        assert plain.cached(HISTORY, params) is None  # no lookup: never a hit
    with Session(server.url, auth=None, lookup=cache.lookup) as session:
        assert session.cached(HISTORY, params) is None
        stored = client.get(HISTORY, params=params)  # the cache's httpx client stores it
        assert stored.status_code == 200
        sent = sim.request_count
        hit = session.cached(HISTORY, params)  # no token needed: nothing is sent
        assert hit is not None and hit.from_cache and not hit.stale
        assert hit.content == stored.content and hit.data == stored.json()
        assert session.get(HISTORY, params).content == stored.content
        assert session.cached(HISTORY + "?page=0", params) is None  # query in the path: no
        assert sim.request_count == sent


def _store(cache: ResponseCache, url: str, *, expires: datetime, vary: bool = False) -> bytes:
    body = b'{"content":[{"value":1.5,"createdAt":1}],"totalElements":1}'
    answer = CachedResponse(status_code=200, url=url, expires=expires)
    answer._content = body
    if vary:
        answer.headers["Vary"] = "Accept"
    cache.session.cache.responses[cache.key_for("GET", url)] = answer
    return body


def test_lookup__fresh_served_expired_refused_offline_served_as_stale(
    sim: BlynkSim, server: LoopbackServer, cache_path: Path
) -> None:
    url = f"{server.url}{HISTORY}?dataStreamId=1&deviceId=1&from=1&to=2&page=0&size=1000"
    soon, past = datetime.now(UTC) + timedelta(minutes=1), datetime.now(UTC) - timedelta(seconds=1)
    with ResponseCache(
        cache_path, server=server.url, client_id=sim.client_id, policy=BLYNK_POLICY
    ) as cache:
        body = _store(cache, url, expires=soon)
        assert cache.lookup(url) == (body, False)
        _store(cache, url, expires=past)
        assert cache.lookup(url) is None  # expired: the request goes out
        assert cache.usable("GET", url) is None
        _store(cache, url, expires=soon, vary=True)
        assert cache.lookup(url) is None  # Vary: left to requests-cache's matching
        hits = cache.info()["hits"]
    assert hits == 1
    with ResponseCache(
        cache_path, server=server.url, client_id="someone-else", policy=BLYNK_POLICY
    ) as other:
        assert other.lookup(url) is None  # another account's entry is not found
    with ResponseCache(
        cache_path, server=server.url, client_id=sim.client_id, policy=BLYNK_POLICY
    ) as cache:
        _store(cache, url, expires=past)
    with ResponseCache(
        cache_path,
        server=server.url,
        client_id=sim.client_id,
        offline=True,
        policy=BLYNK_POLICY,
    ) as offline:
        assert offline.lookup(url) == (body, True)  # offline: any age, said to be stale
