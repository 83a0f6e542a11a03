"""Property-based fuzzing of the whole HTTP API from its own OpenAPI schema.

Every generated request is sent with a valid admin token; whatever the input,
the answer must never be a server error. Driven through Hypothesis directly
(one run per operation) rather than schemathesis' pytest plugin.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from services.embedded import EmbeddedSystem
from shared.settings import Settings
from tests.integration.conftest import indicator

P = "/api/v1"


def _system() -> tuple[EmbeddedSystem, str]:
    system = EmbeddedSystem(Settings(data_dir=Path(tempfile.mkdtemp()) / "data"))
    token = system.tokens.create("admin", "fuzzer")
    with TestClient(system.app()) as client:
        headers = {"Authorization": f"Bearer {token}"}
        client.post(f"{P}/indicators", json=indicator("NI 50"), headers=headers)
        client.post(
            f"{P}/rounds",
            json={
                "id": "R1",
                "period_end": "2009-03-31",
                "requested": "2009-03-31",
                "deadline": "2009-04-30",
            },
            headers=headers,
        )
    return system, token


def test_no_input_causes_a_server_error() -> None:
    system, token = _system()
    app = system.app()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    calls: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def fuzz(case: Any) -> None:
            response = case.call(headers=headers)
            calls.append(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200}"
                    f" -> {response.status_code}: {response.text[:300]}"
                )

        fuzz()
    assert failures == []
    assert len(calls) > 10 * len(operations)
    assert any(c < 300 for c in calls) and any(c == 422 for c in calls)
