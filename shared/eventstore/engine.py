"""Database engines for SQLite (embedded) and PostgreSQL (distributed).

SQLite is put in WAL mode with full sync, so an accepted event survives a
crash, and every writing transaction starts ``BEGIN IMMEDIATE`` so two
writers queue instead of failing half-way with "database is locked". Queries
go through :func:`read_only`, whose plain transactions never wait.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

READ_ONLY = "pmf_read_only"


def read_only(engine: Engine) -> Engine:
    """The same database for queries: on SQLite a plain (deferred) transaction,
    so readers see the last committed state without queueing behind writers."""
    return engine.execution_options(**{READ_ONLY: True})


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the pragmas or pool settings pmf relies on."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    path = sa.engine.make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")  # WAL readers never wait for the writer
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_tables_once(metadata: sa.MetaData, engine: Engine, table: sa.Table) -> None:
    """Create ``metadata``'s tables when missing, where several services share one
    database and may start together: one that loses the race to create ``table``
    finds it made by the winner instead of failing."""
    try:
        metadata.create_all(engine)
    except sa.exc.DBAPIError:
        if not sa.inspect(engine).has_table(table.name):
            raise
