"""The private PostgreSQL server the e2e tests rely on keeps data across a restart."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.postgres import (
    free_port,
    private_run_dir,
    start_private_postgres,
    stop_private_postgres,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def server() -> Iterator[tuple[Path, int]]:
    run_dir, port = private_run_dir(), free_port()
    try:
        yield run_dir, port
    finally:
        stop_private_postgres(run_dir, port)
        shutil.rmtree(run_dir.parent, ignore_errors=True)


def query_once(url: str, *statements: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            rows: list[tuple[object, ...]] = []
            for statement in statements:
                result = conn.execute(text(statement))
                rows = [tuple(row) for row in result] if result.returns_rows else []
            return rows
    finally:
        engine.dispose()


def test_a_row_written_before_a_restart_is_read_after_it(
    server: tuple[Path, int],
) -> None:
    run_dir, port = server
    base = start_private_postgres(run_dir, port, ["pmf_one", "pmf_two"])
    assert base == f"postgresql+psycopg://pmf:pmf@127.0.0.1:{port}"

    query_once(
        f"{base}/pmf_one",
        "CREATE TABLE kept (id int PRIMARY KEY, note text)",
        "INSERT INTO kept VALUES (1, 'survives a restart')",
    )
    assert query_once(f"{base}/pmf_two", "SELECT current_user") == [("pmf",)]

    stop_private_postgres(run_dir, port)
    stop_private_postgres(run_dir, port)  # stopping a stopped server is fine
    again = start_private_postgres(run_dir, port, ["pmf_one", "pmf_two"])
    start_private_postgres(run_dir, port, ["pmf_one", "pmf_two"])  # idempotent

    assert query_once(f"{again}/pmf_one", "SELECT id, note FROM kept") == [
        (1, "survives a restart")
    ]


def test_the_app_role_is_not_a_superuser_but_may_create_databases(
    server: tuple[Path, int],
) -> None:
    run_dir, port = server
    base = start_private_postgres(run_dir, port, ["pmf"])

    rows = query_once(
        f"{base}/pmf",
        "SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user",
    )

    assert rows == [(False, True)]


def test_a_server_that_cannot_start_raises_with_the_scripts_output(
    tmp_path: Path,
) -> None:
    with pytest.raises(RuntimeError, match=r"pg\.sh start failed"):
        start_private_postgres(tmp_path / "pg", 70000, ["pmf"])
