"""The one ASGI middleware every pmf app has: body limit, correlation id,
request metrics and the access log.

The body limit holds for bodies of any framing: a declared ``Content-Length``
over the limit is refused before anything is read, and a chunked body is
counted as it streams in and refused (413) the moment it passes the limit,
before the route reads the rest or checks the caller's token. Otherwise a
client without a token could make every process buffer gigabytes.

Written as plain ASGI rather than Starlette's ``BaseHTTPMiddleware`` because
that wraps every request in extra tasks and streams; measured, the plain form
keeps a trivial route about twice as fast.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.observability.logging import correlation_id
from shared.observability.metrics import Metrics

access_log = logging.getLogger("pmf.http")


class RequestMiddleware:
    """Refuses oversize bodies, tags the request, and measures it."""

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared and (not declared.isdigit() or int(declared) > self.max_body):
            await self._too_large(send)
            return
        given = headers.get(b"x-correlation-id", b"").decode("latin-1")[:64]
        cid = given if given and given.isprintable() else str(uuid.uuid4())
        status = 500
        started = time.perf_counter()

        async def send_tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                tagged = list(message.get("headers", []))
                tagged.append((b"x-correlation-id", cid.encode()))
                message = {**message, "headers": tagged}
            await send(message)

        received = 0
        refused = False
        started_response = False

        async def receive_counted() -> Message:
            nonlocal received, refused, started_response
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    refused = True
                    if not started_response:
                        await self._too_large(send_tagged)
                        started_response = True
                    # The route sees a client that went away; what it answers
                    # after this is dropped (the 413 has been sent).
                    return {"type": "http.disconnect"}
            return message

        async def send_unless_refused(message: Message) -> None:
            nonlocal started_response
            if refused:
                return
            if message["type"] == "http.response.start":
                started_response = True
            await send_tagged(message)

        token = correlation_id.set(cid)
        try:
            await self.app(scope, receive_counted, send_unless_refused)
        except Exception:
            if refused:  # a route that gave up on the cut-off body is expected
                return
            if not started_response:
                # problem+json with the correlation id, not Starlette's plain
                # text; the error is still raised so that it is logged in full.
                await self._problem(
                    send_tagged,
                    500,
                    "Internal server error",
                    "Something went wrong on the server (quote correlation id "
                    f"{cid} when reporting it)",
                    correlation_id=cid,
                )
            raise
        finally:
            correlation_id.reset(token)
            self._measure(scope, status, cid, time.perf_counter() - started)

    def _measure(self, scope: Scope, status: int, cid: str, took: float) -> None:
        template = getattr(scope.get("route"), "path", "unmatched")
        method = scope.get("method", "")
        self.metrics.http_latency.labels(method, template, str(status)).observe(took)
        access_log.info(
            "%s %s %s",
            method,
            template,
            status,
            extra={"correlation_id": cid, "duration_s": round(took, 6)},
        )

    async def _too_large(self, send: Send) -> None:
        await self._problem(
            send,
            413,
            "Request too large",
            f"A request body may be at most {self.max_body} bytes",
        )

    async def _problem(
        self, send: Send, status: int, title: str, detail: str, **extra: Any
    ) -> None:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            **extra,
        }
        raw = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(raw)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})
