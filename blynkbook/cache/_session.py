"""The requests-cache session under :class:`~._cache.ResponseCache`: how it is built
(keys, filters, the token-scrubbing adapter) and how its file is opened, falling back from
read-write to read-only to immutable and moving a damaged file aside once."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import requests
import requests_cache
from requests.adapters import HTTPAdapter

from ._files import move_aside, open_modes, unopenable
from ._sqlite import GuardedCache, OpenMode, Table, is_being_created, is_damage
from ._storage import response_is_storable, strip_secret_fields

__all__ = [
    "IGNORED_PARAMETERS",
    "ScrubbingAdapter",
    "cached_session",
    "inode",
    "open_storage",
    "start_afresh",
]

IGNORED_PARAMETERS: Final = (*requests_cache.DEFAULT_IGNORED_PARAMS, "authorization", "token")
_READ_MMAP_BYTES: Final = 256 * 2**20
_POOL_SIZE: Final = 32  # above the facade's fan-out, so urllib3 never discards connections

# requests-cache logs stale fallbacks as warnings with tracebacks; in a notebook those would
# land on stderr. The cache reports staleness through response extensions instead.
_quiet = logging.getLogger("requests_cache")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


def inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


class ScrubbingAdapter(HTTPAdapter):
    """Removes credential fields from bodies of cacheable reads as they arrive, so the
    caller and the disk see the same (token-free) answer."""

    def __init__(self, should_scrub: Callable[[str], bool]) -> None:
        super().__init__(pool_connections=4, pool_maxsize=_POOL_SIZE)
        self._should_scrub = should_scrub

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        if request.url and self._should_scrub(request.url):
            response._content = strip_secret_fields(response.content or b"")
        return response


def cached_session(
    backend: GuardedCache,
    *,
    key_fn: Callable[..., str],
    scrub: Callable[[str], bool],
    offline: bool,
) -> requests_cache.CachedSession:
    """The session over ``backend``: GET/HEAD 200s only, keyed by ``key_fn``, credential
    fields stripped from the reads ``scrub`` names; offline it only replays."""
    session = requests_cache.CachedSession(
        backend=backend,
        allowable_methods=("GET", "HEAD"),
        allowable_codes=(200,),
        ignored_parameters=list(IGNORED_PARAMETERS),
        key_fn=key_fn,
        filter_fn=response_is_storable,
        expire_after=requests_cache.DO_NOT_CACHE,
        stale_if_error=offline,  # online, the transport decides (5xx, no network)
        only_if_cached=offline,
        read_only=offline,
    )
    adapter = ScrubbingAdapter(scrub)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False  # proxies and .netrc are httpx's business, not ours
    return session


def open_storage(
    path: Path,
    *,
    offline: bool,
    timeout: float,
    session: Callable[[OpenMode], requests_cache.CachedSession],
) -> tuple[requests_cache.CachedSession, Table, int | None]:
    """``(session, raw rows, inode)`` of the file, opened in the first mode that works (see
    ``open_modes``); a damaged file is moved aside once and a fresh one started. A file
    another thread or process is creating right now (locked, or its tables not there yet)
    is tried again a few times before that counts as a failure."""
    moved = False
    waits = list(_CREATION_WAITS_S)
    while True:
        failure: sqlite3.Error | None = None
        for mode in open_modes(path, offline=offline):
            try:
                return _open_in(path, mode, timeout, session)
            except sqlite3.Error as exc:
                failure = exc
                if is_damage(exc):
                    break
        assert failure is not None
        if is_being_created(failure) and waits:
            time.sleep(waits.pop(0))
            continue
        if moved or not is_damage(failure):
            raise unopenable(path, failure) from None
        move_aside(path, failure)
        moved = True


#: Pauses between attempts to open a file that another connection is creating.
_CREATION_WAITS_S: Final = (0.05, 0.1, 0.2, 0.4, 0.8)


def _open_in(
    path: Path,
    mode: OpenMode,
    timeout: float,
    session: Callable[[OpenMode], requests_cache.CachedSession],
) -> tuple[requests_cache.CachedSession, Table, int | None]:
    opened = session(mode)
    # the same table, read raw: the warm-read fast path (lookup) parses rows itself
    rows = Table(
        path, table_name="responses", serializer=None, mode=mode,
        timeout=timeout, create=False, mmap_bytes=_READ_MMAP_BYTES,
    )  # fmt: skip
    try:
        with rows.connection() as con:
            con.execute("SELECT count(*) FROM responses").fetchone()
    except sqlite3.Error:
        rows.close()
        opened.close()  # type: ignore[no-untyped-call]
        raise
    return opened, rows, inode(path)


def start_afresh(
    path: Path, backend: GuardedCache, known_inode: int | None, exc: sqlite3.Error
) -> int | None:
    """The (closed) file turned out damaged in use: move it aside (unless another thread
    or process did already: the inode changed) and start a fresh one; its new inode.
    Raises when even that fails."""
    if inode(path) == known_inode:
        move_aside(path, exc)
    backend.responses.init_db()
    backend.redirects.init_db()
    return inode(path)
