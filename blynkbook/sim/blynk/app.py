"""``BlynkSim``: the simulated Blynk cloud as one WSGI app (wiring, auth, faults, rate limit)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from .._clock import Clock
from .._faults import Faults, RateLimiter
from .._http import Request, Response, Router
from .._wsgi import WSGIApp
from .datastreams import DatastreamEndpoints
from .devices import DeviceEndpoints
from .fleet import ACME_ORG, build_fleet
from .oauth import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    NARROW_CLIENT_ID,
    NARROW_CLIENT_SECRET,
    TokenRegistry,
)
from .params import Caller
from .world import World

__all__ = ["TOKEN_PATH", "BlynkSim"]

TOKEN_PATH = "/oauth2/token"
API = "/api/v1/organization"
#: Sim choice: the paths each permission area guards (see ``oauth.PERMISSION_AREAS``).
GUARDED_PATHS = {
    f"{API}/templates": "templates",
    f"{API}/template/datastreams": "templates",
    f"{API}/device/tags": "tags",
    f"{API}/device/metafield": "metadata",
    f"{API}/device/timeline": "timeline",
}


class BlynkSim(WSGIApp):
    """The embedded Blynk cloud: a seeded demo fleet behind the Platform API.

    Order inside :meth:`handle`: faults → rate limit (key: the bearer token's client id,
    else the peer address) → route → auth (all but ``/oauth2/token``) → permission (a
    client denied an area of :data:`GUARDED_PATHS` gets 403) → handler, under ``self.lock``.

    Two OAuth clients of the demo org: ``client_id`` / ``client_secret`` may do everything;
    ``narrow_client_id`` / ``narrow_client_secret`` is a least-privilege client with device
    and datastream rights but no template access (``PRODUCT_VIEW``), as real organizations
    often issue.

    >>> sim = BlynkSim(now="2026-11-20T12:00:00Z")
    >>> sim.client_id
    'oa2-client-id_blynkbook-demo'
    >>> len(sim.world.device_ids()) >= 60
    True
    """

    def __init__(
        self,
        *,
        seed: int = 7,
        now: str | datetime | float | None = None,
        ticking: bool | None = None,
        token_lifetime: int = 86_400,
        rate: float = 500,
        burst: int = 1000,
        fleet_size: int = 60,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.clock = Clock(now, ticking=bool(ticking))
        self.faults = Faults(seed=seed)
        self.faults.revoker = self._revoke_tokens
        self.rate_limit = RateLimiter(rate, burst)
        self.world = World(self.clock, seed)
        build_fleet(self.world, fleet_size)
        self.tokens = TokenRegistry(self.clock, token_lifetime)
        demo = self.tokens.add_client(ACME_ORG, client_id=DEMO_CLIENT_ID, secret=DEMO_CLIENT_SECRET)
        self.client_id: str = demo.client_id
        self.client_secret: str = demo.secret
        narrow = self.tokens.add_client(
            ACME_ORG, client_id=NARROW_CLIENT_ID, secret=NARROW_CLIENT_SECRET, denied={"templates"}
        )
        self.narrow_client_id: str = narrow.client_id
        self.narrow_client_secret: str = narrow.secret
        self.request_count = 0
        self.requests_by_path: Counter[str] = Counter()
        self.router = Router()
        self.router.add("POST", TOKEN_PATH, self.tokens.token_endpoint)
        DeviceEndpoints(self.world, random.Random(f"{seed}:created")).register(self.router)
        DatastreamEndpoints(self.world).register(self.router)

    def add_client(
        self, org_id: int, *, platform_scope: bool = True, denied: Iterable[str] = ()
    ) -> tuple[str, str]:
        """A new OAuth client for ``org_id``: ``(client_id, client_secret)``. ``denied``
        names the areas it may not use (``"templates"``, ``"tags"``, ``"metadata"``,
        ``"timeline"``): those paths answer it 403."""
        if org_id not in self.world.orgs:
            raise ValueError(f"no organization {org_id}; known: {sorted(self.world.orgs)}")
        with self.lock:
            client = self.tokens.add_client(
                org_id, platform_scope=platform_scope, denied=tuple(denied)
            )
        return client.client_id, client.secret

    def _revoke_tokens(self) -> None:
        with self.lock:
            self.tokens.revoke_all()

    def handle(self, request: Request) -> Response:
        self.faults.apply()
        self.rate_limit.check(self._rate_key(request))
        handler = self.router.find(request.method, request.path)
        with self.lock:
            if request.path != TOKEN_PATH:
                grant = self.tokens.check_bearer(request)
                area = GUARDED_PATHS.get(request.path)
                if area is not None:
                    self.tokens.check_permission(grant, area)
                request.state["caller"] = Caller(grant.client_id, grant.org_id)
            self.request_count += 1
            self.requests_by_path[request.path] += 1
            return handler(request)

    def _rate_key(self, request: Request) -> str:
        with self.lock:
            client_id = self.tokens.client_of(request)
        return f"client:{client_id}" if client_id else f"peer:{request.client}"

    def __repr__(self) -> str:
        return f"<BlynkSim seed={self.seed} devices={len(self.world.devices)} clock={self.clock!r}>"
