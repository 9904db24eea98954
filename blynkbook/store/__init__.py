"""The series store: history points kept as data, so re-runs fetch only what is new.

Each point pulled is kept per (server, client id, device, datastream) in immutable Parquet
segments, with a SQLite catalog (WAL) of which ranges of which series are covered and when
they were fetched. ``history()`` answers from it and asks the cloud only for the gaps and
for the tail still inside its settle window; DuckDB queries it in place
(:meth:`SeriesStore.sql`), :meth:`SeriesStore.to_dask` hands it to Dask.

>>> store = open_store(False, server="https://fra1.blynk.cloud", client_id="oa2-x")
>>> bool(store), store.info()
(False, <StoreInfo: no store (store=False)>)
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Final

import pandas as pd

from blynkbook.cache._setting import CACHE_DIR_ENV, cache_dir
from blynkbook.cache.keys import account_scope
from blynkbook.errors import InputError

from ._catalog import SeriesKey
from ._ranges import Range
from ._store import DEFAULT_SETTLE_MS, HORIZON_MS, NoStore, SeriesStore, StoreInfo

__all__ = [
    "CACHE_DIR_ENV",
    "DEFAULT_SETTLE_MS",
    "HORIZON_MS",
    "NoStore",
    "Range",
    "SeriesKey",
    "SeriesStore",
    "StoreInfo",
    "StoreSetting",
    "cache_dir",
    "demo_store",
    "open_store",
    "settle_ms",
]

STORE_FOLDER: Final = "store"

#: What ``connect(store=...)`` takes: None/True (the default folder), False, a folder.
StoreSetting = bool | str | Path | None


def settle_ms(setting: str | int | float | pd.Timedelta | None) -> int:
    """A ``settle=`` setting in milliseconds: a duration (``"1h"``, ``"15min"``, a
    ``pd.Timedelta``) or seconds as a number; None is the default (one hour).

    >>> settle_ms(None), settle_ms("15min"), settle_ms(0)
    (3600000, 900000, 0)
    """
    if setting is None:
        return DEFAULT_SETTLE_MS
    try:
        delta = (
            pd.Timedelta(seconds=float(setting))
            if isinstance(setting, int | float) and not isinstance(setting, bool)
            else pd.Timedelta(setting)
        )
    except (TypeError, ValueError) as exc:
        raise InputError(f"settle={setting!r} is not a duration like '1h' or '15min'") from exc
    if delta < pd.Timedelta(0) or pd.isna(delta):
        raise InputError(f"settle={setting!r} must be zero or more")
    return int(delta / pd.Timedelta(milliseconds=1))


def open_store(
    setting: StoreSetting,
    *,
    server: str,
    client_id: str,
    offline: bool = False,
    settle: str | int | float | pd.Timedelta | None = None,
) -> SeriesStore | NoStore:
    """The store a ``connect()`` to a real server asks for: under ``cache_dir()/store``
    (None/True) or the folder given, in a sub-folder per server and client id; a falsy
    :class:`NoStore` for ``store=False``."""
    if setting is False:
        return NoStore("store=False")
    root = (
        cache_dir() / STORE_FOLDER
        if setting is None or isinstance(setting, bool)
        else Path(setting).expanduser()
    )
    return SeriesStore(
        root / account_scope(server, client_id),
        server=server,
        offline=offline,
        settle_ms=settle_ms(settle),
    )


def demo_store(
    setting: StoreSetting,
    *,
    server: str,
    client_id: str,
    settle: str | int | float | pd.Timedelta | None = None,
) -> SeriesStore | NoStore:
    """The store of an in-process demo client: none by default; ``store=True`` gives a
    temporary one (removed on ``close()``), a folder that folder."""
    if setting is None or setting is False:
        return NoStore("the in-process demo has no store unless connect('demo', store=True)")
    if setting is True:
        temporary = tempfile.TemporaryDirectory(prefix="blynkbook-store-")
        return SeriesStore(
            temporary.name, server=server, settle_ms=settle_ms(settle), temporary=temporary
        )
    return open_store(setting, server=server, client_id=client_id, settle=settle)
