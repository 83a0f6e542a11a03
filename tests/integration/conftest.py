"""An embedded system in this process, driven through its HTTP API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.embedded import EmbeddedSystem
from shared.settings import Settings


class Api:
    """A test client that fails loudly on unexpected statuses."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        expect: int | tuple[int, ...] = (200, 201),
        **kw: Any,
    ) -> Any:
        response = self.client.request(method, path, **kw)
        wanted = expect if isinstance(expect, tuple) else (expect,)
        assert response.status_code in wanted, f"{method} {path}: {response.text}"
        return response.json()

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, json=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("PUT", path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("PATCH", path, json=json, **kw)


@pytest.fixture
def system(tmp_path: Path) -> EmbeddedSystem:
    return EmbeddedSystem(Settings(data_dir=tmp_path / "data"))


@pytest.fixture
def api(system: EmbeddedSystem) -> Iterator[Api]:
    with TestClient(system.app()) as client:
        yield Api(client)


def indicator(code: str = "NI 50", **overrides: Any) -> dict[str, Any]:
    body = {
        "code": code,
        "title": f"Indicator {code}",
        "outcome": "Be healthy",
        "polarity": "higher_is_better",
        "unit": "percent",
        "frequency": "annual",
        "laa": False,
        "measurable": True,
        "lead_organisation": "Primary Care Trust",
        "named_lead": {"name": "Dana Wright", "email": "dana@example.org"},
    }
    body.update(overrides)
    return body


def at(day: str) -> dict[str, str]:
    """Headers for a command that took effect on ``day``."""
    date.fromisoformat(day)
    return {"Occurred-At": f"{day}T12:00:00Z"}
