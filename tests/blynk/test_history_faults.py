"""History pulls over a real socket under rate limits and injected faults (issue 16).

A scaled-down twin of ``benchmarks/bench_faults.py``: 3 weather stations x 5 datastreams x
6 days (2 pages of 1000 a series, 30 pages). Every profile must give exactly the clean
pull's frame; the clients sleep for real, so the adaptive rate and ``Retry-After`` are
exercised as they are in use. Pages that still fail raise ``PartialReadError`` with what
came and what did not.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from blynkbook.blynk import Blynk
from blynkbook.blynk.history import MISSING_SPEC
from blynkbook.errors import PartialReadError, RateLimitError, ServerError
from blynkbook.sim import HTTPFailure, LoopbackServer, Request, Response
from blynkbook.sim.blynk import BlynkSim
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session

NOW = "2026-11-20T12:00:00Z"
LABELS = ["Temperature", "Humidity", "Pressure", "Wind Speed", "Battery"]
END = pd.Timestamp(NOW)
DAYS = 6
START = END - pd.Timedelta(days=DAYS)
STATIONS = 3
PAGES = STATIONS * len(LABELS) * 2


class PickySim(BlynkSim):
    """The Blynk sim, but history pages named in ``broken`` always answer 503."""

    broken: set[tuple[int, int]] = set()  # (device id, page)

    def handle(self, request: Request) -> Response:
        query = request.query
        if request.path.endswith("/history") and self.broken:
            key = (int(query["deviceId"][0]), int(query["page"][0]))
            if key in self.broken:
                raise HTTPFailure(503, "this page is broken (test)")
        return super().handle(request)


@pytest.fixture(scope="module")
def sim() -> PickySim:
    return PickySim(now=NOW)


@pytest.fixture(scope="module")
def server(sim: PickySim) -> Iterator[LoopbackServer]:
    with sim.serve() as running:
        yield running


@pytest.fixture(scope="module")
def stations(sim: PickySim) -> list[int]:
    ids = sorted(d.id for d in sim.world.iter_devices() if d.template.name == "Weather Station")
    return ids[:STATIONS]


@pytest.fixture(autouse=True)
def calm(sim: PickySim) -> Iterator[None]:
    """Every test starts and ends with no fault, no rate limit and no broken page."""
    sim.faults.reset()
    sim.rate_limit.configure(enabled=False)
    sim.broken = set()
    yield
    sim.faults.reset()
    sim.rate_limit.configure(enabled=False)
    sim.broken = set()


def client(sim: PickySim, server: LoopbackServer, **session: Any) -> Blynk:
    """A fresh client over the socket that really sleeps (no injected sleep)."""
    creds = Credentials(server.url, sim.client_id, sim.client_secret)
    auth = OAuth2ClientCredentials(creds, now=lambda: sim.clock.now_ms() / 1000)
    return Blynk(
        Session(server.url, auth=auth, **session),
        server=server.url,
        client_id=sim.client_id,
        now=sim.clock.now_ms,
        progress=False,
    )


def pull(cloud: Blynk, stations: list[int]) -> pd.DataFrame:
    with cloud:
        return cloud.history(stations, LABELS, START, END)


@pytest.fixture(scope="module")
def clean(sim: PickySim, server: LoopbackServer, stations: list[int]) -> pd.DataFrame:
    sim.faults.reset()
    frame = pull(client(sim, server), stations)
    assert len(frame) == STATIONS * len(LABELS) * (DAYS * 288 + 1)
    return frame


def test_exact_under_a_server_rate_limit(
    sim: PickySim, server: LoopbackServer, stations: list[int], clean: pd.DataFrame
) -> None:
    sim.rate_limit.configure(rate=20, burst=5, enabled=True)
    rejected = sim.rate_limit.rejected
    cloud = client(sim, server)
    pd.testing.assert_frame_equal(pull(cloud, stations), clean)
    assert sim.rate_limit.rejected > rejected  # the limit was met, and lived with
    assert cloud.session.limiter.rate is not None  # the client slowed itself down
    assert cloud.session.limiter.rate_cuts >= 1


@pytest.mark.parametrize("retry_after", [1, 0, None], ids=["retry-after-1", "0", "none"])
def test_exact_under_30_percent_429s(
    sim: PickySim,
    server: LoopbackServer,
    stations: list[int],
    clean: pd.DataFrame,
    retry_after: int | None,
) -> None:
    """On one station (10 pages): random 429s slow the client to ~10 requests/s."""
    sim.faults.set(throttle_rate=0.3, retry_after=retry_after)
    throttled = sim.faults.injected["throttle"]
    cloud = client(sim, server)
    frame = pull(cloud, stations[:1])
    pd.testing.assert_frame_equal(frame, clean[clean["device_id"] == stations[0]])
    assert sim.faults.injected["throttle"] - throttled >= 1
    assert cloud.session.limiter.rate_cuts >= 1


@pytest.mark.parametrize("knob", ["error_rate", "drop_rate"])
def test_exact_under_30_percent_5xx_or_drops(
    sim: PickySim, server: LoopbackServer, stations: list[int], clean: pd.DataFrame, knob: str
) -> None:
    sim.faults.set(**{knob: 0.3})
    before = sum(sim.faults.injected.values())
    cloud = client(sim, server)
    pd.testing.assert_frame_equal(pull(cloud, stations), clean)
    assert sum(sim.faults.injected.values()) - before >= PAGES * 0.15
    assert cloud.session.retry_count >= PAGES * 0.15


def test_exact_when_tokens_are_revoked_during_retry_chains(
    sim: PickySim, server: LoopbackServer, stations: list[int], clean: pd.DataFrame
) -> None:
    sim.faults.set(error_rate=0.3, revoke_rate=0.15)
    revoked = sim.faults.injected["revoke"]
    tokens = sim.requests_by_path["/oauth2/token"]
    pd.testing.assert_frame_equal(pull(client(sim, server), stations), clean)
    assert sim.faults.injected["revoke"] - revoked >= 1
    assert sim.requests_by_path["/oauth2/token"] - tokens > 2  # renewed, more than once


def test_exact_under_everything_at_once(
    sim: PickySim, server: LoopbackServer, stations: list[int], clean: pd.DataFrame
) -> None:
    sim.rate_limit.configure(rate=20, burst=5, enabled=True)
    sim.faults.set(
        throttle_rate=0.1, retry_after=1, error_rate=0.1, drop_rate=0.1, revoke_rate=0.03
    )
    pd.testing.assert_frame_equal(pull(client(sim, server), stations), clean)


def test_a_page_that_keeps_failing_keeps_the_rest(
    sim: PickySim, server: LoopbackServer, stations: list[int], clean: pd.DataFrame
) -> None:
    sim.broken = {(stations[1], 1)}  # page 1 of every datastream of the second station
    with pytest.raises(PartialReadError) as info:
        pull(client(sim, server, max_wait=2), stations)
    error = info.value
    assert isinstance(error.__cause__, ServerError)
    assert f"{PAGES - 5} of {PAGES} pages came" in str(error)
    missing = error.missing
    assert dict(missing.dtypes.astype(str)) == MISSING_SPEC
    assert missing[["device_id", "page"]].drop_duplicates().values.tolist() == [[stations[1], 1]]
    assert sorted(missing["datastream"]) == sorted(LABELS)
    lost = (clean["device_id"] == stations[1]) & (
        clean.groupby(["device_id", "datastream"]).cumcount() >= 1000
    )
    pd.testing.assert_frame_equal(error.frame, clean[~lost])


def test_a_series_whose_first_page_fails_is_missing_whole(
    sim: PickySim, server: LoopbackServer, stations: list[int], clean: pd.DataFrame
) -> None:
    sim.broken = {(stations[0], 0)}
    with pytest.raises(PartialReadError) as info:
        pull(client(sim, server, max_wait=2), stations)
    missing = info.value.missing
    assert set(missing["device_id"]) == {stations[0]} and set(missing["page"]) == {0}
    pd.testing.assert_frame_equal(info.value.frame, clean[clean["device_id"] != stations[0]])


def test_a_cloud_that_fails_everything_ends_the_pull_soon(
    sim: PickySim, server: LoopbackServer, stations: list[int]
) -> None:
    cloud = client(sim, server, max_wait=600)  # only the pull's budget can end it
    cloud.schema(stations[0])  # the template look-up, before the outage
    sim.faults.set(error_rate=1.0)
    with pytest.raises(ServerError):  # nothing came: the first error itself
        pull(cloud, stations[:1])
    session = cloud.session
    # retries <= 20 + one per call, and calls = requests - retries
    assert 0 < 2 * session.retry_count <= 20 + session.request_count


def test_a_retry_after_beyond_the_ceiling_stops_the_pull_at_once(
    sim: PickySim, server: LoopbackServer, stations: list[int]
) -> None:
    cloud = client(sim, server)
    cloud.schema(stations[0])
    sim.faults.set(throttle_rate=1.0, retry_after=3600)
    began = time.monotonic()
    with pytest.raises(RateLimitError, match="3600 s.*try again after") as info:
        pull(cloud, stations)
    assert info.value.retry_after == 3600
    assert time.monotonic() - began < 5
