"""Read-model tables of reporting (SQLite embedded, PostgreSQL distributed)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# One row per indicator: its definition, results by period, latest assessment.
framework_rows = sa.Table(
    "rm_indicators",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("definition", sa.Text, nullable=False),
    sa.Column("results", sa.Text, nullable=False),  # JSON: period_end -> newest result
    sa.Column("assessment", sa.Text),
)

settings_row = sa.Table(
    "rm_settings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)
