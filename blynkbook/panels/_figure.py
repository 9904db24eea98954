"""HistoryPanel's figure: time-axis conversions, one y axis per unit, the traces.

A plotly date axis reports its range as naive text in the time zone it draws, and types
text (not epoch numbers) as dates whatever the traces hold, so times cross the boundary
as naive ISO text in the drawn zone (:func:`to_axis_text`, :func:`to_utc_ns`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotly.graph_objects as go

from ._fast_plotly import TEMPLATE
from ._source import Series

__all__ = [
    "EXTENT",
    "UTC",
    "Zone",
    "axis_groups",
    "axis_title",
    "draw_series",
    "extent_trace",
    "new_figure",
    "resample_traces",
    "show_empty",
    "to_axis_text",
    "to_utc_ns",
]

NS_PER_MS = 1_000_000
UTC = "UTC"
EXTENT = "extent"
"""Name of the invisible trace that spans every series, so "reset axes" returns to all."""
BASE_HEIGHT = 420
ROW_HEIGHT = 200

Zone = dt.tzinfo | str | None  # None: UTC


def to_utc_ns(when: Any, tz: Zone = None) -> int | None:
    """An axis bound as int ns in UTC: ISO text, Timestamp, datetime, epoch ms, or None.

    Naive text is read in ``tz`` (UTC when None); numbers are milliseconds since the epoch.

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


def new_figure() -> go.FigureWidget:
    """The empty figure: legend above the plot, the toolbar upright in the right margin
    (neither covers the other or the data)."""
    return go.FigureWidget(
        layout={
            "template": TEMPLATE,
            "autosize": True,
            "height": BASE_HEIGHT,
            "margin": {"l": 70, "r": 50, "t": 60, "b": 50},
            "xaxis": {"type": "date", "title": {"text": "time (UTC)"}},
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            "modebar": {"orientation": "v"},
        }
    )


def show_empty(figure: go.FigureWidget, message: str, axes_drawn: int) -> None:
    """No traces, no axes (no 2000-dated empty axis): the reason in the middle."""
    with figure.batch_update():
        figure.data = ()
        _hide_axes(figure, 0, axes_drawn)
        figure.layout.xaxis.visible = False
        figure.layout.yaxis.visible = False
        figure.layout.annotations = [
            {
                "text": message, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                "showarrow": False, "font": {"size": 15, "color": "#57606a"},
            }
        ]  # fmt: skip


def draw_series(
    figure: go.FigureWidget,
    series: Sequence[Series],
    view: tuple[int | None, int | None],
    max_points: int,
    zone: Zone,
    zone_label: str,
    axes_drawn: int,
) -> int:
    """Replace the figure's traces with ``series`` (one row of y axis per unit) shown over
    ``view``; returns how many y axes are drawn."""
    groups = list(axis_groups(series).values())
    row_of = {id(s): row for row, group in enumerate(groups) for s in group}
    lo, hi = view
    traces = []
    for s in series:
        x, y = s.display(lo, hi, max_points)
        traces.append(
            go.Scattergl(
                name=s.name, mode="lines", showlegend=True, x=to_axis_text(x, zone),
                y=y, yaxis=_axis_id(row_of[id(s)]),
                hovertemplate=_hover_template(s.unit, zone_label),
            )
        )  # fmt: skip
    # one message for the traces, one for the layout: a view still rendering then has
    # the least to catch up on
    if figure.data:
        figure.data = ()
    figure.add_traces([*traces, extent_trace(series, zone)])
    domains = _row_domains(len(groups))
    with figure.batch_update():
        figure.layout.annotations = ()
        _hide_axes(figure, len(groups), axes_drawn)
        for row, group in enumerate(groups):
            key = "yaxis" if row == 0 else f"yaxis{row + 1}"
            figure.layout[key] = {
                "visible": True, "domain": domains[row], "anchor": "x",
                "title": {"text": axis_title(group)}, "autorange": True,
            }  # fmt: skip
        figure.layout.height = BASE_HEIGHT + ROW_HEIGHT * (len(groups) - 1)
        figure.layout.xaxis.update(
            visible=True, type="date", autorange=True,
            anchor=_axis_id(len(groups) - 1), title={"text": f"time ({zone_label})"},
        )  # fmt: skip
    return len(groups)


def resample_traces(
    traces: Sequence[Any],
    series: Sequence[Series],
    view: tuple[int | None, int | None],
    max_points: int,
    zone: Zone,
) -> None:
    """Give each trace its series' display points over ``view`` (inside a batch update)."""
    lo, hi = view
    for trace, s in zip(traces, series, strict=True):
        x, y = s.display(lo, hi, max_points)
        trace.x = to_axis_text(x, zone)
        trace.y = y


def extent_trace(series: Sequence[Series], zone: Zone) -> go.Scatter:
    """An invisible trace from the first to the last point of all series: a reset or
    autoscale in the browser then spans everything, not just the zoomed slice."""
    bounds = [b for b in (s.bounds() for s in series) if b is not None]
    ends = np.array([min(b[0] for b in bounds), max(b[1] for b in bounds)], dtype=np.int64)
    return go.Scatter(
        name=EXTENT, x=to_axis_text(ends, zone), y=[None, None], mode="markers",
        showlegend=False, hoverinfo="skip", marker={"opacity": 0},
    )  # fmt: skip


def _hide_axes(figure: go.FigureWidget, keep: int, drawn: int) -> None:
    for row in range(max(keep, 1), max(drawn, keep)):
        figure.layout[f"yaxis{row + 1}"] = {"visible": False}


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
