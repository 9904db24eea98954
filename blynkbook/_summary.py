"""What ``cache.info()`` and ``store.info()`` return, and the stand-in for a missing one.

:class:`Summary` is a mapping of named figures that also reads as attributes (each kind
supplies its repr); :class:`Absent` is the falsy base of ``NoCache`` and ``NoStore``.

>>> summary = Summary(entries=3, path=None)
>>> summary["entries"], summary.entries, sorted(summary)
(3, 3, ['entries', 'path'])
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["Absent", "Summary"]


class Summary(Mapping[str, Any]):
    """Named figures, read as ``summary["name"]`` or ``summary.name``."""

    def __init__(self, **fields: Any) -> None:
        self._fields = fields

    def __getitem__(self, name: str) -> Any:
        return self._fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_fields"][name]
        except KeyError:
            raise AttributeError(name) from None


class Absent:
    """A falsy stand-in for a cache or store the client does not have; ``reason`` says why.

    >>> missing = Absent("the demo is not cached")
    >>> bool(missing), missing
    (False, <Absent: the demo is not cached>)
    """

    offline = False

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.reason}>"
