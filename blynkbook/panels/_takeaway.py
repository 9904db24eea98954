"""The row under a plot that hands the data on: publish as a named frame, CSV / Parquet
download, copy the query as code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ._common import Hooks, StatusLine
from ._export import check_frame_name, download_link, publish_to_notebook

__all__ = ["TakeAway"]


class TakeAway(widgets.VBox):  # type: ignore[misc]
    """Publish / download / code for the frame ``frame()`` returns; ``code()`` writes the
    call that reproduces it. Messages go to the panel's ``status`` line.

    **Attributes:** ``publish_button``, ``publish_name``, ``csv_button``,
    ``parquet_button``, ``code_button``, ``download`` (the link), ``code_box``,
    ``last_frame`` (what Publish stored).
    """

    def __init__(
        self,
        status: StatusLine,
        frame: Callable[[], pd.DataFrame],
        code: Callable[[], str],
        stem: str = "history",
    ) -> None:
        self.status, self._frame, self._code, self.stem = status, frame, code, stem
        self.last_frame: pd.DataFrame | None = None
        self._published = Hooks()
        wide = {"description_width": "initial"}
        self.publish_name = widgets.Text(
            value=f"{stem}_frame", description="as", style=wide,
            layout=widgets.Layout(width="14em"),
        )  # fmt: skip
        self.publish_button = widgets.Button(description="Publish frame", disabled=True)
        self.csv_button = widgets.Button(description="CSV", icon="download", disabled=True)
        self.parquet_button = widgets.Button(description="Parquet", icon="download", disabled=True)
        self.code_button = widgets.Button(description="Copy as code", icon="code")
        self.download = widgets.HTML()
        self.code_box = widgets.Textarea(
            layout=widgets.Layout(width="100%", height="3em", display="none")
        )
        self.publish_button.on_click(lambda _: self.publish())
        self.csv_button.on_click(lambda _: self.offer_download("csv"))
        self.parquet_button.on_click(lambda _: self.offer_download("parquet"))
        self.code_button.on_click(lambda _: self.show_code())
        buttons = widgets.HBox(
            [self.publish_button, self.publish_name, self.csv_button, self.parquet_button,
             self.code_button]
        )  # fmt: skip
        super().__init__(children=(buttons, self.download, self.code_box))

    def enable(self, has_data: bool) -> None:
        """Publish and download only when there is data."""
        for button in (self.publish_button, self.csv_button, self.parquet_button):
            button.disabled = not has_data

    def on_publish(self, callback: Callable[[pd.DataFrame], Any], remove: bool = False) -> None:
        """Call ``callback(frame)`` when the Publish button stores a frame."""
        self._published.register(callback, remove)

    def publish(self) -> pd.DataFrame:
        """Store a copy of the frame in ``last_frame`` and, in a notebook, under the name in
        ``publish_name``; say where; tell ``on_publish``."""
        self.last_frame = self._frame().copy()
        rows, cols = self.last_frame.shape
        where = "panel.last_frame"
        try:
            name = check_frame_name(self.publish_name.value)
        except ValueError as exc:
            self.status.fail(exc, "Publishing")
            return self.last_frame
        if publish_to_notebook(name, self.last_frame):
            where = f"`{name}` (and panel.last_frame)"
        self.status.say(f"published {rows:,} rows × {cols} columns as {where}", "ok")
        errors = self._published.fire(self.last_frame)
        if errors:
            self.status.fail(errors[0], "A publish callback")
        return self.last_frame

    def offer_download(self, fmt: str) -> str:
        """Put a link that saves the frame as CSV or Parquet under the buttons."""
        with self.status.guard(f"Preparing {fmt}"):
            frame = self._frame()
            self.download.value = download_link(frame, fmt, self.stem)
            self.status.say(f"{len(frame):,} rows ready as {fmt}: click the link", "ok")
        return str(self.download.value)

    def show_code(self) -> str:
        """Show ``code()`` in a text box under the buttons, ready to copy."""
        with self.status.guard("Writing code"):
            self.code_box.value = self._code()
            self.code_box.layout.display = None
            self.status.say("the code is in the box below: select it and copy", "info")
        return str(self.code_box.value)
