"""What a store says about itself (:class:`StoreInfo`) and the absent store
(:class:`NoStore`, for ``store=False`` and the in-process demo)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from blynkbook._summary import Absent, Summary
from blynkbook.errors import InputError

__all__ = ["NoStore", "StoreInfo"]


class StoreInfo(Summary):
    """A read-only summary of the store (a mapping, with a readable repr)."""

    def __repr__(self) -> str:
        f = self._fields
        if f["path"] is None:
            return f"<StoreInfo: no store ({f['reason']})>"
        mode = " (offline)" if f["offline"] else ""
        return (
            f"<StoreInfo{mode} {f['path']}\n"
            f"  {f['series']} series, {f['points']:,} points in {f['files']} files, "
            f"{f['size_bytes'] / 1e6:.1f} MB on disk\n"
            f"  settle {f['settle_ms'] / 60_000:g} min, horizon {f['horizon_ms'] / 86_400_000:g} d>"
        )


class NoStore(Absent):
    """No series store (``store=False``, the in-process demo by default); ``reason`` says
    why. Falsy; answers ``info()``, ``clear()``, ``files()`` like a store with nothing."""

    folder = None

    def info(self) -> StoreInfo:
        return StoreInfo(path=None, reason=self.reason)

    def clear(self) -> int:
        return 0

    def files(self, kind: str = "blynk") -> list[Path]:
        return []

    def sql(self, query: str, params: Sequence[Any] | None = None) -> Any:
        raise InputError(f"this client has no series store ({self.reason})")

    relation = to_dask = sql

    def close(self) -> None:
        """Nothing to close."""
