"""blynkbook: explore a Blynk (or Haltian Thingsee) IoT fleet from Jupyter.

Every read is a pandas DataFrame, responses are cached on disk, and ipywidgets panels
pick devices, plot history, map trackers and send writes. With no credentials it talks
to an embedded demo cloud.

>>> import blynkbook as bb
>>> cloud = bb.connect("demo")        # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import thingsee
    from .blynk import Blynk, connect
    from .errors import StaleDataWarning
    from .panels import explore

__all__ = ["Blynk", "StaleDataWarning", "connect", "explore", "thingsee"]

_LAZY = {
    "Blynk": "blynkbook.blynk",
    "StaleDataWarning": "blynkbook.errors",
    "connect": "blynkbook.blynk",
    "explore": "blynkbook.panels",
}


def __getattr__(name: str) -> Any:
    # The facade, panels and Thingsee load on first use, so `import blynkbook` stays cheap.
    import importlib

    if name == "thingsee":
        return importlib.import_module("blynkbook.thingsee")
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'blynkbook' has no attribute {name!r}")
