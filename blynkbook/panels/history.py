"""HistoryPanel: plot the history of the selected devices, thinned for display.

Each device × datastream becomes one trace. The full series stays in Python; the browser
gets at most ``max_points`` per trace, and zooming re-slices the full data so a narrow
window shows every point.

>>> import blynkbook as bb                          # doctest: +SKIP
>>> panel = HistoryPanel(bb.connect("demo"))         # doctest: +SKIP
>>> panel.picker.selected = (101,)                   # doctest: +SKIP
>>> panel.streams.value = ("Temperature",)           # doctest: +SKIP
>>> panel.load_button.click()                        # doctest: +SKIP
>>> panel.data.head()                                # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
import numpy.typing as npt
import pandas as pd
import plotly.graph_objects as go

from ._common import RANGE_PRESETS, Hooks, SchemaBook, StatusLine, device_label, name_lookup
from ._downsample import DEFAULT_MAX_POINTS, minmax_downsample, window
from ._protocol import FleetClient
from .picker import DevicePicker

__all__ = ["DATES", "HistoryPanel"]

DATES = "dates"
"""The range choice that uses the explicit start and end dates."""

HISTORY_COLUMNS = ["device_id", "datastream", "value"]

NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class Series:
    """One plotted series at full detail: ``x`` as int64 ns since the epoch (UTC)."""

    device_id: Hashable
    datastream: str
    name: str
    x: npt.NDArray[np.int64]
    y: npt.NDArray[np.float64]


def to_utc_ns(when: Any) -> int | None:
    """An axis bound as int ns in UTC: ISO text, Timestamp, datetime, epoch ms, or None.

    A plotly date axis reports its range as naive ISO text (``"2026-11-19 12:34:56.789"``)
    and takes numbers as milliseconds since the epoch; the panel draws UTC, so naive
    times are UTC and numbers are epoch milliseconds.

    >>> to_utc_ns("1970-01-01 00:00:01")
    1000000000
    >>> to_utc_ns(1500.0)
    1500000000
    """
    if when is None:
        return None
    if isinstance(when, int | float | np.integer | np.floating) and not isinstance(when, bool):
        return int(round(float(when) * NS_PER_MS))
    stamp = pd.Timestamp(when)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.as_unit("ns").value)


def to_axis_text(ns: npt.NDArray[np.generic]) -> npt.NDArray[np.str_]:
    """int ns since the epoch as naive UTC ISO text (ms precision), what a date axis draws.

    Text is the one form plotly.js always types as dates: a float or int64 buffer of
    epoch values lets it re-type the axis as linear numbers when the traces change.

    >>> to_axis_text(np.array([1_500_000_000], dtype=np.int64)).tolist()
    ['1970-01-01T00:00:01.500']
    """
    text: npt.NDArray[np.str_] = np.datetime_as_string(ns.astype("datetime64[ns]"), unit="ms")
    return text


def series_from_history(frame: pd.DataFrame, names: dict[Hashable, str]) -> list[Series]:
    """Split a long history frame into sorted numeric series, one per device × datastream."""
    if frame.empty:
        return []
    index = pd.DatetimeIndex(frame.index)
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    ordered = frame.assign(_ns=index.as_unit("ns").asi8).sort_values("_ns", kind="stable")
    out = []
    for (device_id, datastream), part in ordered.groupby(["device_id", "datastream"], sort=False):
        y = pd.to_numeric(part["value"], errors="coerce").to_numpy(dtype=np.float64)
        x = part["_ns"].to_numpy(dtype=np.int64)
        finite = np.isfinite(y)
        label = f"{device_label(names.get(device_id, device_id), device_id)} · {datastream}"
        out.append(Series(device_id, str(datastream), label, x[finite], y[finite]))
    return out


class HistoryPanel(widgets.VBox):  # type: ignore[misc]
    """Datastream choice, time range, Load, one FigureWidget, and a Publish button.

    **Attributes:** ``picker`` (the DevicePicker it follows), ``streams`` (SelectMultiple of
    labels with history), ``range_choice`` (1h/24h/7d/30d/dates), ``start`` / ``end``
    (DatePickers), ``load_button``, ``publish_button``, ``figure`` (``go.FigureWidget``),
    ``data`` (the full long frame last loaded), ``last_frame`` (what Publish stored),
    ``series`` (the full-detail series behind the traces), ``max_points``.
    """

    def __init__(
        self,
        client: FleetClient,
        picker: DevicePicker | None = None,
        *,
        max_points: int = DEFAULT_MAX_POINTS,
    ) -> None:
        self.client = client
        self.owns_picker = picker is None
        self.picker = picker if picker is not None else DevicePicker(client)
        self.max_points = max_points
        self.data = pd.DataFrame(columns=HISTORY_COLUMNS)
        self.last_frame: pd.DataFrame | None = None
        self.series: list[Series] = []
        self._schemas = SchemaBook(client)
        self._published = Hooks()
        self._build_widgets()
        super().__init__(children=self._layout())
        self._wire()
        self._on_selection(self.picker.selected)

    # -- construction --------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.streams = widgets.SelectMultiple(options=[], rows=5, description="Datastreams")
        self.range_choice = widgets.ToggleButtons(
            options=[*RANGE_PRESETS, DATES], value="24h", description="Range"
        )
        self.start = widgets.DatePicker(description="Start", disabled=True)
        self.end = widgets.DatePicker(description="End", disabled=True)
        self.load_button = widgets.Button(description="Load", button_style="primary")
        self.publish_button = widgets.Button(description="Publish frame", disabled=True)
        self.figure = go.FigureWidget(
            layout={
                "height": 420,
                "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
                "xaxis": {"type": "date", "title": {"text": "time (UTC)"}},
                # above the plot: below it, the legend would cover the axis title
                "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            }
        )
        self.status = StatusLine()

    def _layout(self) -> tuple[widgets.Widget, ...]:
        controls = widgets.VBox(
            [
                self.streams,
                self.range_choice,
                widgets.HBox([self.start, self.end]),
                widgets.HBox([self.load_button, self.publish_button]),
            ]
        )
        body = (controls, self.figure, self.status)
        return (self.picker, *body) if self.owns_picker else body

    def _wire(self) -> None:
        self.picker.on_change(self._on_selection)
        self.range_choice.observe(self._on_range_choice, names="value")
        self.load_button.on_click(lambda _: self.load())
        self.publish_button.on_click(lambda _: self.publish())
        self.figure.layout.on_change(self._on_xrange, "xaxis.range")

    # -- public API ----------------------------------------------------------------------
    @property
    def last_error(self) -> Exception | None:
        """The last error the panel showed, if any."""
        return self.status.last_error

    def on_publish(self, callback: Callable[[pd.DataFrame], Any], remove: bool = False) -> None:
        """Call ``callback(frame)`` when the Publish button stores a frame."""
        self._published.register(callback, remove)

    def time_range(self) -> tuple[Any, Any]:
        """``(start, end)`` for ``client.history`` from the range choice.

        Presets are relative (``"-24h"``, ``"now"``) so the client's own clock decides;
        explicit dates are UTC midnights, the end date included.
        """
        if self.range_choice.value != DATES:
            return RANGE_PRESETS[self.range_choice.value], "now"
        if self.start.value is None or self.end.value is None:
            raise ValueError("choose a start and an end date")
        start = pd.Timestamp(self.start.value, tz="UTC")
        end = pd.Timestamp(self.end.value + dt.timedelta(days=1), tz="UTC")
        if end <= start:
            raise ValueError(f"the end date {self.end.value} is before the start date")
        return start, end

    def load(self) -> None:
        """Fetch history for the selected devices and datastreams and redraw the figure."""
        with self.status.guard("Loading history", self.load_button, self.publish_button):
            devices, labels = self.picker.selected, tuple(self.streams.value)
            if not devices or not labels:
                raise ValueError("select at least one device and one datastream")
            start, end = self.time_range()
            self.data = self._fetch(devices, labels, start, end)
            self.series = series_from_history(self.data, name_lookup(self.picker.fleet))
            self._draw()
            points = sum(len(s.x) for s in self.series)
            self.status.say(f"{points:,} points in {len(self.series)} series", "ok")
        self.publish_button.disabled = self.data.empty

    def resample(self, x0: Any = None, x1: Any = None) -> None:
        """Show ``[x0, x1]`` (``None``: unbounded) at up to ``max_points`` per trace.

        Called by the figure when the x-axis range changes; inside a narrow window every
        point of the full series is shown. The bounds are what the date axis reports (naive
        UTC ISO text) or anything :func:`to_utc_ns` reads; trace ``x`` is naive UTC ISO text.
        """
        lo, hi = to_utc_ns(x0), to_utc_ns(x1)
        with self.figure.batch_update():
            for trace, series in zip(self.figure.data, self.series, strict=True):
                part = window(series.x, lo, hi)
                x, y = minmax_downsample(series.x[part], series.y[part], self.max_points)
                trace.x = to_axis_text(x)
                trace.y = y

    def publish(self) -> pd.DataFrame:
        """Store a copy of ``data`` in ``last_frame``, say its shape, tell ``on_publish``."""
        self.last_frame = self.data.copy()
        rows, cols = self.last_frame.shape
        self.status.say(f"published {rows:,} rows × {cols} columns as .last_frame", "ok")
        errors = self._published.fire(self.last_frame)
        if errors:
            self.status.fail(errors[0], "A publish callback")
        return self.last_frame

    # -- internals -----------------------------------------------------------------------
    def _fetch(
        self, devices: Sequence[Hashable], labels: Sequence[str], start: Any, end: Any
    ) -> pd.DataFrame:
        """One history call per datastream, for the devices whose schema has it."""
        parts = []
        for label in labels:
            having = [d for d in devices if label in self._schemas.labels(d, "history")]
            if having:
                parts.append(self.client.history(having, label, start, end))
        parts = [part for part in parts if not part.empty]
        return pd.concat(parts) if parts else pd.DataFrame(columns=HISTORY_COLUMNS)

    def _draw(self) -> None:
        with self.figure.batch_update():
            self.figure.data = ()
            self.figure.add_traces(
                [go.Scattergl(name=s.name, mode="lines", showlegend=True) for s in self.series]
            )
            # say "date" again: otherwise plotly.js re-types the axis as it re-plots
            self.figure.layout.xaxis.type = "date"
            self.figure.layout.xaxis.autorange = True
        self.resample()

    def _on_selection(self, selected: tuple[Hashable, ...]) -> None:
        with self.status.guard("Reading datastreams"):
            options = self._schemas.history_labels(selected)
            kept = tuple(label for label in self.streams.value if label in options)
            self.streams.value = ()
            self.streams.options = options
            self.streams.value = kept or tuple(options[:1])
            self.status.say(f"{len(options)} datastreams with history", "info")

    def _on_range_choice(self, change: dict[str, Any]) -> None:
        explicit = change["new"] == DATES
        self.start.disabled = self.end.disabled = not explicit

    def _on_xrange(self, layout: Any, xrange: Sequence[Any] | None) -> None:
        if not self.series:
            return
        with self.status.guard("Re-sampling"):
            lo, hi = (xrange[0], xrange[1]) if xrange else (None, None)
            self.resample(lo, hi)
            self.status.say("zoomed view at full detail where it fits", "info")
