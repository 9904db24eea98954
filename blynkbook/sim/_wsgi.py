"""The WSGI adapter both simulated clouds subclass: parse, handle, answer like a server.

Apart from ``_http.py`` because it mounts itself (``_transport.py``) and serves itself
(``_server.py``), and those two need the web layer's :class:`DropConnection`: one module
holding both would be an import cycle.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ._http import DropConnection, HTTPFailure, Request, Response

if TYPE_CHECKING:
    from ._server import LoopbackServer
    from ._transport import InProcessTransport

__all__ = ["WSGIApp", "request_from_environ"]

log = logging.getLogger("blynkbook.sim")


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if stream is None or length <= 0:
        return b""
    data: bytes = stream.read(length)
    return data


def request_from_environ(environ: dict[str, Any]) -> Request:
    """Build a :class:`Request` from a WSGI environ."""
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    path = environ.get("PATH_INFO", "/")
    if isinstance(path, str):  # WSGI hands PATH_INFO over as latin-1 decoded bytes
        path = path.encode("latin-1").decode("utf-8", "replace")
    return Request(
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        path=path,
        query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
        headers=headers,
        body=_read_body(environ),
        client=str(environ.get("REMOTE_ADDR", "")),
    )


class WSGIApp:
    """Base for a simulated cloud: subclasses implement :meth:`handle`.

    ``__call__`` is the WSGI entry point. A handler raising :class:`HTTPFailure`
    becomes its error response; any other exception becomes a 500 with the
    vendor's error body (:meth:`internal_error`), logged with its traceback on the
    ``blynkbook.sim`` logger, as a real server would answer: a simulator bug must not
    look like a network fault. :class:`DropConnection` passes through to the server
    (loopback) or transport (in-process).
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()  # handlers mutate one shared world

    def handle(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def transport(self) -> InProcessTransport:
        """An httpx transport that mounts this cloud in-process."""
        from ._transport import InProcessTransport

        return InProcessTransport(self)

    def serve(self, port: int = 0) -> LoopbackServer:
        """Serve this cloud on 127.0.0.1 in a daemon thread (``port=0``: any free port)."""
        from ._server import serve

        return serve(self, port=port)

    def internal_error(self) -> HTTPFailure:
        """The 500 answered for an unexpected exception; clouds override it for their shape."""
        return HTTPFailure(500, "Internal server error")

    def respond(self, request: Request) -> Response:
        try:
            return self.handle(request)
        except HTTPFailure as failure:
            return failure.to_response()
        except DropConnection:
            raise
        except Exception:
            log.exception("unhandled error in %s %s", request.method, request.path)
            return self.internal_error().to_response()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        response = self.respond(request_from_environ(environ))
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        start_response(f"{response.status} {reason}", headers)
        return [response.body]
