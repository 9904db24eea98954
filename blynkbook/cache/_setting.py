"""What ``connect(cache=...)`` and the environment say about the cache file: where it
lives by default and whether offline replay is on."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import platformdirs

__all__ = [
    "CACHE_DIR_ENV",
    "DEFAULT_CACHE_NAME",
    "OFFLINE_ENV",
    "CacheSetting",
    "cache_dir",
    "default_cache_path",
    "offline_from_env",
]

DEFAULT_CACHE_NAME: Final = "responses.sqlite"
#: ``BLYNKBOOK_CACHE_DIR=folder`` puts the response cache and the series store in one
#: folder (for example one committed next to the notebooks).
CACHE_DIR_ENV: Final = "BLYNKBOOK_CACHE_DIR"
#: ``BLYNKBOOK_OFFLINE=1`` turns offline replay on for every cache.
OFFLINE_ENV: Final = "BLYNKBOOK_OFFLINE"

#: What ``connect(cache=...)`` takes: None or True (the default file), False (no cache), a path.
CacheSetting = bool | str | Path | None


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``$BLYNKBOOK_CACHE_DIR`` when set, else ``<user cache dir>/blynkbook`` (platformdirs):
    the folder of the response cache and of the series store.

    >>> str(cache_dir({"BLYNKBOOK_CACHE_DIR": "/data/bb"}))
    '/data/bb'
    """
    chosen = environ.get(CACHE_DIR_ENV, "").strip()
    return Path(chosen).expanduser() if chosen else platformdirs.user_cache_path("blynkbook")


def default_cache_path() -> Path:
    """``responses.sqlite`` in :func:`cache_dir`."""
    return cache_dir() / DEFAULT_CACHE_NAME


def offline_from_env(environ: Mapping[str, str] = os.environ) -> bool:
    """True when ``BLYNKBOOK_OFFLINE`` is set to 1/true/yes/on.

    >>> offline_from_env({"BLYNKBOOK_OFFLINE": "1"}), offline_from_env({})
    (True, False)
    """
    return environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}
