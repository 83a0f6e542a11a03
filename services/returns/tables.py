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

# LAA results for an indicator returns has not heard of yet. In distributed
# mode the registration and the result travel on different topics, so a result
# can arrive first: it waits here (written in the transaction that decided so)
# until the registration is applied or its wait is over.
laa_waiting = sa.Table(
    "ret_laa_waiting",
    metadata,
    sa.Column("result_id", sa.String(200), primary_key=True),
    sa.Column("indicator_code", sa.String(32), nullable=False, index=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("received_at", sa.String(40), nullable=False),
    sa.Column("wait_until", sa.String(40), nullable=False),
)
