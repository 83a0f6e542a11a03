"""The reporting read model's Alembic migrations match the tables in code."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.reporting.schema_migrations import check, upgrade

pytestmark = pytest.mark.e2e


def test_migrations_build_the_read_model_and_alembic_check_passes(
    postgres: str,
) -> None:
    url = f"{postgres}/pmf_test"
    upgrade(url)
    check(url)  # raises when models and migrations differ
    tables = set(sa.inspect(sa.create_engine(url)).get_table_names())
    assert {"rm_indicators", "rm_timeline", "events", "stream_tracking"} <= tables
