"""What an analyst takes away from a panel: a download link, a name in the notebook, code.

>>> import pandas as pd
>>> frame = pd.DataFrame({"value": [1.5]}, index=pd.DatetimeIndex(["2026-11-20"], name="time"))
>>> 'download="history.csv"' in download_link(frame, "csv", "history")
True
>>> history_code("cloud", [1, 2], ["Temperature"], "-24h", "now")
'frame = cloud.history([1, 2], ["Temperature"], "-24h", "now")'
"""

from __future__ import annotations

import base64
import html
import io
import json
import keyword
from collections.abc import Hashable, Sequence
from typing import Any

import pandas as pd

__all__ = [
    "DOWNLOAD_FORMATS",
    "MAX_DOWNLOAD_BYTES",
    "check_frame_name",
    "download_link",
    "history_code",
    "publish_to_notebook",
]

DOWNLOAD_FORMATS = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}
MAX_DOWNLOAD_BYTES = 50_000_000
"""A download link carries the file inside the page; past this size save it from code."""


def frame_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """``frame`` as CSV (UTF-8, ISO times) or Parquet bytes."""
    if fmt == "csv":
        return frame.to_csv(date_format="%Y-%m-%dT%H:%M:%S.%fZ").encode("utf-8")
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        return buffer.getvalue()
    raise ValueError(f"download format must be one of {sorted(DOWNLOAD_FORMATS)}, got {fmt!r}")


def download_link(frame: pd.DataFrame, fmt: str, stem: str) -> str:
    """An HTML link that saves ``frame`` as ``<stem>.<fmt>`` when clicked."""
    data = frame_bytes(frame, fmt)
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise ValueError(
            f"{len(data):,} bytes is more than a download link carries "
            f"({MAX_DOWNLOAD_BYTES:,}): save it with panel.data.to_{fmt}(path)"
        )
    encoded = base64.b64encode(data).decode("ascii")
    name = html.escape(f"{stem}.{fmt}")
    return (
        f'<a download="{name}" href="data:{DOWNLOAD_FORMATS[fmt]};base64,{encoded}" '
        f'target="_blank">⬇ save {name}</a> ({len(data):,} bytes)'
    )


def check_frame_name(name: str) -> str:
    """A variable name to publish a frame under, or ValueError saying why not.

    >>> check_frame_name(" week ")
    'week'
    """
    name = name.strip()
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"{name!r} is not a Python variable name (try history_frame)")
    return name


def publish_to_notebook(name: str, frame: pd.DataFrame) -> bool:
    """Bind ``name`` to ``frame`` in the running notebook; False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.user_ns[name] = frame
    return True


def _literal(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return json.dumps(value.isoformat())
    return json.dumps(value) if isinstance(value, str) else repr(value)


def history_code(
    client_name: str, devices: Sequence[Hashable], labels: Sequence[str], start: Any, end: Any
) -> str:
    """The ``client.history(...)`` call that fetches what the panel shows."""
    ids = "[" + ", ".join(_literal(d) for d in devices) + "]"
    streams = "[" + ", ".join(json.dumps(label) for label in labels) + "]"
    return f"frame = {client_name}.history({ids}, {streams}, {_literal(start)}, {_literal(end)})"
