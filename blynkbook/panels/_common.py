"""Small pieces every panel shares: the status line, event hooks, labels and tables.

>>> status = StatusLine()
>>> with status.guard("Loading"):
...     raise ValueError("no such datastream")
>>> type(status.last_error).__name__, "no such datastream" in status.value
('ValueError', True)
"""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import pandas as pd

__all__ = [
    "CONNECTION_HINT",
    "RANGE_PRESETS",
    "Hooks",
    "SchemaBook",
    "StatusLine",
    "device_label",
    "frame_html",
    "name_lookup",
    "short_error",
    "unit_of",
]

RANGE_PRESETS: dict[str, str] = {"1h": "-1h", "24h": "-24h", "7d": "-7d", "30d": "-30d"}
"""Time range buttons → the relative start every client understands (end is ``"now"``)."""

_COLOURS = {"info": "#444", "busy": "#1f6feb", "ok": "#1a7f37", "error": "#cf222e"}


CONNECTION_HINT = "check the network connection and BLYNK_SERVER (or THINGSEE_SERVER)"
"""What a panel adds to an error that means the cloud could not be reached."""

_MAX_ERROR_CHARS = 300


def _is_connection_failure(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the cloud could not be reached."""
    from ..errors import TransportError

    seen: BaseException | None = exc
    for _ in range(5):  # a short cause chain is all there ever is
        if seen is None:
            return False
        if isinstance(seen, TransportError | ConnectionError | TimeoutError):
            return True
        if (
            type(seen).__module__.startswith(("httpx", "httpcore"))
            and "Connect" in type(seen).__name__
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def short_error(exc: BaseException) -> str:
    """One short line for a panel: the message's last line, and a hint when the cloud
    could not be reached (a panel never shows a traceback).

    >>> short_error(ValueError("first\\nno such datastream 'x'"))
    "no such datastream 'x'"
    >>> "BLYNK_SERVER" in short_error(ConnectionRefusedError("refused"))
    True
    """
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[-1] if lines else type(exc).__name__
    if len(text) > _MAX_ERROR_CHARS:
        text = text[: _MAX_ERROR_CHARS - 1] + "…"
    if _is_connection_failure(exc):
        text = f"{text} ({CONNECTION_HINT})"
    return text


def unit_of(row: Any) -> str:
    """A schema row's unit, from its ``units`` column (:data:`blynkbook.contract.SCHEMA`).

    >>> unit_of({"units": "°C"}), unit_of({"units": None}), unit_of({"label": "Mode"})
    ('°C', '', '')
    """
    value = row.get("units")
    return value.strip() if isinstance(value, str) else ""


class StatusLine(widgets.HTML):  # type: ignore[misc]
    """One line of HTML under a panel: progress, results and errors (never a traceback).

    ``last_error`` keeps the most recent exception shown, for tests and for the curious.
    """

    def __init__(self) -> None:
        super().__init__(value="")
        self.last_error: Exception | None = None

    def say(self, text: str, kind: str = "info") -> None:
        """Show ``text`` (plain text, escaped) styled as info, busy, ok or error."""
        colour = _COLOURS.get(kind, _COLOURS["info"])
        self.value = f'<span style="color:{colour}">{html.escape(text)}</span>'

    def fail(self, exc: Exception, action: str = "") -> None:
        """Show an exception as one short line (see :func:`short_error`) and remember it."""
        self.last_error = exc
        prefix = f"{action} failed: " if action else ""
        self.say(f"{prefix}{short_error(exc)}", "error")

    def clear_error(self) -> None:
        """Take a shown error away (the input it was about has changed)."""
        if self.last_error is not None:
            self.last_error = None
            self.say("")

    @contextmanager
    def guard(self, action: str, *disable: widgets.Widget) -> Iterator[None]:
        """Run a block with ``disable`` widgets greyed out; report an exception, don't raise.

        The status says ``"<action>…"`` while the block runs.
        """
        self.last_error = None
        self.say(f"{action}…", "busy")
        for widget in disable:
            widget.disabled = True
        try:
            yield
        except Exception as exc:  # a panel shows the error instead of a traceback
            self.fail(exc, action)
        finally:
            for widget in disable:
                widget.disabled = False


class Hooks:
    """The callbacks of one panel event; a failing callback is reported, not raised.

    >>> hooks = Hooks()
    >>> seen = []
    >>> hooks.register(seen.append)
    >>> hooks.fire((1, 2))
    []
    >>> seen
    [(1, 2)]
    """

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., object]] = []

    def register(self, callback: Callable[..., object], remove: bool = False) -> None:
        """Add ``callback`` (once), or take it away with ``remove=True``."""
        if remove:
            if callback in self._callbacks:
                self._callbacks.remove(callback)
        elif callback not in self._callbacks:
            self._callbacks.append(callback)

    def fire(self, *args: Any) -> list[Exception]:
        """Call every callback with ``args``; return the exceptions they raised."""
        errors: list[Exception] = []
        for callback in list(self._callbacks):
            try:
                callback(*args)
            except Exception as exc:  # one bad callback must not break the panel
                errors.append(exc)
        return errors


def device_label(name: object, device_id: Hashable) -> str:
    """How a device appears in lists: ``"Greenhouse 3 (101)"``.

    >>> device_label("Pump", 7)
    'Pump (7)'
    """
    return f"{name} ({device_id})"


def name_lookup(devices: pd.DataFrame) -> dict[Hashable, str]:
    """``device_id → name`` from a ``devices()`` frame.

    >>> name_lookup(pd.DataFrame({"device_id": [1], "name": ["Pump"]}))
    {1: 'Pump'}
    """
    if devices.empty:
        return {}
    return dict(zip(devices["device_id"].tolist(), devices["name"].astype(str), strict=True))


def frame_html(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> str:
    """A compact, escaped HTML table of ``frame`` (``columns`` that exist, in order).

    >>> "<td>Pump</td>" in frame_html(pd.DataFrame({"name": ["Pump"]}))
    True
    """
    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns]]
    if frame.empty:
        return "<i>nothing to show</i>"
    table = frame.to_html(index=False, border=0, escape=True, na_rep="")
    return f'<div style="max-height:22em;overflow:auto;font-size:90%">{table}</div>'


class SchemaBook:
    """``client.schema(id)`` asked once per device, with the questions panels ask of it.

    >>> book = SchemaBook(client)                  # doctest: +SKIP
    >>> book.history_labels([101, 102])             # doctest: +SKIP
    ['Temperature', 'Humidity']
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self._schemas: dict[Hashable, pd.DataFrame] = {}

    def schema(self, device_id: Hashable) -> pd.DataFrame:
        """The device's schema frame (fetched on first use)."""
        if device_id not in self._schemas:
            self._schemas[device_id] = self.client.schema(device_id)
        return self._schemas[device_id]

    def labels(self, device_id: Hashable, flag: str) -> list[str]:
        """Labels of the device's datastreams whose boolean column ``flag`` is true."""
        frame = self.schema(device_id)
        if frame.empty or flag not in frame.columns:
            return []
        return frame.loc[frame[flag].fillna(False).astype(bool), "label"].astype(str).tolist()

    def row(self, device_id: Hashable, label: str) -> dict[str, Any]:
        """The schema row of one datastream as a dict (empty when the device lacks it)."""
        frame = self.schema(device_id)
        if frame.empty or "label" not in frame.columns:
            return {}
        rows = frame[frame["label"].astype(str) == label]
        return {} if rows.empty else dict(rows.iloc[0])

    def unit(self, device_id: Hashable, label: str) -> str:
        """The unit of one datastream of one device ("" when it has none)."""
        return unit_of(self.row(device_id, label))

    def history_labels(self, device_ids: Sequence[Hashable]) -> list[str]:
        """Labels with history on any of the devices, in first-seen order."""
        seen: dict[str, None] = {}
        for device_id in device_ids:
            seen.update(dict.fromkeys(self.labels(device_id, "history")))
        return list(seen)
