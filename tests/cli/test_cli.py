"""The ``blynkbook`` command: ``sim`` over a real loopback socket, ``lab`` without starting it."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

import blynkbook as bb
from blynkbook import cli
from blynkbook.errors import InputError

FIXED_NOW = "2026-11-20T12:00:00Z"
BANNER_WAIT_SECONDS = 60  # a generous bound against hanging forever, not a timing check


class RunningSim:
    """A ``blynkbook sim`` subprocess and the URL and credentials it printed."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "blynkbook.cli", "sim", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._pump = threading.Thread(target=self._read_stdout, daemon=True)
        self._pump.start()
        self.stderr: str | None = None
        self.banner = self._read_banner()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)  # the process closed its output

    def _read_banner(self) -> dict[str, str]:
        banner: dict[str, str] = {}
        while True:
            try:
                line = self.lines.get(timeout=BANNER_WAIT_SECONDS)
            except queue.Empty:
                line = None
            if line is None:
                self.stop()
                pytest.fail(f"blynkbook sim printed no credentials; stderr:\n{self.stderr}")
            if line.startswith("Ctrl-C"):
                return banner
            if " is at " in line:
                banner["url"] = line.rsplit(" ", 1)[1].strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                banner[key.strip()] = value.strip()

    def stop(self) -> int:
        """SIGTERM the server (if still running), wait for it and close its pipes."""
        if self.stderr is not None:
            return self.process.wait()  # stopped before
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=BANNER_WAIT_SECONDS)
        self._pump.join()
        assert self.process.stdout is not None and self.process.stderr is not None
        self.process.stdout.close()
        self.stderr = self.process.stderr.read()
        self.process.stderr.close()
        return code


@pytest.fixture
def blynk_sim() -> Iterator[RunningSim]:
    running = RunningSim("--port", "0", "--seed", "7", "--now", FIXED_NOW)
    yield running
    running.stop()


def org_token(url: str, client_id: str, client_secret: str) -> str:
    reply = httpx.post(
        f"{url}/oauth2/token",
        params={"grant_type": "client_credentials"},
        auth=(client_id, client_secret),
    )
    reply.raise_for_status()
    token: str = reply.json()["access_token"]
    return token


def test_sim_prints_a_loopback_url_and_the_demo_credentials(blynk_sim: RunningSim) -> None:
    assert blynk_sim.banner["url"].startswith("http://127.0.0.1:")
    assert blynk_sim.banner["client id"]
    assert blynk_sim.banner["client secret"]


def test_sim_serves_the_demo_fleet_to_the_printed_credentials(blynk_sim: RunningSim) -> None:
    url = blynk_sim.banner["url"]
    token = org_token(url, blynk_sim.banner["client id"], blynk_sim.banner["client secret"])
    reply = httpx.get(
        f"{url}/api/v1/organization/devices",
        params={"size": 1000},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status_code == 200
    page = reply.json()
    assert page["totalElements"] > 0
    assert len(page["content"]) == page["totalElements"]


def test_sim_prints_a_least_privilege_client_without_template_access(
    blynk_sim: RunningSim,
) -> None:
    url = blynk_sim.banner["url"]
    narrow = (blynk_sim.banner["narrow client id"], blynk_sim.banner["narrow client secret"])
    assert narrow[0] != blynk_sim.banner["client id"]
    headers = {"Authorization": f"Bearer {org_token(url, *narrow)}"}
    devices = httpx.get(f"{url}/api/v1/organization/devices", headers=headers)
    assert devices.status_code == 200 and devices.json()["totalElements"] > 0
    templates = httpx.get(f"{url}/api/v1/organization/templates", headers=headers)
    assert templates.status_code == 403 and "PRODUCT_VIEW" in templates.json()["error"]["message"]


def test_sim_refuses_wrong_credentials(blynk_sim: RunningSim) -> None:
    reply = httpx.post(
        f"{blynk_sim.banner['url']}/oauth2/token",
        params={"grant_type": "client_credentials"},
        auth=(blynk_sim.banner["client id"], "not-the-secret"),
    )
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_client"


def test_sim_stops_cleanly_on_sigterm(blynk_sim: RunningSim) -> None:
    url = blynk_sim.banner["url"]
    assert blynk_sim.stop() == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/api/v1/organization/devices")


def test_sim_serves_thingsee_to_its_printed_credentials() -> None:
    running = RunningSim("--cloud", "thingsee", "--now", FIXED_NOW)
    try:
        base = running.banner["url"]
        assert base.endswith("/prod/v1")
        credentials = {
            "client_id": running.banner["client id"],
            "client_secret": running.banner["client secret"],
        }
        token = httpx.post(f"{base}/auth/client-token", json=credentials).json()["data"]["token"]
        groups = httpx.get(f"{base}/groups", headers={"Authorization": f"Bearer {token}"})
        assert groups.status_code == 200
        assert groups.json()["data"]
    finally:
        assert running.stop() == 0


def test_sim_listens_on_the_port_asked_for(unused_port: int) -> None:
    running = RunningSim("--port", str(unused_port))
    try:
        assert running.banner["url"] == f"http://127.0.0.1:{unused_port}"
    finally:
        assert running.stop() == 0


def test_lab_print_command_runs_jupyterlab_on_the_notebooks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        cli.main(["lab", "--print-command", "--port", "8890", "--ServerApp.open_browser=False"])
        == 0
    )
    printed = capsys.readouterr().out.strip()
    repo_notebooks = Path(__file__).resolve().parents[2] / "notebooks"
    assert printed.startswith(f"{sys.executable} -m jupyterlab ")
    assert f"--ServerApp.root_dir={repo_notebooks}" in printed
    assert printed.endswith("--port=8890 --ServerApp.open_browser=False")


def test_lab_prefers_the_notebooks_folder_of_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    assert cli.find_notebooks(tmp_path) == tmp_path / "notebooks"


def test_lab_falls_back_to_the_notebooks_beside_the_package(tmp_path: Path) -> None:
    assert cli.find_notebooks(tmp_path) == Path(cli.__file__).resolve().parents[1] / "notebooks"


def test_lab_overrides_hide_the_news_toast_and_keep_other_settings(tmp_path: Path) -> None:
    settings = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(
        json.dumps(
            {
                "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
                "@jupyterlab/apputils-extension:notification": {"doNotDisturbMode": True},
            }
        )
    )
    assert cli.write_lab_overrides(tmp_path) == settings
    merged = json.loads(settings.read_text())
    assert merged["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    assert merged["@jupyterlab/apputils-extension:notification"] == {
        "doNotDisturbMode": True,
        "fetchNews": "false",
        "checkForUpdates": False,
    }


def test_lab_overrides_are_created_when_absent(tmp_path: Path) -> None:
    written = json.loads(cli.write_lab_overrides(tmp_path).read_text())
    assert written == cli.LAB_OVERRIDES


def test_lab_says_the_demo_cloud_is_used_without_credentials() -> None:
    assert "demo cloud" in cli.describe_cloud({})


def test_lab_says_which_real_cloud_is_used_and_never_the_secret() -> None:
    line = cli.describe_cloud(
        {
            "BLYNK_SERVER": "https://fra1.blynk.cloud",
            "BLYNK_CLIENT_ID": "oa2-client-id_abc",
            "BLYNK_CLIENT_SECRET": "s3cret-value",
        }
    )
    assert "https://fra1.blynk.cloud" in line
    assert "s3cret-value" not in line


def test_unknown_arguments_to_sim_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["sim", "--bogus"])
    assert exit_info.value.code == 2
    assert "--bogus" in capsys.readouterr().err


@pytest.mark.parametrize(("euid", "expected"), [(0, True), (1000, False)])
def test_lab_allows_root_only_when_running_as_root(
    monkeypatch: pytest.MonkeyPatch, euid: int, expected: bool
) -> None:
    monkeypatch.setattr(cli.os, "geteuid", lambda: euid)
    command = cli.lab_command(Path("/nb"))
    assert ("--allow-root" in command) is expected


def test_sim_round_trip_with_only_the_published_api(blynk_sim: RunningSim) -> None:
    """Authenticate, page through a history, write a value and read it back: plain HTTP."""
    url = blynk_sim.banner["url"]
    token = org_token(url, blynk_sim.banner["client id"], blynk_sim.banner["client secret"])
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        now_ms = int(datetime.fromisoformat(FIXED_NOW).timestamp() * 1000)
        window = {"deviceId": 1, "dataStreamId": 1, "from": now_ms - 86_400_000, "to": now_ms}
        first = http.get("/api/v1/organization/device/datastream/history", params=window)
        total = first.json()["totalElements"]
        points = []
        for page in range(-(-total // 100)):
            reply = http.get(
                "/api/v1/organization/device/datastream/history",
                params={**window, "page": page, "size": 100},
            )
            points += [p["createdAt"] for p in reply.json()["content"]]
        assert len(points) == len(set(points)) == total > 0

        written = http.post(
            "/api/v1/organization/device/datastream",
            json={"deviceId": 1, "dataStreamId": 1, "value": 23.25},
        )
        assert written.status_code == 204
        values = http.get("/api/v2/organization/device/datastreams", params={"deviceId": 1})
        by_id = {d["dataStreamId"]: d["value"] for d in values.json()["dataStreams"]}
        assert by_id[1] == 23.25


def test_lab_asks_connect_s_own_environment_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the id and secret set: connect() refuses, so lab must not announce a cloud."""
    partial = {"BLYNK_CLIENT_ID": "oa2-client-id_abc", "BLYNK_CLIENT_SECRET": "s3cret-value"}
    for name, value in partial.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(InputError) as refused:
        bb.connect()
    line = cli.describe_cloud(partial)
    assert "BLYNK_SERVER not set" in str(refused.value) and str(refused.value) in line
    assert "blynk.cloud" not in line and "s3cret-value" not in line
    region = cli.describe_cloud({**partial, "BLYNK_SERVER": "fra1"})
    assert "https://fra1.blynk.cloud" in region  # the region short name, as connect reads it
