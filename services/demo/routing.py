"""Sends each demo request to the distributed service that serves its route.

In distributed mode every service has its own address (indicators 8001, returns
8002, assessment 8003, reporting 8004), and the system is eventually consistent:
the returns service learns of an indicator from the ``pmf.indicators`` topic a
moment after the indicators service registered it. A round opened before then
would leave that indicator out of its outstanding list without any error, so a
retry-on-404 is not enough. Instead, before a request goes to a service other
than the one written to last, the router waits until

1. every service written to since has published its events (its relay has
   nothing pending), and then
2. the target's consumers have caught up (consumer lag 0, in a reading taken
   after step 1).

Both figures come from each service's ``/readyz``. At the end, :meth:`settle`
waits the same way for every service, so the framework the reporting service
shows is the whole demo.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

#: (method or "*", path pattern, service). First match wins; see docs/distributed.md.
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("*", re.compile(r"^/api/v1/(returns|laa-results|rounds)(/|$)"), "returns"),
    ("*", re.compile(r"^/api/v1/(assessments|challenges)(/|$)"), "assessment"),
    ("GET", re.compile(r"^/api/v1/indicators/?$"), "reporting"),
    ("GET", re.compile(r"^/api/v1/indicators/.+/history$"), "reporting"),
    ("GET", re.compile(r"^/api/v1/indicators/.+/comparators$"), "reporting"),
    ("*", re.compile(r"^/api/v1/comparators(/|$)"), "reporting"),
    ("GET", re.compile(r"^/api/v1/indicators/.+/groups$"), "reporting"),
    ("*", re.compile(r"^/api/v1/indicators(/|$)"), "indicators"),
    ("*", re.compile(r"^/api/v1/framework/settings$"), "indicators"),
    ("*", re.compile(r"^/api/v1/framework/import(-template\.xlsx)?$"), "indicators"),
    ("POST", re.compile(r"^/api/v1/framework/versions$"), "indicators"),
    (
        "*",
        re.compile(r"^/api/v1/(framework|reports|actions|equalities)(/|$)"),
        "reporting",
    ),
]
SERVICES = ("indicators", "returns", "assessment", "reporting")


class RoutingError(RuntimeError):
    """A request no service serves, a service without an address, or a wait
    that did not end."""


def service_for(method: str, path: str) -> str:
    """The service that serves ``method path`` in distributed mode."""
    bare = path.split("?", 1)[0]
    for wanted, pattern, service in ROUTES:
        if wanted in ("*", method.upper()) and pattern.match(bare):
            return service
    raise RoutingError(f"no distributed service serves {method} {path}")


def parse_urls(values: list[str]) -> str | dict[str, str]:
    """``--url`` values: one address (one server), or ``service=address`` each."""
    if len(values) == 1 and "=" not in values[0]:
        return values[0]
    urls: dict[str, str] = {}
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or name not in SERVICES or not url:
            raise RoutingError(
                f"--url {value!r}: give one address, or service=address for each of "
                f"{', '.join(SERVICES)}"
            )
        urls[name] = url.rstrip("/")
    missing = [s for s in SERVICES if s not in urls]
    if missing:
        wanted = " ".join(f"--url {m}=<address>" for m in missing)
        raise RoutingError(f"every service needs an address: missing {wanted}")
    return urls


class ServiceRouter:
    """A demo client (``request`` like ``httpx.Client``) over the four services."""

    def __init__(
        self,
        urls: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        settle_timeout: float = 300.0,
        poll: float = 0.5,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.clients = {
            name: httpx.Client(
                base_url=url, headers=dict(headers or {}), timeout=timeout
            )
            for name, url in urls.items()
        }
        self.settle_timeout = settle_timeout
        self.poll = poll
        self.on_wait = on_wait
        self._last: str | None = None
        self._written: set[str] = set()  # services written to since the last wait

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send to the route's service, after waiting for it to have caught up."""
        service = service_for(method, url)
        if service != self._last and self._written - {service}:
            self._catch_up([service])
        self._last = service
        response = self.clients[service].request(
            method, url, json=json, headers=headers
        )
        if method.upper() != "GET":
            self._written.add(service)
        return response

    def settle(self) -> None:
        """Wait until every service has applied everything written so far."""
        self._catch_up(list(self.clients), passes=2)

    def close(self) -> None:
        """Close the connections."""
        for client in self.clients.values():
            client.close()

    # -- waiting for eventual consistency -------------------------------------

    def _ready_body(self, service: str) -> dict[str, Any]:
        response = self.clients[service].get("/readyz")
        body: dict[str, Any] = response.json()
        return body

    def _catch_up(self, targets: list[str], passes: int = 1) -> None:
        """Relays drained, then each target's consumers at lag 0 (fresh reading).

        A consumer that writes events of its own (assessment) publishes them while
        the others catch up, so :meth:`settle` makes a second pass: once every
        relay was idle at its start and every consumer then read lag 0, nothing
        is left in flight.
        """
        deadline = time.monotonic() + self.settle_timeout
        if self.on_wait is not None:
            self.on_wait(f"waiting for {', '.join(targets)} to catch up")
        for _ in range(passes):
            drained_at = self._drain(set(self.clients), deadline)
            for target in targets:
                self._caught_up(target, drained_at, deadline)
        self._written.clear()

    def _pending(self, service: str) -> int:
        relay = self._ready_body(service).get("checks", {}).get("relay", {})
        return int(relay.get("pending", 0))

    def _drain(self, services: set[str], deadline: float) -> float:
        """Wait until no relay has events to publish; the time that was seen."""
        while True:
            busy = [s for s in sorted(services) if self._pending(s)]
            if not busy:
                return time.monotonic()
            self._check_deadline(deadline, f"{', '.join(busy)} publishing events")
            time.sleep(self.poll)

    def _caught_up(self, service: str, after: float, deadline: float) -> None:
        """Wait for a lag reading of 0 taken after ``after`` (monotonic)."""
        while True:
            asked = time.monotonic()
            consumers = self._ready_body(service).get("checks", {}).get("consumers")
            if consumers is None:
                return  # consumes nothing (indicators) or embedded
            lag, age = consumers.get("lag"), consumers.get("lag_age_seconds")
            fresh = age is not None and asked - float(age) >= after
            if consumers.get("state") == "ok" and lag == 0 and fresh:
                return
            self._check_deadline(deadline, f"{service} consumers at lag {lag}")
            time.sleep(self.poll)

    def _check_deadline(self, deadline: float, what: str) -> None:
        if time.monotonic() > deadline:
            raise RoutingError(
                f"gave up after {self.settle_timeout:.0f}s waiting for {what}"
            )


__all__ = ["ROUTES", "RoutingError", "ServiceRouter", "parse_urls", "service_for"]
