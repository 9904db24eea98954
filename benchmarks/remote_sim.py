"""The embedded Blynk cloud served from its own process, so benchmarks time the client.

A real cloud is not in the analyst's process or GIL; a simulator in the same process makes
every benchmark measure it as much as the client. ``RemoteSim`` starts a ``BlynkSim`` on
loopback in a child process (``multiprocessing``, spawn) and steers it over a pipe::

    with RemoteSim(now=NOW) as sim:
        sim.faults(latency=0.05)                  # Faults.set(...) in the child
        sim.rate_limit(rate=10, burst=10)         # RateLimiter.configure(...)
        pull(sim.url, sim.client_id, sim.client_secret)
        sim.stats()    # {"requests": ..., "injected": {...}, "rejected": ..., ...}
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

__all__ = ["RemoteSim"]

STARTUP_TIMEOUT_S = 60.0
CALL_TIMEOUT_S = 60.0


def _child(conn: Connection, now: str, seed: int, fleet_size: int) -> None:
    """The child process: serve the cloud, answer commands until told to stop."""
    from blynkbook.sim.blynk import BlynkSim

    sim = BlynkSim(seed=seed, now=now, fleet_size=fleet_size)
    with sim.serve() as server:
        conn.send((server.url, sim.client_id, sim.client_secret))
        while True:
            op, kwargs = conn.recv()
            if op == "stop":
                conn.send(None)
                return
            try:
                conn.send(("ok", _do(sim, op, kwargs)))
            except Exception as exc:  # noqa: BLE001 - reported to the parent
                conn.send(("error", f"{type(exc).__name__}: {exc}"))


def _do(sim: Any, op: str, kwargs: dict[str, Any]) -> Any:
    if op == "faults":
        sim.faults.set(**kwargs)
        return None
    if op == "reset":
        sim.faults.reset()
        sim.rate_limit.configure(enabled=False)
        return None
    if op == "rate_limit":
        sim.rate_limit.configure(**kwargs)
        return None
    if op == "advance":
        sim.clock.advance(kwargs["seconds"])
        return sim.clock.now_ms()
    if op == "stats":
        return {
            "requests": sim.request_count,
            "by_path": dict(sim.requests_by_path),
            "token_requests": sim.requests_by_path["/oauth2/token"],
            "injected": dict(sim.faults.injected),
            "rejected": sim.rate_limit.rejected,
        }
    if op == "devices":
        name = kwargs["template"]
        return sorted(d.id for d in sim.world.iter_devices() if d.template.name == name)
    if op == "datastream_ids":
        template = sim.world.device(kwargs["device"]).template
        return {label: template.by_label(label).id for label in kwargs["labels"]}
    raise ValueError(f"unknown op {op!r}")


class RemoteSim:
    """A ``BlynkSim`` on 127.0.0.1 in a child process; a context manager."""

    def __init__(self, *, now: str, seed: int = 7, fleet_size: int = 60) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(
            target=_child, args=(child_conn, now, seed, fleet_size), daemon=True
        )
        self.url = ""
        self.client_id = ""
        self.client_secret = ""

    def __enter__(self) -> RemoteSim:
        self._process.start()
        if not self._conn.poll(STARTUP_TIMEOUT_S):
            self._process.kill()
            raise RuntimeError("the simulator process did not start")
        self.url, self.client_id, self.client_secret = self._conn.recv()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._conn.send(("stop", {}))
            self._conn.poll(10)
        finally:
            self._process.join(10)
            if self._process.is_alive():
                self._process.kill()

    def _call(self, op: str, **kwargs: Any) -> Any:
        self._conn.send((op, kwargs))
        if not self._conn.poll(CALL_TIMEOUT_S):
            raise RuntimeError(f"the simulator process did not answer {op!r}")
        status, value = self._conn.recv()
        if status == "error":
            raise RuntimeError(f"simulator {op!r} failed: {value}")
        return value

    def faults(self, **knobs: Any) -> None:
        """``sim.faults.set(**knobs)`` in the child."""
        self._call("faults", **knobs)

    def rate_limit(self, **settings: Any) -> None:
        """``sim.rate_limit.configure(**settings)`` in the child."""
        self._call("rate_limit", **settings)

    def reset(self) -> None:
        """Every fault off and the rate limiter disabled."""
        self._call("reset")

    def advance(self, seconds: float) -> int:
        """Move the child's clock on by ``seconds``; its new "now" in epoch ms."""
        now_ms: int = self._call("advance", seconds=seconds)
        return now_ms

    def stats(self) -> dict[str, Any]:
        """Requests handled (in all and ``by_path``), token requests, faults injected, 429s
        from the rate limiter."""
        stats: dict[str, Any] = self._call("stats")
        return stats

    def devices(self, template: str) -> list[int]:
        """Ids of the devices of a template (e.g. "Weather Station"), ascending."""
        ids: list[int] = self._call("devices", template=template)
        return ids

    def datastream_ids(self, device: int, labels: list[str]) -> dict[str, int]:
        """The datastream id of each label on ``device``'s template."""
        ids: dict[str, int] = self._call("datastream_ids", device=device, labels=labels)
        return ids
