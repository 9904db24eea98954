"""TrackerMap: where the located devices are now, and the trail of the selected ones.

Positions come from ``client.locations()``, trails from ``client.trail(id, start, end)``.
The map is a plotly ``Scattermap`` (MapLibre) with a base map that needs no token.
Devices at the same spot are drawn apart on a small ring (hover says so); selected
devices are drawn on top, larger, and the map zooms to them and their trails.

>>> import blynkbook as bb                          # doctest: +SKIP
>>> tracker_map = TrackerMap(bb.connect("demo"))     # doctest: +SKIP
>>> tracker_map.colour_by.value = "online"           # doctest: +SKIP
>>> tracker_map.picker.selected = (140,)             # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ._common import RANGE_PRESETS, StatusLine, device_label
from ._fast_plotly import TEMPLATE
from ._protocol import FleetClient
from .picker import DevicePicker

__all__ = [
    "MAP_STYLES",
    "ONLINE_COLOURS",
    "SELECTED",
    "TRAIL_PREFIX",
    "TrackerMap",
    "spread_apart",
]

MAP_STYLES = ("open-street-map", "carto-positron", "carto-darkmatter", "white-bg")
"""Base maps that need no access token (``white-bg`` needs no network at all)."""

TRAIL_PREFIX = "trail: "
"""Trail traces are named ``"trail: <device label>"``."""

SELECTED = "selected"
"""The trace that draws the selected devices on top of the others."""

ONLINE_COLOURS = {"online": "#1a7f37", "offline": "#8c959f"}
"""Green for online, grey for offline (what consoles use; red would read as an alarm)."""

SPREAD_PIXELS = 16
"""Markers sharing a spot are placed this many pixels apart, around it."""

LOCATION_COLUMNS = ["device_id", "name", "template", "online", "lon", "lat", "updated_at"]


def _hover_text(frame: pd.DataFrame) -> list[str]:
    """``"Truck 1 (4)<br>updated 2026-11-20 12:00 UTC"`` per row (plus a line when the
    marker was moved apart from others at the same spot)."""
    stamps = pd.to_datetime(frame["updated_at"], utc=True)
    shared = frame["shared"] if "shared" in frame.columns else pd.Series(1, index=frame.index)
    texts = []
    for name, device_id, stamp, count in zip(
        frame["name"], frame["device_id"], stamps, shared, strict=True
    ):
        when = f"updated {stamp:%Y-%m-%d %H:%M} UTC" if pd.notna(stamp) else "never updated"
        text = f"{device_label(name, device_id)}<br>{when}"
        if count > 1:
            text += f"<br>drawn apart: {count} devices share this spot"
        texts.append(text)
    return texts


def spread_apart(frame: pd.DataFrame, zoom: float) -> pd.DataFrame:
    """``frame`` with devices whose markers would overlap at map ``zoom`` (closer than
    :data:`SPREAD_PIXELS`) moved onto a ring around their spot; ``shared`` counts them.

    >>> f = pd.DataFrame({"lon": [24.90, 24.91, 30.0], "lat": [60.1, 60.1, 61.0]})
    >>> moved = spread_apart(f, 5)
    >>> moved["lon"].nunique(), moved["shared"].tolist()
    (3, [2, 2, 1])
    """
    out = frame.assign(shared=1)
    if out.empty:
        return out
    degrees_per_pixel = 360.0 / (512.0 * 2.0**zoom)
    lon = out["lon"].to_numpy(dtype=float, copy=True)
    lat = out["lat"].to_numpy(dtype=float, copy=True)
    shrink = np.cos(
        np.radians(np.clip(lat, -85.0, 85.0))
    )  # Mercator: a degree of latitude is longer
    cell = SPREAD_PIXELS * degrees_per_pixel
    spot = pd.Series(
        np.floor(lon / cell).astype("int64").astype(str)
        + ","
        + np.floor(lat / (cell * shrink)).astype("int64").astype(str)
    )
    shared = out["shared"].to_numpy(copy=True)
    for _, positions in pd.Series(np.arange(len(out))).groupby(spot.to_numpy()):
        rows = positions.to_numpy()
        count = len(rows)
        if count < 2:
            continue
        radius = max(SPREAD_PIXELS * count / (2 * np.pi), SPREAD_PIXELS) * degrees_per_pixel
        angles = 2 * np.pi * np.arange(count) / count
        centre_lat = float(lat[rows].mean())
        lon[rows] = float(lon[rows].mean()) + radius * np.cos(angles)
        lat[rows] = centre_lat + radius * np.cos(np.radians(centre_lat)) * np.sin(angles)
        shared[rows] = count
    return out.assign(lon=lon, lat=lat, shared=shared)


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

    A map of its own (no shared picker) lists only the devices it can draw. Selected
    devices are drawn on top, larger, and the view fits them and their trails.

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
        self.positions = pd.DataFrame(columns=LOCATION_COLUMNS)
        self.trails: dict[Hashable, pd.DataFrame] = {}
        self._spread_zoom = 0.0
        self._build_widgets(map_style)
        if picker is None:
            with self.status.guard("Locating devices"):
                self._fetch_positions()
            picker = DevicePicker(client, only=self._drawable)
        self.picker = picker
        super().__init__(children=self._layout())
        self._wire()
        if self.owns_picker and self.last_error is None:
            self.show_trails()
        elif not self.owns_picker:
            self.refresh()

    # -- construction --------------------------------------------------------------------
    def _build_widgets(self, map_style: str) -> None:
        self.colour_by = widgets.ToggleButtons(
            options=["template", "online"], value="template", description="Colour by"
        )
        self.trail_window = widgets.Dropdown(
            options=list(RANGE_PRESETS), value="24h", description="Trail"
        )
        self.refresh_button = widgets.Button(
            description="Refresh positions", icon="refresh", layout=widgets.Layout(width="auto")
        )
        self.figure = go.FigureWidget(
            layout={
                "template": TEMPLATE,
                "autosize": True,
                "height": 480,
                "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                "map": {"style": map_style},
                "legend": {"orientation": "h", "bgcolor": "rgba(255,255,255,0.8)"},
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
        self.figure.layout.on_change(self._on_zoom, "map.zoom")

    # -- public API ----------------------------------------------------------------------
    @property
    def last_error(self) -> Exception | None:
        """The last error the map showed, if any."""
        return self.status.last_error

    def refresh(self) -> None:
        """Fetch current positions and trails again, then redraw."""
        with self.status.guard("Locating devices", self.refresh_button):
            self._fetch_positions()
            if self.owns_picker:
                self.picker.reload()
            self.show_trails()

    def show_trails(self) -> None:
        """Fetch (once per window) the trails of the selected devices, then redraw."""
        with self.status.guard("Fetching trails"):
            start = RANGE_PRESETS[self.trail_window.value]
            located = set(self.positions["device_id"])
            self.trails = {
                device_id: self._trail(device_id, start, self.trails)
                for device_id in self.picker.selected
                if device_id in located
            }
            self.redraw()

    def redraw(self, fit: bool = True) -> None:
        """Show ``positions``, ``trails`` and the selection, changing traces in place;
        ``fit`` moves the view onto the selection (else every device).

        The traces are restyled, and only surplus ones deleted or missing ones added, so
        the map always keeps at least one trace. Removing every trace would make plotly.js
        destroy the MapLibre map; the new one it then builds stays blank (notably inside
        a hidden tab), so the map would vanish after a selection change.
        """
        zoom, centre = self._view()
        if not fit:
            zoom, centre = float(self.figure.layout.map.zoom or zoom), None
        self._spread_zoom = zoom
        drawn = spread_apart(self.positions, zoom)
        traces = self._position_traces(drawn) + self._trail_traces() + self._selected_trace(drawn)
        with self.figure.batch_update():
            _replace_traces_in_place(self.figure, traces or [_placeholder_trace()])
            if centre is not None:
                self.figure.layout.map.center = centre
                self.figure.layout.map.zoom = zoom
        self.status.say(self._summary(), "ok")

    # -- internals -----------------------------------------------------------------------
    def _on_zoom(self, layout: Any, zoom: Any) -> None:
        """Zoomed in the browser: spread the markers for the new scale, keep the view."""
        if isinstance(zoom, int | float) and abs(zoom - self._spread_zoom) >= 0.5:
            with self.status.guard("Redrawing"):
                self.redraw(fit=False)

    def _fetch_positions(self) -> None:
        self.positions = self.client.locations().dropna(subset=["lon", "lat"])
        self.trails = {}

    def _drawable(self, fleet: pd.DataFrame) -> pd.DataFrame:
        """The devices this map can draw (the ones with a position)."""
        return fleet[fleet["device_id"].isin(set(self.positions["device_id"]))]

    def _focus(self) -> tuple[pd.Series, pd.Series]:
        """Longitudes and latitudes the view should fit: the selection and its trails,
        else every position."""
        chosen = self.positions[self.positions["device_id"].isin(list(self.picker.selected))]
        if chosen.empty:
            return self.positions["lon"], self.positions["lat"]
        frames = [chosen[["lon", "lat"]], *(t[["lon", "lat"]] for t in self.trails.values())]
        both = pd.concat(frames, ignore_index=True)
        return both["lon"], both["lat"]

    def _view(self) -> tuple[float, dict[str, float] | None]:
        if self.positions.empty:
            return 1.0, None
        lon, lat = self._focus()
        centre = {
            "lon": float((lon.min() + lon.max()) / 2),
            "lat": float((lat.min() + lat.max()) / 2),
        }
        return zoom_for(lon, lat), centre

    def _summary(self) -> str:
        shown = sum(len(frame) for frame in self.trails.values())
        moving = [d for d, frame in self.trails.items() if not frame.empty]
        still = len(self.trails) - len(moving)
        text = (
            f"{len(self.positions)} devices with a position; {len(moving)} trails ({shown} points)"
        )
        if still:
            text += f"; {still} selected without a trail (fixed position or no movement)"
        return text

    def _trail(
        self, device_id: Hashable, start: str, known: dict[Hashable, pd.DataFrame]
    ) -> pd.DataFrame:
        window = getattr(known.get(device_id), "attrs", {}).get("window")
        if window == start:
            return known[device_id]
        frame = self.client.trail(device_id, start, "now").dropna(subset=["lon", "lat"])
        frame.attrs["window"] = start
        return frame

    def _position_traces(self, drawn: pd.DataFrame) -> list[go.Scattermap]:
        if drawn.empty:
            return []
        by_state = self.colour_by.value == "online"
        groups = _group_names(drawn, self.colour_by.value)
        traces = []
        for group in sorted(groups.unique()):
            rows = drawn[groups == group]
            marker: dict[str, object] = {"size": 11}
            if by_state:
                marker["color"] = ONLINE_COLOURS.get(group, "#8c959f")
            traces.append(
                go.Scattermap(
                    name=group,
                    lon=rows["lon"].to_numpy(dtype=float),
                    lat=rows["lat"].to_numpy(dtype=float),
                    mode="markers",
                    marker=marker,
                    hovertext=_hover_text(rows),
                    hoverinfo="text",
                    customdata=rows["device_id"].astype(str).to_numpy(),
                )
            )
        return traces

    def _selected_trace(self, drawn: pd.DataFrame) -> list[go.Scattermap]:
        """The selected devices again, on top, larger and in a colour of their own."""
        rows = drawn[drawn["device_id"].isin(list(self.picker.selected))] if len(drawn) else drawn
        if rows.empty:
            return []
        return [
            go.Scattermap(
                name=SELECTED,
                lon=rows["lon"].to_numpy(dtype=float),
                lat=rows["lat"].to_numpy(dtype=float),
                mode="markers+text",
                marker={"size": 18, "color": "#d4a72c"},
                text=rows["name"].astype(str).to_numpy(),
                textposition="top right",
                hovertext=_hover_text(rows),
                hoverinfo="text",
                customdata=rows["device_id"].astype(str).to_numpy(),
            )
        ]

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
