"""Find a datastream named by id, label, alias or pin in a device's schema.

Matching order: an int (or all-digit string) is a datastream id; otherwise the exact
label, then the alias, then the pin (``"V4"`` and ``"v4"`` are the same), then the
label ignoring case. A name matching several datastreams, or none, raises
:class:`~blynkbook.errors.DatastreamNameError` listing the valid names.

>>> import pandas as pd
>>> schema = pd.DataFrame({"datastream_id": [1, 2], "label": ["Temperature", "Mode"],
...                        "alias": ["temp", "mode"], "pin": ["v0", "v4"]})
>>> resolve_datastream(schema, "V4", device_id=7)["label"]
'Mode'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from blynkbook.errors import DatastreamNameError

__all__ = ["resolve_datastream", "valid_names"]


def valid_names(schema: pd.DataFrame) -> str:
    """``"Temperature (alias temp, pin v0, id 1), …"`` for error messages."""
    return ", ".join(
        f"{row.label} (alias {row.alias}, pin {row.pin}, id {row.datastream_id})"
        for row in schema.itertuples()
    )


def _matches(schema: pd.DataFrame, name: Any) -> list[int]:
    """The positions of the rows ``name`` matches, by the first rule that matches any
    (plain Python over the few rows of a schema: a read of 100 series resolves 100 names)."""
    ids = schema["datastream_id"].tolist()
    if isinstance(name, int) and not isinstance(name, bool):
        return [i for i, d in enumerate(ids) if d == name]
    text = str(name).strip()
    if text.isdigit():
        return [i for i, d in enumerate(ids) if d == int(text)]
    labels, aliases, pins = (schema[c].tolist() for c in ("label", "alias", "pin"))
    lower = text.lower()
    tests: list[Callable[[int], bool]] = [
        lambda i: labels[i] == text,
        lambda i: aliases[i] == text,
        lambda i: _lowered(pins[i]) == lower,
        lambda i: _lowered(labels[i]) == lower,
    ]
    for test in tests:
        found = [i for i in range(len(ids)) if test(i)]
        if found:
            return found
    return []


def _lowered(value: object) -> str | None:
    return value.lower() if isinstance(value, str) else None


def resolve_datastream(schema: pd.DataFrame, name: Any, *, device_id: int) -> pd.Series:
    """The schema row (a Series) of the one datastream ``name`` refers to."""
    schema = schema.copy(deep=False)
    schema.attrs = {}  # else pandas deep-copies the frame's provenance at every column access
    found = _matches(schema, name)
    if len(found) == 1:
        return schema.iloc[found[0]]
    problem = "is ambiguous" if len(found) > 1 else "is not a datastream"
    raise DatastreamNameError(
        f"datastream {name!r} {problem} of device {device_id}; valid names: "
        f"{valid_names(schema) or 'none (the template has no datastreams)'}"
    )
