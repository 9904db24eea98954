"""blynkbook: explore a Blynk (or Haltian Thingsee) IoT fleet from Jupyter.

Every read is a pandas DataFrame, responses are cached on disk, and ipywidgets panels
pick devices, plot history, map trackers and send writes. With no credentials it talks
to an embedded demo cloud.

>>> import blynkbook as bb
>>> cloud = bb.connect("demo")        # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"
