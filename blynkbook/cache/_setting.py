"""What ``connect(cache=...)`` and the environment say about the cache file: where it
lives by default and whether offline replay is on."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import platformdirs

__all__ = [
    "DEFAULT_CACHE_NAME",
    "OFFLINE_ENV",
    "CacheSetting",
    "default_cache_path",
    "offline_from_env",
]

DEFAULT_CACHE_NAME: Final = "responses.sqlite"
#: ``BLYNKBOOK_OFFLINE=1`` turns offline replay on for every cache.
OFFLINE_ENV: Final = "BLYNKBOOK_OFFLINE"

#: What ``connect(cache=...)`` takes: None or True (the default file), False (no cache), a path.
CacheSetting = bool | str | Path | None


def default_cache_path() -> Path:
    """``$BLYNKBOOK_CACHE_DIR/responses.sqlite`` when that is set, else
    ``<user cache dir>/blynkbook/responses.sqlite`` (platformdirs)."""
    chosen = os.environ.get("BLYNKBOOK_CACHE_DIR", "").strip()
    folder = Path(chosen).expanduser() if chosen else platformdirs.user_cache_path("blynkbook")
    return folder / DEFAULT_CACHE_NAME


def offline_from_env(environ: Mapping[str, str] = os.environ) -> bool:
    """True when ``BLYNKBOOK_OFFLINE`` is set to 1/true/yes/on.

    >>> offline_from_env({"BLYNKBOOK_OFFLINE": "1"}), offline_from_env({})
    (True, False)
    """
    return environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}
