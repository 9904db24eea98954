"""The ``blynkbook`` command.

``blynkbook lab`` opens JupyterLab on the example notebooks (the main job);
``blynkbook sim`` serves an embedded cloud on loopback for other tools and prints the
demo credentials (for Blynk also those of a least-privilege client without template
access)::

    blynkbook lab --port 8890
    blynkbook sim --port 9000 --now 2026-11-20T12:00:00Z
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

__all__ = ["LAB_OVERRIDES", "find_notebooks", "lab_command", "main", "write_lab_overrides"]

LAB_OVERRIDES: dict[str, dict[str, Any]] = {
    # The "official Jupyter news?" toast overlays cells; nobody here asked for it.
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
API_BASE = {"blynk": "", "thingsee": "/prod/v1"}  # where each cloud's API starts
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _DemoCloud(Protocol):
    """What ``blynkbook sim`` needs of a simulated cloud: a WSGI app with a demo client."""

    @property
    def client_id(self) -> str: ...

    @property
    def client_secret(self) -> str: ...

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any: ...


# ---------------------------------------------------------------------------- parsing


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``blynkbook`` and its two subcommands."""
    parser = argparse.ArgumentParser(
        prog="blynkbook",
        description="Explore a Blynk (or Thingsee) fleet from Jupyter.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{lab,sim}")

    lab = commands.add_parser(
        "lab",
        help="open JupyterLab on the example notebooks",
        description="Open JupyterLab on the example notebooks. Arguments blynkbook does not "
        "know are passed on to JupyterLab.",
    )
    lab.add_argument("--port", type=int, help="the port JupyterLab listens on")
    lab.add_argument(
        "--print-command", action="store_true", help="print the JupyterLab command and exit"
    )

    sim = commands.add_parser(
        "sim",
        help="serve the embedded demo cloud on loopback",
        description="Serve the embedded demo cloud on 127.0.0.1 until Ctrl-C.",
    )
    sim.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    sim.add_argument("--seed", type=int, default=7, help="seed of the demo fleet")
    sim.add_argument("--now", help='a fixed "now" (ISO 8601), e.g. 2026-11-20T12:00:00Z')
    sim.add_argument("--cloud", choices=("blynk", "thingsee"), default="blynk")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``blynkbook`` with ``argv`` (default: the process arguments); return the exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "sim":
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        return run_sim(args.cloud, port=args.port, seed=args.seed, now=args.now)
    return run_lab(port=args.port, extra=extra, print_only=args.print_command)


# ---------------------------------------------------------------------------- lab


def find_notebooks(cwd: Path | None = None) -> Path | None:
    """The ``notebooks/`` folder in ``cwd``, else the one beside the package's source tree."""
    here = (cwd or Path.cwd()) / "notebooks"
    if here.is_dir():
        return here
    beside_package = Path(__file__).resolve().parent.parent / "notebooks"
    return beside_package if beside_package.is_dir() else None


def lab_command(
    notebooks: Path, *, port: int | None = None, extra: Sequence[str] = ()
) -> list[str]:
    """The command line that starts JupyterLab on ``notebooks`` with this Python."""
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={notebooks}"]
    if _running_as_root():  # containers often run as root; Jupyter refuses without this
        command.append("--allow-root")
    if port is not None:
        command.append(f"--port={port}")
    return [*command, *extra]


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def write_lab_overrides(prefix: Path | None = None) -> Path:
    """Merge :data:`LAB_OVERRIDES` into ``{prefix}/share/jupyter/lab/settings/overrides.json``.

    ``prefix`` defaults to ``sys.prefix``, where JupyterLab looks. Settings already in the
    file are kept. Returns the file's path.
    """
    path = Path(prefix or sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings = _read_json_object(path)
    for plugin, values in LAB_OVERRIDES.items():
        settings.setdefault(plugin, {}).update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return path


def _read_json_object(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    settings = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(settings, dict):
        raise ValueError(f"{path} holds {type(settings).__name__}, not a JSON object")
    return settings


def describe_cloud(environ: dict[str, str] | None = None) -> str:
    """One line saying which cloud the notebooks will talk to (never a secret)."""
    from blynkbook.blynk._connect import (  # connect's own rules, not a copy
        ENV_CLIENT_ID,
        ENV_CLIENT_SECRET,
        ENV_SERVER,
        environment_server,
    )
    from blynkbook.errors import InputError

    try:
        server = environment_server(environ)
    except InputError as incomplete:
        return f"Notebooks will fail to connect: {incomplete}."
    if server is not None:
        return f"Notebooks use your Blynk cloud at {server} (BLYNK_* credentials are set)."
    return (
        "Notebooks use the embedded demo cloud "
        f"(set {ENV_SERVER}, {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} to use yours)."
    )


def run_lab(*, port: int | None, extra: Sequence[str], print_only: bool) -> int:
    """Start JupyterLab on the notebooks (or print how it would be started)."""
    notebooks = find_notebooks()
    if notebooks is None:
        print("blynkbook lab: no notebooks/ folder here or beside the package.", file=sys.stderr)
        return 2
    command = lab_command(notebooks, port=port, extra=extra)
    if print_only:
        print(shlex.join(command))
        return 0
    write_lab_overrides()
    print(describe_cloud(), flush=True)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 130


# ---------------------------------------------------------------------------- sim


def build_sim(cloud: str, *, seed: int, now: str | None) -> _DemoCloud:
    """The simulated ``cloud`` ("blynk" or "thingsee") with its seeded demo fleet."""
    from blynkbook import sim

    factory = sim.ThingseeSim if cloud == "thingsee" else sim.BlynkSim
    demo: _DemoCloud = factory(seed=seed, now=now)
    return demo


def run_sim(cloud: str, *, port: int, seed: int, now: str | None) -> int:
    """Serve the simulated cloud on loopback until Ctrl-C or SIGTERM."""
    from blynkbook.sim import serve

    demo = build_sim(cloud, seed=seed, now=now)
    stop = threading.Event()
    # Handlers first: whoever reads the banner may signal us at once.
    with _stop_on_signals(stop), serve(demo, port=port) as server:
        print(f"blynkbook sim: the demo {cloud} cloud is at {server.url}{API_BASE[cloud]}")
        print(f"client id:     {demo.client_id}")
        print(f"client secret: {demo.client_secret}")
        for line in _narrow_client_lines(demo):
            print(line)
        print("Ctrl-C stops it.", flush=True)
        stop.wait()
    print("blynkbook sim: stopped.", flush=True)
    return 0


def _narrow_client_lines(demo: _DemoCloud) -> list[str]:
    """The least-privilege demo client's credentials, for clouds that have one."""
    client_id = getattr(demo, "narrow_client_id", None)
    secret = getattr(demo, "narrow_client_secret", None)
    if not client_id or not secret:
        return []
    return [
        "least-privilege client (devices and datastreams, no template access / PRODUCT_VIEW)",
        f"narrow client id:     {client_id}",
        f"narrow client secret: {secret}",
    ]


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Set ``stop`` on SIGINT or SIGTERM while inside the ``with`` block."""

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, handle) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    raise SystemExit(main())
