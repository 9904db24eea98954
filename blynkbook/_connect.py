"""``bb.connect()``: credentials from arguments, else the environment, else the demo cloud.

>>> import blynkbook as bb
>>> cloud = bb.connect("demo", now="2026-11-20T12:00:00Z")  # doctest: +SKIP
>>> cloud                                                   # doctest: +SKIP
<Blynk demo cloud (embedded simulator) http://demo.blynk.local client_id='…' cache=off>
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import httpx

from blynkbook._urls import BLYNK_DEMO_URL
from blynkbook.blynk import Blynk
from blynkbook.cache import demo_cache
from blynkbook.errors import InputError
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session, check_base_url

if TYPE_CHECKING:
    from blynkbook.cache import CacheSetting

__all__ = [
    "DEMO_BASE_URL",
    "DEMO_NOW_ENV",
    "ENV_CLIENT_ID",
    "ENV_CLIENT_SECRET",
    "ENV_SERVER",
    "REGIONS",
    "check_concurrency",
    "check_timeout",
    "connect",
    "environment_server",
    "server_url",
]

log = logging.getLogger("blynkbook")

ENV_SERVER = "BLYNK_SERVER"
ENV_CLIENT_ID = "BLYNK_CLIENT_ID"
ENV_CLIENT_SECRET = "BLYNK_CLIENT_SECRET"
DEMO_NOW_ENV = "BLYNKBOOK_DEMO_NOW"
DEMO_BASE_URL = BLYNK_DEMO_URL
REGIONS = ("fra1", "lon1", "ny3", "sgp1", "blr1")
DEMO_MESSAGE = (
    "blynkbook: using the embedded demo cloud (a simulated fleet, nothing leaves this "
    f"process). Set {ENV_SERVER}, {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} to use your own."
)

_announced = False


def server_url(server: str) -> str:
    """The base URL for a region short name, a bare host or a full URL.

    >>> server_url("fra1"), server_url("blynk.cloud"), server_url("http://127.0.0.1:8080/")
    ('https://fra1.blynk.cloud', 'https://blynk.cloud', 'http://127.0.0.1:8080')
    """
    text = str(server).strip()
    if not text:
        raise InputError("server '' is empty: pass a URL, a host or a region like 'fra1'")
    if text.lower() in REGIONS:
        text = f"https://{text.lower()}.blynk.cloud"
    elif "://" not in text:
        text = f"https://{text}"
    return check_base_url(text)


def check_timeout(timeout: object) -> float:
    """A request timeout in seconds: a positive, finite number (not a string, not a bool).

    >>> check_timeout("30")
    Traceback (most recent call last):
    ...
    blynkbook.errors.InputError: timeout='30' (str) must be a number of seconds, like timeout=30
    """
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise InputError(
            f"timeout={timeout!r} ({type(timeout).__name__}) must be a number of seconds, "
            "like timeout=30"
        )
    if not math.isfinite(timeout) or timeout <= 0:
        raise InputError(f"timeout={timeout!r} must be a positive, finite number of seconds")
    return float(timeout)


def check_concurrency(max_concurrency: object) -> int:
    """How many requests may be in flight at once: a whole number of at least 1."""
    if (
        isinstance(max_concurrency, bool)
        or not isinstance(max_concurrency, int)
        or max_concurrency < 1
    ):
        raise InputError(
            f"max_concurrency={max_concurrency!r} must be a whole number of at least 1"
        )
    return max_concurrency


def environment_server(environ: Mapping[str, str] | None = None) -> str | None:
    """The server ``connect()`` with no arguments would use: the URL ``BLYNK_*`` variables
    name, or None for the embedded demo cloud; an :class:`InputError` when they are
    incomplete, exactly as ``connect()`` raises it.

    >>> environment_server({}) is None
    True
    >>> environment_server({"BLYNK_CLIENT_ID": "a", "BLYNK_CLIENT_SECRET": "b"})
    Traceback (most recent call last):
    ...
    blynkbook.errors.InputError: environment variable(s) BLYNK_SERVER not set (all three needed)
    """
    found = _from_env(os.environ if environ is None else environ)
    return None if found is None else server_url(found[0])


def _from_env(environ: Mapping[str, str]) -> tuple[str, str, str] | None:
    names = (ENV_SERVER, ENV_CLIENT_ID, ENV_CLIENT_SECRET)
    values = [environ.get(name, "").strip() for name in names]
    if not any(values):
        return None
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise InputError(f"environment variable(s) {', '.join(missing)} not set (all three needed)")
    return values[0], values[1], values[2]


def connect(
    server: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    *,
    cache: CacheSetting = None,
    offline: bool = False,
    now: str | datetime | float | None = None,
    seed: int = 7,
    progress: bool = True,
    max_concurrency: int = 16,
    timeout: float = 30.0,
) -> Blynk:
    """A :class:`~blynkbook.Blynk` client.

    ``server``: a URL, a bare host (https is added), a region (``"fra1"``, ``"lon1"``,
    ``"ny3"``, ``"sgp1"``, ``"blr1"``) or ``"demo"``. With no arguments the environment
    (``BLYNK_SERVER``, ``BLYNK_CLIENT_ID``, ``BLYNK_CLIENT_SECRET``) is used, and with no
    environment the embedded demo cloud. ``cache``: None (on for real servers, in the
    user cache folder), False, True, or a file path. ``offline`` replays the cache only.
    ``now`` and ``seed`` shape the demo cloud (``BLYNKBOOK_DEMO_NOW`` sets ``now`` too).
    ``timeout`` (seconds, a positive number) and ``max_concurrency`` (a positive whole
    number) are checked here, before any request.
    """
    check_timeout(timeout)
    check_concurrency(max_concurrency)
    if server is None and client_id is None and client_secret is None:
        found = _from_env(os.environ)
        if found is None:
            return _connect_demo(cache=cache, now=now, seed=seed, progress=progress)
        server, client_id, client_secret = found
    if server is not None and server.strip().lower() == "demo":
        return _connect_demo(cache=cache, now=now, seed=seed, progress=progress)
    if not server or not client_id or not client_secret:
        raise InputError("connect() needs server, client_id and client_secret (or none: demo)")
    return _connect_socket(
        server_url(server),
        client_id,
        client_secret,
        cache=cache,
        offline=offline,
        progress=progress,
        max_concurrency=max_concurrency,
        timeout=timeout,
    )


def _connect_socket(
    base: str,
    client_id: str,
    client_secret: str,
    *,
    cache: CacheSetting,
    offline: bool,
    progress: bool,
    max_concurrency: int,
    timeout: float,
) -> Blynk:
    from blynkbook.cache import ResponseCache, open_cache  # requests-cache: real servers only

    store = open_cache(cache, server=base, client_id=client_id, offline=offline)
    # offline (argument or env var), no token is asked for: a miss then names the read
    # that had no cached answer
    auth = (
        None
        if store.offline
        else OAuth2ClientCredentials(Credentials(base, client_id, client_secret))
    )
    on_disk = store if isinstance(store, ResponseCache) else None
    limits = httpx.Limits(max_connections=max_concurrency)
    session = Session(
        base,
        auth=auth,
        transport=on_disk.transport(httpx.HTTPTransport(limits=limits))
        if on_disk is not None
        else None,
        max_concurrency=max_concurrency,
        timeout=timeout,
        lookup=on_disk.lookup if on_disk is not None else None,
    )
    return Blynk(session, server=base, client_id=client_id, cache=store, progress=progress)


def _connect_demo(
    *, cache: CacheSetting, now: str | datetime | float | None, seed: int, progress: bool
) -> Blynk:
    not_cached = demo_cache(cache)
    from blynkbook.sim.blynk import BlynkSim

    sim = BlynkSim(seed=seed, now=now if now is not None else os.environ.get(DEMO_NOW_ENV) or None)
    credentials = Credentials(DEMO_BASE_URL, sim.client_id, sim.client_secret)
    auth = OAuth2ClientCredentials(credentials, now=sim.clock.now)
    session = Session(DEMO_BASE_URL, auth=auth, transport=sim.transport())
    _announce()
    return Blynk(
        session,
        server=DEMO_BASE_URL,
        client_id=sim.client_id,
        cache=not_cached,
        demo=sim,
        progress=progress,
        now=sim.clock.now_ms,
    )


def _announce() -> None:
    global _announced
    if not _announced:
        _announced = True
        print(DEMO_MESSAGE)
        log.info(DEMO_MESSAGE)
