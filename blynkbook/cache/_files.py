"""Where the cache file lives: path checks with a way out, moving a damaged file aside,
the modes it can be opened in, its size on disk (WAL and shared-memory files included)."""

from __future__ import annotations

import os
import sqlite3
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from blynkbook.errors import CacheFileError, CacheWarning

from ._sqlite import OpenMode

__all__ = ["SIDE_FILES", "cache_file", "move_aside", "open_modes", "size_on_disk", "unopenable"]

#: SQLite's companions of a WAL-mode file.
SIDE_FILES: Final = ("-wal", "-shm")
_SUFFIX: Final = ".sqlite"  # requests-cache adds it to a path without one


def cache_file(path: Path) -> Path:
    """The file a ``cache=`` path means, with its folder made; a blynkbook error naming the
    path and the way out when it cannot be a file (a folder in its place, a file where the
    folder should be, no permission to create the folder). A path without a suffix gets
    ``.sqlite``, as requests-cache would give it."""
    file = path.expanduser()
    if not file.suffix and not file.is_dir():
        file = file.with_name(file.name + _SUFFIX)
    if file.is_dir():
        raise CacheFileError(
            f"the cache path {file} is a folder, not a file: pass a file path such as "
            f"cache='{file / 'responses.sqlite'}', or cache=False for no cache",
            path=str(file),
        )
    blocking = next((p for p in (file.parent, *file.parent.parents) if p.is_file()), None)
    if blocking is not None:
        raise CacheFileError(
            f"the cache file {file} cannot be made: {blocking} is a file where a folder "
            "should be; move it, or pass cache=<another path>, or cache=False",
            path=str(file),
        )
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CacheFileError(
            f"the folder of the cache file {file} cannot be made ({exc.strerror or exc}): "
            "pass cache=<a writable path>, or cache=False",
            path=str(file),
        ) from None
    return file


def open_modes(file: Path, *, offline: bool) -> tuple[OpenMode, ...]:
    """The ways to open the file, in order of preference. Offline replay never writes, so
    an existing file is opened read-only (``immutable`` when even its WAL index cannot be
    made: a read-only folder); online, read-only modes are the fallbacks."""
    if not file.exists():
        return ("rw",)
    return ("ro", "immutable") if offline else ("rw", "ro", "immutable")


def unopenable(file: Path, exc: sqlite3.Error) -> CacheFileError:
    """The error for a file no mode could open."""
    return CacheFileError(
        f"the cache file {file} cannot be opened ({exc}): check its permissions, or pass "
        "cache=<another path>, or cache=False",
        path=str(file),
    )


def move_aside(file: Path, exc: sqlite3.Error) -> Path:
    """Rename a damaged cache file (and its WAL files) to ``<name>.damaged-<UTC time>``,
    warn naming both, and return the new name; a fresh file is then started in its place."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = file.with_name(f"{file.name}.damaged-{stamp}")
    try:
        os.replace(file, aside)
        for side in SIDE_FILES:
            companion = Path(f"{file}{side}")
            if companion.exists():
                os.replace(companion, Path(f"{aside}{side}"))
    except OSError as moved:
        raise CacheFileError(
            f"the cache file {file} is damaged ({exc}) and cannot be moved aside "
            f"({moved.strerror or moved}): delete it, or pass cache=<another path>, or "
            "cache=False",
            path=str(file),
        ) from None
    warnings.warn(
        f"the cache file {file} was damaged ({exc}); it was moved aside to {aside} and a "
        "fresh cache started (delete the old file when you no longer need it)",
        CacheWarning,
        stacklevel=4,
    )
    return aside


def size_on_disk(file: Path) -> int:
    """Bytes of the file, its write-ahead log and its shared-memory index."""
    total = 0
    for part in (file, *(Path(f"{file}{side}") for side in SIDE_FILES)):
        try:
            total += part.stat().st_size
        except OSError:
            continue
    return total
