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
    """A test client that fails loudly on unexpected statuses.

    Calls are made as ``role`` (admin by default) with a real token.
    """

    def __init__(self, client: TestClient, system: EmbeddedSystem) -> None:
        self.client = client
        self.system = system
        self.tokens: dict[tuple[str, str | None], str] = {}

    def token(self, role: str, lead_email: str | None = None) -> str:
        key = (role, lead_email)
        if key not in self.tokens:
            self.tokens[key] = self.system.tokens.create(
                role,  # type: ignore[arg-type]
                f"test {role}",
                lead_email,
            )
        return self.tokens[key]

    def call(
        self,
        method: str,
        path: str,
        expect: int | tuple[int, ...] = (200, 201),
        role: str | None = "admin",
        lead_email: str | None = None,
        **kw: Any,
    ) -> Any:
        headers = dict(kw.pop("headers", None) or {})
        if role is not None:
            headers["Authorization"] = f"Bearer {self.token(role, lead_email)}"
        response = self.client.request(method, path, headers=headers, **kw)
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
        yield Api(client, system)


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
