"""Tables the assessment service keeps: each indicator's facts and last answer."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Everything the rules read about one indicator, and the last assessment made.
indicator_facts = sa.Table(
    "asm_indicators",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("definition", sa.Text),  # JSON, null until registered
    sa.Column("results", sa.Text, nullable=False),  # JSON list in arrival order
    sa.Column("assessment", sa.Text),  # JSON of the last AssessmentChanged
)

# The framework settings in force (one row).
framework_settings = sa.Table(
    "asm_settings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)
