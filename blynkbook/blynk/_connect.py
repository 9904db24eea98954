"""``bb.connect()`` (also ``blynkbook.blynk.connect``): credentials from arguments, else the
environment, else the demo cloud. The one place for Blynk's connection rules: ``blynkbook
lab`` asks :func:`environment_server` instead of reading the variables itself.

>>> import blynkbook as bb
>>> cloud = bb.connect("demo", now="2026-11-20T12:00:00Z")  # doctest: +SKIP
>>> cloud                                                   # doctest: +SKIP
<Blynk demo cloud (embedded simulator) http://demo.blynk.local client_id='…' cache=off>
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import httpx

from blynkbook._time import wall_clock_ms
from blynkbook._urls import BLYNK_DEMO_URL
from blynkbook.cache import demo_cache
from blynkbook.errors import InputError
from blynkbook.store import SeriesStore, demo_store, open_store
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session, check_base_url

from .client import Blynk

if TYPE_CHECKING:
    import pandas as pd

    from blynkbook.cache import CacheSetting
    from blynkbook.store import StoreSetting

    Settle = str | int | float | pd.Timedelta | None

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


def _from_env(environ: Mapping[str, str], *, offline: bool = False) -> tuple[str, str, str] | None:
    """The three settings from the environment; offline the secret is not needed (a
    replay sends nothing), so CI can replay a committed cache without it."""
    names = (ENV_SERVER, ENV_CLIENT_ID, ENV_CLIENT_SECRET)
    values = [environ.get(name, "").strip() for name in names]
    if not any(values):
        return None
    if offline and values[0] and values[1] and not values[2]:
        return values[0], values[1], ""
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
    store: StoreSetting = None,
    settle: Settle = None,
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
    ``store``: the series store for history (None: on for real servers, in
    ``BLYNKBOOK_CACHE_DIR`` or the user cache folder; False; True; a folder; the demo has
    none unless asked); ``settle``: how much of the newest coverage is re-checked on each
    read (default ``"1h"``). ``now`` and ``seed`` shape the demo cloud
    (``BLYNKBOOK_DEMO_NOW`` sets ``now`` too).
    ``timeout`` (seconds, a positive number) and ``max_concurrency`` (a positive whole
    number) are checked here, before any request.
    """
    check_timeout(timeout)
    check_concurrency(max_concurrency)
    offline = offline or _offline_from_env()
    if server is None and client_id is None and client_secret is None:
        found = _from_env(os.environ, offline=offline)
        if found is None:
            return _connect_demo(cache=cache, store=store, settle=settle, now=now, seed=seed,
                                 progress=progress)  # fmt: skip
        server, client_id, client_secret = found
    if server is not None and server.strip().lower() == "demo":
        return _connect_demo(cache=cache, store=store, settle=settle, now=now, seed=seed,
                             progress=progress)  # fmt: skip
    if not server or not client_id or (not client_secret and not offline):
        raise InputError("connect() needs server, client_id and client_secret (or none: demo)")
    return _connect_socket(
        server_url(server),
        client_id,
        client_secret or "",
        cache=cache,
        offline=offline,
        store=store,
        settle=settle,
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
    store: StoreSetting,
    settle: Settle,
    progress: bool,
    max_concurrency: int,
    timeout: float,
) -> Blynk:
    from blynkbook.cache import ResponseCache, open_cache  # requests-cache: real servers only

    from ._cache_policy import BLYNK_POLICY

    responses = open_cache(
        cache, server=base, client_id=client_id, offline=offline, policy=BLYNK_POLICY
    )
    # offline (argument or env var), no token is asked for: a miss then names the read
    # that had no cached answer
    auth = (
        None
        if responses.offline
        else OAuth2ClientCredentials(Credentials(base, client_id, client_secret))
    )
    on_disk = responses if isinstance(responses, ResponseCache) else None
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
    series = open_store(
        store, server=base, client_id=client_id, offline=responses.offline, settle=settle
    )
    return Blynk(
        session,
        server=base,
        client_id=client_id,
        cache=responses,
        progress=progress,
        store=series,
        now=_replay_clock(series) if responses.offline else None,
    )


def _replay_clock(series: object) -> Callable[[], int]:
    """Offline, "now" is when the store was last filled, so relative windows (``"-7d"``)
    mean what they meant when the notebook was recorded."""

    def now() -> int:
        recorded = series.recorded_now() if isinstance(series, SeriesStore) else None
        return recorded if recorded is not None else wall_clock_ms()

    return now


def _offline_from_env() -> bool:
    """``BLYNKBOOK_OFFLINE`` as ``blynkbook.cache.offline_from_env`` reads it (without
    importing requests-cache, which the demo never needs)."""
    return os.environ.get("BLYNKBOOK_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _connect_demo(
    *,
    cache: CacheSetting,
    store: StoreSetting,
    settle: Settle,
    now: str | datetime | float | None,
    seed: int,
    progress: bool,
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
        store=demo_store(store, server=DEMO_BASE_URL, client_id=sim.client_id, settle=settle),
    )


def _announce() -> None:
    global _announced
    if not _announced:
        _announced = True
        print(DEMO_MESSAGE)
        log.info(DEMO_MESSAGE)
