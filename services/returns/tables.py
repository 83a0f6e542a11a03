"""Tables the returns service keeps beside its log."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# What returns needs to know of each indicator, projected from indicator events.
known_indicators = sa.Table(
    "ret_indicators",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("measurable", sa.Boolean, nullable=False),
    sa.Column("retired", sa.Boolean, nullable=False),
    sa.Column("laa", sa.Boolean, nullable=False),
    sa.Column("frequency", sa.String(20), nullable=False),
    sa.Column("lead_organisation", sa.String(200)),
    sa.Column("lead_name", sa.String(200)),
    sa.Column("lead_email", sa.String(320)),
)

# Which (indicator, period) has at least one result: written with the append.
results_index = sa.Table(
    "ret_results",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("period_end", sa.String(10), primary_key=True),
    sa.Column("returns", sa.Integer, nullable=False),
    sa.Column("last_source", sa.String(10), nullable=False),
    sa.Column("last_recorded_at", sa.String(40), nullable=False),
)

# Every LAA result_id accepted, so the same result twice is recorded once.
laa_ids = sa.Table(
    "ret_laa_ids",
    metadata,
    sa.Column("result_id", sa.String(200), primary_key=True),
)
