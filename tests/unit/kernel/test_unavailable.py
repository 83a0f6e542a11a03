"""A request that meets a passing fault (database away) is answered 503
problem+json with Retry-After, not 500."""

from __future__ import annotations

import sqlite3

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa_exc

from shared.http import problems


def test_a_database_that_does_not_answer_is_a_503() -> None:
    app = FastAPI()
    problems.install(app)

    @app.get("/away")
    def away() -> None:
        raise sa_exc.OperationalError(
            "select 1", {}, sqlite3.OperationalError("database is locked")
        )

    @app.get("/bug")
    def bug() -> None:
        raise KeyError("title")

    client = TestClient(app, raise_server_exceptions=False)
    answer = client.get("/away")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "5"
    assert client.get("/bug").status_code == 500
