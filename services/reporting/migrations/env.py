"""Alembic environment for the reporting read model on PostgreSQL.

The reporting database also holds the service's own event store (events,
tracking); both are migrated here. The URL comes from the ``sqlalchemy.url``
option or ``PMF_DATABASE_URL``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import MetaData, engine_from_config, pool

from services.reporting.tables import metadata as reporting_metadata
from shared.eventstore.schema import metadata as store_metadata

config = context.config
target = MetaData()
for source in (store_metadata, reporting_metadata):
    for table in source.tables.values():
        table.to_metadata(target)
target_metadata = target
MANAGED = set(target.tables)


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Only the tables this environment manages (not tokens, not other services)."""
    if type_ == "table":
        return name in MANAGED
    return True


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ["PMF_DATABASE_URL"]
    connectable = engine_from_config(
        {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            version_table="alembic_version_reporting",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
