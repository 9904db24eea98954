"""The simulator's tiny web layer: request/response objects, failures and the router.

Kept dependency-free on purpose. The WSGI adapter that both clouds subclass is in
``_wsgi.py``, which also mounts an app in-process and serves it on loopback; those two
(``_transport.py``, ``_server.py``) need only :class:`DropConnection` from here, so the
layer has no import cycle.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

__all__ = [
    "DropConnection",
    "HTTPFailure",
    "Handler",
    "Request",
    "Response",
    "Router",
]


class DropConnection(Exception):  # noqa: N818 - it is a signal, not an error
    """Raised inside the app to make the server close the socket without answering."""


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    client: str = ""  # peer address, for per-client rate limiting
    state: dict[str, Any] = field(default_factory=dict)  # set by middleware (e.g. "auth")

    def arg(self, name: str) -> str | None:
        """The first value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None

    def args(self, name: str) -> list[str]:
        """All values of a query parameter (``?a=1&a=2``; ``?a=1,2`` is split too)."""
        out: list[str] = []
        for v in self.query.get(name, []):
            out.extend(p for p in v.split(",") if p != "")
        return out

    def json(self) -> Any:
        """The body parsed as JSON; a 400 failure when it is not JSON (or nested too deep
        to parse: ``RecursionError`` is a malformed body too, not a server fault)."""
        try:
            return json.loads(self.body or b"null")
        except (ValueError, RecursionError) as exc:
            raise HTTPFailure(400, "Invalid request body") from exc


@dataclass
class Response:
    """One HTTP response; ``body`` is already encoded."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(
        cls, data: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()
    ) -> Response:
        payload = json.dumps(data, separators=(",", ":")).encode()
        return cls(status, payload, [("Content-Type", "application/json"), *headers])

    @classmethod
    def empty(cls, status: int = 204) -> Response:
        return cls(status, b"", [])


class HTTPFailure(Exception):
    """Raised by a handler to answer with an error status and body.

    ``body`` defaults to the Platform API's ``{"error": {"message": ...}}`` shape;
    pass ``body=None`` with ``bare=True`` for statuses the vendor sends without a body.
    """

    def __init__(
        self,
        status: int,
        message: str = "",
        *,
        body: Any = None,
        headers: Iterable[tuple[str, str]] = (),
        bare: bool = False,
    ) -> None:
        super().__init__(message or HTTPStatus(status).phrase)
        self.status = status
        self.message = message or HTTPStatus(status).phrase
        self.body = body
        self.headers = list(headers)
        self.bare = bare

    def to_response(self) -> Response:
        if self.bare:
            return Response(self.status, b"", list(self.headers))
        body = self.body if self.body is not None else {"error": {"message": self.message}}
        return Response.json(body, self.status, self.headers)


Handler = Callable[[Request], Response]


class Router:
    """Maps ``(method, path template)`` to a handler; answers 404/405 like a real server would.

    A template is a path whose segments may be ``{name}`` (any one non-empty segment), as in
    the vendors' OpenAPI paths. A concrete path takes the template it matches with the most
    literal segments (``/things/alerts`` before ``/things/{tuid}``; registration order breaks
    ties); the method is checked after, so a known path asked with any other method
    (``TRACE``, ``OPTIONS``, a made-up one) is a 405 whose ``Allow`` header lists the methods
    that template takes. Paths are compared segment by segment as given: a cloud that forgives
    empty segments or strips a stage prefix normalises the path before asking.

    >>> router = Router()
    >>> router.add("GET", "/things/{tuid}", lambda request: Response.empty())
    >>> router.match("GET", "/things/T1")[1]
    {'tuid': 'T1'}
    """

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], Handler] = {}
        self._templates: dict[str, tuple[str, ...]] = {}  # template → its segments, in order

    def add(self, method: str, path: str, handler: Handler) -> None:
        self._routes[(method.upper(), path)] = handler
        self._templates.setdefault(path, tuple(path.split("/")))

    def route(self, method: str, path: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add(method, path, handler)
            return handler

        return register

    @property
    def routes(self) -> list[tuple[str, str]]:
        return sorted(self._routes)

    def find(self, method: str, path: str) -> Handler:
        """The handler for a concrete path (its template parameters dropped)."""
        return self.match(method, path)[0]

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        """The handler for ``method`` on a concrete ``path`` and the template's parameters;
        a 404 for a path no template matches, a 405 with ``Allow`` for another method."""
        template, params = self._template_of(path)
        handler = self._routes.get((method.upper(), template)) if template else None
        if handler is not None:
            return handler, params
        if template is not None:
            allowed = sorted(m for m, p in self._routes if p == template)
            raise HTTPFailure(
                405,
                f"Method {method} is not allowed for {template}",
                headers=[("Allow", ", ".join(allowed))],
            )
        raise HTTPFailure(404, f"No endpoint {path}")

    def _template_of(self, path: str) -> tuple[str | None, dict[str, str]]:
        if path in self._templates and "{" not in path:
            return path, {}  # all literal: no template can have more literal segments
        parts = path.split("/")
        best: tuple[int, str, dict[str, str]] | None = None
        for template, pattern in self._templates.items():
            found = _bind(pattern, parts)
            if found is None:
                continue
            literals = len(pattern) - len(found)
            if best is None or literals > best[0]:
                best = (literals, template, found)
        return (best[1], best[2]) if best else (None, {})


def _bind(pattern: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    """The ``{name}`` segments of ``pattern`` bound to ``parts``, or None if it does not fit."""
    if len(pattern) != len(parts):
        return None
    params: dict[str, str] = {}
    for want, got in zip(pattern, parts, strict=True):
        if want.startswith("{") and want.endswith("}"):
            if not got:
                return None
            params[want[1:-1]] = got
        elif want != got:
            return None
    return params
