"""The Blynk facade: the Platform API as pandas DataFrames, writes checked before sending.

One module per API resource (:mod:`.devices`, :mod:`.datastreams`, :mod:`.history`,
:mod:`.writes`, :mod:`.admin`), each with ``parse_*`` functions over decoded JSON, and
:class:`Blynk` composing them. Build a client with :func:`blynkbook.connect`.
"""

from __future__ import annotations

from .client import Blynk

__all__ = ["Blynk"]

Blynk.__module__ = "blynkbook"
