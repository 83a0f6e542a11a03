"""the latest result at a time read from the result rows, not a copy of them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 17:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_RESULT = sa.text("kind = 'result'")


def upgrade() -> None:
    op.create_index(
        "ix_timeline_results",
        "rm_timeline",
        ["code", "period_end", "sort_key"],
        unique=False,
        sqlite_where=_RESULT,
        postgresql_where=_RESULT,
    )
    op.execute("DELETE FROM rm_timeline WHERE kind = 'latest'")


def downgrade() -> None:
    # The "latest" rows are derived: a replay (``pmf replay``) writes them again
    # under the older code.
    op.drop_index("ix_timeline_results", table_name="rm_timeline")
