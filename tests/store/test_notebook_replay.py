"""The CI recipe of the README, end to end: a notebook recorded against the embedded cloud
served on loopback into ``BLYNKBOOK_CACHE_DIR``, then replayed by nbval with
``BLYNKBOOK_OFFLINE=1``, the cloud switched off and no client secret anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from blynkbook.sim.blynk import BlynkSim

CELLS = [
    "import blynkbook as bb\ncloud = bb.connect()",
    "stations = cloud.devices().query(\"template == 'Weather Station'\")['device_id'].tolist()\n"
    "len(stations)",
    "week = cloud.history(stations[:4], ['Temperature', 'Humidity'], start='-7d', progress=False)\n"
    "len(week), round(float(week['value'].mean()), 6)",
    "cloud.history(stations[0], 'Temperature', start='-1h', progress=False).round(6)",
]


def _environment(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("BLYNK", "THINGSEE_"))}
    return {**keep, **extra}


def test_record_online_then_replay_offline_under_nbval(tmp_path: Path) -> None:
    sim = BlynkSim()  # the wall clock, as a real cloud
    folder = tmp_path / "committed"
    notebook = tmp_path / "analysis.ipynb"
    with sim.serve() as server:
        record = _environment(
            BLYNK_SERVER=server.url,
            BLYNK_CLIENT_ID=sim.client_id,
            BLYNK_CLIENT_SECRET=sim.client_secret,
            BLYNKBOOK_CACHE_DIR=str(folder),
        )
        book = new_notebook(cells=[new_code_cell(source) for source in CELLS])
        book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
        saved_env = dict(os.environ)
        os.environ.clear()
        os.environ.update(record)  # the kernel inherits this process's environment
        try:
            NotebookClient(book, timeout=300, kernel_name="python3").execute()
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
        nbformat.write(book, notebook)
        recorded_requests = sim.request_count
    assert recorded_requests > 0
    for path in (p for p in folder.rglob("*") if p.is_file()):
        assert sim.client_secret.encode() not in path.read_bytes(), path.name
    replay = _environment(
        BLYNKBOOK_OFFLINE="1",
        BLYNK_SERVER=server.url,  # closed: nothing listens there any more
        BLYNK_CLIENT_ID=sim.client_id,
        BLYNKBOOK_CACHE_DIR=str(folder),
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-q",
         "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning", str(notebook)],
        cwd=tmp_path, env=replay, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout
    assert sim.request_count == recorded_requests
