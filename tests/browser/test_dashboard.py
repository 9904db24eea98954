"""The dashboard notebook in a real JupyterLab: every cell runs and the widgets render.

This is what an analyst sees after ``blynkbook lab``: ipywidgets drawn by the JupyterLab
widget manager, plotly FigureWidgets drawn by plotly.js, the tracker map drawn by
MapLibre. A screenshot of each state goes to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

DASHBOARD = "05-explore-dashboard.ipynb"
RENDER_LIMIT_MS = 60_000  # a bound against hanging, not a speed requirement


@pytest.fixture(scope="module")
def dashboard(browser: Any, notebook_runner: Any) -> Iterator[Any]:
    """The dashboard notebook, opened and run top to bottom in one page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    report = notebook_runner(page, DASHBOARD)
    assert report["errors"] == [], f"cells raised in JupyterLab: {report['errors']}"
    assert report["unrun"] == 0, f"{report['unrun']} code cells did not run"
    yield page
    context.close()


def test_the_widgets_render(dashboard: Any, expect: Any) -> None:
    expect(dashboard.locator(".jupyter-widgets.widget-tab").first).to_be_visible(
        timeout=RENDER_LIMIT_MS
    )
    expect(dashboard.locator(".widget-select-multiple").first).to_be_visible()
    assert dashboard.locator(".jupyter-widgets").count() > 10


def test_the_history_plot_draws_the_loaded_traces(
    dashboard: Any, artifacts: Path, expect: Any
) -> None:
    plot = dashboard.locator(".widget-tab .js-plotly-plot").first
    expect(plot).to_be_visible(timeout=RENDER_LIMIT_MS)
    plot.scroll_into_view_if_needed()
    dashboard.screenshot(path=str(artifacts / "dashboard-history.png"))
    # three stations were loaded: three legend entries, drawn on WebGL (Scattergl)
    expect(plot.locator(".legend .traces")).to_have_count(3, timeout=RENDER_LIMIT_MS)
    expect(plot.locator("canvas.gl-canvas-context")).to_have_count(1)


def test_the_history_time_axis_shows_dates(dashboard: Any, expect: Any) -> None:
    plot = dashboard.locator(".widget-tab .js-plotly-plot").first
    expect(plot).to_be_visible(timeout=RENDER_LIMIT_MS)
    axis_type = plot.evaluate("element => element._fullLayout.xaxis.type")
    assert axis_type == "date", f"the time axis is drawn as {axis_type!r} numbers, not dates"


def test_the_map_tab_draws_the_trackers(dashboard: Any, artifacts: Path, expect: Any) -> None:
    dashboard.locator(".widget-tab .lm-TabBar-tab", has_text="Map").first.click()
    map_plot = dashboard.locator(".widget-tab .js-plotly-plot").nth(1)
    expect(map_plot).to_be_visible(timeout=RENDER_LIMIT_MS)
    map_plot.scroll_into_view_if_needed()
    canvas = map_plot.locator(".maplibregl-canvas")
    try:
        expect(canvas).to_be_visible(timeout=RENDER_LIMIT_MS)
    finally:
        dashboard.screenshot(path=str(artifacts / "dashboard-map.png"))
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
