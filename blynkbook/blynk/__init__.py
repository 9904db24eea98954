"""The Blynk facade: the Platform API as pandas DataFrames, writes checked before sending.

One module per API resource (:mod:`.devices`, :mod:`.datastreams`, :mod:`.history`,
:mod:`.writes`, :mod:`.admin`), each with ``parse_*`` functions over decoded JSON, and
:class:`Blynk` composing them. Build a client with :func:`connect` (``bb.connect``); its
cache rules are in ``_cache_policy``, as Thingsee's are in ``thingsee/_cache_policy.py``.
"""

from __future__ import annotations

from ._connect import connect
from .client import Blynk

__all__ = ["Blynk", "connect"]

Blynk.__module__ = "blynkbook"
