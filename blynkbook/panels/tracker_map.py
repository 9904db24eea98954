"""TrackerMap: where the trackers are now, and the trail of the selected ones.

Positions come from ``client.locations()``, trails from ``client.trail(id, start, end)``.
The map is a plotly ``Scattermap`` (MapLibre) with a base map that needs no token.

>>> import blynkbook as bb                          # doctest: +SKIP
>>> tracker_map = TrackerMap(bb.connect("demo"))     # doctest: +SKIP
>>> tracker_map.colour_by.value = "online"           # doctest: +SKIP
>>> tracker_map.picker.selected = (140,)             # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Hashable

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ._common import RANGE_PRESETS, StatusLine, device_label
from ._protocol import FleetClient
from .picker import DevicePicker

__all__ = ["MAP_STYLES", "TRAIL_PREFIX", "TrackerMap"]

MAP_STYLES = ("open-street-map", "carto-positron", "carto-darkmatter", "white-bg")
"""Base maps that need no access token (``white-bg`` needs no network at all)."""

TRAIL_PREFIX = "trail: "
"""Trail traces are named ``"trail: <device label>"``."""

LOCATION_COLUMNS = ["device_id", "name", "template", "online", "lon", "lat", "updated_at"]


def _hover_text(frame: pd.DataFrame) -> list[str]:
    """``"Truck 1 (4)<br>updated 2026-11-20 12:00 UTC"`` per row."""
    stamps = pd.to_datetime(frame["updated_at"], utc=True)
    return [
        f"{device_label(name, device_id)}<br>updated {stamp:%Y-%m-%d %H:%M} UTC"
        if pd.notna(stamp)
        else f"{device_label(name, device_id)}<br>never updated"
        for name, device_id, stamp in zip(frame["name"], frame["device_id"], stamps, strict=True)
    ]


def _group_names(frame: pd.DataFrame, colour_by: str) -> pd.Series:
    """The legend group of each row: its template, or ``online`` / ``offline``."""
    if colour_by == "online":
        online = frame["online"].fillna(False).astype(bool)
        return online.map({True: "online", False: "offline"})
    return frame["template"].fillna("(no template)").astype(str)


def zoom_for(lon: pd.Series, lat: pd.Series) -> float:
    """A map zoom level that roughly fits the points' extent.

    >>> zoom_for(pd.Series([24.0, 25.0]), pd.Series([60.0, 61.0]))
    7.0
    """
    extent = max(float(lon.max() - lon.min()), float(lat.max() - lat.min()), 1e-3)
    return float(np.clip(np.floor(np.log2(360.0 / extent) * 2) / 2 - 1, 1, 15))


def _placeholder_trace() -> go.Scattermap:
    """An empty trace that keeps the map alive when there is nothing to show."""
    return go.Scattermap(name="", lon=[], lat=[], mode="markers", showlegend=False)


def _replace_traces_in_place(figure: go.FigureWidget, traces: list[go.Scattermap]) -> None:
    """Make ``figure.data`` equal ``traces`` without ever emptying it.

    Existing traces are overwritten property by property (a property the new trace lacks
    is cleared), surplus ones deleted from the end, missing ones appended.
    """
    keep = min(len(figure.data), len(traces))
    for old, new in zip(figure.data[:keep], traces[:keep], strict=True):
        wanted = new.to_plotly_json()
        stale = {key: None for key in old.to_plotly_json() if key not in wanted}
        stale.pop("type", None)
        stale.pop("uid", None)
        old.update({**stale, **wanted}, overwrite=True)
    if len(figure.data) > keep:
        figure.data = figure.data[:keep]
    if len(traces) > keep:
        figure.add_traces(traces[keep:])


class TrackerMap(widgets.VBox):  # type: ignore[misc]
    """Current positions coloured by template or online state, plus trails.

    **Attributes:** ``picker``, ``colour_by`` (ToggleButtons: template / online),
    ``trail_window`` (Dropdown of 1h/24h/7d/30d), ``refresh_button``, ``figure``
    (``go.FigureWidget`` with ``Scattermap`` traces), ``positions`` (the last
    ``locations()`` frame), ``trails`` (``device_id → frame``).
    """

    def __init__(
        self,
        client: FleetClient,
        picker: DevicePicker | None = None,
        *,
        map_style: str = "open-street-map",
    ) -> None:
        if map_style not in MAP_STYLES:
            raise ValueError(f"map_style must be one of {MAP_STYLES}, got {map_style!r}")
        self.client = client
        self.owns_picker = picker is None
        self.picker = picker if picker is not None else DevicePicker(client)
        self.positions = pd.DataFrame(columns=LOCATION_COLUMNS)
        self.trails: dict[Hashable, pd.DataFrame] = {}
        self._build_widgets(map_style)
        super().__init__(children=self._layout())
        self._wire()
        self.refresh()

    # -- construction --------------------------------------------------------------------
    def _build_widgets(self, map_style: str) -> None:
        self.colour_by = widgets.ToggleButtons(
            options=["template", "online"], value="template", description="Colour by"
        )
        self.trail_window = widgets.Dropdown(
            options=list(RANGE_PRESETS), value="24h", description="Trail"
        )
        self.refresh_button = widgets.Button(description="Refresh positions", icon="refresh")
        self.figure = go.FigureWidget(
            layout={
                "height": 460,
                "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                "map": {"style": map_style},
                "legend": {"orientation": "h"},
            }
        )
        self.status = StatusLine()

    def _layout(self) -> tuple[widgets.Widget, ...]:
        controls = widgets.HBox([self.colour_by, self.trail_window, self.refresh_button])
        body = (controls, self.figure, self.status)
        return (self.picker, *body) if self.owns_picker else body

    def _wire(self) -> None:
        self.picker.on_change(lambda _: self.show_trails())
        self.colour_by.observe(lambda _: self.redraw(), names="value")
        self.trail_window.observe(lambda _: self.show_trails(), names="value")
        self.refresh_button.on_click(lambda _: self.refresh())

    # -- public API ----------------------------------------------------------------------
    @property
    def last_error(self) -> Exception | None:
        """The last error the map showed, if any."""
        return self.status.last_error

    def refresh(self) -> None:
        """Fetch current positions and trails again, then redraw."""
        with self.status.guard("Locating trackers", self.refresh_button):
            self.positions = self.client.locations().dropna(subset=["lon", "lat"])
            self.trails = {}
            self.show_trails()

    def show_trails(self) -> None:
        """Fetch (once per window) the trails of the selected devices, then redraw."""
        with self.status.guard("Fetching trails"):
            start = RANGE_PRESETS[self.trail_window.value]
            wanted = self.picker.selected
            self.trails = {
                device_id: self._trail(device_id, start, self.trails)
                for device_id in wanted
                if device_id in set(self.positions["device_id"])
            }
            self.redraw()

    def redraw(self) -> None:
        """Show ``positions`` and ``trails`` on the map, changing its traces in place.

        The traces are restyled, and only surplus ones deleted or missing ones added, so
        the map always keeps at least one trace. Removing every trace would make plotly.js
        destroy the MapLibre map; the new one it then builds stays blank (notably inside
        a hidden tab), so the map would vanish after a selection change.
        """
        traces = self._position_traces() + self._trail_traces() or [_placeholder_trace()]
        with self.figure.batch_update():
            _replace_traces_in_place(self.figure, traces)
            if not self.positions.empty:
                self.figure.layout.map.center = {
                    "lon": float(self.positions["lon"].mean()),
                    "lat": float(self.positions["lat"].mean()),
                }
                self.figure.layout.map.zoom = zoom_for(self.positions["lon"], self.positions["lat"])
        shown = sum(len(frame) for frame in self.trails.values())
        self.status.say(
            f"{len(self.positions)} trackers; {len(self.trails)} trails ({shown} points)", "ok"
        )

    # -- internals -----------------------------------------------------------------------
    def _trail(
        self, device_id: Hashable, start: str, known: dict[Hashable, pd.DataFrame]
    ) -> pd.DataFrame:
        window = getattr(known.get(device_id), "attrs", {}).get("window")
        if window == start:
            return known[device_id]
        frame = self.client.trail(device_id, start, "now").dropna(subset=["lon", "lat"])
        frame.attrs["window"] = start
        return frame

    def _position_traces(self) -> list[go.Scattermap]:
        if self.positions.empty:
            return []
        groups = _group_names(self.positions, self.colour_by.value)
        traces = []
        for group in sorted(groups.unique()):
            rows = self.positions[groups == group]
            traces.append(
                go.Scattermap(
                    name=group,
                    lon=rows["lon"].to_numpy(dtype=float),
                    lat=rows["lat"].to_numpy(dtype=float),
                    mode="markers",
                    marker={"size": 11},
                    hovertext=_hover_text(rows),
                    hoverinfo="text",
                    customdata=rows["device_id"].astype(str).to_numpy(),
                )
            )
        return traces

    def _trail_traces(self) -> list[go.Scattermap]:
        names = dict(
            zip(self.positions["device_id"], self.positions["name"].astype(str), strict=True)
        )
        traces = []
        for device_id, frame in self.trails.items():
            if frame.empty:
                continue
            label = device_label(names.get(device_id, device_id), device_id)
            times = pd.to_datetime(frame.index, utc=True)
            traces.append(
                go.Scattermap(
                    name=f"{TRAIL_PREFIX}{label}",
                    lon=frame["lon"].to_numpy(dtype=float),
                    lat=frame["lat"].to_numpy(dtype=float),
                    mode="lines+markers",
                    marker={"size": 5},
                    line={"width": 3},
                    hovertext=[f"{label}<br>{t:%Y-%m-%d %H:%M} UTC" for t in times],
                    hoverinfo="text",
                )
            )
        return traces
