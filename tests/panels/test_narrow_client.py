"""The panels over loopback with both demo OAuth clients of the embedded Blynk cloud.

The least-privilege client may not read templates: the panels still pick, plot, map and
write; the WritePanel offers the virtual pins (the templates carry no ``pinMode`` for
them) and, with the full client, leaves out the digital input pin.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from blynkbook.blynk import Blynk
from blynkbook.errors import PermissionWarning
from blynkbook.panels import DevicePicker, HistoryPanel, TrackerMap, WritePanel, explore
from blynkbook.sim import LoopbackServer
from blynkbook.sim.blynk import BlynkSim
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session

NOW = "2026-11-20T12:00:00Z"
STATION, PLUG = 1, 43
VIRTUAL_PLUG_PINS = {"Power Switch", "Mode", "Power", "Energy", "Note"}


@pytest.fixture(scope="module")
def sim() -> BlynkSim:
    return BlynkSim(now=NOW)


@pytest.fixture(scope="module")
def server(sim: BlynkSim) -> Iterator[LoopbackServer]:
    with sim.serve() as running:
        yield running


def over_loopback(sim: BlynkSim, url: str, client_id: str, secret: str) -> Blynk:
    session = Session(url, auth=OAuth2ClientCredentials(Credentials(url, client_id, secret)))
    return Blynk(session, server=url, client_id=client_id, now=sim.clock.now_ms)


@pytest.fixture(params=["full", "narrow"])
def cloud(request: pytest.FixtureRequest, sim: BlynkSim, server: LoopbackServer) -> Iterator[Blynk]:
    if request.param == "full":
        client = over_loopback(sim, server.url, sim.client_id, sim.client_secret)
    else:
        client = over_loopback(sim, server.url, sim.narrow_client_id, sim.narrow_client_secret)
        with pytest.warns(PermissionWarning, match="PRODUCT_VIEW"):
            client.devices()
    with client:
        yield client


def test_picker_lists_the_whole_fleet(cloud: Blynk, sim: BlynkSim) -> None:
    picker = DevicePicker(cloud, page_size=25)
    assert picker.last_error is None
    assert len(picker.matches) == len(sim.world.device_ids())
    picker.search.value = "Plug"
    assert set(picker.matches["device_id"]) >= {PLUG}


def test_history_panel_plots_by_label(cloud: Blynk) -> None:
    panel = HistoryPanel(cloud)
    panel.picker.selected = (STATION,)
    assert "Temperature" in panel.streams.options
    panel.streams.value = ("Temperature", "Humidity")
    panel.range_choice.value = "7d"
    panel.load_button.click()
    assert panel.last_error is None, panel.status.value
    traces = panel.data_traces
    assert len(traces) == 2 and len(traces[0].y) > 100


def test_tracker_map_shows_the_trackers(cloud: Blynk, sim: BlynkSim) -> None:
    tracker_map = TrackerMap(cloud, map_style="white-bg")
    trackers = [d.id for d in sim.world.iter_devices() if d.template.name == "GPS Asset Tracker"]
    assert sum(len(t.lat) for t in tracker_map.figure.data) == len(trackers)


def test_write_panel_offers_the_virtual_pins_and_writes(cloud: Blynk, sim: BlynkSim) -> None:
    panel = WritePanel(cloud)
    panel.picker.selected = (PLUG,)
    offered = set(panel.fields)
    assert offered >= VIRTUAL_PLUG_PINS
    narrow = bool(cloud.schema(PLUG)["inferred"].any())
    assert ("Relay State" in offered) is narrow  # without the template no pin mode is known
    panel.fields["Note"].editors[0].value = f"from the panel ({'narrow' if narrow else 'full'})"
    panel.preview_button.click()
    panel.confirm_button.click()
    assert panel.report["status"].tolist() == ["written"], panel.report
    assert sim.world.current_value(PLUG, 25)[0] == panel.fields["Note"].editors[0].value


def test_explore_builds_the_dashboard(cloud: Blynk) -> None:
    board = explore(cloud)
    board.picker.selected = (STATION,)
    assert "Temperature" in board.history.streams.options
