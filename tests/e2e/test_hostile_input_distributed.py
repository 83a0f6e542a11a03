"""Hostile input against a distributed service over a real socket.

``pmf serve indicators`` on Kafka and PostgreSQL builds its HTTP app with the
same code as the embedded process; here a chunked body is streamed at it
through a plain socket, so the test sees when the server stops reading.
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Distributed
from tests.support.processes import role_tokens

pytestmark = pytest.mark.e2e
P = "/api/v1"


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, kafka: str, postgres: str
) -> Iterator[Distributed]:
    system = Distributed(tmp_path_factory.mktemp("hostile"), kafka, postgres)
    try:
        system.start("indicators")
        system.wait_ready("indicators")
        system.tokens = role_tokens(system.auth_env)
        yield system
    finally:
        for name in list(system.procs):
            system.stop(name)


def stream_until_answered(port: int, path: str, most: int) -> tuple[int, bytes]:
    """Send a chunked body of up to ``most`` bytes, no token; how much was sent
    before the server answered, and its answer."""
    chunk = b"z" * 65_536
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        while sent < most:
            readable, _, _ = select.select([s], [], [], 0)
            if readable:
                break
            try:
                s.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        s.settimeout(60)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            more = s.recv(65_536)
            if not more:
                break
            answer += more
    return sent, answer


def test_a_chunked_body_is_cut_off_at_the_limit_without_a_token(
    service: Distributed,
) -> None:
    sent, answer = stream_until_answered(
        service.ports["indicators"], f"{P}/indicators", 200_000_000
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b"application/problem+json" in head.lower()
    assert json.loads(body)["title"] == "Request too large"
    assert sent < 40_000_000  # the server answered long before the body ended


def call(service: Distributed, method: str, path: str, body: str) -> httpx.Response:
    return httpx.request(
        method,
        service.url("indicators") + path,
        content=body,
        headers={
            "Authorization": f"Bearer {service.tokens['admin']}",
            "Content-Type": "application/json",
        },
        timeout=30,
    )


def indicator(code: str, **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title": f"Indicator {code}",
        "outcome": "Be healthy",
        "polarity": "higher_is_better",
        "unit": "percent",
        **changes,
    }


def test_bad_text_codes_keys_and_nulls_are_problems(service: Distributed) -> None:
    made = call(service, "POST", f"{P}/indicators", json.dumps(indicator("HI 1")))
    assert made.status_code == 201, made.text
    assert made.headers["Location"] == f"{P}/indicators/HI%201"
    answers = [
        (
            call(
                service,
                "POST",
                f"{P}/indicators",
                json.dumps(indicator("HI 2", title="Bell\u0007")),
            ),
            422,
            "U+0007",
        ),
        (
            call(service, "POST", f"{P}/indicators", json.dumps(indicator(".."))),
            422,
            "letters and digits",
        ),
        (
            call(
                service,
                "POST",
                f"{P}/indicators",
                json.dumps(indicator("HI 3"))[:-1] + ', "code": "HI 4"}',
            ),
            400,
            "'code' twice",
        ),
        (
            call(service, "PATCH", f"{P}/indicators/HI%201", '{"title": null}'),
            422,
            "may not be null",
        ),
        (
            call(service, "PATCH", f"{P}/indicators/HI%201", '{"laa": 0}'),
            422,
            "laa",
        ),
    ]
    for answer, status, words in answers:
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert words in answer.json()["detail"]
    kept = httpx.get(service.url("indicators") + f"{P}/indicators/HI%201").json()
    assert kept["title"] == "Indicator HI 1" and kept["laa"] is False
    missing = httpx.get(service.url("indicators") + f"{P}/indicators/HI%202")
    assert missing.status_code == 404


def test_the_openapi_document_lists_problem_answers(service: Distributed) -> None:
    doc = httpx.get(service.url("indicators") + "/openapi.json").json()
    responses = doc["paths"]["/api/v1/indicators"]["post"]["responses"]
    for code in ("400", "401", "403", "404", "409", "413", "422"):
        assert "application/problem+json" in responses[code]["content"]
