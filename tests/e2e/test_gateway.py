"""``pmf serve web``: one address for the whole API in distributed mode.

The gateway runs as its own process in front of the four real services (Kafka,
PostgreSQL): a client that only knows the gateway's address registers an
indicator (indicators service), sees it in the framework (reporting), opens a
round (returns) and reads assessments (assessment), with the services'
own token checks and problem answers passed through.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Distributed
from tests.support.postgres import free_port
from tests.support.processes import Process

CODE = "GW 1"


@pytest.fixture
def gateway(distributed: Distributed) -> Iterator[str]:
    port = free_port()
    env = {
        "PMF_MODE": "distributed",
        **{
            f"PMF_{name.upper()}_URL": distributed.url(name)
            for name in distributed.ports
        },
    }
    proc = Process(
        ["serve", "web", "--port", str(port)], env, distributed.work / "web.log"
    )
    url = f"http://127.0.0.1:{port}"
    try:
        proc.wait_http(f"{url}/healthz", timeout=60)
        yield url
    finally:
        proc.stop()


def _admin(system: Distributed) -> dict[str, str]:
    return {"Authorization": f"Bearer {system.tokens['admin']}"}


def _eventually(fetch: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = fetch()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_one_address_serves_every_service(
    distributed: Distributed, gateway: str
) -> None:
    body = {
        "code": CODE,
        "title": "Through the gateway",
        "outcome": "Be healthy",
        "polarity": "higher_is_better",
        "unit": "percent",
        "frequency": "quarterly",
        "laa": False,
        "measurable": True,
        "target": {"value": 60.0, "period_end": "2011-03-31", "reason": "agreed"},
    }
    with httpx.Client(base_url=gateway, timeout=30) as web:
        # The service's own token check answers through the gateway.
        refused = web.post("/api/v1/indicators", json=body)
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        created = web.post("/api/v1/indicators", json=body, headers=_admin(distributed))
        assert created.status_code == 201, created.text
        # Indicators service, by the gateway: the definition just written.
        shown = web.get(f"/api/v1/indicators/{CODE.replace(' ', '%20')}")
        assert shown.status_code == 200 and shown.json()["code"] == CODE

        def in_framework() -> bool:
            entries = web.get("/api/v1/framework").json()["indicators"]
            return any(i["code"] == CODE for i in entries)

        assert _eventually(in_framework), "the reporting service never showed it"
        # Returns and assessment answer through the same address.
        assert web.get("/api/v1/rounds").status_code == 200
        assert web.get("/api/v1/assessments").status_code == 200
        # Query strings and bad input pass through to the owner unchanged.
        assert (
            web.get("/api/v1/framework", params={"as_of": "nonsense"}).status_code
            == 422
        )
        # An encoded "?" stays part of the code: the owner says it has none.
        odd = web.get("/api/v1/indicators/GW%3F1")
        assert odd.status_code == 404 and "No indicator" in odd.json()["detail"]
        unknown = web.get("/api/v1/no-such-route")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"].startswith("application/problem+json")
        ready = web.get("/readyz").json()
        assert set(ready["checks"]) >= {
            "indicators",
            "returns",
            "assessment",
            "reporting",
        }


def test_an_unreachable_service_is_a_503_to_retry(distributed: Distributed) -> None:
    port = free_port()
    dead = f"http://127.0.0.1:{free_port()}"
    env = {
        "PMF_MODE": "distributed",
        **{
            f"PMF_{name.upper()}_URL": distributed.url(name)
            for name in distributed.ports
        },
        "PMF_REPORTING_URL": dead,
    }
    proc = Process(
        ["serve", "web", "--port", str(port)], env, distributed.work / "web-dead.log"
    )
    try:
        proc.wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
        answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/framework", timeout=30)
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "5"
        assert "reporting" in answer.json()["detail"]
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["checks"]["reporting"]["state"] == "down"
    finally:
        proc.stop()
