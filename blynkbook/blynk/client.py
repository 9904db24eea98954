"""The :class:`Blynk` facade: every read a DataFrame, every write checked first.

The class is thin: each resource's calls live in their own module and :class:`Blynk`
composes them (``_client_devices``, ``_client_values``, ``_client_history``,
``_client_locations``, ``_client_writes``, ``_client_admin``, over the schema memo in
``_schema`` and the shared state in ``_base``); the resource modules (:mod:`.devices`,
:mod:`.datastreams`, :mod:`.history`, :mod:`.writes`, :mod:`.admin`) hold the paths,
specs and parsers.

>>> import blynkbook as bb
>>> cloud = bb.connect("demo")                                # doctest: +SKIP
>>> cloud.history([1, 2], ["Temperature", "V4"], start="-7d")  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from blynkbook._time import wall_clock_ms
from blynkbook.cache import NoCache
from blynkbook.store import NoStore, SeriesStore
from blynkbook.transport import Session, redact_url

from ._checks import SORT_FIELDS
from ._client_admin import AdminCalls
from ._client_locations import LocationCalls
from ._client_writes import WriteCalls

if TYPE_CHECKING:
    from blynkbook.cache import ResponseCache

__all__ = ["SORT_FIELDS", "Blynk"]


class Blynk(LocationCalls, WriteCalls, AdminCalls):
    """A Blynk organization as DataFrames.

    Build it with :func:`blynkbook.connect`. ``session`` is the transport
    (:class:`~blynkbook.transport.Session`), ``server`` the base URL, ``cache`` the
    :class:`~blynkbook.cache.ResponseCache` (or a falsy :class:`~blynkbook.cache.NoCache`),
    ``demo`` the embedded simulator (or None), ``now`` a callable giving "now" in epoch
    milliseconds for relative times (default: the wall clock), ``progress`` whether long
    pulls may show a progress bar.

    Its calls come from the resource mixins it derives from; their docstrings are the
    reference (``help(cloud.history)``).

    >>> cloud = Blynk(session, server="https://fra1.blynk.cloud")  # doctest: +SKIP
    >>> cloud.devices().head()                                     # doctest: +SKIP
    """

    def __init__(
        self,
        session: Session,
        *,
        server: str,
        client_id: str = "",
        cache: ResponseCache | NoCache | None = None,
        demo: Any = None,
        progress: bool = True,
        now: Callable[[], int] | None = None,
        store: SeriesStore | NoStore | None = None,
    ) -> None:
        self.session = session
        self.server = server
        self.client_id = client_id
        self.cache = cache if cache is not None else NoCache("this client was built without one")
        self.store = store if store is not None else NoStore("this client was built without one")
        self.demo = demo
        self.progress = progress
        self._now = now or wall_clock_ms
        self._lock = threading.Lock()
        self.forget()  # an empty schema memo

    def __repr__(self) -> str:
        kind = "demo cloud (embedded simulator)" if self.demo is not None else "cloud"
        cache = "on" if self.cache else "off"
        store = " store=on" if self.store else ""
        client = f" client_id={self.client_id!r}" if self.client_id else ""
        return f"<Blynk {kind} {redact_url(self.server)}{client} cache={cache}{store}>"

    # lifecycle ---------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the HTTP session (and the cache file and series store, if any)."""
        self.session.close()
        self.cache.close()
        self.store.close()

    def __enter__(self) -> Blynk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> pd.Timestamp:
        """What "now" means for relative times: the simulator's clock for demo clouds."""
        return pd.Timestamp(self._now(), unit="ms", tz="UTC")
