"""What every part of the :class:`~blynkbook.blynk.Blynk` client shares: its session,
cache, store and clock, and the small helpers every resource's calls use."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from blynkbook.cache import NoCache
from blynkbook.errors import InputError
from blynkbook.store import NoStore, SeriesStore
from blynkbook.transport import Reply, Session, redact_url

from . import admin

if TYPE_CHECKING:
    from blynkbook.cache import ResponseCache


class ClientBase:
    """The state :class:`~blynkbook.blynk.Blynk` sets up (see its docstring) and the helpers
    on it; every resource's calls derive from this."""

    session: Session
    server: str
    client_id: str
    cache: ResponseCache | NoCache
    store: SeriesStore | NoStore
    demo: Any
    progress: bool
    _now: Callable[[], int]
    _lock: threading.Lock

    def _source(self, path: str) -> str:
        return f"{redact_url(self.server)}{path}"

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Reply:
        return self.session.get(path, params)

    def _device_ids(self, devices_: Hashable | Iterable[Hashable]) -> list[int]:
        if isinstance(devices_, str | bytes) or not isinstance(devices_, Iterable):
            return [admin.check_device_id(devices_)]
        ids = [admin.check_device_id(d) for d in devices_]
        if not ids:
            raise InputError("no devices given: pass a device id or a list of ids")
        return list(dict.fromkeys(ids))

    def _past_the_cache(self) -> dict[str, Any] | None:
        """The cache options that keep history pages out of the response cache (the
        store keeps their points); None without a cache."""
        if not self.cache:
            return None
        from blynkbook.cache import DO_NOT_CACHE

        return {"expire_after": DO_NOT_CACHE}

    def _stale_in_store(
        self, device_id: int, streams: Sequence[int] | None = None,
        lo: int | None = None, hi: int | None = None,
    ) -> None:  # fmt: skip
        """Forget stored coverage this client's own write made stale."""
        if isinstance(self.store, SeriesStore):
            names = None if streams is None else [str(s) for s in streams]
            self.store.drop("blynk", str(device_id), names, lo, hi)
