"""The embedded Blynk cloud: the Platform API (OAuth, Devices, DataStreams) over a seeded fleet.

::

    from blynkbook.sim.blynk import BlynkSim
    sim = BlynkSim(seed=7, now="2026-11-20T12:00:00Z")
    with sim.serve() as server:                  # or httpx.Client(transport=sim.transport())
        print(server.url, sim.client_id, sim.client_secret)

The demo fleet: "Acme Field Ops" (org 101, the demo client's) with the sub-org "Acme North"
(102), plus an unrelated "Globex Labs" (201, no devices). 24 weather stations (ids 1..24; 1..21
in org 101, online, 60 days of 5-minute history), 16 GPS trackers (2-minute history around
European cities) and 20 smart plugs, with users, tags, metafields, timeline events and logs.
Datastreams are virtual pins (``pinType: VIRTUAL``, no ``pinMode``, writable) but for the
plug's ``Relay State``, a digital pin in input mode (``d5``, read-only).
Two stations report late (for the series store's late-data rule): station 23 buffers its
readings and uploads them every 3 hours, station 24 every 30 minutes, so the newest points
of their history appear hours after their timestamps.

Two OAuth clients of org 101: ``sim.client_id`` / ``sim.client_secret`` may do everything;
``sim.narrow_client_id`` / ``sim.narrow_client_secret`` is a least-privilege client (devices
and datastreams, no template access: ``/templates`` and ``/template/datastreams`` answer it
403), as a real organization may issue.

Knobs: ``sim.clock`` (``advance(seconds)``), ``sim.faults`` (error/drop/throttle rates,
latency), ``sim.rate_limit`` (``configure(rate=, burst=)``), ``sim.add_client(org_id,
platform_scope=True, denied=("tags", ...))``, ``sim.tokens.revoke_all()``.

Read-only ground truth for tests of other rooms:

- ``sim.world.device_ids(org_id=None)`` → sorted device ids (one org, sub-orgs excluded)
- ``sim.world.device(device_id)`` → the :class:`~.world.Device` (name, org_id, template, tags…)
- ``sim.world.current_value(device_id, datastream_id)`` → ``(value, updated_at_ms)`` or None
- ``sim.world.history_points(device_id, datastream_id, from_ms, to_ms)`` → ``[(ts_ms, value)]``
  ascending, both ends inclusive — exactly what the history endpoint pages through
- ``sim.world.device_tokens()`` → every device token (secret-grep tests)
- ``sim.world.templates`` → ``{id: Template}``; ``template.datastreams`` the schema
- ``sim.request_count`` (requests that reached a handler), ``sim.requests_by_path``

Sim choices where the vendor is silent are listed in ``docs/internals.md`` §2; further ones:
``POST /api/v1/organization/device/resolve-event`` takes ``{"deviceId", "logEventId",
"comment"?}``; ``GET /api/v2/organization/devices`` returns Device items with
``dataStreamValues`` and ``metaFieldValues``; timeline items also carry ``eventCode``.
"""

from __future__ import annotations

from .app import TOKEN_PATH, BlynkSim
from .oauth import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, NARROW_CLIENT_ID, NARROW_CLIENT_SECRET
from .world import World

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "NARROW_CLIENT_ID",
    "NARROW_CLIENT_SECRET",
    "TOKEN_PATH",
    "BlynkSim",
    "World",
]
