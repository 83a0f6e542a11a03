"""Sends the demo plan to a running pmf, step by step, as its users would.

Going through the HTTP API (rather than writing events directly) means the demo is
validated exactly like real input, every event records the actor a real request
would, and the same plan loads into the embedded process, a distributed deployment
or an in-process test client.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote

from .plan import DemoStep


class Response(Protocol):
    """The parts of an httpx (or TestClient) response the loader reads."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class Client(Protocol):
    """Anything that sends a request like ``httpx.Client`` or ``TestClient`` does."""

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any: ...


class DemoLoadError(RuntimeError):
    """A step the server would not accept: the plan and the server disagree.

    Carries the step, the HTTP status and the response body, so the cause (a
    missing route, a validation rule, a token without the right role) can be seen
    without re-running the load.
    """

    def __init__(self, step: DemoStep, status: int, body: Any) -> None:
        self.step = step
        self.status = status
        self.body = body
        super().__init__(f"{step.method} {step.path} answered {status}: {body}")


# Paths whose segment after the prefix is a code that may hold spaces or "/".
_CODE_PATHS = (
    re.compile(
        r"^(?P<head>/api/v1/indicators/)(?P<code>.+?)"
        r"(?P<tail>/(?:lead|baseline|target|milestones|retire|history|comparators))?$"
    ),
    re.compile(r"^(?P<head>/api/v1/rounds/)(?P<code>.+?)(?P<tail>/[a-z]+)?$"),
)


def quote_path(path: str) -> str:
    """The path with its indicator code (or round id) percent-encoded.

    Codes contain spaces and may contain "/", so the whole code is quoted with
    nothing left safe; the server decodes it before matching its routes. A code
    that itself ends in "/baseline" (and the like) cannot be told apart from the
    route and is not supported.
    """
    for pattern in _CODE_PATHS:
        match = pattern.match(path)
        if match:
            tail = match.group("tail") or ""
            return f"{match.group('head')}{quote(match.group('code'), safe='')}{tail}"
    return path


def _body(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def apply_plan(
    steps: Sequence[DemoStep],
    client: Client,
    token_for: Callable[[DemoStep], str | None] = lambda step: None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Send every step in order; the number of steps sent.

    ``token_for`` gives the bearer token to send a step with (for a ``lead`` step,
    the token of ``step.lead_email``); None sends no ``Authorization`` header, which
    suits a server that does not require tokens. ``progress`` is called after each
    step with (done, total). Stops at the first answer that is not 2xx, and also
    when an LAA batch answers 2xx but rejected an item, since a silently lost result
    would make the demo tell a different story.
    """
    total = len(steps)
    for done, step in enumerate(steps, start=1):
        headers: dict[str, str] = {}
        token = token_for(step)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if step.occurred_at:
            headers["Occurred-At"] = step.occurred_at
        response = client.request(
            step.method, quote_path(step.path), json=step.body, headers=headers
        )
        status = int(response.status_code)
        if not 200 <= status < 300:
            raise DemoLoadError(step, status, _body(response))
        if step.path == "/api/v1/laa-results":
            answer = _body(response)
            if isinstance(answer, dict) and answer.get("rejected"):
                raise DemoLoadError(step, status, answer)
        if progress is not None:
            progress(done, total)
    return total


__all__ = ["Client", "DemoLoadError", "apply_plan", "quote_path"]
