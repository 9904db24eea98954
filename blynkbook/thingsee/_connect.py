"""``connect()``: arguments → ``THINGSEE_*`` environment variables → the embedded demo cloud.

>>> import blynkbook.thingsee as ts
>>> ts.connect("demo")  # doctest: +ELLIPSIS
<Thingsee http://demo.thingsee.local client_id='blynkbook-demo-thingsee' (demo) cache=off>
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import httpx

from blynkbook._time import to_epoch_ms, wall_clock_ms
from blynkbook._urls import THINGSEE_DEMO_URL
from blynkbook.cache import demo_cache
from blynkbook.errors import InputError
from blynkbook.store import NoStore, SeriesStore, demo_store, open_store
from blynkbook.transport import Credentials, Session, ThingseeClientToken

from ._client import Thingsee

if TYPE_CHECKING:
    from blynkbook.cache import CacheSetting, NoCache
    from blynkbook.store import StoreSetting

__all__ = ["DEMO", "DEMO_BASE_URL", "ENV_BASE_URL", "ENV_CLIENT_ID", "ENV_CLIENT_SECRET", "connect"]

DEMO = "demo"
DEMO_BASE_URL = THINGSEE_DEMO_URL
DEMO_NOW_ENV = "BLYNKBOOK_DEMO_NOW"  # the same switch as the Blynk demo: a fixed "now"
ENV_BASE_URL = "THINGSEE_BASE_URL"
ENV_CLIENT_ID = "THINGSEE_CLIENT_ID"
ENV_CLIENT_SECRET = "THINGSEE_CLIENT_SECRET"


def connect(
    base_url: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    *,
    cache: CacheSetting = None,
    offline: bool = False,
    store: StoreSetting = None,
    settle: str | float | None = None,
    now: str | datetime | float | None = None,
    progress: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Thingsee:
    """A :class:`Thingsee` client for a deployment, or for the embedded demo cloud.

    ``base_url`` is the deployment's API base (``https://{apiId}.execute-api.{region}
    .amazonaws.com/prod/v1``). Missing arguments come from ``THINGSEE_BASE_URL``,
    ``THINGSEE_CLIENT_ID`` and ``THINGSEE_CLIENT_SECRET``; with none of them, or with
    ``base_url="demo"``, the simulator runs in-process (``now`` then fixes its clock).
    ``cache`` and ``offline`` as in :func:`blynkbook.connect`: a real deployment's reads
    are cached in the user cache folder unless ``cache=False``; the demo is not cached.
    ``progress``: True (the default) shows a bar on pulls of more than 20 parts, False
    never; a call's own ``progress=True``/``False`` overrides it.
    ``store`` and ``settle`` as in :func:`blynkbook.connect`: field history (one series a
    thing and field) goes through the series store (the demo has none unless asked).

    >>> cloud = connect("demo", now="2026-11-20T12:00:00Z")
    >>> str(cloud.now())
    '2026-11-20 12:00:00+00:00'
    """
    env = os.environ if environ is None else environ
    base_url = base_url or env.get(ENV_BASE_URL) or None
    if base_url is None or base_url == DEMO:
        client = _demo(demo_cache(cache), now, progress)
        client.store = demo_store(store, server=DEMO_BASE_URL, client_id=client.client_id,
                                  settle=settle)  # fmt: skip
        return client
    client_id = client_id or env.get(ENV_CLIENT_ID)
    client_secret = client_secret or env.get(ENV_CLIENT_SECRET)
    from blynkbook.cache import offline_from_env  # requests-cache: real servers only

    offline = offline or offline_from_env(env)
    if not client_id or (not client_secret and not offline):  # offline asks for no token
        raise InputError(
            f"client_id and client_secret are needed for {base_url!r} "
            f"(arguments or {ENV_CLIENT_ID} / {ENV_CLIENT_SECRET})"
        )
    return _cloud(
        base_url, client_id, client_secret, cache=cache, offline=offline, store=store,
        settle=settle, now=now, progress=progress,
    )  # fmt: skip


def _demo(not_cached: NoCache, now: str | datetime | float | None, progress: bool) -> Thingsee:
    from blynkbook.sim.thingsee import ThingseeSim

    sim = ThingseeSim(now=now if now is not None else os.environ.get(DEMO_NOW_ENV) or None)
    credentials = Credentials(DEMO_BASE_URL, sim.client_id, sim.client_secret)
    auth = ThingseeClientToken(credentials, now=sim.clock.now)  # the demo: the sim's clock
    session = Session(DEMO_BASE_URL, auth=auth, transport=sim.transport())
    return Thingsee(session, client_id=sim.client_id, cache=not_cached, demo=sim, progress=progress)


def _cloud(
    base_url: str,
    client_id: str,
    client_secret: str | None,
    *,
    cache: CacheSetting,
    offline: bool,
    store: StoreSetting,
    settle: str | float | None,
    now: str | datetime | float | None,
    progress: bool,
) -> Thingsee:
    from blynkbook.cache import ResponseCache, open_cache  # requests-cache: real servers only

    from ._cache_policy import THINGSEE_POLICY

    base_url = base_url.rstrip("/")
    responses = open_cache(
        cache, server=base_url, client_id=client_id, offline=offline, policy=THINGSEE_POLICY
    )
    # offline (argument or BLYNKBOOK_OFFLINE): no token call, no secret needed
    auth = (
        None
        if responses.offline or not client_secret
        else ThingseeClientToken(Credentials(base_url, client_id, client_secret))
    )
    on_disk = responses if isinstance(responses, ResponseCache) else None
    session = Session(
        base_url,
        auth=auth,
        transport=on_disk.transport(httpx.HTTPTransport()) if on_disk is not None else None,
        lookup=on_disk.lookup if on_disk is not None else None,
    )
    series = open_store(store, server=base_url, client_id=client_id,
                        offline=responses.offline, settle=settle)  # fmt: skip
    clock = _clock(now, series if responses.offline else None)
    return Thingsee(session, client_id=client_id, cache=responses, store=series, now=clock,
                    progress=progress)  # fmt: skip


def _clock(
    now: str | datetime | float | None, replay: SeriesStore | NoStore | None
) -> Callable[[], int]:
    """ "Now" of a real deployment, in epoch ms: the wall clock, or the fixed time asked
    for; offline, when the store was last filled (so ``"-7d"`` means what it meant when
    the notebook was recorded)."""
    if now is not None:
        fixed = to_epoch_ms(now, now_ms=wall_clock_ms())
        return lambda: fixed
    if isinstance(replay, SeriesStore):
        store = replay

        def recorded() -> int:
            newest = store.recorded_now()
            return newest if newest is not None else wall_clock_ms()

        return recorded
    return wall_clock_ms
