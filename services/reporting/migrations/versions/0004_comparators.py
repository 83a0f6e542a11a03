"""comparator figures: England, regions and other councils

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rm_comparators",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("indicator_code", sa.String(length=32), nullable=False),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.Column("period_end", sa.String(length=10), nullable=False),
        sa.Column("area_type", sa.String(length=30), nullable=False),
        sa.Column("area_name", sa.Text(), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("published", sa.String(length=10), nullable=True),
        sa.Column("valid_from", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index(
        "ix_comparators_indicator",
        "rm_comparators",
        ["indicator_code", "period_end"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_comparators_indicator", table_name="rm_comparators")
    op.drop_table("rm_comparators")
