"""What ``/readyz`` answers: named checks, each ok, degraded or down.

A check is a function returning a :class:`Check`. The process is

* ``ok`` (200) when every check is ok;
* ``degraded`` (200) when it serves correctly but an operator should look (for
  example events a consumer set aside): the body gives each reason;
* ``down`` (503) when a dependency it needs is not there: the body names it.

Checks must answer quickly and never wait on the broker: the distributed services
read the broker's state from a background sampler (``shared.messaging.lag``).
Other parts of a service add their own checks through :meth:`Readiness.add`, so a
new condition (a parked event, a stuck job) needs no change here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

log = logging.getLogger(__name__)

State = Literal["ok", "degraded", "down"]
_RANK: dict[State, int] = {"ok": 0, "degraded": 1, "down": 2}


@dataclass(frozen=True)
class Check:
    """One check's answer: its name, state, why (when not ok) and figures."""

    name: str
    state: State = "ok"
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The check as ``/readyz`` shows it."""
        shown: dict[str, Any] = {"state": self.state}
        if self.reason:
            shown["reason"] = self.reason
        shown.update(self.details)
        return shown


ReadinessCheck = Callable[[], Check]


class Readiness:
    """The checks of one process, evaluated on each ``/readyz`` request."""

    def __init__(self, checks: list[ReadinessCheck] | None = None) -> None:
        self._checks: list[ReadinessCheck] = list(checks or [])

    def add(self, check: ReadinessCheck) -> None:
        """Add a check (any part of the service may report through one)."""
        self._checks.append(check)

    def evaluate(self) -> tuple[int, dict[str, Any]]:
        """The HTTP status and body of ``/readyz``."""
        results = [_run(check) for check in self._checks]
        return overall(results)


def overall(results: list[Check]) -> tuple[int, dict[str, Any]]:
    """Combine checks: the worst state wins; 503 only when something is down."""
    state: State = "ok"
    for result in results:
        if _RANK[result.state] > _RANK[state]:
            state = result.state
    body: dict[str, Any] = {
        "status": state,
        "checks": {result.name: result.body() for result in results},
    }
    down = [r.name for r in results if r.state == "down"]
    if down:
        body["down"] = down
    degraded = [r.name for r in results if r.state == "degraded"]
    if degraded:
        body["degraded"] = degraded
    return (503 if down else 200), body


def _run(check: ReadinessCheck) -> Check:
    try:
        return check()
    except Exception as exc:  # a broken check must not break /readyz
        name = getattr(check, "__name__", "check")
        log.warning("readiness check %s failed", name, exc_info=True)
        return Check(name, "down", f"check failed: {exc!r}"[:200])


__all__ = ["Check", "Readiness", "ReadinessCheck", "State", "overall"]
