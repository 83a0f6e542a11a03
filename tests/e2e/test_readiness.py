"""/readyz follows the database: a service whose PostgreSQL stops stays alive
(/healthz 200) but stops being ready (/readyz 503 naming the database), and is
ready again once PostgreSQL is back, without a restart.

The service and its PostgreSQL are this module's own; the session's servers are
never stopped.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.postgres import (
    free_port,
    private_run_dir,
    start_private_postgres,
    stop_private_postgres,
)
from tests.support.processes import Process, eventually

pytestmark = pytest.mark.e2e
DATABASES = ["pmf_indicators", "pmf_auth"]


@dataclass
class Setup:
    url: str
    run_dir: Path
    pg_port: int


@pytest.fixture
def indicators(kafka: str, tmp_path: Path) -> Iterator[Setup]:
    """``pmf serve indicators`` on a PostgreSQL of its own."""
    run_dir, pg_port = private_run_dir(), free_port()
    proc: Process | None = None
    try:
        postgres = start_private_postgres(run_dir, pg_port, DATABASES)
        port = free_port()
        proc = Process(
            ["serve", "indicators", "--port", str(port)],
            {
                "PMF_MODE": "distributed",
                "PMF_KAFKA_BOOTSTRAP": kafka,
                "PMF_DATABASE_URL": f"{postgres}/pmf_indicators",
                "PMF_AUTH_DATABASE_URL": f"{postgres}/pmf_auth",
                "PMF_DATA_DIR": str(tmp_path / "data"),
            },
            tmp_path / "indicators.log",
        )
        url = f"http://127.0.0.1:{port}"
        proc.wait_http(f"{url}/readyz", timeout=120)
        yield Setup(url, run_dir, pg_port)
    finally:
        if proc is not None:
            proc.stop()
        stop_private_postgres(run_dir, pg_port)
        shutil.rmtree(run_dir.parent, ignore_errors=True)


def get(url: str) -> tuple[int, Any]:
    response = httpx.get(url, timeout=15)
    return response.status_code, response.json()


def test_readyz_follows_the_database_while_healthz_stays_up(
    indicators: Setup,
) -> None:
    assert get(f"{indicators.url}/readyz") == (
        200,
        {"status": "ready", "checks": {"database": "ok", "relay": "ok"}},
    )

    stop_private_postgres(indicators.run_dir, indicators.pg_port)

    def not_ready() -> dict[str, Any]:
        status, body = get(f"{indicators.url}/readyz")
        assert status == 503, body
        return dict(body)

    body = eventually(not_ready, timeout=30)
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == "not ready"
    assert get(f"{indicators.url}/healthz") == (200, {"status": "ok"})

    start_private_postgres(indicators.run_dir, indicators.pg_port, DATABASES)

    def ready_again() -> None:
        status, body = get(f"{indicators.url}/readyz")
        assert (status, body["checks"]) == (200, {"database": "ok", "relay": "ok"})

    eventually(ready_again, timeout=60)
    assert get(f"{indicators.url}/healthz") == (200, {"status": "ok"})
