"""HistoryPanel: plot the history of the selected devices, thinned for display.

Each device × datastream becomes one trace. The series come from a
:class:`~blynkbook.panels._source.SeriesSource`: the client's series store when it has
one (each display trace computed in the store for the visible window, see
:mod:`blynkbook.panels._store_source`), else the client, held in memory;
the browser gets at most ``max_points`` per trace, and zooming asks the series for the
visible window again, so a narrow window shows every point.

>>> import blynkbook as bb                          # doctest: +SKIP
>>> panel = HistoryPanel(bb.connect("demo"))         # doctest: +SKIP
>>> panel.picker.selected = (101,)                   # doctest: +SKIP
>>> panel.streams.value = ("Temperature",)           # doctest: +SKIP
>>> panel.data.head()                                # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ._common import RANGE_PRESETS, SchemaBook, StatusLine, name_lookup
from ._downsample import DEFAULT_MAX_POINTS
from ._export import history_code
from ._figure import (
    EXTENT,
    UTC,
    Zone,
    draw_series,
    new_figure,
    resample_traces,
    show_empty,
    to_utc_ns,
)
from ._protocol import FleetClient
from ._source import HISTORY_COLUMNS, Loaded, Series, SeriesSource
from ._store_source import default_source
from ._takeaway import TakeAway
from ._timerange import (
    DATES,
    LIVE_RANGES,
    LiveTimer,
    kernel_zone,
    late_start_note,
    notice,
    range_text,
    requested_start,
    time_range,
)
from .picker import DevicePicker

__all__ = ["DATES", "LIVE_RANGES", "HistoryPanel"]

LOCAL = "local"
PREVIOUS = "showing the previous selection: press Load (or tick auto-load) to update"


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
        self.live_timer = LiveTimer(live_interval, self.live_tick)
        self.client = client
        self.owns_picker = picker is None
        self.picker = picker if picker is not None else DevicePicker(client)
        self.max_points = max_points
        self.live_interval = live_interval
        self.client_name = client_name
        self.data = pd.DataFrame(columns=HISTORY_COLUMNS)
        self.series: list[Series] = []
        self.not_drawn: dict[str, str] = {}
        self._schemas = SchemaBook(client)
        self.source = source or default_source(
            client, self._schemas, lambda: name_lookup(self.picker.fleet)
        )
        self._local_tz = local_tz if local_tz is not None else kernel_zone()
        self._quiet = False
        self._drawing = False
        self._axes_drawn = 0
        self._view: tuple[int | None, int | None] = (None, None)
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
        flags = {"indent": False, "layout": widgets.Layout(width="auto")}
        self.auto_load = widgets.Checkbox(value=True, description="auto-load", **flags)
        live = f"live (every {self.live_interval:g} s)"
        self.live = widgets.Checkbox(value=False, description=live, **flags)
        zone = getattr(self._local_tz, "key", None) or str(self._local_tz)
        self.time_zone = widgets.ToggleButtons(
            options=[("UTC", UTC), (f"local ({zone})", LOCAL)], value=UTC,
            description="Time", style={"description_width": "initial", "button_width": "auto"},
        )  # fmt: skip
        self.load_button = widgets.Button(description="Load", button_style="primary")
        self.notice = widgets.HTML()
        self.figure = new_figure()
        self.status = StatusLine()
        self.take_away = TakeAway(self.status, lambda: self.data, self.code)
        for name in ("publish_button", "publish_name", "csv_button", "parquet_button",
                     "code_button", "download", "code_box"):  # fmt: skip
            setattr(self, name, getattr(self.take_away, name))

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
        body = (controls, self.notice, self.figure, self.status, self.take_away)
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

    @property
    def last_frame(self) -> pd.DataFrame | None:
        """What Publish stored last."""
        return self.take_away.last_frame

    def on_publish(self, callback: Callable[[pd.DataFrame], Any], remove: bool = False) -> None:
        """Call ``callback(frame)`` when the Publish button stores a frame."""
        self.take_away.on_publish(callback, remove)

    def time_range(self) -> tuple[Any, Any]:
        """``(start, end)`` for ``client.history`` from the range choice (see
        :func:`~blynkbook.panels._timerange.time_range`)."""
        return time_range(self.range_choice.value, self.start.value, self.end.value)

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
            self._say_loaded(loaded, start, end)
        if self.status.last_error is not None and self.series:
            self.notice.value = notice("the plot still shows the last successful load")
        self.take_away.enable(not self.data.empty)

    def resample(self, x0: Any = None, x1: Any = None) -> None:
        """Show ``[x0, x1]`` (``None``: unbounded) at up to ``max_points`` per trace.

        Called by the figure when the x-axis range changes; inside a narrow window every
        point is shown. The bounds are what the date axis reports (naive text in the
        plot's time zone) or anything :func:`to_utc_ns` reads.
        """
        self._show_view((to_utc_ns(x0, self.zone), to_utc_ns(x1, self.zone)))

    def publish(self) -> pd.DataFrame:
        """Store a copy of ``data`` in ``last_frame`` and, in a notebook, under the name in
        ``publish_name``; say where; tell ``on_publish``."""
        return self.take_away.publish()

    def offer_download(self, fmt: str) -> str:
        """Put a link that saves ``data`` as CSV or Parquet under the buttons."""
        return self.take_away.offer_download(fmt)

    def code(self) -> str:
        """The ``client.history(...)`` call for the current choice (client named
        ``client_name``)."""
        selected, streams = self.picker.selected, tuple(self.streams.value)
        return history_code(self.client_name, selected, streams, *self.time_range())

    def show_code(self) -> str:
        """Show :meth:`code` in a text box under the buttons, ready to copy."""
        return self.take_away.show_code()

    def close(self) -> None:
        """Stop live refresh, then close the widget."""
        self.live_timer.stop()
        super().close()

    # -- drawing -------------------------------------------------------------------------
    def _reset_data(self) -> None:
        self.data = pd.DataFrame(columns=HISTORY_COLUMNS)
        self.series, self.not_drawn = [], {}

    def _show_empty(self, message: str) -> None:
        show_empty(self.figure, message, self._axes_drawn)
        self._axes_drawn = 0

    def _draw(self, start: Any = None, end: Any = None) -> None:
        if not self.series:
            labels = ", ".join(self.streams.value)
            extra = f" ({', '.join(self.not_drawn)} not numeric)" if self.not_drawn else ""
            self._show_empty(f"no {labels} data in {range_text(start, end)}{extra}")
            return
        self._drawing = True  # the autorange set here is no reset by the user
        try:
            self._axes_drawn = draw_series(
                self.figure, self.series, self._view, self.max_points, self.zone,
                self.zone_label, self._axes_drawn,
            )  # fmt: skip
        finally:
            self._drawing = False

    def _show_view(self, view: tuple[int | None, int | None]) -> None:
        self._view = view
        with self.figure.batch_update():
            resample_traces(self.data_traces, self.series, view, self.max_points, self.zone)

    def _redraw_in_zone(self) -> None:
        """The time zone changed: same data, times drawn in the other zone."""
        if not self.series:
            return
        with self.status.guard("Redrawing"):
            self._draw()
            self.status.say(f"times in {self.zone_label}", "info")

    def _say_loaded(self, loaded: Loaded, start: Any, end: Any) -> None:
        points = sum(len(s) for s in self.series)
        notes = [f"not drawn: {name} ({why})" for name, why in self.not_drawn.items()]
        notes += loaded.notes
        zone, label = self.zone, self.zone_label
        late = late_start_note(requested_start(self.client, start), self.series, zone, label)
        notes += [late] if late else []
        if self.series:
            self.status.say(f"{points:,} points in {len(self.series)} series", "ok")
        else:
            self.status.say(f"no data in {range_text(start, end)}", "info")
        self.notice.value = notice("; ".join(notes)) if notes else ""

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
                self.notice.value = notice("choose a start and an end date to load")
                return
            self.load()
        elif self.series or not self.data.empty:
            self.notice.value = notice(PREVIOUS)

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
        (self.live_timer.schedule if change["new"] else self.live_timer.stop)()

    def live_tick(self) -> None:
        """One live refresh: reload, keep the zoomed window, schedule the next."""
        if not self.live.value or self.range_choice.value not in LIVE_RANGES:
            self.live_timer.stop()
            return
        view = self._view
        self.load()
        if view != (None, None) and self.series:
            self._show_view(view)
        if self.status.last_error is None:
            stamp = pd.Timestamp.now(UTC)
            self.status.say(f"live: {len(self.series)} series, updated {stamp:%H:%M:%S} UTC", "ok")
        self.live_timer.schedule()
