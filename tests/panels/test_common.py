"""The pieces every panel shares: short errors with hints, units, the fast plotly import."""

from __future__ import annotations

import subprocess
import sys

import httpx

from blynkbook.errors import InputError, TransportError
from blynkbook.panels._common import CONNECTION_HINT, StatusLine, short_error, unit_of


def test_short_error__last_line_only_and_a_hint_when_the_cloud_is_unreachable():
    """Point 10: a short line, and where to look when the network is the problem."""
    assert short_error(InputError("while reading\nno datastream 'Tmp'")) == "no datastream 'Tmp'"
    unreachable = TransportError("GET https://fra1.blynk.cloud/api: connection refused")
    assert short_error(unreachable).endswith(f"({CONNECTION_HINT})")
    try:
        try:
            raise httpx.ConnectError("[Errno 111] Connection refused")
        except httpx.ConnectError as inner:
            raise RuntimeError("loading failed") from inner
    except RuntimeError as outer:
        assert "BLYNK_SERVER" in short_error(outer)
    assert "BLYNK_SERVER" not in short_error(ValueError("bad date"))


def test_status_line__fail_shows_one_line_without_the_type_or_traceback():
    status = StatusLine()
    status.fail(InputError("a\nb\nthe end date is before the start"), "Loading")
    assert "Loading failed: the end date is before the start" in status.value
    assert "Traceback" not in status.value and "InputError" not in status.value


def test_unit_of__the_contract_units_column():
    assert unit_of({"units": " °C "}) == "°C"
    assert unit_of({"unit": "lx"}) == ""  # the contract says units, for Blynk and Thingsee
    assert unit_of({"label": "Mode"}) == ""


def test_panels_import_without_nbformat_and_fig_show_still_finds_it():
    """Point 8: plotly's widget no longer pulls nbformat → jsonschema → rfc3987_syntax."""
    code = (
        "import sys, blynkbook.panels, plotly.graph_objects as go\n"
        "go.FigureWidget()\n"
        "assert 'nbformat' not in sys.modules and 'jsonschema' not in sys.modules\n"
        "import plotly.io._renderers as r\n"
        "assert r.nbformat.__version__\n"
        "assert 'nbformat' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_panel_figures_use_the_small_template_not_plotly_default():
    """Point 8: a dashboard never loads plotly's default template (~0.4 s CPU the first
    time in a kernel); its figures carry the panels' own, with plotly's colours."""
    code = (
        "import blynkbook as bb, plotly.io as pio\n"
        "from blynkbook.panels import explore\n"
        "from blynkbook.panels._fast_plotly import TEMPLATE\n"
        "board = explore(bb.connect('demo'))\n"
        "board.picker.selected = (1,)\n"
        "assert type(pio.templates._templates['plotly']).__name__ != 'Template'\n"
        "for fig in (board.history.figure, board.map.figure):\n"
        "    assert fig.layout.template.layout.colorway == tuple(TEMPLATE['layout']['colorway'])\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
