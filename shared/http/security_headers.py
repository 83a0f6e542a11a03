"""Response headers that tell browsers to keep pmf's pages to themselves.

Every response of every pmf app carries them (embedded and distributed alike):

- ``Content-Security-Policy``: scripts, styles, images and fonts only from this
  origin (images also as ``data:`` URLs, which Swagger UI's icons use), no
  plug-ins, no ``<base>``, forms post only here, and no other site may frame a
  page. pmf's pages have no inline script or style (the trend charts are inline
  SVG drawn with presentation attributes and classes), so nothing needs
  ``'unsafe-inline'``. A response that sets its own policy keeps it: the HTML
  reports carry their stylesheet inline and have no script at all.
- ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``.
- ``X-Content-Type-Options: nosniff``: a download is never run as a script.
- ``Referrer-Policy: same-origin``: addresses (which may name an indicator or a
  round) never leave for another site, while the sign-in form's own Referer
  check keeps working.
- ``Strict-Transport-Security`` when the request came over HTTPS (directly or
  through a proxy uvicorn trusts), so the browser never falls back to HTTP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the start-up responder imports this module early
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# For self-contained HTML documents (the reports): inline styles and images, no script.
DOCUMENT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000"

_ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def with_security_headers(
    headers: list[tuple[bytes, bytes]], https: bool
) -> list[tuple[bytes, bytes]]:
    """``headers`` plus each security header the response did not set itself."""
    present = {name.lower() for name, _ in headers}
    added = [(name, value) for name, value in _ALWAYS if name not in present]
    if https and b"strict-transport-security" not in present:
        added.append((b"strict-transport-security", HSTS.encode()))
    return [*headers, *added]


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                message = {**message, "headers": with_security_headers(headers, https)}
            await send(message)

        await self.app(scope, receive, send_secured)
