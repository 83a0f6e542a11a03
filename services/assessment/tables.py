"""Tables the assessment service keeps: facts, rounds, answers and decisions."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Everything the rules read about one indicator, and its current assessment.
indicator_facts = sa.Table(
    "asm_indicators",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("definition", sa.Text),  # JSON, null until registered
    sa.Column("results", sa.Text, nullable=False),  # JSON list in arrival order
    sa.Column("assessment", sa.Text),  # JSON of the last current AssessmentChanged
)

# Collection rounds as the assessment needs them.
rounds = sa.Table(
    "asm_rounds",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("period_end", sa.String(10), nullable=False),
    sa.Column("scope", sa.Text),  # JSON list or null (all measurable)
    sa.Column("closed", sa.Boolean, nullable=False),
    sa.Column("deadline_passed", sa.Boolean, nullable=False),
)

# Each indicator's assessment at each round, and the flags raised as challenges.
round_assessments = sa.Table(
    "asm_round_assessments",
    metadata,
    sa.Column("round_id", sa.String(40), primary_key=True),
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("raised", sa.Text, nullable=False),  # JSON list of flag codes
)

# The Executive's latest decision on a flagged indicator for a round.
decisions = sa.Table(
    "asm_decisions",
    metadata,
    sa.Column("round_id", sa.String(40), primary_key=True),
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)

# The framework settings in force (one row).
framework_settings = sa.Table(
    "asm_settings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)
