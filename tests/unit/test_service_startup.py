"""How a distributed service answers while it starts, without Kafka or PostgreSQL:
the stand-in on the bound port, the gate in front of the app, and the startup
steps that retry until their dependency answers."""

from __future__ import annotations

import logging
import threading
from typing import Any

import httpx
import pytest

from shared.http.starting import StartingResponder, StartupGate, bind
from shared.startup import Startup, Step


def test_the_stand_in_says_alive_not_ready_and_refuses_the_api() -> None:
    sock = bind("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    responder = StartingResponder(sock, lambda: "loading").start()
    try:
        health = httpx.get(f"{url}/healthz", timeout=5)
        ready = httpx.get(f"{url}/readyz", timeout=5)
        api = httpx.post(f"{url}/api/v1/rounds", json={}, timeout=5)
    finally:
        responder.stop()
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "down",
        "checks": {"startup": {"state": "down", "reason": "loading"}},
        "down": ["startup"],
    }
    assert api.status_code == 503
    assert api.headers["content-type"] == "application/problem+json"
    assert api.headers["retry-after"]
    assert "starting (loading)" in api.json()["detail"]
    for answer in (health, ready, api):  # the same browser protections as the app
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
    # Stopping the stand-in leaves the socket listening for the real server.
    assert sock.fileno() != -1
    sock.close()


def test_a_request_made_during_the_handover_is_answered_by_the_next_server() -> None:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    StartingResponder(sock, lambda: "loading").start().stop()
    got: dict[str, Any] = {}

    def request() -> None:  # queued in the backlog while nothing accepts
        got["response"] = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)

    client = threading.Thread(target=request)
    client.start()
    second = StartingResponder(sock, lambda: "second").start()
    client.join(10)
    second.stop()
    sock.close()
    assert got["response"].status_code == 200


async def _call(app: Any, path: str) -> tuple[int, dict[bytes, bytes]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "http", "path": path, "method": "GET"}, receive, send)
    return sent[0]["status"], dict(sent[0].get("headers", []))


@pytest.mark.anyio
async def test_the_gate_refuses_the_api_until_the_database_is_prepared() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    prepared = threading.Event()
    gate = StartupGate(app, prepared.is_set, lambda: "waiting for the database")

    status, headers = await _call(gate, "/api/v1/rounds")
    assert status == 503 and headers[b"content-type"] == b"application/problem+json"
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert (await _call(gate, "/healthz"))[0] == 200
    assert (await _call(gate, "/readyz"))[0] == 200
    prepared.set()
    assert (await _call(gate, "/api/v1/rounds"))[0] == 200


def test_a_failing_step_is_retried_and_readiness_names_what_it_waits_for(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shared.startup.FIRST_BACKOFF", 0.01)
    tries = {"topics": 0}
    later: list[str] = []

    def topics() -> None:
        tries["topics"] += 1
        if tries["topics"] < 4:
            raise ConnectionError("broker at 127.0.0.1:1 refused")

    startup = Startup(
        [
            Step("database", lambda: None, "the database"),
            Step("topics", topics, "the broker at 127.0.0.1:1"),
            Step("relay", lambda: later.append("relay"), "the relay"),
        ]
    )
    check = startup.check()
    assert (check.state, check.reason) == ("down", "database in progress")

    with caplog.at_level(logging.INFO, logger="shared.startup"):
        startup.start()
        assert startup.finished.wait(10)
    startup.stop()

    assert tries["topics"] == 4 and later == ["relay"]
    assert startup.check().state == "ok" and startup.waiting() == "started"
    waits = [r for r in caplog.records if "waits for" in r.getMessage()]
    assert len(waits) == 1  # one line when it starts waiting, not one per try
    assert "the broker at 127.0.0.1:1" in waits[0].getMessage()
    assert any("is back" in r.getMessage() for r in caplog.records)


def test_while_a_step_fails_the_check_says_why_and_later_steps_wait() -> None:
    release = threading.Event()
    ran: list[str] = []

    def database() -> None:
        if not release.is_set():
            raise ConnectionError("connection refused")

    startup = Startup(
        [
            Step("database", database, "the database"),
            Step("relay", lambda: ran.append("relay"), "the relay"),
        ]
    )
    startup.start()
    try:
        for _ in range(200):
            if "refused" in startup.waiting():
                break
            threading.Event().wait(0.01)
        check = startup.check()
        assert check.state == "down"
        assert check.reason == (
            "waiting for the database: ConnectionError: connection refused"
        )
        assert not startup.done("database") and ran == []
        release.set()
        assert startup.finished.wait(15)
        assert ran == ["relay"]
    finally:
        startup.stop()


def test_stopping_gives_up_on_a_step_that_never_succeeds() -> None:
    def never() -> None:
        raise ConnectionError("down")

    startup = Startup([Step("topics", never, "the broker")])
    startup.start()
    startup.stop()
    assert not startup.finished.is_set() and not startup.done("topics")
