"""HTTP while a service is still starting: its port answers from the first second.

A distributed service takes seconds to import its libraries and build its app on a
busy machine, and longer to reach its database and broker. An orchestrator, an
operator or a load balancer that finds the port closed meanwhile thinks the process
dead (and may kill it again). So ``pmf serve`` binds its port first and answers in
two stages:

* :class:`StartingResponder`, while the app is imported and built: a tiny server
  from the standard library (nothing slow to import) that says the process is alive
  (``/healthz`` 200), not ready (``/readyz`` 503 naming ``startup``) and refuses
  everything else with a problem+json 503 and ``Retry-After``. It is stopped before
  the real server takes the same socket over; a connection that arrives in between
  waits in the socket's backlog and is answered by the real server.
* :class:`StartupGate`, once the real app serves: it keeps refusing the API with
  the same 503 until the service's database is prepared (schema created, migrations
  applied), while ``/healthz``, ``/readyz`` and ``/metrics`` answer as usual.

This module imports nothing beyond the standard library (and the security headers,
which are plain constants) on purpose.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from shared.http.security_headers import with_security_headers

#: Paths answered while the service starts; everything else is refused with 503.
PROBES = ("/healthz", "/readyz", "/metrics")
#: Seconds a client is told to wait before trying again.
RETRY_AFTER = "2"
PROBLEM = "application/problem+json"


def bind(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on ``host:port`` (fails at once if the port is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def starting_body(reason: str) -> dict[str, Any]:
    """``/readyz`` while starting, shaped as every other ``/readyz`` answer."""
    return {
        "status": "down",
        "checks": {"startup": {"state": "down", "reason": reason}},
        "down": ["startup"],
    }


def refusal_body(reason: str) -> dict[str, Any]:
    """The problem+json that refuses a request while the service starts."""
    return {
        "type": "about:blank",
        "title": "Service unavailable",
        "status": 503,
        "detail": f"The service is starting ({reason}); try again in a few seconds",
    }


def answer(path: str, reason: str) -> tuple[int, str, dict[str, Any]]:
    """(status, content type, body) for a request to ``path`` while starting."""
    if path == "/healthz":
        return 200, "application/json", {"status": "ok"}
    if path == "/readyz":
        return 503, "application/json", starting_body(reason)
    return 503, PROBLEM, refusal_body(reason)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _reply(self) -> None:
        status, content_type, body = answer(
            self.path.split("?", 1)[0], self.server.reason()
        )
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if status == 503:
            self.send_header("Retry-After", RETRY_AFTER)
        for name, value in with_security_headers([], https=False):
            self.send_header(name.decode(), value.decode())
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _reply

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: probes arrive every second while starting."""


class _Server(HTTPServer):
    timeout = 5  # seconds a slow client may hold the single thread

    def __init__(self, sock: socket.socket, reason: Callable[[], str]) -> None:
        super().__init__(sock.getsockname()[:2], _Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.reason = reason


class StartingResponder:
    """Answers on a bound socket until :meth:`stop`, in a daemon thread.

    It serves on a duplicate of the socket, so stopping it leaves the original
    open and listening for the real server.
    """

    def __init__(self, sock: socket.socket, reason: Callable[[], str]) -> None:
        self._server = _Server(sock.dup(), reason)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="starting-responder",
            daemon=True,
        )

    def start(self) -> StartingResponder:
        """Start answering; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the request in hand (if any); later ones wait in the backlog."""
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class StartupGate:
    """ASGI wrapper: refuses all but the probes until ``is_open()`` is true.

    ``reason()`` says what the service still waits for (shown in the refusal).
    """

    def __init__(
        self, app: ASGIApp, is_open: Callable[[], bool], reason: Callable[[], str]
    ) -> None:
        self.app = app
        self.is_open = is_open
        self.reason = reason

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in PROBES or self.is_open():
            await self.app(scope, receive, send)
            return
        data = json.dumps(refusal_body(self.reason())).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": with_security_headers(
                    [
                        (b"content-type", PROBLEM.encode()),
                        (b"content-length", str(len(data)).encode()),
                        (b"retry-after", RETRY_AFTER.encode()),
                        (b"cache-control", b"no-store"),
                    ],
                    https=scope.get("scheme") == "https",
                ),
            }
        )
        await send({"type": "http.response.body", "body": data})
