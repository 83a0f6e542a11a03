"""Property-based fuzzing of the whole HTTP API from its own OpenAPI schema.

Every operation of the document (every path and method) gets schema-valid and
schema-invalid requests, sent with a valid admin token; then a stateful run
follows the document's links (an indicator, round or action created, then the
operations on it). Whatever the input, the answer must never be a server error
and must match the contract: a documented status code, content type, headers
and body schema, and invalid input refused. Driven through Hypothesis directly
rather than schemathesis' pytest plugin, with a fixed seed, sized to take a few
minutes on two cores.

Not checked: that every schema-valid request is accepted (schemathesis'
``positive_data_acceptance``). The schema cannot say everything the domain
rules do (a deadline after the request date, a round that exists, a return
for the lead's own indicator), and such requests are rightly refused with 404,
409 or 422.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.embedded import EmbeddedSystem
from shared.settings import Settings
from tests.integration.conftest import indicator

P = "/api/v1"
EXAMPLES = 10  # per operation and mode: a minute or two of CPU on two cores
# Scenarios of up to 6 steps; with 30 a run once created nothing to follow.
STATEFUL_EXAMPLES = 45
CHECKS: list[Callable[..., Any]] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder in memory where the machine has one: thousands of small commits,
    each synced to disk, would make a busy machine's disk the measure of this
    test."""
    shm = Path("/dev/shm")
    where = Path(tempfile.mkdtemp(dir=shm if shm.is_dir() else None))
    try:
        yield where
    finally:
        shutil.rmtree(where, ignore_errors=True)


def _system(scratch: Path) -> tuple[EmbeddedSystem, str]:
    where = tempfile.mkdtemp(dir=scratch)
    system = EmbeddedSystem(Settings(data_dir=Path(where) / "data"))
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


def _describe(case: Any, failure: BaseException) -> str:
    found = getattr(failure, "exceptions", None) or [failure]
    reasons = "; ".join(str(f).splitlines()[0] for f in found)
    return (
        f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200}"
        f" -> {reasons}"
    )


@pytest.mark.timeout(1800)  # a minute or two alone; far longer on a crowded machine
def test_every_operation_keeps_to_its_contract(scratch: Path) -> None:
    system, token = _system(scratch)
    schema = schemathesis.openapi.from_asgi("/openapi.json", system.app())
    headers = {"Authorization": f"Bearer {token}"}
    document = system.app().openapi()
    documented = sum(
        1 for item in document["paths"].values() for m in item if m != "parameters"
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == documented > 30
    failures: list[str] = []
    calls: list[int] = []

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
                phases=[Phase.generate],
            )
            def fuzz(case: Any) -> None:
                response = case.call(headers=headers)
                calls.append(response.status_code)
                try:
                    case.validate_response(response, checks=CHECKS)
                except AssertionError as failure:  # schemathesis' failures
                    failures.append(_describe(case, failure))

            try:
                fuzz()
            except Exception as exc:
                # An operation without parameters has no invalid request to make.
                if mode is GenerationMode.POSITIVE or "Unsatisfiable" not in repr(
                    type(exc)
                ):
                    raise
    assert failures == []
    assert len(calls) > 10 * len(operations)
    assert any(c < 300 for c in calls) and any(c == 422 for c in calls)


@pytest.mark.timeout(1800)
def test_linked_operations_keep_to_their_contract(scratch: Path) -> None:
    """Follow the links from created things, so the operations on an indicator,
    a round or an action run on ones that exist, not only on unknown keys.

    Each scenario runs against a new system, so that Hypothesis sees the same
    answers when it runs a scenario again; failures are collected rather than
    raised, so every one is reported.
    """
    system, _token = _system(scratch)
    schema = schemathesis.openapi.from_asgi("/openapi.json", system.app())
    statuses: list[tuple[str, int]] = []
    failures: list[str] = []

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            fresh, token = _system(scratch)
            self.app = fresh.app()
            self.headers = {"Authorization": f"Bearer {token}"}

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": self.headers, "app": self.app}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            statuses.append((f"{case.method} {case.path}", response.status_code))
            try:
                case.validate_response(response, checks=CHECKS)
            except AssertionError as failure:
                failures.append(_describe(case, failure))

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
            stateful_step_count=6,
            phases=[Phase.generate],
        )
    )
    assert failures == []
    assert len(statuses) > STATEFUL_EXAMPLES
    followed = {op for op, status in statuses if status < 300 and "{" in op}
    assert any("{code}" in op for op in followed), "links led to a created thing"
