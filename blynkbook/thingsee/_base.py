"""The state every part of the Thingsee facade shares: session, cache, store, clock,
progress, and the small helpers of its reads (:class:`ClientBase`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self

import pandas as pd

from blynkbook._time import time_window, wall_clock_ms
from blynkbook.cache import NoCache
from blynkbook.store import NoStore, SeriesStore
from blynkbook.transport import Session, wants_progress
from blynkbook.vendor.thingsee import MESSAGE_LIMIT

from ._checks import check_limit

if TYPE_CHECKING:
    from blynkbook.cache import ResponseCache

__all__ = ["DAY", "MAX_MESSAGE_LIMIT", "ClientBase"]

DAY = 86_400
MAX_MESSAGE_LIMIT = MESSAGE_LIMIT


class ClientBase:
    """Session, cache, store and clock of a Thingsee client; see :class:`~.Thingsee`.

    ``now``: "now" in epoch ms (default: the sim's clock for the demo, else the wall
    clock); ``progress``: True shows a bar on pulls of more than 20 parts, False never.
    """

    def __init__(
        self,
        session: Session,
        *,
        client_id: str,
        cache: ResponseCache | NoCache | None = None,
        demo: Any = None,  # the embedded ThingseeSim, as for Blynk; a facade never imports sim
        now: Callable[[], int] | None = None,
        message_limit: int = MAX_MESSAGE_LIMIT,
        message_window: int = 2 * DAY,
        progress: bool = True,
        store: SeriesStore | NoStore | None = None,
    ) -> None:
        self.session = session
        self.store: SeriesStore | NoStore = (
            store if store is not None else NoStore("this client was built without one")
        )
        self.client_id = client_id
        self.cache: ResponseCache | NoCache = (
            cache if cache is not None else NoCache("this client was built without one")
        )
        self.demo = demo
        self._now = now or (demo.clock.now_ms if demo is not None else wall_clock_ms)
        self.message_limit = check_limit(message_limit, "message_limit", MAX_MESSAGE_LIMIT) or 1
        self.message_window = check_limit(message_window, "message_window") or DAY
        self.progress = progress

    def __repr__(self) -> str:
        kind = "demo" if self.demo is not None else "cloud"
        cache = "on" if self.cache else "off"
        url = self.session.base_url
        return f"<Thingsee {url} client_id={self.client_id!r} ({kind}) cache={cache}>"

    @property
    def base_url(self) -> str:
        return self.session.base_url

    def now(self) -> pd.Timestamp:
        """What "now" means for relative times, tz-aware UTC (the simulator's clock in
        demo mode, the wall clock for a deployment, the recording's time offline)."""
        return pd.Timestamp(self._now(), unit="ms", tz="UTC")

    def close(self) -> None:
        """Close the HTTP connections (and the cache file, if any)."""
        self.session.close()
        self.cache.close()
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _window(self, start: Any, end: Any) -> tuple[int, int]:
        from_ms, to_ms = time_window(start, end, now_ms=self._now())
        return from_ms // 1000, to_ms // 1000

    def _data(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.session.get(path, params).data["data"]

    def _map(
        self, fn: Callable[[Any], Any], items: Sequence[Any], desc: str, *, long: bool = False,
        progress: bool | None = None,
    ) -> list[Any]:  # fmt: skip
        """``session.map``; a pull that may be ``long`` shows a progress bar as
        :func:`~blynkbook.transport.wants_progress` decides (more than 20 parts, unless
        ``progress`` says otherwise: see :meth:`_progress`)."""
        wanted = long and wants_progress(self._progress(progress), len(items))
        return self.session.map(fn, items, desc=desc, progress=wanted)

    def _progress(self, setting: bool | None) -> bool | None:
        """A call's ``progress``: None means the client's default (True: a bar for pulls
        of more than 20 parts; False: never); True or False decide."""
        if setting is not None:
            return setting
        return None if self.progress else False

    def _now_ms(self) -> int:
        return self._now()

    def _source(self, what: str) -> str:
        """A frame's ``attrs["source"]``: the base URL and the read (never a token)."""
        return f"{self.base_url} ({what})"
