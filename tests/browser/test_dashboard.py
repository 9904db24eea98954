"""The dashboard notebook in a real JupyterLab: every cell runs and the widgets render.

This is what an analyst sees after ``blynkbook lab``: ipywidgets drawn by the JupyterLab
widget manager, plotly FigureWidgets drawn by plotly.js, the tracker map drawn by
MapLibre. A screenshot of each state goes to test-artifacts/.
"""

from __future__ import annotations

import re
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


# -- issue 15: driven as a person uses it -----------------------------------------------------
HISTORY_PLOT = ".widget-tab .js-plotly-plot"
PLOT_STATE = """element => ({
    range: element._fullLayout.xaxis.range.map(v => new Date(v.replace(' ', 'T') + 'Z').getTime()),
    autorange: element._fullLayout.xaxis.autorange,
    xtitle: element._fullLayout.xaxis.title.text,
    ytitles: Object.keys(element._fullLayout)
        .filter(k => /^yaxis\\d*$/.test(k) && element._fullLayout[k].visible)
        .sort().map(k => element._fullLayout[k].title.text),
    lengths: element.data.filter(t => t.name !== 'extent').map(t => t.x.length),
    names: element.data.map(t => t.name),
    hover: element.data.filter(t => t.name !== 'extent').map(t => t.hovertemplate),
})"""
HOUR_MS = 3_600_000


def history_plot(page: Any) -> Any:
    return page.locator(HISTORY_PLOT).first


def plot_state(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = history_plot(page).evaluate(PLOT_STATE)
    return state


def show_tab(page: Any, title: str) -> None:
    page.locator(".widget-tab .lm-TabBar-tab", has_text=title).first.click()


def drag_box(page: Any) -> dict[str, float]:
    """Where the plot area of the history figure is on screen (scrolled into view)."""
    area = history_plot(page).locator(".nsewdrag").first
    area.scroll_into_view_if_needed()
    box: dict[str, float] = area.bounding_box()
    return box


def history_status(page: Any) -> Any:
    """The History tab's status line (the one that names points, zoom or range)."""
    return page.locator(
        ".widget-tab .widget-html", has_text=re.compile("points|zoomed|range|datastreams")
    ).first


def status_lines(page: Any) -> list[str]:
    lines: list[str] = page.locator(".widget-tab .widget-html").all_inner_texts()
    return lines


def test_history_axes_carry_units_and_hover_says_unit_and_zone(dashboard: Any, expect: Any) -> None:
    """Point 2 in the browser: titled axes; the hover label shows unit and time zone."""
    show_tab(dashboard, "History")
    state = plot_state(dashboard)
    assert state["ytitles"] == ["Temperature (°C)"], state
    assert state["xtitle"] == "time (UTC)"
    box = drag_box(dashboard)
    dashboard.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    hover = history_plot(dashboard).locator(".hoverlayer .hovertext").first
    expect(hover).to_contain_text("°C", timeout=RENDER_LIMIT_MS)
    expect(hover).to_contain_text("UTC")


def test_toolbar_does_not_cover_the_legend_and_the_plot_fills_its_panel(dashboard: Any) -> None:
    """Point 7: the figure follows the panel's width; modebar and legend apart."""
    plot = history_plot(dashboard)
    plot.hover()
    legend = plot.locator(".legend").first.bounding_box()
    modebar = plot.locator(".modebar").first.bounding_box()
    assert legend is not None and modebar is not None
    apart = (
        modebar["x"] >= legend["x"] + legend["width"]
        or modebar["y"] >= legend["y"] + legend["height"]
        or legend["x"] >= modebar["x"] + modebar["width"]
    )
    assert apart, (legend, modebar)
    panel = dashboard.locator(".widget-tab .widget-tab-contents, .widget-tab .lm-StackedPanel")
    panel_width = panel.first.bounding_box()["width"]
    assert plot.bounding_box()["width"] > 0.85 * panel_width


def test_zoom_resamples_and_double_click_returns(
    dashboard: Any, artifacts: Path, expect: Any
) -> None:
    """Point 1: drag to zoom re-samples the window; a double-click brings everything back."""
    before = plot_state(dashboard)
    full_span = before["range"][1] - before["range"][0]
    assert full_span > 20 * HOUR_MS
    box = drag_box(dashboard)
    y = box["y"] + box["height"] * 0.5
    dashboard.mouse.move(box["x"] + box["width"] * 0.40, y)
    dashboard.mouse.down()
    dashboard.mouse.move(box["x"] + box["width"] * 0.50, y, steps=5)
    dashboard.mouse.move(box["x"] + box["width"] * 0.60, y, steps=5)
    dashboard.mouse.up()
    dashboard.wait_for_function(
        f"""() => {{
            const el = document.querySelector('{HISTORY_PLOT}');
            const t = el.data.filter(t => t.name !== 'extent');
            return t.length > 0 && t[0].x.length < {before["lengths"][0]};
        }}""",
        timeout=RENDER_LIMIT_MS,
    )
    zoomed = plot_state(dashboard)
    expect(history_status(dashboard)).to_contain_text("zoomed view at full detail")
    assert zoomed["range"][1] - zoomed["range"][0] < 0.5 * full_span
    assert all(n < m for n, m in zip(zoomed["lengths"], before["lengths"], strict=True))
    dashboard.screenshot(path=str(artifacts / "dashboard-zoomed.png"))

    dashboard.mouse.dblclick(box["x"] + box["width"] * 0.5, y)
    dashboard.wait_for_function(
        f"""() => {{
            const el = document.querySelector('{HISTORY_PLOT}');
            const t = el.data.filter(t => t.name !== 'extent');
            return t.length > 0 && t[0].x.length === {before["lengths"][0]};
        }}""",
        timeout=RENDER_LIMIT_MS,
    )
    back = plot_state(dashboard)
    expect(history_status(dashboard)).to_contain_text(f"the whole range: {sum(back['lengths']):,}")
    assert back["range"][1] - back["range"][0] >= 0.99 * full_span
    assert back["lengths"] == before["lengths"]
    dashboard.screenshot(path=str(artifacts / "dashboard-reset.png"))


def test_adding_a_datastream_loads_by_itself_onto_its_own_unit_axis(
    dashboard: Any, artifacts: Path, expect: Any
) -> None:
    """Points 2 and 3: Humidity joins with its own % axis, no Load press needed."""
    streams = dashboard.locator(".widget-tab .widget-select-multiple select").first
    streams.select_option(label=["Temperature", "Humidity"])
    dashboard.wait_for_function(
        f"() => document.querySelector('{HISTORY_PLOT}').data"
        ".filter(t => t.name !== 'extent').length === 6",
        timeout=RENDER_LIMIT_MS,
    )
    state = plot_state(dashboard)
    assert state["ytitles"] == ["Temperature (°C)", "Humidity (%)"], state
    assert sum(h.endswith(" %<extra>%{fullData.name}</extra>") for h in state["hover"]) == 3
    expect(history_plot(dashboard).locator(".legend .traces")).to_have_count(6)
    expect(dashboard.locator(".widget-tab .widget-html", has_text="points in 6 series").first)
    dashboard.screenshot(path=str(artifacts / "dashboard-two-units.png"))


def test_a_range_preset_reloads_by_itself(dashboard: Any, artifacts: Path, expect: Any) -> None:
    """Point 3: pressing 7d redraws the plot over seven days without a Load press."""
    before = plot_state(dashboard)
    dashboard.locator(".widget-tab button", has_text="7d").first.click()
    dashboard.wait_for_function(
        f"""() => {{
            const el = document.querySelector('{HISTORY_PLOT}');
            const t = el.data.filter(t => t.name !== 'extent');
            return t.length > 0 && t[0].x.length > {before["lengths"][0]};
        }}""",
        timeout=RENDER_LIMIT_MS,
    )
    week = plot_state(dashboard)
    span = week["range"][1] - week["range"][0]
    assert 7 * 24 * HOUR_MS <= span < 8.5 * 24 * HOUR_MS, week["range"]  # + autorange padding
    assert week["ytitles"] == before["ytitles"] and len(week["lengths"]) == len(before["lengths"])
    points = sum(week["lengths"])
    expect(history_status(dashboard)).to_contain_text(
        f"{points:,} points in {len(week['lengths'])}"
    )
    dashboard.screenshot(path=str(artifacts / "dashboard-7d.png"))
    dashboard.locator(".widget-tab button", has_text="24h").first.click()
    dashboard.wait_for_function(
        f"""() => {{
            const t = document.querySelector('{HISTORY_PLOT}').data
                .filter(t => t.name !== 'extent');
            return t.length > 0 && t[0].x.length === {before["lengths"][0]};
        }}""",
        timeout=RENDER_LIMIT_MS,
    )


def pick_first_match(page: Any, query: str) -> None:
    """Clear the selection, search, and pick the first device listed."""
    page.get_by_role("button", name="clear selection").first.click()
    page.wait_for_function(
        "() => document.querySelector('.widget-select-multiple select').selectedOptions"
        ".length === 0",
        timeout=RENDER_LIMIT_MS,
    )
    search = page.locator("input[placeholder='search name or id']").first
    search.fill(query)
    search.press("Enter")
    devices = page.locator(".widget-select-multiple select").first
    page.wait_for_function(
        """q => { const s = document.querySelector('.widget-select-multiple select');
                  return s.options.length > 0 &&
                         s.options[0].textContent.toLowerCase().includes(q); }""",
        arg=query,
        timeout=RENDER_LIMIT_MS,
    )
    devices.select_option(index=0)


def test_a_write_with_confirm_reports_labels(dashboard: Any, artifacts: Path, expect: Any) -> None:
    """Point 5: Mode is reported by its label, and "now:" follows the write."""
    pick_first_match(dashboard, "plug")
    show_tab(dashboard, "Write")
    mode_row = dashboard.locator(".widget-hbox", has=dashboard.locator("label", has_text="Mode"))
    mode = mode_row.locator("select").first
    expect(mode).to_be_visible(timeout=RENDER_LIMIT_MS)
    target = "boost" if mode.input_value() != "boost" else "eco"
    mode.select_option(label=target)
    dashboard.get_by_role("button", name="Preview").click()
    confirm = dashboard.get_by_role("button", name="Confirm & send")
    expect(confirm).to_be_enabled(timeout=RENDER_LIMIT_MS)
    confirm.click()
    expect(dashboard.locator(".widget-html", has_text="1 written, 0 skipped").first).to_be_visible(
        timeout=RENDER_LIMIT_MS
    )
    report = dashboard.locator(".widget-html", has_text="Report:").first
    expect(report).to_contain_text(target)
    expect(mode_row.first).to_contain_text(f"now: {target}")
    dashboard.screenshot(path=str(artifacts / "dashboard-write.png"))


def test_the_map_highlights_and_zooms_to_the_selection(
    dashboard: Any, artifacts: Path, expect: Any
) -> None:
    """Point 6: the selected tracker is drawn on top and the view closes in on it."""
    show_tab(dashboard, "Map")
    map_plot = dashboard.locator(".widget-tab .js-plotly-plot").nth(1)
    expect(map_plot.locator(".maplibregl-canvas")).to_be_visible(timeout=RENDER_LIMIT_MS)
    fleet_zoom = map_plot.evaluate("el => el._fullLayout.map.zoom")
    pick_first_match(dashboard, "tracker")
    map_plot.page.wait_for_function(
        """() => { const el = document.querySelectorAll('.widget-tab .js-plotly-plot')[1];
                   return el.data.some(t => t.name === 'selected'); }""",
        timeout=RENDER_LIMIT_MS,
    )
    state = map_plot.evaluate(
        """el => ({zoom: el._fullLayout.map.zoom,
                  names: el.data.map(t => t.name),
                  online: el.data.filter(t => t.name === 'online').map(t => t.marker.color)})"""
    )
    assert state["names"][-1] == "selected" and any(
        n.startswith("trail: ") for n in state["names"]
    ), state
    assert state["zoom"] > fleet_zoom
    cut = dashboard.evaluate(
        """() => [...document.querySelectorAll(
                '.widget-tab button, .widget-tab .widget-label, .widget-tab .widget-label-basic')]
            .filter(el => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
            .map(el => el.textContent.trim())"""
    )
    assert cut == [], f"labels cut off: {cut}"  # point 7: "Refresh positio…" and the like
    expect(dashboard.locator(".widget-html", has_text="devices with a position").first)
    dashboard.screenshot(path=str(artifacts / "dashboard-map-selected.png"))
