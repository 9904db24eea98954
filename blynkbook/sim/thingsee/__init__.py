"""The embedded Thingsee Open Services cloud (Haltian), a faithful fake for notebooks and tests.

>>> from blynkbook.sim.thingsee import ThingseeSim
>>> sim = ThingseeSim(now="2026-11-20T12:00:00Z")
>>> with sim.serve() as server:                     # doctest: +SKIP
...     print(server.url + "/prod/v1/", sim.client_id)

Sim choices where the vendor document is silent (see docs/internals.md for the Blynk list):

- base path ``/prod/v1`` (the AWS stage of the real base URL), also served at the root;
- ``GET /things/{tuid}/messages``: newest first; ``from``/``to`` inclusive, in seconds;
  ``limit`` 1..1000 (required); no cursor;
- commands list: chronological (documented); installations: newest first (the vendor's app
  reads the current status with ``?limit=1``);
- open alerts carry ``"to": null``; ``alerting_tuids`` lists things with an open alert;
- deleting a group that still has things → 409; moving a thing to an unknown group → 404;
- 401 ``Unauthorized`` (no or unknown token), 401 ``The incoming token has expired``;
  429 without a body and with ``Retry-After``; other errors ``{statusCode, error, message}``;
- messages carry the thing's *current* ``deploymentGroupId``;
- two things report late (``LATE_REPORTERS``, for the series store's late rule): the
  environment sensors of index 30 and 34 buffer their messages and upload them every 30
  and every 90 minutes, so their newest messages appear after their ``tsmTs``.
"""

from __future__ import annotations

from ...vendor.thingsee import ALLOWED_COMMAND_IDS, INSTALLATION_STATUSES
from ._app import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, MESSAGE_LIMIT, STAGE_PREFIX, ThingseeSim
from ._world import LATE_REPORTERS, PRODUCTS, World

__all__ = [
    "ALLOWED_COMMAND_IDS",
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "INSTALLATION_STATUSES",
    "LATE_REPORTERS",
    "MESSAGE_LIMIT",
    "PRODUCTS",
    "STAGE_PREFIX",
    "ThingseeSim",
    "World",
]
