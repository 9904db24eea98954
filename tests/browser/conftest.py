"""A real JupyterLab, headless, driven by Debian's Chromium through Playwright.

JupyterLab runs on a free loopback port with no token (the way Galata configures it)
over a *copy* of the notebooks, so autosave never touches the committed files. Chromium
and the ``playwright`` package are prerequisites: without them the tests fail and say
what to install; they never skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from blynkbook.cli import write_lab_overrides

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
DEMO_NOW = "2026-11-20T12:00:00Z"
STARTUP_LIMIT_SECONDS = 120  # guards against a hang; nothing is asserted about speed
CLOUD_ENV_PREFIXES = ("BLYNK_", "THINGSEE_", "BLYNKBOOK_OFFLINE")


def free_loopback_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def demo_environment() -> dict[str, str]:
    """This process's environment without cloud credentials, with the demo's fixed "now"."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLOUD_ENV_PREFIXES)}
    env["BLYNKBOOK_DEMO_NOW"] = DEMO_NOW
    return env


class JupyterLab:
    """``python -m jupyterlab`` on ``root`` at ``url``, tokenless, until :meth:`stop`."""

    def __init__(self, root: Path, workdir: Path) -> None:
        self.port = free_loopback_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "jupyterlab.log"
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ip=127.0.0.1", f"--port={self.port}", "--port-retries=0",
            "--IdentityProvider.token=", "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.workspaces_dir={workdir / 'workspaces'}",
        ]  # fmt: skip
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=demo_environment()
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"JupyterLab exited early:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/api/status").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        self.stop()
        pytest.fail(f"JupyterLab did not answer on {self.url}:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def require_chromium() -> Path:
    """Debian's Chromium, or a failure that says how to get it."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's Chromium with "
            "`apt-get install -y chromium` (never `playwright install`)."
        )
    return CHROMIUM


def require_playwright() -> Any:
    """The ``playwright.sync_api`` module, or a failure that says how to get it."""
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("the browser test needs the playwright package: pip install playwright")
    return sync_api


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of the repository's notebooks/ for JupyterLab to open."""
    root = tmp_path_factory.mktemp("lab-root") / "notebooks"
    shutil.copytree(REPO / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


@pytest.fixture(scope="module")
def jupyterlab(lab_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    """A tokenless JupyterLab on ``lab_root`` with the news toast switched off."""
    write_lab_overrides()
    server = JupyterLab(lab_root, tmp_path_factory.mktemp("lab-state"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium under Playwright."""
    chromium = require_chromium()
    sync_api = require_playwright()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser page, large enough for a dashboard."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def artifacts() -> Path:
    """test-artifacts/ (git-ignored), where screenshots go."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


KERNEL_IDLE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    return Boolean(kernel) && kernel.status === 'idle';
}"""
RUN_ALL = "() => window.jupyterapp.commands.execute('notebook:run-all-cells')"
CELL_REPORT = """() => {
    const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
    const report = {unrun: 0, errors: []};
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code') continue;
        if (cell.executionCount === null) report.unrun += 1;
        for (const out of cell.outputs.toJSON()) {
            if (out.output_type === 'error') report.errors.push(`${out.ename}: ${out.evalue}`);
        }
    }
    return report;
}"""


def run_notebook(page: Any, lab: JupyterLab, name: str) -> dict[str, Any]:
    """Open ``name``, wait for its kernel, run every cell; return ``{unrun, errors}``."""
    page.goto(f"{lab.url}/lab/tree/{name}")
    page.wait_for_function(KERNEL_IDLE, timeout=STARTUP_LIMIT_SECONDS * 1000)
    page.evaluate(RUN_ALL)  # the command's promise settles once the last cell has run
    page.wait_for_function(KERNEL_IDLE, timeout=STARTUP_LIMIT_SECONDS * 1000)
    report: dict[str, Any] = page.evaluate(CELL_REPORT)
    return report


@pytest.fixture(scope="module")
def expect() -> Any:
    """Playwright's ``expect`` (auto-waiting assertions)."""
    return require_playwright().expect


@pytest.fixture(scope="module")
def notebook_runner(jupyterlab: JupyterLab) -> Any:
    """``run(page, name) -> {unrun, errors}`` against this module's JupyterLab."""
    return lambda page, name: run_notebook(page, jupyterlab, name)
