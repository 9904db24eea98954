"""Load plotly's widget support without paying for ``nbformat`` up front.

``plotly.io._renderers`` (imported by ``FigureWidget``) imports ``nbformat`` at import
time, only to check its version when a figure is *shown through a mime renderer*
(``fig.show()``). ``nbformat`` imports ``jsonschema``, which imports ``rfc3987_syntax``,
which builds a parser: ~2 s of a fresh kernel's first plot, measured with
``python -X importtime``. Panels never use that path, so the module is handed a stand-in
that imports the real ``nbformat`` the first time anything is asked of it: ``fig.show()``
still works, and pays the cost only if it is used.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__ = ["defer_nbformat"]


class _ImportOnUse(types.ModuleType):
    """Stands in for a module and imports it on the first attribute asked of it."""

    def __getattr__(self, name: str) -> Any:
        real = importlib.import_module(self.__name__)
        return getattr(real, name)


def defer_nbformat() -> None:
    """Import ``plotly.io._renderers`` with ``nbformat`` standing in (no-op if either is
    already imported, so a kernel that has ``nbformat`` keeps using it)."""
    if "plotly.io._renderers" in sys.modules or "nbformat" in sys.modules:
        return
    from _plotly_utils import optional_imports  # type: ignore[import-untyped]

    not_importable: set[str] = getattr(optional_imports, "_not_importable", set())
    not_importable.add("nbformat")
    try:
        import plotly.io._renderers as renderers
    finally:
        not_importable.discard("nbformat")
    renderers.nbformat = _ImportOnUse("nbformat")
