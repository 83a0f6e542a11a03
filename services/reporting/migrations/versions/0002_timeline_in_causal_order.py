"""timeline in causal order

The timeline is read in the order facts were recorded in the log (their
occurred_at, recorded_at, stream and version), not the order a consumer
received them. Rows already there keep their old order: their key is their
times and their insertion number.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 20:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "rm_timeline", sa.Column("sort_key", sa.String(length=250), nullable=True)
    )
    op.execute(
        "UPDATE rm_timeline SET sort_key = valid_from || '/' || recorded_at"
        " || '/' || lpad(CAST(seq AS TEXT), 12, '0')"
    )
    op.alter_column("rm_timeline", "sort_key", nullable=False)
    op.drop_index("ix_timeline_asof", table_name="rm_timeline")
    op.create_index(
        "ix_timeline_order",
        "rm_timeline",
        ["code", "kind", "sort_key"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_timeline_order", table_name="rm_timeline")
    op.create_index(
        "ix_timeline_asof",
        "rm_timeline",
        ["code", "kind", "valid_from", "seq"],
        unique=False,
    )
    op.drop_column("rm_timeline", "sort_key")
