"""HistoryPanel: plot the history of the selected devices, thinned for display.

Each device × datastream becomes one trace. The series come from a
:class:`~blynkbook.panels._source.SeriesSource` (by default the client, held in memory);
the browser gets at most ``max_points`` per trace, and zooming asks the series for the
visible window again, so a narrow window shows every point.

>>> import blynkbook as bb                          # doctest: +SKIP
>>> panel = HistoryPanel(bb.connect("demo"))         # doctest: +SKIP
>>> panel.picker.selected = (101,)                   # doctest: +SKIP
>>> panel.streams.value = ("Temperature",)           # doctest: +SKIP
>>> panel.data.head()                                # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import html
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import numpy.typing as npt
import pandas as pd
import plotly.graph_objects as go

from ._common import RANGE_PRESETS, Hooks, SchemaBook, StatusLine, name_lookup
from ._downsample import DEFAULT_MAX_POINTS
from ._export import (
    check_frame_name,
    download_link,
    history_code,
    publish_to_notebook,
)
from ._protocol import FleetClient
from ._source import HISTORY_COLUMNS, ClientSource, Series, SeriesSource
from .picker import DevicePicker

__all__ = [
    "DATES",
    "LIVE_RANGES",
    "HistoryPanel",
    "axis_groups",
    "to_axis_text",
    "to_utc_ns",
]

DATES = "dates"
"""The range choice that uses the explicit start and end dates."""

LIVE_RANGES = ("1h", "24h")
"""Ranges short enough to refresh live."""

NS_PER_MS = 1_000_000
UTC = "UTC"
LOCAL = "local"
PREVIOUS = "showing the previous selection: press Load (or tick auto-load) to update"
EXTENT = "extent"
"""Name of the invisible trace that spans every series, so "reset axes" returns to all."""

Zone = dt.tzinfo | str | None  # None: UTC


def to_utc_ns(when: Any, tz: Zone = None) -> int | None:
    """An axis bound as int ns in UTC: ISO text, Timestamp, datetime, epoch ms, or None.

    A plotly date axis reports its range as naive text in the time zone it draws
    (``tz``, UTC when None) and takes numbers as milliseconds since the epoch.

    >>> to_utc_ns("1970-01-01 00:00:01")
    1000000000
    >>> to_utc_ns(1500.0)
    1500000000
    >>> to_utc_ns("1970-01-01 02:00:01", "Europe/Helsinki")
    1000000000
    """
    if when is None:
        return None
    if isinstance(when, int | float | np.integer | np.floating) and not isinstance(when, bool):
        stamp = pd.Timestamp(int(round(float(when) * NS_PER_MS)), unit="ns")
    else:
        stamp = pd.Timestamp(when)
    if stamp.tzinfo is None:
        zone = tz if tz is not None else UTC
        stamp = stamp.tz_localize(zone, ambiguous=False, nonexistent="shift_forward")
    return int(stamp.tz_convert(UTC).as_unit("ns").value)


def to_axis_text(ns: npt.NDArray[np.generic], tz: Zone = None) -> npt.NDArray[np.str_]:
    """int ns since the epoch as naive ISO text (ms) in ``tz`` (UTC when None).

    Text is the one form plotly.js always types as dates: a float or int64 buffer of
    epoch values lets it re-type the axis as linear numbers when the traces change.

    >>> to_axis_text(np.array([1_500_000_000], dtype=np.int64)).tolist()
    ['1970-01-01T00:00:01.500']
    >>> to_axis_text(np.array([0], dtype=np.int64), "Europe/Helsinki").tolist()
    ['1970-01-01T02:00:00.000']
    """
    stamps = np.asarray(ns).astype("int64")
    if tz is not None:
        local = pd.DatetimeIndex(stamps, tz=UTC).tz_convert(tz).tz_localize(None)
        stamps = local.as_unit("ns").asi8
    text: npt.NDArray[np.str_] = np.datetime_as_string(stamps.astype("datetime64[ns]"), unit="ms")
    return text


def axis_groups(series: Sequence[Series]) -> dict[str, list[Series]]:
    """Series grouped by what their y axis measures: the unit, or (no unit) the
    datastream alone, so two unitless datastreams never share a scale."""
    groups: dict[str, list[Series]] = {}
    for s in series:
        key = s.unit if s.unit else f"datastream:{s.datastream}"
        groups.setdefault(key, []).append(s)
    return groups


def axis_title(group: list[Series]) -> str:
    """``"Temperature (°C)"``, ``"Temperature, Dew point (°C)"`` or ``"Mode (no unit)"``."""
    labels = ", ".join(dict.fromkeys(s.datastream for s in group))
    unit = group[0].unit
    return f"{labels} ({unit})" if unit else f"{labels} (no unit)"


def _row_domains(rows: int, gap: float = 0.08) -> list[list[float]]:
    """Vertical domains of ``rows`` stacked plots, top first."""
    height = (1.0 - gap * (rows - 1)) / rows
    tops = [1.0 - i * (height + gap) for i in range(rows)]
    return [[max(top - height, 0.0), min(top, 1.0)] for top in tops]


def _axis_id(row: int) -> str:
    return "y" if row == 0 else f"y{row + 1}"


def _hover_template(unit: str, zone_label: str) -> str:
    unit_text = f" {unit}" if unit else ""
    when = f"%{{x|%Y-%m-%d %H:%M:%S}} {zone_label}"
    return f"{when}<br>%{{y:.4~g}}{unit_text}<extra>%{{fullData.name}}</extra>"


def _offset(text: str) -> pd.Timedelta:
    """``"-24h"`` → 24 hours."""
    return pd.Timedelta(text.lstrip("-").replace("d", "D"))


def _kernel_zone() -> dt.tzinfo | None:
    return dt.datetime.now().astimezone().tzinfo


class HistoryPanel(widgets.VBox):  # type: ignore[misc]
    """Datastream choice, time range, the plot, and what to do with the data.

    Choices made for people used to plotly and Grafana:

    - **The plot follows the choices** (auto-load, like a Grafana panel re-querying when
      the time range or a variable changes). Untick *auto-load* for slow clouds: the
      plot then says "showing the previous selection" until Load is pressed.
    - **Small multiples, one per unit**, sharing one time axis (plotly's
      ``make_subplots(shared_xaxes=True)``): °C, %, hPa and lx each get a full-height
      scale, where one shared axis flattens 20 °C under 1000 hPa and two-sided axes stop
      at two units. Every y axis is titled with its datastreams and unit; hover shows
      the unit and the time zone.
    - **Zoom returns**: a zoom re-samples the window at full detail; double-click,
      "Reset axes" and "Autoscale" go back to every series at once, because an invisible
      trace spans them all and an autorange re-samples everything.

    **Attributes:** ``picker``, ``streams`` (SelectMultiple of labels with history),
    ``range_choice`` (1h/24h/7d/30d/dates), ``start`` / ``end`` (DatePickers),
    ``auto_load``, ``live`` (refresh every ``live_interval`` s; 1h and 24h only),
    ``time_zone`` (UTC / local), ``load_button``, ``publish_button`` with
    ``publish_name``, ``csv_button`` / ``parquet_button`` with ``download``,
    ``code_button`` with ``code_box``, ``figure``, ``notice`` (stale / partial data),
    ``status``, ``data`` (the long frame last loaded), ``last_frame`` (what Publish
    stored), ``series``, ``not_drawn`` (series name → why), ``max_points``.
    """

    def __init__(
        self,
        client: FleetClient,
        picker: DevicePicker | None = None,
        *,
        max_points: int = DEFAULT_MAX_POINTS,
        source: SeriesSource | None = None,
        local_tz: Zone = None,
        live_interval: float = 30.0,
        client_name: str = "cloud",
    ) -> None:
        if live_interval <= 0:
            raise ValueError(f"live_interval must be positive seconds, got {live_interval}")
        self.client = client
        self.owns_picker = picker is None
        self.picker = picker if picker is not None else DevicePicker(client)
        self.max_points = max_points
        self.live_interval = live_interval
        self.client_name = client_name
        self.data = pd.DataFrame(columns=HISTORY_COLUMNS)
        self.last_frame: pd.DataFrame | None = None
        self.series: list[Series] = []
        self.not_drawn: dict[str, str] = {}
        self._schemas = SchemaBook(client)
        self.source = source or ClientSource(
            client, self._schemas, lambda: name_lookup(self.picker.fleet)
        )
        self._local_tz = local_tz if local_tz is not None else _kernel_zone()
        self._published = Hooks()
        self._quiet = False
        self._drawing = False
        self._axes_drawn = 0
        self._view: tuple[int | None, int | None] = (None, None)
        self._timer: threading.Timer | None = None
        self._build_widgets()
        super().__init__(children=self._layout())
        self._wire()
        self._show_empty("pick a device and a datastream to plot")
        self._on_selection(self.picker.selected)

    # -- construction --------------------------------------------------------------------
    def _build_widgets(self) -> None:
        wide = {"description_width": "initial"}
        self.streams = widgets.SelectMultiple(
            options=[], rows=5, description="Datastreams", style=wide,
            layout=widgets.Layout(width="max-content", min_width="22em"),
        )  # fmt: skip
        self.range_choice = widgets.ToggleButtons(
            options=[*RANGE_PRESETS, DATES], value="24h", description="Range", style=wide
        )
        self.start = widgets.DatePicker(description="Start", disabled=True)
        self.end = widgets.DatePicker(description="End", disabled=True)
        snug = widgets.Layout(width="auto")
        self.auto_load = widgets.Checkbox(
            value=True, description="auto-load", indent=False, layout=snug
        )
        self.live = widgets.Checkbox(
            value=False, description=f"live (every {self.live_interval:g} s)", indent=False,
            layout=widgets.Layout(width="auto"),
        )  # fmt: skip
        zone = getattr(self._local_tz, "key", None) or str(self._local_tz)
        self.time_zone = widgets.ToggleButtons(
            options=[("UTC", UTC), (f"local ({zone})", LOCAL)], value=UTC,
            description="Time", style={"description_width": "initial", "button_width": "auto"},
        )  # fmt: skip
        self.load_button = widgets.Button(description="Load", button_style="primary")
        self.publish_name = widgets.Text(
            value="history_frame", description="as", style=wide,
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
        self.notice = widgets.HTML()
        self.figure = go.FigureWidget(
            layout={
                "autosize": True,
                "height": 420,
                "margin": {"l": 70, "r": 50, "t": 60, "b": 50},
                "xaxis": {"type": "date", "title": {"text": "time (UTC)"}},
                # the legend above the plot, the toolbar upright in the right margin:
                # neither covers the other or the data
                "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
                "modebar": {"orientation": "v"},
            }
        )
        self.status = StatusLine()

    def _layout(self) -> tuple[widgets.Widget, ...]:
        controls = widgets.VBox(
            [
                self.streams,
                self.range_choice,
                widgets.HBox([self.start, self.end]),
                widgets.HBox(
                    [self.load_button, self.auto_load, self.live, self.time_zone],
                    layout=widgets.Layout(align_items="center", grid_gap="1em"),
                ),
            ]
        )
        take_away = widgets.HBox(
            [
                self.publish_button,
                self.publish_name,
                self.csv_button,
                self.parquet_button,
                self.code_button,
            ]
        )
        body = (
            controls,
            self.notice,
            self.figure,
            self.status,
            take_away,
            self.download,
            self.code_box,
        )
        return (self.picker, *body) if self.owns_picker else body

    def _wire(self) -> None:
        self.picker.on_change(self._on_selection)
        self.streams.observe(lambda _: self._changed(), names="value")
        self.range_choice.observe(self._on_range_choice, names="value")
        for picker in (self.start, self.end):
            picker.observe(lambda _: self._changed(), names="value")
        self.auto_load.observe(lambda _: self._changed(), names="value")
        self.live.observe(self._on_live, names="value")
        self.time_zone.observe(lambda _: self._redraw_in_zone(), names="value")
        self.load_button.on_click(lambda _: self.load())
        self.publish_button.on_click(lambda _: self.publish())
        self.csv_button.on_click(lambda _: self.offer_download("csv"))
        self.parquet_button.on_click(lambda _: self.offer_download("parquet"))
        self.code_button.on_click(lambda _: self.show_code())
        self.figure.layout.on_change(self._on_xrange, "xaxis.range")
        self.figure.layout.on_change(self._on_autorange, "xaxis.autorange")

    # -- public API ----------------------------------------------------------------------
    @property
    def last_error(self) -> Exception | None:
        """The last error the panel showed, if any."""
        return self.status.last_error

    @property
    def zone(self) -> Zone:
        """The time zone the plot draws (None: UTC)."""
        return self._local_tz if self.time_zone.value == LOCAL else None

    @property
    def zone_label(self) -> str:
        """``"UTC"`` or the local zone's name."""
        zone = self.zone
        return UTC if zone is None else (getattr(zone, "key", None) or str(zone))

    @property
    def data_traces(self) -> tuple[Any, ...]:
        """The figure's traces that draw series (without the invisible extent trace)."""
        return tuple(t for t in self.figure.data if t.name != EXTENT)

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
        start = pd.Timestamp(self.start.value, tz=UTC)
        end = pd.Timestamp(self.end.value + dt.timedelta(days=1), tz=UTC)
        if end <= start:
            raise ValueError(f"the end date {self.end.value} is before the start date")
        return start, end

    def load(self) -> None:
        """Fetch history for the selected devices and datastreams and redraw the figure."""
        with self.status.guard("Loading history", self.load_button, self.publish_button):
            self.notice.value = ""
            devices, labels = self.picker.selected, tuple(self.streams.value)
            if not devices or not labels:
                self._reset_data()
                reason = "select at least one device and one datastream to plot"
                self._show_empty(reason)
                self.status.say(reason, "info")
                return
            start, end = self.time_range()
            loaded = self.source.load(devices, labels, start, end)
            self.data, self.series, self.not_drawn = loaded.data, loaded.series, loaded.not_drawn
            self._view = (None, None)
            self._draw(start, end)
            self._say_loaded(labels, start, end)
        if self.status.last_error is not None and self.series:
            self.notice.value = _notice("the plot still shows the last successful load")
        self._enable_take_away()

    def resample(self, x0: Any = None, x1: Any = None) -> None:
        """Show ``[x0, x1]`` (``None``: unbounded) at up to ``max_points`` per trace.

        Called by the figure when the x-axis range changes; inside a narrow window every
        point is shown. The bounds are what the date axis reports (naive text in the
        plot's time zone) or anything :func:`to_utc_ns` reads.
        """
        lo, hi = to_utc_ns(x0, self.zone), to_utc_ns(x1, self.zone)
        self._view = (lo, hi)
        zone = self.zone
        with self.figure.batch_update():
            for trace, series in zip(self.data_traces, self.series, strict=True):
                x, y = series.display(lo, hi, self.max_points)
                trace.x = to_axis_text(x, zone)
                trace.y = y

    def publish(self) -> pd.DataFrame:
        """Store a copy of ``data`` in ``last_frame`` and, in a notebook, under the name in
        ``publish_name``; say where; tell ``on_publish``."""
        self.last_frame = self.data.copy()
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
        """Put a link that saves ``data`` as CSV or Parquet under the buttons."""
        with self.status.guard(f"Preparing {fmt}"):
            self.download.value = download_link(self.data, fmt, "history")
            self.status.say(f"{len(self.data):,} rows ready as {fmt}: click the link", "ok")
        return str(self.download.value)

    def code(self) -> str:
        """The ``client.history(...)`` call for the current choice (client named
        ``client_name``)."""
        start, end = self.time_range()
        return history_code(
            self.client_name, self.picker.selected, tuple(self.streams.value), start, end
        )

    def show_code(self) -> str:
        """Show :meth:`code` in a text box under the buttons, ready to copy."""
        with self.status.guard("Writing code"):
            self.code_box.value = self.code()
            self.code_box.layout.display = None
            self.status.say("the code is in the box below: select it and copy", "info")
        return str(self.code_box.value)

    def close(self) -> None:
        """Stop live refresh, then close the widget."""
        self._stop_live()
        super().close()

    # -- drawing -------------------------------------------------------------------------
    def _reset_data(self) -> None:
        self.data = pd.DataFrame(columns=HISTORY_COLUMNS)
        self.series, self.not_drawn = [], {}

    def _show_empty(self, message: str) -> None:
        """No traces, no axes (no 2000-dated empty axis): the reason in the middle."""
        with self.figure.batch_update():
            self.figure.data = ()
            self._hide_axes(0)
            self.figure.layout.xaxis.visible = False
            self.figure.layout.yaxis.visible = False
            self.figure.layout.annotations = [
                {
                    "text": message, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                    "showarrow": False, "font": {"size": 15, "color": "#57606a"},
                }
            ]  # fmt: skip

    def _hide_axes(self, keep: int) -> None:
        for row in range(keep, max(self._axes_drawn, keep)):
            if row > 0:
                self.figure.layout[f"yaxis{row + 1}"] = {"visible": False}
        self._axes_drawn = keep

    def _draw(self, start: Any = None, end: Any = None) -> None:
        if not self.series:
            labels = ", ".join(self.streams.value)
            extra = f" ({', '.join(self.not_drawn)} not numeric)" if self.not_drawn else ""
            self._show_empty(f"no {labels} data in {self._range_text(start, end)}{extra}")
            return
        groups = list(axis_groups(self.series).values())
        domains = _row_domains(len(groups))
        row_of = {id(s): row for row, group in enumerate(groups) for s in group}
        zone_label = self.zone_label
        lo, hi = self._view
        traces = []
        for s in self.series:
            x, y = s.display(lo, hi, self.max_points)
            traces.append(
                go.Scattergl(
                    name=s.name, mode="lines", showlegend=True, x=to_axis_text(x, self.zone),
                    y=y, yaxis=_axis_id(row_of[id(s)]),
                    hovertemplate=_hover_template(s.unit, zone_label),
                )
            )  # fmt: skip
        self._drawing = True  # the autorange set here is no reset by the user
        try:
            # one message for the traces, one for the layout: a view still rendering
            # then has the least to catch up on
            if self.figure.data:
                self.figure.data = ()
            self.figure.add_traces([*traces, self._extent_trace()])
            with self.figure.batch_update():
                self.figure.layout.annotations = ()
                self._hide_axes(len(groups))
                for row, group in enumerate(groups):
                    key = "yaxis" if row == 0 else f"yaxis{row + 1}"
                    self.figure.layout[key] = {
                        "visible": True, "domain": domains[row], "anchor": "x",
                        "title": {"text": axis_title(group)}, "autorange": True,
                    }  # fmt: skip
                self.figure.layout.height = 420 + 200 * (len(groups) - 1)
                self.figure.layout.xaxis.update(
                    visible=True, type="date", autorange=True,
                    anchor=_axis_id(len(groups) - 1), title={"text": f"time ({zone_label})"},
                )  # fmt: skip
        finally:
            self._drawing = False

    def _extent_trace(self) -> go.Scatter:
        """An invisible trace from the first to the last point of all series: a reset or
        autoscale in the browser then spans everything, not just the zoomed slice."""
        bounds = [b for b in (s.bounds() for s in self.series) if b is not None]
        ends = np.array([min(b[0] for b in bounds), max(b[1] for b in bounds)], dtype=np.int64)
        return go.Scatter(
            name=EXTENT, x=to_axis_text(ends, self.zone), y=[None, None], mode="markers",
            showlegend=False, hoverinfo="skip", marker={"opacity": 0},
        )  # fmt: skip

    def _view_text(self) -> tuple[Any, Any]:
        lo, hi = self._view
        return (
            None if lo is None else pd.Timestamp(lo, tz=UTC),
            None if hi is None else pd.Timestamp(hi, tz=UTC),
        )

    def _redraw_in_zone(self) -> None:
        """The time zone changed: same data, times drawn in the other zone."""
        if not self.series:
            return
        with self.status.guard("Redrawing"):
            self._draw()
            self.status.say(f"times in {self.zone_label}", "info")

    def _range_text(self, start: Any, end: Any) -> str:
        if isinstance(start, str):
            return f"the last {start.lstrip('-')}"
        if start is None:
            return "this range"
        return f"{start:%Y-%m-%d} … {end - pd.Timedelta('1D'):%Y-%m-%d}"

    def _say_loaded(self, labels: Sequence[str], start: Any, end: Any) -> None:
        points = sum(len(s) for s in self.series)
        notes = [f"not drawn: {name} ({why})" for name, why in self.not_drawn.items()]
        late = self._late_start(start)
        if late:
            notes.append(late)
        if self.series:
            self.status.say(f"{points:,} points in {len(self.series)} series", "ok")
        else:
            self.status.say(f"no data in {self._range_text(start, end)}", "info")
        self.notice.value = _notice("; ".join(notes)) if notes else ""

    def _requested_start(self, start: Any) -> pd.Timestamp | None:
        if isinstance(start, pd.Timestamp):
            return start
        now = getattr(self.client, "now", None)
        if not callable(now):
            return None
        try:
            return pd.Timestamp(now()) - _offset(str(start))
        except (TypeError, ValueError):
            return None

    def _late_start(self, start: Any) -> str:
        """A note when the data begins well after the requested start (nothing earlier)."""
        requested = self._requested_start(start)
        bounds = [b for b in (s.bounds() for s in self.series) if b is not None]
        if requested is None or not bounds:
            return ""
        first = pd.Timestamp(min(b[0] for b in bounds), tz=UTC)
        span = max(pd.Timestamp(max(b[1] for b in bounds), tz=UTC) - requested, _offset("1h"))
        if first - requested <= max(span * 0.05, _offset("1h")):
            return ""
        zone = self.zone or UTC
        return (
            f"data starts {first.tz_convert(zone):%Y-%m-%d %H:%M} {self.zone_label}, later than "
            f"the requested {requested.tz_convert(zone):%Y-%m-%d %H:%M}: there is none earlier"
        )

    def _enable_take_away(self) -> None:
        empty = self.data.empty
        for button in (self.publish_button, self.csv_button, self.parquet_button):
            button.disabled = empty

    # -- reactions -----------------------------------------------------------------------
    def _changed(self) -> None:
        """A choice changed: reload (auto-load) or say the plot shows the previous one."""
        if self._quiet:
            return
        self.download.value = ""
        if self.auto_load.value:
            if self.range_choice.value == DATES and (
                self.start.value is None or self.end.value is None
            ):
                self.notice.value = _notice("choose a start and an end date to load")
                return
            self.load()
        elif self.series or not self.data.empty:
            self.notice.value = _notice(PREVIOUS)

    def _on_selection(self, selected: tuple[Hashable, ...]) -> None:
        with self.status.guard("Reading datastreams"):
            options = self._schemas.history_labels(selected)
            kept = tuple(label for label in self.streams.value if label in options)
            self._quiet = True
            try:
                self.streams.value = ()
                self.streams.options = options
                self.streams.value = kept or tuple(options[:1])
            finally:
                self._quiet = False
            self.status.say(f"{len(options)} datastreams with history", "info")
        if selected or self.series:
            self._changed()

    def _on_range_choice(self, change: dict[str, Any]) -> None:
        explicit = change["new"] == DATES
        self.start.disabled = self.end.disabled = not explicit
        self.live.disabled = change["new"] not in LIVE_RANGES
        if self.live.disabled:
            self.live.value = False
        self._changed()

    def _on_xrange(self, layout: Any, xrange: Sequence[Any] | None) -> None:
        if not self.series:
            return
        with self.status.guard("Re-sampling"):
            lo, hi = (xrange[0], xrange[1]) if xrange else (None, None)
            self.resample(lo, hi)
            if xrange and self.figure.layout.xaxis.autorange is not False:
                # plotly.js leaves autorange on only in its own copy of the layout: say it
                # here too, so the double-click that turns it back on is a change we see
                self.figure.layout.xaxis.autorange = False
            self.status.say("zoomed view at full detail where it fits", "info")

    def _on_autorange(self, layout: Any, autorange: Any) -> None:
        """Double-click, "Reset axes", "Autoscale": every series, whole range."""
        if autorange is not True or not self.series or self._drawing:
            return
        with self.status.guard("Re-sampling"):
            self.resample(None, None)
            self.status.say(f"the whole range: {sum(len(s) for s in self.series):,} points", "info")

    # -- live refresh --------------------------------------------------------------------
    def _on_live(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self._schedule()
        else:
            self._stop_live()

    def _schedule(self) -> None:
        self._stop_live()
        self._timer = threading.Timer(self.live_interval, self.live_tick)
        self._timer.daemon = True
        self._timer.start()

    def _stop_live(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def live_tick(self) -> None:
        """One live refresh: reload, keep the zoomed window, schedule the next."""
        if not self.live.value or self.range_choice.value not in LIVE_RANGES:
            self._stop_live()
            return
        view = self._view
        self.load()
        if view != (None, None) and self.series:
            self._view = view
            self.resample(*self._view_text())
        if self.status.last_error is None:
            stamp = pd.Timestamp.now(UTC)
            self.status.say(f"live: {len(self.series)} series, updated {stamp:%H:%M:%S} UTC", "ok")
        self._schedule()


def _notice(text: str) -> str:
    """An amber line above the plot."""
    return f'<span style="color:#9a6700">⚠ {html.escape(text)}</span>'
