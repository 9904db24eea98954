"""``ThingseeSim``: the Thingsee Open Services API as a WSGI app.

The API is served under ``/prod/v1`` (the stage path of the vendor's per-deployment base URL
``https://{apiId}.execute-api.{region}.amazonaws.com/prod/v1/``) and, as an alias, at the root,
so both ``http://127.0.0.1:PORT/prod/v1/`` and ``http://demo.thingsee.local`` work as base URL.
Every success is ``{"data": ...}``; every error is ``{"statusCode", "error", "message"}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ...vendor.thingsee import INSTALLATION_STATUSES, MESSAGE_LIMIT
from .._clock import Clock
from .._faults import Faults, RateLimiter
from .._http import HTTPFailure, Request, Response, Router
from .._wsgi import WSGIApp
from ._params import (
    check_command,
    data,
    failure,
    id_set,
    int_arg,
    json_object,
    valid_group_id,
)
from ._world import World

__all__ = ["DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "MESSAGE_LIMIT", "STAGE_PREFIX", "ThingseeSim"]

DEMO_CLIENT_ID = "blynkbook-demo-thingsee"
DEMO_CLIENT_SECRET = "demo-thingsee-secret-not-for-production"  # public demo constant
STAGE_PREFIX = "/prod/v1"
TOKEN_PATH = "/auth/client-token"

ROUTES: tuple[tuple[str, str, str], ...] = (
    ("POST", TOKEN_PATH, "_create_token"),
    ("GET", "/groups", "_list_groups"),
    ("POST", "/groups", "_create_group"),
    ("DELETE", "/groups/{groupid}", "_delete_group"),
    ("POST", "/groups/{groupid}/rename", "_rename_group"),
    ("GET", "/groups/{groupid}/things", "_group_things"),
    ("GET", "/things/alerts", "_all_alerts"),
    ("GET", "/things/alerts/count", "_alert_count"),
    ("GET", "/things/{tuid}", "_thing_info"),
    ("GET", "/things/{tuid}/alerts", "_thing_alerts"),
    ("GET", "/things/{tuid}/messages", "_messages"),
    ("GET", "/things/{tuid}/commands", "_list_commands"),
    ("POST", "/things/{tuid}/commands", "_send_commands"),
    ("GET", "/things/{tuid}/installations", "_list_installations"),
    ("POST", "/things/{tuid}/installations", "_set_installation"),
    ("GET", "/things/{tuid}/group", "_get_thing_group"),
    ("POST", "/things/{tuid}/group", "_set_thing_group"),
)


def api_path(path: str) -> str:
    """The path the routes are written for: the stage prefix dropped, empty segments too.

    >>> api_path("/prod/v1/things/TSPD04X1A12345678/messages")
    '/things/TSPD04X1A12345678/messages'
    >>> api_path("//things//alerts/")
    '/things/alerts'
    """
    if path == STAGE_PREFIX or path.startswith(STAGE_PREFIX + "/"):
        path = path[len(STAGE_PREFIX) :]
    return "/" + "/".join(p for p in path.split("/") if p)


class ThingseeSim(WSGIApp):
    """The embedded Thingsee cloud with a seeded fleet (4 deployment groups, 44 things).

    >>> sim = ThingseeSim(now="2026-11-20T12:00:00Z")
    >>> sim.client_id
    'blynkbook-demo-thingsee'
    >>> len(sim.world.groups)
    4
    """

    def __init__(
        self,
        *,
        seed: int = 7,
        now: str | datetime | float | None = None,
        ticking: bool | None = None,
        token_lifetime: int = 900,
        rate: float = 500.0,
        burst: int = 1000,
    ) -> None:
        super().__init__()
        self.clock = Clock(now, ticking=bool(ticking))
        self.faults = Faults(seed=seed)
        self.rate_limit = RateLimiter(rate, burst)
        self.token_lifetime = token_lifetime
        self.world = World(seed=seed, clock=self.clock)
        self.request_count = 0
        self._clients = {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
        self._tokens: dict[str, tuple[str, float]] = {}  # token → (client id, expiry)
        self._token_serial = itertools.count(1)
        self._signing_key = hashlib.sha256(f"thingsee-sim-{seed}".encode()).digest()
        self.router = Router()
        for method, template, name in ROUTES:
            handler: Callable[[Request], Response] = getattr(self, name)
            self.router.add(method, template, handler)

    @property
    def client_id(self) -> str:
        return DEMO_CLIENT_ID

    @property
    def client_secret(self) -> str:
        return DEMO_CLIENT_SECRET

    def issued_tokens(self) -> list[str]:
        """Every token handed out so far (ground truth for tests that hunt for leaks)."""
        with self.lock:
            return list(self._tokens)

    def __repr__(self) -> str:
        return f"<ThingseeSim {len(self.world.things)} things, clock={self.clock!r}>"

    # -- request pipeline: faults → rate limit → route → auth → handler ------------------

    def internal_error(self) -> HTTPFailure:
        return failure(500, "Internal server error")

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.request_count += 1
        try:
            self.faults.apply()
            self.rate_limit.check(self._caller(request))
            path = api_path(request.path)
            handler, params = self.router.match(request.method, path)
            request.state["params"] = params
            if path != TOKEN_PATH:
                request.state["client_id"] = self._authenticate(request)
            with self.lock:
                return handler(request)
        except HTTPFailure as exc:
            if exc.bare or exc.body is not None:
                raise
            raise failure(exc.status, exc.message, headers=exc.headers) from exc

    def _caller(self, request: Request) -> str:
        entry = self._tokens.get(_bearer(request) or "")
        return entry[0] if entry else request.client or "anonymous"

    def _authenticate(self, request: Request) -> str:
        token = _bearer(request)
        if token is None:
            raise failure(401, "Unauthorized")
        entry = self._tokens.get(token)
        if entry is None:
            raise failure(401, "Unauthorized")
        if self.clock.now() >= entry[1]:
            raise failure(401, "The incoming token has expired")
        return entry[0]

    def _issue_token(self, client_id: str) -> str:
        issued = int(self.clock.now())
        header = {"alg": "HS256", "typ": "JWT"}
        claims = {
            "sub": client_id,
            "iat": issued,
            "exp": issued + self.token_lifetime,
            "jti": next(self._token_serial),
        }
        signing_input = f"{_b64(header)}.{_b64(claims)}"
        signature = hmac.new(self._signing_key, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
        self._tokens[token] = (client_id, float(issued + self.token_lifetime))
        return token

    # -- handlers -------------------------------------------------------------------------

    def _create_token(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict) or not all(
            isinstance(body.get(k), str) for k in ("client_id", "client_secret")
        ):
            raise failure(400, "client_id and client_secret are required")
        known = self._clients.get(body["client_id"])
        if known is None or not hmac.compare_digest(known, body["client_secret"]):
            raise failure(401, "Invalid client credentials")
        return data({"token": self._issue_token(body["client_id"])})

    def _list_groups(self, request: Request) -> Response:
        text = (request.arg("q") or "").lower()
        limit = int_arg(request, "limit", low=1)
        rows = [
            {"group_id": gid, "group_description": desc}
            for gid, desc in sorted(self.world.groups.items())
            if text in gid.lower() or text in desc.lower()
        ]
        return data(rows if limit is None else rows[:limit])

    def _create_group(self, request: Request) -> Response:
        body = json_object(request)
        group_id = valid_group_id(body.get("group_id"))
        description = body.get("group_description", "")
        if not isinstance(description, str):
            raise failure(400, "group_description must be a string")
        if group_id in self.world.groups:
            raise failure(409, f"Group {group_id} already exists")
        self.world.groups[group_id] = description
        return data({"group_id": group_id, "group_description": description})

    def _rename_group(self, request: Request) -> Response:
        old = self._existing_group(request.state["params"]["groupid"])
        new = valid_group_id(json_object(request).get("group_id"))
        if new in self.world.groups:
            raise failure(409, f"Group {new} already exists")
        self.world.groups = {
            (new if gid == old else gid): d for gid, d in self.world.groups.items()
        }
        for thing in self.world.things.values():
            if thing.group_id == old:
                thing.group_id = new
        return data({"group_id": new, "old": old, "renamed": True})

    def _delete_group(self, request: Request) -> Response:
        group_id = self._existing_group(request.state["params"]["groupid"])
        members = self.world.group_tuids(group_id)
        if members:
            raise failure(409, f"Group {group_id} still has {len(members)} things; move them first")
        del self.world.groups[group_id]
        return data({"group_id": group_id, "deleted": True})

    def _group_things(self, request: Request) -> Response:
        group_id = self._existing_group(request.state["params"]["groupid"])
        return data({"group_id": group_id, "tuids": self.world.group_tuids(group_id)})

    def _all_alerts(self, request: Request) -> Response:
        return data({"alerting_tuids": self.world.active_alert_tuids()})

    def _alert_count(self, request: Request) -> Response:
        return data({"alert_count": str(len(self.world.active_alert_tuids()))})

    def _thing_info(self, request: Request) -> Response:
        return data(self.world.info(self._thing(request)))

    def _thing_alerts(self, request: Request) -> Response:
        tuid = self._thing(request)
        from_s, to_s = int_arg(request, "from", low=0), int_arg(request, "to", low=0)
        return data(self.world.thing_alerts(tuid, from_s, to_s))

    def _messages(self, request: Request) -> Response:
        tuid = self._thing(request)
        limit = int_arg(request, "limit", low=1, high=MESSAGE_LIMIT)
        if limit is None:
            raise failure(400, "limit is required")
        found = self.world.messages(
            tuid,
            int_arg(request, "from", low=0),
            int_arg(request, "to", low=0),
            id_set(request, "messageid"),
            id_set(request, "eventid"),
        )
        return data(
            found[::-1][:limit]
        )  # sim choice: newest first, like the vendor's apps read them

    def _list_commands(self, request: Request) -> Response:
        tuid = self._thing(request)
        ids, events = id_set(request, "messageid"), id_set(request, "eventid")
        lo, hi = int_arg(request, "from", low=0), int_arg(request, "to", low=0)
        limit = int_arg(request, "limit", low=1)
        rows = [
            c
            for c in self.world.commands[tuid]
            if (ids is None or c["command"]["tsmId"] in ids)
            and (events is None or c["command"]["tsmEv"] in events)
            and (lo is None or c["timestamp"] >= lo)
            and (hi is None or c["timestamp"] <= hi)
        ]
        return data(rows if limit is None else rows[-limit:])  # chronological, as documented

    def _send_commands(self, request: Request) -> Response:
        tuid = self._thing(request)
        body = request.json()
        if not isinstance(body, list) or not body or not all(isinstance(c, dict) for c in body):
            raise failure(400, "Body must be a non-empty array of command objects")
        for command in body:
            check_command(command)
        responsible = request.state["client_id"]
        sent = [self.world.record_command(tuid, c, responsible) for c in body]
        return data({"responsible": responsible, "commands": sent})

    def _list_installations(self, request: Request) -> Response:
        tuid = self._thing(request)
        limit = int_arg(request, "limit", low=1)
        newest_first = self.world.installations[tuid][::-1]
        return data(newest_first if limit is None else newest_first[:limit])

    def _set_installation(self, request: Request) -> Response:
        tuid = self._thing(request)
        status = json_object(request).get("installation_status")
        if status not in INSTALLATION_STATUSES:
            allowed = ", ".join(INSTALLATION_STATUSES)
            raise failure(400, f"Invalid installation_status {status!r}; allowed: {allowed}")
        self.world.record_installation(tuid, status, request.state["client_id"])
        return data({"tuid": tuid, "installation_status": status})

    def _get_thing_group(self, request: Request) -> Response:
        tuid = self._thing(request)
        return data({"group_id": self.world.things[tuid].group_id, "tuid": tuid})

    def _set_thing_group(self, request: Request) -> Response:
        tuid = self._thing(request)
        group_id = json_object(request).get("group_id")
        if not isinstance(group_id, str) or not group_id:
            raise failure(400, "group_id is required")
        self._existing_group(group_id)
        self.world.things[tuid].group_id = group_id
        return data({"group_id": group_id, "tuid": tuid})

    # -- lookups --------------------------------------------------------------------------

    def _thing(self, request: Request) -> str:
        tuid: str = request.state["params"]["tuid"]
        if tuid not in self.world.things:
            raise failure(404, f"Thing {tuid} not found")
        return tuid

    def _existing_group(self, group_id: str) -> str:
        if group_id not in self.world.groups:
            raise failure(404, f"Group {group_id} not found")
        return group_id


def _b64(obj: dict[str, Any]) -> str:
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
