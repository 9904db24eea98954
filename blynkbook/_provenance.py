"""Where a frame's data came from: ``frame.attrs`` and the stale-data warning, for every facade.

One mechanism: a read that returns a frame is decorated with :func:`reported`, which records
the replies its session hands out (:meth:`Session.recording
<blynkbook.transport.Session.recording>`), writes them into ``frame.attrs`` through
:func:`with_meta`, and warns about stale data once, at the outermost read (a read inside
another read, such as ``locations()`` calling ``devices()``, only records).

>>> from blynkbook.transport import Reply
>>> with_meta(pd.DataFrame(), [Reply(None, 200, from_cache=True)], source="s").attrs
{'source': 's', 'from_cache': True, 'stale': False}
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, TypeVar, overload

import pandas as pd

from blynkbook.errors import StaleDataWarning

if TYPE_CHECKING:
    from blynkbook.transport import Session

__all__ = ["Reporting", "reported", "with_meta"]

P = ParamSpec("P")
C = TypeVar("C", bound="Reporting")
Read = Callable[Concatenate[C, P], pd.DataFrame]

#: Inside a :func:`reported` read (the context is copied into ``Session.map`` threads): the
#: ids of the frames :func:`with_meta` stamped during the innermost one; None outside any.
_OPEN: ContextVar[list[int] | None] = ContextVar("blynkbook_reported_read", default=None)


class Reporting(Protocol):
    """What :func:`reported` needs of a client: its session and how it names a source."""

    session: Session

    def _source(self, what: str) -> str:
        """The ``attrs["source"]`` of a read (server and path or read name, never a token)."""
        ...


def with_meta(
    frame: pd.DataFrame,
    replies: Sequence[Any],
    *,
    source: str,
    warn: bool = True,
    stacklevel: int = 3,
) -> pd.DataFrame:
    """Record where the data came from in ``frame.attrs``; warn when any of it is stale.

    ``attrs``: ``source`` (server and path, never a token), ``from_cache`` (every reply
    came from the cache), ``stale`` (some reply was served from the cache after a failure).
    ``warn=False`` only records; inside a :func:`reported` read it only records too (the
    outermost read warns once).
    """
    from_cache = bool(replies) and all(getattr(r, "from_cache", False) for r in replies)
    stale = any(getattr(r, "stale", False) for r in replies)
    frame.attrs.update({"source": source, "from_cache": from_cache, "stale": stale})
    stamped = _OPEN.get()
    if stamped is not None:
        stamped.append(id(frame))
    elif stale and warn:
        _warn_stale(source, stacklevel + 1)
    return frame


def _warn_stale(source: str, stacklevel: int) -> None:
    warnings.warn(
        f"served cached data for {source}: the cloud could not be reached, it may be outdated",
        StaleDataWarning,
        stacklevel=stacklevel,
    )


@overload
def reported(read: Read[C, P], /) -> Read[C, P]: ...
@overload
def reported(what: str, /) -> Callable[[Read[C, P]], Read[C, P]]: ...
def reported(target: Any, /) -> Any:
    """Decorate a read that returns a frame: ``@reported`` (source named after the method)
    or ``@reported("/api/…/path")`` (source named after the path), through the client's
    ``_source``.

    ``from_cache`` is True when every reply the read's session handed out during it came
    from the cache. A read that states its own provenance (a series-store read, whose
    answer may need no reply at all) keeps it; ``stale`` warns once, at the outermost read.
    """
    if isinstance(target, str):
        return lambda read: _reported(read, target)
    return _reported(target, target.__name__)


def _reported(read: Read[C, P], what: str) -> Read[C, P]:
    @functools.wraps(read)
    def wrapper(self: C, /, *args: P.args, **kwargs: P.kwargs) -> pd.DataFrame:
        outermost = _OPEN.get() is None
        stamped: list[int] = []
        token = _OPEN.set(stamped)
        try:
            with self.session.recording() as replies:
                frame = read(self, *args, **kwargs)
        finally:
            _OPEN.reset(token)
        if id(frame) not in stamped:  # else the read stated its own provenance
            with_meta(frame, replies, source=self._source(what), warn=False)
        if outermost and frame.attrs.get("stale"):
            _warn_stale(frame.attrs["source"], stacklevel=3)
        return frame

    return wrapper
