"""Fixtures of the transport room: a scripted fake cloud behind httpx.MockTransport."""

from __future__ import annotations

import httpx
import pytest
from transport_fakes import SECRET, SERVER, FakeClock, FakeCloud

from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cloud() -> FakeCloud:
    return FakeCloud()


@pytest.fixture
def credentials() -> Credentials:
    return Credentials(SERVER, "client-1", SECRET)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def session(
    cloud: FakeCloud, credentials: Credentials, clock: FakeClock, sleeps: list[float]
) -> Session:
    auth = OAuth2ClientCredentials(credentials, now=clock)
    return Session(SERVER, auth=auth, transport=httpx.MockTransport(cloud), sleep=sleeps.append)
