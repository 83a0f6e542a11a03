"""``pmf serve web`` and a token database that is away, with a real PostgreSQL
stopped and started.

Started while its token database is down, the web service must not exit: it
answers ``/healthz``, says in ``/readyz`` that it waits for the token database,
refuses pages with a 503 page and ``Retry-After``, and serves them once the
database is back. A database that stops later gives the same refusal (not a
500), and a session begun before the outage still works after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import (
    base_url,
    free_port,
    private_run_dir,
    start_private_postgres,
    stop_private_postgres,
)
from tests.support.processes import Process, create_token, eventually

pytestmark = pytest.mark.e2e


@dataclass
class Setup:
    url: str
    run_dir: Path
    pg_port: int
    env: dict[str, str]
    proc: Process

    def database_down(self) -> None:
        stop_private_postgres(self.run_dir, self.pg_port)

    def database_up(self) -> None:
        start_private_postgres(self.run_dir, self.pg_port, ["pmf_auth"])


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Setup]:
    """The web service started while its token database is stopped (the four
    services are not running: the pages' sign-in needs only the database)."""
    run_dir, pg_port = private_run_dir(), free_port()
    proc: Process | None = None
    try:
        start_private_postgres(run_dir, pg_port, ["pmf_auth"])  # makes the database
        stop_private_postgres(run_dir, pg_port)
        away = f"http://127.0.0.1:{free_port()}"
        env = {
            "PMF_MODE": "distributed",
            "PMF_AUTH_DATABASE_URL": f"{base_url(pg_port)}/pmf_auth",
        }
        port = free_port()
        proc = Process(
            ["serve", "web", "--port", str(port)],
            {
                **env,
                **{f"PMF_{name}_URL": away for name in ("INDICATORS", "RETURNS")},
                **{f"PMF_{name}_URL": away for name in ("ASSESSMENT", "REPORTING")},
            },
            tmp_path / "web.log",
        )
        url = f"http://127.0.0.1:{port}"
        proc.wait_http(f"{url}/healthz", timeout=60)
        yield Setup(url, run_dir, pg_port, env, proc)
    finally:
        if proc is not None:
            proc.stop()
        stop_private_postgres(run_dir, pg_port)


def _refused(answer: httpx.Response, words: str) -> None:
    assert answer.status_code == 503, answer.text[:300]
    assert answer.headers["retry-after"] == "5"
    assert answer.headers["content-type"].startswith("text/html")
    assert words in answer.text


def test_the_web_service_waits_for_its_token_database(web: Setup) -> None:
    browser = httpx.Client(base_url=web.url, timeout=30, follow_redirects=False)

    # Down at the start: alive, not ready, naming the token database.
    def waiting() -> httpx.Response:
        ready = browser.get("/readyz")
        reason = ready.json()["checks"]["startup"].get("reason", "")
        assert "waiting for the token database" in reason, reason
        return ready

    ready = eventually(waiting, timeout=30)
    assert ready.status_code == 503
    assert ready.json()["checks"]["sessions"]["state"] == "down"
    assert browser.get("/healthz").status_code == 200
    _refused(browser.get("/login"), "waiting for the token database")

    # Back: the tables are made and the pages serve, without a restart.
    web.database_up()
    page = eventually(lambda: _served(browser.get("/login")), timeout=60)
    assert "Access token" in page.text
    checks = browser.get("/readyz").json()["checks"]
    assert checks["startup"]["state"] == "ok"
    assert checks["sessions"]["state"] == "ok"

    token = create_token("admin", web.env, "--name", "Pat Ng")
    signed = browser.post("/login", data={"token": token, "next": "/login"})
    assert signed.status_code == 303, signed.text[:300]
    assert "pmf_session" in browser.cookies

    # Down again later: the same refusal, not a failure; the process stays up.
    web.database_down()
    _refused(browser.get("/login"), "The token database is not answering")
    assert browser.get("/healthz").status_code == 200
    assert browser.get("/readyz").json()["checks"]["sessions"]["state"] == "down"

    # Back again: the session begun before the outage still holds.
    web.database_up()
    again = eventually(lambda: _served(browser.get("/login")), timeout=60)
    assert "Signed in as" in again.text
    assert web.proc.proc.poll() is None


def _served(answer: httpx.Response) -> httpx.Response:
    assert answer.status_code == 200, answer.text[:300]
    return answer
