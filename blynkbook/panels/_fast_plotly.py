"""Load plotly's widget support without paying for ``nbformat`` or its default template.

``plotly.io._renderers`` (imported by ``FigureWidget``) imports ``nbformat`` at import
time, only to check its version when a figure is *shown through a mime renderer*
(``fig.show()``). ``nbformat`` imports ``jsonschema``, which imports ``rfc3987_syntax``,
which builds a parser: ~2 s of a fresh kernel's first plot, measured with
``python -X importtime``. Panels never use that path, so the module is handed a stand-in
that imports the real ``nbformat`` the first time anything is asked of it: ``fig.show()``
still works, and pays the cost only if it is used.

:data:`TEMPLATE` is the panels' own small template. A figure created without one gets
plotly's default ("plotly"), whose loading and validation the first time in a kernel
costs ~0.4 s CPU and ~160 modules (measured: ``FigureWidget()`` 0.57-0.59 s CPU, with
this template 0.19 s); ours keeps the look a plotly user expects (the same colours,
grid and background).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__ = ["TEMPLATE", "defer_nbformat"]

_GRID = {"gridcolor": "white", "linecolor": "white", "zerolinecolor": "white", "ticks": ""}
TEMPLATE: dict[str, Any] = {
    "layout": {
        "colorway": ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A",
                     "#19d3f3", "#FF6692", "#B6E880", "#FF97FF", "#FECB52"],
        "paper_bgcolor": "white",
        "plot_bgcolor": "#E5ECF6",
        "font": {"color": "#2a3f5f"},
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "xaxis": {**_GRID, "automargin": True},
        "yaxis": {**_GRID, "automargin": True},
    }
}  # fmt: skip
"""Layout defaults of every panel figure (plotly's "plotly" look, without loading it)."""


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
